package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/internal/scenario"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

var update = flag.Bool("update", false, "rewrite the golden files: golden/examples scripts and crates/*/testdata scenarios")

// representative is the OS id each root family is pinned with.
var representative = map[string]string{
	"debian": "debian-12",
	"rhel":   "rocky-9",
	"alpine": "alpine-3.20",
	"arch":   "arch",
}

// testEnv is a machine whose user is deploy, with the golden admin key as
// ~/.ssh/id_ed25519.pub, so that output depends on nobody's real home.
func testEnv(t testing.TB) *project.Env {
	home := t.TempDir()
	key, err := os.ReadFile("testdata/admin.pub")
	if err == nil {
		err = os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519.pub"), key, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &project.Env{User: "deploy", Home: home}
}

// A scenario's params are compiled as the one call of phase test of group
// golden in a project made up around them. paramsLine is the line of that
// project before the first line of params.yaml, and paramsIndent the
// indentation params.yaml gets there: errors are told in params.yaml's own
// lines and columns.
const (
	scenarioGroup = "golden"
	scenarioPhase = "test"
	projectFile   = "scenario-project.yaml"
	paramsLine    = 6
	paramsIndent  = 12
)

func scenarioProject(t *testing.T, crate, params string) (*compiler.Project, error) {
	t.Helper()
	key, _ := filepath.Abs("testdata/admin.pub")
	var b strings.Builder
	fmt.Fprintf(&b, "admin: {user: deploy, public_key_file: %q}\ngroups:\n  %s:\n    phases:\n      %s:\n        - %s:\n", key, scenarioGroup, scenarioPhase, crate)
	for _, line := range strings.Split(strings.TrimRight(params, "\n"), "\n") {
		b.WriteString(strings.Repeat(" ", paramsIndent) + line + "\n")
	}
	return compiler.Parse(projectFile, []byte(b.String()), testEnv(t))
}

// templatePos is a place in a crate template in an error: a scenario
// keeps the template's name but not the line, so that an edit elsewhere
// in the template does not rewrite it.
var templatePos = regexp.MustCompile(`(\.sh\.tmpl):\d+(?::\d+)?:`)

// scenarioError is err as a scenario file keeps it: one line per error,
// placed in params.yaml (or at no line when the error is about the call),
// without the group, phase and OS the section name already says, and
// without the line in the template.
func scenarioError(err error, osID string) string {
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
		if pos.File == projectFile {
			pos.File = "params.yaml"
			if pos.Line > paramsLine {
				pos.Line -= paramsLine
				pos.Col = max(pos.Col-paramsIndent, 0)
			} else {
				pos.Line, pos.Col = 0, 0
			}
		}
		msg := strings.TrimPrefix(e.Msg, fmt.Sprintf("group %s, phase %s, for %s: ", scenarioGroup, scenarioPhase, osID))
		msg = templatePos.ReplaceAllString(msg, "$1:")
		fmt.Fprintf(&b, "%s: %s\n", pos, msg)
	}
	return b.String()
}

// crateOSes is every OS a crate is pinned for: one representative per
// family it supports, and each OS-specific variant it has.
func crateOSes(c *compiler.Crate) []string {
	set := map[string]bool{}
	for _, f := range c.Families {
		set[representative[f]] = true
	}
	for _, v := range c.VariantNames() {
		if v != "default" && representative[v] == "" {
			set[osfamily.Concrete(v)] = true
		}
	}
	var out []string
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// fullScript is one compiled script a scenario or an example renders.
type fullScript struct {
	name string // crates/user/testdata/home-false.txtar on debian-12
	key  string // crate/scenario, or "" for an example's golden file
	text []byte
}

// scenarioRun is one scenario file and what it renders now.
type scenarioRun struct {
	crate   *compiler.Crate
	name    string // the scenario: home-false
	path    string // ../crates/user/testdata/home-false.txtar
	got     *scenario.Scenario
	args    compiler.Args // the call's params with defaults; nil when refused
	renders bool          // some OS rendered steps
	scripts []fullScript
}

func (r *scenarioRun) key() string { return r.crate.Name + "/" + r.name }

// runScenarios renders every scenario of every built-in crate, failing
// the test for a crate without one or a scenario it cannot read.
func runScenarios(t *testing.T) []*scenarioRun {
	t.Helper()
	p, err := compiler.Parse("empty.yaml", []byte("groups: {x: {}}\n"), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	var runs []*scenarioRun
	seen := map[string]bool{}
	for _, c := range p.Crates() {
		seen[c.Name] = true
		files, _ := filepath.Glob(filepath.Join("..", "crates", c.Name, "testdata", "*.txtar"))
		if len(files) == 0 {
			t.Errorf("crate %s has no scenario: add crates/%s/testdata/<scenario>.txtar with a comment and a -- params.yaml -- section, then run go test ./golden -update", c.Name, c.Name)
		}
		for _, file := range files {
			if r := runScenario(t, c, file); r != nil {
				runs = append(runs, r)
			}
		}
	}
	stray, _ := filepath.Glob(filepath.Join("..", "crates", "*", "testdata", "*.txtar"))
	for _, f := range stray {
		if name := filepath.Base(filepath.Dir(filepath.Dir(f))); !seen[name] {
			t.Errorf("%s: there is no built-in crate %s", f, name)
		}
	}
	return runs
}

func runScenario(t *testing.T, c *compiler.Crate, file string) *scenarioRun {
	t.Helper()
	display := strings.TrimPrefix(filepath.ToSlash(file), "../")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Error(err)
		return nil
	}
	stored, err := scenario.Parse(display, data)
	if err != nil {
		t.Error(err)
		return nil
	}
	if strings.TrimSpace(stored.Comment) == "" {
		t.Errorf("%s: say at the top what the scenario covers", display)
	}
	r := &scenarioRun{
		crate: c,
		name:  strings.TrimSuffix(filepath.Base(file), ".txtar"),
		path:  file,
		got:   &scenario.Scenario{Comment: stored.Comment, Params: stored.Params, Node: stored.Node, Cluster: stored.Cluster, OSes: stored.OSes},
	}
	p, err := scenarioProject(t, c.Name, stored.Params)
	if err != nil {
		r.got.Err = scenarioError(err, "")
		return r
	}
	r.args = p.Calls(p.Groups[0].Phases[0])[0].Args
	oses := stored.OSes
	if oses == nil {
		oses = crateOSes(c)
	}
	var results []scenario.Result
	for _, osID := range oses {
		if _, err := osfamily.Parse(osID); err != nil {
			t.Errorf("%s: oses: %v", display, err)
			continue
		}
		s, err := p.Compile(compiler.Target{Group: scenarioGroup, Phase: scenarioPhase, OS: osID, Node: stored.Node, Cluster: scenarioCluster(p, stored)})
		if err != nil {
			results = append(results, scenario.Result{OS: osID, Err: scenarioError(err, osID)})
			continue
		}
		steps, helpers, err := scenario.Carve(s.Text.Bytes())
		if err != nil {
			t.Fatalf("%s on %s: %v", display, osID, err)
		}
		results = append(results, scenario.Result{OS: osID, Steps: steps, Helpers: helpers})
		r.renders = true
		r.scripts = append(r.scripts, fullScript{name: display + " on " + osID, key: r.key(), text: s.Text.Bytes()})
	}
	r.got.Renders = scenario.Group(results)
	return r
}

// TestCrateScenarios pins what each crate renders, scenario by scenario:
// crates/<crate>/testdata/<scenario>.txtar.
func TestCrateScenarios(t *testing.T) {
	for _, r := range runScenarios(t) {
		got, err := r.got.Format()
		if err != nil {
			t.Errorf("%s: %v", r.path, err)
			continue
		}
		compare(t, r.path, got)
	}
}

// TestScenarioCoverage: every value of a param that changes the rendering
// is rendered by some scenario of its crate. For each param not required:
// each enum value, both values of a bool, the param left out (its default)
// and the param set to something else. Refused scenarios do not count.
func TestScenarioCoverage(t *testing.T) {
	byCrate := map[string][]*scenarioRun{}
	var crates []*compiler.Crate
	for _, r := range runScenarios(t) {
		if len(byCrate[r.crate.Name]) == 0 {
			crates = append(crates, r.crate)
		}
		if r.renders {
			byCrate[r.crate.Name] = append(byCrate[r.crate.Name], r)
		}
	}
	for _, c := range crates {
		runs := byCrate[c.Name]
		for _, p := range c.Params {
			if p.Required {
				continue
			}
			for _, want := range coverageWants(p) {
				if !slices.ContainsFunc(runs, func(r *scenarioRun) bool { return want.match(r.args) }) {
					t.Errorf("crate %s: no scenario renders %s: add crates/%s/testdata/<scenario>.txtar that does, then run go test ./golden -update", c.Name, want.what, c.Name)
				}
			}
		}
	}
}

// coverageWant is one case of a param that some scenario must render.
type coverageWant struct {
	what  string
	match func(compiler.Args) bool
}

func coverageWants(p *compiler.Param) []coverageWant {
	absent := coverageWant{p.Name + " left out", func(a compiler.Args) bool { _, ok := a[p.Name]; return !ok }}
	if p.Default != nil {
		absent = coverageWant{fmt.Sprintf("%s left at its default %v", p.Name, p.Default), func(a compiler.Args) bool { return reflect.DeepEqual(a[p.Name], p.Default) }}
	}
	var wants []coverageWant
	switch {
	case len(p.Enum) > 0:
		for _, v := range p.Enum {
			wants = append(wants, coverageWant{fmt.Sprintf("%s: %s", p.Name, v), func(a compiler.Args) bool { return a[p.Name] == v }})
		}
	case p.Type == "bool":
		for _, v := range []bool{true, false} {
			wants = append(wants, coverageWant{fmt.Sprintf("%s: %v", p.Name, v), func(a compiler.Args) bool { return a[p.Name] == v }})
		}
		if p.Default == nil {
			wants = append(wants, absent)
		}
	default:
		set := coverageWant{p.Name + " set", func(a compiler.Args) bool { _, ok := a[p.Name]; return ok }}
		if p.Default != nil {
			set = coverageWant{fmt.Sprintf("%s set to something else than %v", p.Name, p.Default), func(a compiler.Args) bool {
				v, ok := a[p.Name]
				return ok && !reflect.DeepEqual(v, p.Default)
			}}
		}
		wants = append(wants, absent, set)
	}
	return wants
}

func TestExamples(t *testing.T) {
	rendered := map[string]bool{}
	for _, s := range exampleScripts(t) {
		rendered[s.name] = true
		compare(t, s.name, s.text)
	}
	// A golden script no example renders any more is stale.
	filepath.WalkDir("examples", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || rendered[path] {
			return err
		}
		if *update {
			return os.Remove(path)
		}
		t.Errorf("golden/%s: no example renders it: remove it (go test ./golden -update does)", path)
		return nil
	})
}

// exampleScripts renders every group and phase of every bundled example,
// as palletc render does (one placeholder node per group), named by their
// golden files: examples/<example>/<group>/<phase>.sh.
func exampleScripts(t *testing.T) []fullScript {
	t.Helper()
	projects, _ := filepath.Glob("../examples/*/pallet.yaml")
	if len(projects) == 0 {
		t.Fatal("no examples found under ../examples")
	}
	var out []fullScript
	for _, file := range projects {
		name := filepath.Base(filepath.Dir(file))
		env := testEnv(t)
		wd, _ := os.Getwd()
		if err := os.Chdir(filepath.Dir(file)); err != nil {
			t.Fatal(err)
		}
		p, err := compiler.LoadEnv("pallet.yaml", env)
		var scripts []*compiler.Script
		if err == nil {
			// For placeholder nodes, as palletc render prints them without
			// --provider: an example's params may read .node and .groups.
			// Secrets as render shows them: placeholders, with no
			// identity (a fresh clone, CI, this test have none).
			p.SetSecretMode(compiler.SecretsPlaceholder)
			var targets []compiler.Target
			if targets, err = p.PlaceholderTargets("", "", ""); err == nil {
				scripts, err = p.CompileTargets(targets)
			}
		}
		if err := os.Chdir(wd); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Errorf("examples/%s: %v", name, err)
			continue
		}
		for _, s := range scripts {
			out = append(out, fullScript{name: filepath.Join("examples", name, s.Group, s.Phase+".sh"), text: s.Text.Bytes()})
		}
	}
	return out
}

func compare(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: %v (run go test ./golden -update)", path, err)
		return
	}
	// Line by line: a diff of scripts reads best as lines.
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("%s differs (-golden +rendered); run go test ./golden -update if intended:\n%s", strings.TrimPrefix(path, "../"), diff)
	}
}

// allScripts is every full script there is to check: each example's, as
// rendered now, each crate example's, and each scenario's on each OS it
// renders for.
func allScripts(t *testing.T) []fullScript {
	t.Helper()
	scripts := append(exampleScripts(t), crateExampleScripts(t)...)
	for _, r := range runScenarios(t) {
		scripts = append(scripts, r.scripts...)
	}
	return scripts
}

// TestScriptsParse: every full script is valid bash to bash itself and to
// mvdan.cc/sh's parser.
func TestScriptsParse(t *testing.T) {
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	dir := t.TempDir()
	for i, s := range allScripts(t) {
		if _, err := parser.Parse(bytes.NewReader(s.text), s.name); err != nil {
			t.Errorf("%s: mvdan.cc/sh: %v", s.name, err)
		}
		file := filepath.Join(dir, fmt.Sprintf("%d.sh", i))
		if err := os.WriteFile(file, s.text, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("bash", "-n", file).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s.name, err, out)
		}
	}
}

// knownFinding is a shellcheck finding a scenario shows that is not fixed
// yet.
type knownFinding struct {
	codes []string // the shellcheck codes its scripts show, sorted
	issue string   // where it is tracked, and the fix
}

// knownFindings is the TODO list of shellcheck findings in crate
// templates, by crate/scenario. Each entry keeps the suite green until its
// template is fixed; once the finding is gone TestShellcheck fails and
// asks for the entry to be removed, so this list never goes stale.
func knownFindings() map[string]knownFinding {
	return map[string]knownFinding{}
}

var shellcheckLine = regexp.MustCompile(`^(.*?):(\d+):\d+: \w+: .* \[(SC\d+)\]$`)

// TestShellcheck: every full script passes shellcheck with no finding but
// the known ones. Scripts that differ only in their "# os:" header line
// are checked once: shellcheck cannot tell them apart.
func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck); CI runs this test")
	}
	osLine := regexp.MustCompile(`(?m)^# os: .*\n`)
	dir := t.TempDir()
	byText := map[string]int{} // text without its os line → file index
	var files []string         // one per distinct text
	var texts [][]byte         // the text of each file
	var users [][]fullScript   // the scripts each file stands for
	for _, s := range allScripts(t) {
		k := string(osLine.ReplaceAll(s.text, nil))
		i, ok := byText[k]
		if !ok {
			i = len(files)
			byText[k] = i
			file := filepath.Join(dir, fmt.Sprintf("%d.sh", i))
			if err := os.WriteFile(file, s.text, 0o644); err != nil {
				t.Fatal(err)
			}
			files, texts, users = append(files, file), append(texts, s.text), append(users, nil)
		}
		users[i] = append(users[i], s)
	}
	index := map[string]int{}
	for i, f := range files {
		index[f] = i
	}

	// shellcheck takes a tenth of a second a script: one run per CPU.
	n := runtime.NumCPU()
	outs := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		var batch []string
		for i := w; i < len(files); i += n {
			batch = append(batch, files[i])
		}
		if len(batch) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[w], errs[w] = exec.Command("shellcheck", append([]string{"-f", "gcc", "-s", "bash"}, batch...)...).Output()
		}()
	}
	wg.Wait()

	found := map[string]map[string]bool{} // crate/scenario → codes
	var report []string
	for w := range n {
		var exit *exec.ExitError
		if errs[w] != nil && !(errors.As(errs[w], &exit) && exit.ExitCode() == 1) {
			t.Fatalf("shellcheck: %v", errs[w])
		}
		for _, line := range strings.Split(strings.TrimSpace(string(outs[w])), "\n") {
			m := shellcheckLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			i, ok := index[m[1]]
			if !ok {
				t.Errorf("shellcheck: a finding in a file not given: %s", line)
				continue
			}
			var names []string
			known := true
			for _, s := range users[i] {
				names = append(names, s.name)
				if _, ok := knownFindings()[s.key]; s.key == "" || !ok {
					known = false
				}
				if s.key != "" {
					if found[s.key] == nil {
						found[s.key] = map[string]bool{}
					}
					found[s.key][m[3]] = true
				}
			}
			if !known {
				report = append(report, fmt.Sprintf("%s: %s\n    %s", strings.Join(names, ", "), strings.TrimPrefix(line, m[1]+":"), sourceLine(texts[i], m[2])))
			}
		}
	}
	if len(report) > 0 {
		t.Errorf("shellcheck found problems (fix the crate template, or list the scenario in knownFindings with its issue):\n%s", strings.Join(report, "\n"))
	}
	for key, k := range knownFindings() {
		var got []string
		for code := range found[key] {
			got = append(got, code)
		}
		sort.Strings(got)
		if !slices.Equal(got, k.codes) {
			t.Errorf("knownFindings[%q] (%s) expects shellcheck %v, but its scripts show %v: fixed? then remove or update the entry", key, k.issue, k.codes, got)
		}
	}
}

// sourceLine is line n (a decimal string, from 1) of text, for a report.
func sourceLine(text []byte, n string) string {
	var i int
	fmt.Sscan(n, &i)
	lines := strings.Split(string(text), "\n")
	if i < 1 || i > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[i-1])
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
