package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/internal/atomicfile"
	"github.com/palletops/pallet/internal/scenario"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// cmdCrateAuthoring is palletc crate new and palletc crate test: writing
// a crate and checking its scenarios, so that a pack's CI is one command.
func cmdCrateAuthoring(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("palletc crate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	if args[0] == "new" {
		return cmdCrateNew(fs, args[1:], stdout, stderr)
	}
	return cmdCrateTest(fs, args[1:], stdout, stderr)
}

// crateName is what the compiler takes as a crate's directory name.
var crateName = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$`)

func cmdCrateNew(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	dir := fs.String("dir", ".", "the directory to create the crate in (a crate path, or a pack's crates/)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "palletc crate new NAME [--dir DIR]: write DIR/NAME/ with a crate.yaml, a default.sh.tmpl with one step and a testdata scenario\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "palletc crate new: want one crate name (lower case letters, digits and dashes: my-app)")
		return exitUsage
	}
	name := pos[0]
	if !crateName.MatchString(name) {
		fmt.Fprintf(stderr, "palletc crate new: crate name %q must be lower case letters, digits and dashes, starting with a letter (my-app)\n", name)
		return exitUsage
	}
	crateDir := filepath.Join(*dir, name)
	if _, err := os.Lstat(crateDir); err == nil {
		fmt.Fprintf(stderr, "palletc crate new: %s already exists: pick another name or --dir\n", crateDir)
		return exitInput
	}
	files := map[string]string{
		"crate.yaml": fmt.Sprintf(`summary: Write /etc/%[1]s.conf (say what the crate does, in one line)
families: [debian, rhel, alpine, arch]
notes: |
  One step: /etc/%[1]s.conf holds the greeting. Say here what the crate
  changes, what it needs and what it leaves alone.
examples:
  - summary: the default greeting
    yaml: |
      - %[1]s
params:
  greeting:
    type: string
    default: hello
    doc: what /etc/%[1]s.conf says
`, name),
		"default.sh.tmpl": fmt.Sprintf(`{{ step "/etc/%[1]s.conf" }}
{{ check }}
[[ $(</etc/%[1]s.conf) == {{ .raw.greeting | q }} ]]
{{ apply }}
printf '%%s\n' {{ .raw.greeting | q }} | pallet_write_file /etc/%[1]s.conf 0644 root root
`, name),
		"testdata/default.txtar":  "The default greeting.\n-- params.yaml --\n{}\n",
		"testdata/greeting.txtar": "Another greeting, with a space and a quote: quoted.\n-- params.yaml --\ngreeting: \"it's me\"\n",
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := atomicfile.WriteDirs(filepath.Join(crateDir, filepath.FromSlash(n)), []byte(files[n]), 0o644, 0o755); err != nil {
			fmt.Fprintf(stderr, "palletc crate new: %v\n", err)
			return exitInput
		}
	}
	// Fill the scenarios in, so that the new crate's test passes as written.
	var quiet bytes.Buffer
	if code := runCrateTests(crateDir, true, &quiet, stderr); code != exitOK {
		return code
	}
	fmt.Fprintf(stdout, "wrote %s: crate.yaml, default.sh.tmpl, testdata/default.txtar, testdata/greeting.txtar\n", crateDir)
	fmt.Fprintf(stdout, "edit them, then run: palletc crate test %s -update (and look at the diff)\n", crateDir)
	return exitOK
}

func cmdCrateTest(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	update := fs.Bool("update", false, "rewrite the scenarios with what the crates render now")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "palletc crate test [DIR] [-update]: render the testdata scenarios of the crate in DIR (or of every crate under DIR, or DIR/crates) and check them, and check every script with bash -n, mvdan.cc/sh and shellcheck when present\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		fmt.Fprintln(stderr, "palletc crate test: want at most one directory")
		return exitUsage
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	return runCrateTests(dir, *update, stdout, stderr)
}

// runCrateTests tests the crate in dir, or every crate in dir (a crate
// path), or in dir/crates (a pack).
func runCrateTests(dir string, update bool, stdout, stderr io.Writer) int {
	var crateDirs []string
	if isFile(filepath.Join(dir, "crate.yaml")) {
		crateDirs = []string{dir}
	} else {
		root := dir
		if !hasCrates(root) && hasCrates(filepath.Join(dir, "crates")) {
			root = filepath.Join(dir, "crates")
		}
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			if e.IsDir() && isFile(filepath.Join(root, e.Name(), "crate.yaml")) {
				crateDirs = append(crateDirs, filepath.Join(root, e.Name()))
			}
		}
	}
	if len(crateDirs) == 0 {
		fmt.Fprintf(stderr, "palletc crate test: no crate in %s (a crate is a directory with a crate.yaml; a pack keeps them in crates/)\n", dir)
		return exitInput
	}
	failures, scenarios := 0, 0
	for _, cd := range crateDirs {
		n, f := testCrate(cd, update, stdout, stderr)
		scenarios += n
		failures += f
	}
	if failures > 0 {
		fmt.Fprintf(stderr, "FAIL: %d problems in %d scenarios of %d crates\n", failures, scenarios, len(crateDirs))
		return exitInput
	}
	verb := "ok"
	if update {
		verb = "updated"
	}
	fmt.Fprintf(stdout, "%s: %d scenarios of %d crates\n", verb, scenarios, len(crateDirs))
	return exitOK
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() }

func hasCrates(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*", "crate.yaml"))
	return len(m) > 0
}

// The scenario project: a scenario's params are the one call of phase
// test of group scenario, as in golden/golden_test.go, which pins the
// built-in crates' scenarios the same way.
const (
	scenGroup   = "scenario"
	scenPhase   = "test"
	scenFile    = "scenario-project.yaml"
	scenLine    = 6
	scenIndent  = 12
	scenAdmin   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@scenario\n"
	familyOfAll = "debian"
)

var representativeOS = map[string]string{"debian": "debian-12", "rhel": "rocky-9", "alpine": "alpine-3.20", "arch": "arch"}

// testCrate checks one crate's scenarios: how many, and how many
// problems (each told on stderr).
func testCrate(crateDir string, update bool, stdout, stderr io.Writer) (scenarios, problems int) {
	home, err := os.MkdirTemp("", "palletc-crate-test-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 0, 1
	}
	defer os.RemoveAll(home)
	key := filepath.Join(home, "admin.pub")
	os.WriteFile(key, []byte(scenAdmin), 0o600)
	env := &project.Env{User: "deploy", Home: home}
	name := filepath.Base(crateDir)
	parent, _ := filepath.Abs(filepath.Dir(crateDir))
	files, _ := filepath.Glob(filepath.Join(crateDir, "testdata", "*.txtar"))
	if len(files) == 0 {
		fmt.Fprintf(stderr, "%s: no scenario: add testdata/<scenario>.txtar with a comment and a -- params.yaml -- section\n", crateDir)
		return 0, 1
	}
	// The crate is loaded from its own directory's parent, first, as a
	// project's crate path: what a project that adds the pack sees.
	cat, err := compiler.Builtin(env, parent)
	if err != nil {
		cliflag.Report(stderr, err)
		return 0, 1
	}
	c, err := cat.Crate(name)
	if err != nil || c.Builtin {
		fmt.Fprintf(stderr, "%s: crate %s did not load: %v\n", crateDir, name, err)
		return 0, 1
	}
	problem := func(format string, args ...any) {
		fmt.Fprintf(stderr, format+"\n", args...)
		problems++
	}
	for _, file := range files {
		scenarios++
		data, err := os.ReadFile(file)
		if err != nil {
			problem("%v", err)
			continue
		}
		stored, err := scenario.Parse(file, data)
		if err != nil {
			problem("%v", err)
			continue
		}
		if strings.TrimSpace(stored.Comment) == "" {
			problem("%s: say at the top what the scenario covers", file)
		}
		got := &scenario.Scenario{Comment: stored.Comment, Params: stored.Params, Node: stored.Node, Cluster: stored.Cluster, OSes: stored.OSes}
		var b strings.Builder
		fmt.Fprintf(&b, "admin: {user: deploy, public_key_file: %q}\ncrate_paths: [%q]\ngroups:\n  %s:\n    phases:\n      %s:\n        - %s:\n", key, parent, scenGroup, scenPhase, name)
		for _, line := range strings.Split(strings.TrimRight(stored.Params, "\n"), "\n") {
			b.WriteString(strings.Repeat(" ", scenIndent) + line + "\n")
		}
		p, err := compiler.Parse(filepath.Join(home, scenFile), []byte(b.String()), env)
		if err != nil {
			got.Err = scenarioErrorText(err, "", home)
		} else {
			oses := stored.OSes
			if oses == nil {
				oses = crateOSList(c)
			}
			var results []scenario.Result
			for _, osID := range oses {
				if _, err := osfamily.Parse(osID); err != nil {
					problem("%s: oses: %v", file, err)
					continue
				}
				s, err := p.Compile(compiler.Target{Group: scenGroup, Phase: scenPhase, OS: osID, Node: stored.Node, Cluster: scenarioCluster(p, stored)})
				if err != nil {
					results = append(results, scenario.Result{OS: osID, Err: scenarioErrorText(err, osID, home)})
					continue
				}
				steps, helpers, err := scenario.Carve(s.Text.Bytes())
				if err != nil {
					problem("%s on %s: %v", file, osID, err)
					continue
				}
				results = append(results, scenario.Result{OS: osID, Steps: steps, Helpers: helpers})
				for _, msg := range checkScript(s.Text.Bytes()) {
					problem("%s on %s: %s", file, osID, msg)
				}
			}
			got.Renders = scenario.Group(results)
		}
		text, err := got.Format()
		if err != nil {
			problem("%s: %v", file, err)
			continue
		}
		if bytes.Equal(text, data) {
			continue
		}
		if update {
			if err := atomicfile.Write(file, text, 0o644); err != nil {
				problem("%v", err)
			} else {
				fmt.Fprintf(stdout, "updated %s\n", file)
			}
			continue
		}
		problem("%s: renders differently now (run palletc crate test -update and look at the diff):\n%s", file, lineDiff(string(data), string(text)))
	}
	return scenarios, problems
}

// crateOSList is one representative per family the crate supports and
// each OS its own variants name.
func crateOSList(c *compiler.Crate) []string {
	set := map[string]bool{}
	for _, f := range c.Families {
		if id := representativeOS[f]; id != "" {
			set[id] = true
		}
	}
	for _, v := range c.VariantNames() {
		if v != "default" && representativeOS[v] == "" {
			set[osfamily.Concrete(v)] = true
		}
	}
	if len(set) == 0 {
		set[representativeOS[familyOfAll]] = true
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

var tmplLine = regexp.MustCompile(`(\.sh\.tmpl):\d+(?::\d+)?:`)

// scenarioErrorText is an error as a scenario keeps it: placed in
// params.yaml, without the group, phase and OS, nor template lines.
func scenarioErrorText(err error, osID, home string) string {
	var list project.ErrorList
	var one *project.Error
	var errs []*project.Error
	switch {
	case errors.As(err, &list):
		errs = list
	case errors.As(err, &one):
		errs = []*project.Error{one}
	default:
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, e := range errs {
		pos := e.Pos
		if filepath.Base(pos.File) == scenFile {
			pos.File = "params.yaml"
			if pos.Line > scenLine {
				pos.Line -= scenLine
				pos.Col = max(pos.Col-scenIndent, 0)
			} else {
				pos.Line, pos.Col = 0, 0
			}
		}
		msg := strings.TrimPrefix(e.Msg, fmt.Sprintf("group %s, phase %s, for %s: ", scenGroup, scenPhase, osID))
		msg = tmplLine.ReplaceAllString(msg, "$1:")
		msg = strings.ReplaceAll(msg, home+string(filepath.Separator), "")
		fmt.Fprintf(&b, "%s: %s\n", pos, msg)
	}
	return b.String()
}

// checkScript checks a whole compiled script: bash -n, mvdan.cc/sh's
// parser, and shellcheck when it is installed.
func checkScript(text []byte) []string {
	var msgs []string
	if _, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(bytes.NewReader(text), "script"); err != nil {
		msgs = append(msgs, "mvdan.cc/sh: "+err.Error())
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		cmd := exec.Command(bash, "-n")
		cmd.Stdin = bytes.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			msgs = append(msgs, "bash -n: "+strings.TrimSpace(string(out)))
		}
	}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		cmd := exec.Command(sc, "-s", "bash", "-S", "warning", "-")
		cmd.Stdin = bytes.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			msgs = append(msgs, "shellcheck:\n"+strings.TrimSpace(string(out)))
		}
	}
	return msgs
}

// lineDiff is a short line diff: the lines only in want (-) and only in
// got (+), in order.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	inW, inG := map[string]int{}, map[string]int{}
	for _, l := range w {
		inW[l]++
	}
	for _, l := range g {
		inG[l]++
	}
	var b strings.Builder
	for _, l := range w {
		if inG[l] == 0 {
			b.WriteString("  - " + l + "\n")
		}
	}
	for _, l := range g {
		if inW[l] == 0 {
			b.WriteString("  + " + l + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// scenarioCluster is the cluster a scenario's -- cluster -- section lists
// (what .groups holds), nil when it has none.
func scenarioCluster(p *compiler.Project, s *scenario.Scenario) *compiler.Cluster {
	if len(s.Cluster) == 0 {
		return nil
	}
	var nodes []provider.Node
	for _, n := range s.Cluster {
		nodes = append(nodes, provider.Node{ID: n.Name, Name: n.Name, Group: n.Group, Host: n.Address, Address: n.Address})
	}
	return p.NewCluster(nodes)
}
