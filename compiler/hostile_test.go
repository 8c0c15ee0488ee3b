package compiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/palletops/pallet/internal/scenario"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// hostile values: each would run `touch PWNED` (or worse) if it reached
// the script unquoted.
var hostile = []string{
	`'`, `"`, `\`, `''`, `'\''`,
	`$(touch PWNED)`, "`touch PWNED`", `${IFS}$(touch${IFS}PWNED)`,
	`; touch PWNED`, `&& touch PWNED`, `| touch PWNED`, `& touch PWNED &`,
	"a\ntouch PWNED\n", "\ntouch PWNED", "x'\ntouch PWNED\n'",
	`'; touch PWNED; '`, `"; touch PWNED; "`, `'$(touch PWNED)'`, `"$(touch PWNED)"`,
	`*`, `/*`, `?`, `[a-z]*`, `~`, `~root`, `{a,b}`, `$HOME`, `$1`, `$@`, `!!`, `#comment`,
	`-rf`, `--help`, `-`, `a=b`, `PATH=/x touch PWNED`,
	`<(touch PWNED)`, `>(touch PWNED)`, `> PWNED`, `< /etc/passwd`,
	"tab\there", "cr\rhere", "bell\a", "ünïcødé ✓ 日本", "\u202e", " leading and trailing ",
	"", " ", "!", "%s%n", `\\'\\`, "$'\\x41'",
}

func probeProject(t testing.TB, s string, l []string) *Project {
	t.Helper()
	abs, err := filepath.Abs("testdata/probe")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{
		"crate_paths": []string{abs},
		"groups": map[string]any{"probe": map[string]any{"phases": map[string]any{"test": []any{
			map[string]any{"probe": map[string]any{"s": s, "l": l, "m": map[string]string{s: s, "k": s}}},
		}}}},
	}
	// JSON is YAML, and unlike yaml.Marshal it writes any string in a form
	// that reads back exactly.
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	data = escapeNonPrintable(data)
	p, err := Parse(filepath.Join(t.TempDir(), "pallet.yaml"), data, &project.Env{User: "deploy", Home: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return p
}

// runProbe compiles the probe crate with s and runs the script with bash
// in a fresh directory, returning that directory.
func runProbe(t testing.TB, s string) string {
	t.Helper()
	p := probeProject(t, s, []string{s, "plain", s})
	sc, err := p.Compile(Target{Group: "probe", Phase: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", "-c", string(sc.Text.Bytes()), "script")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PALLET_MODE=apply")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("value %q: script failed: %v\n%s", s, err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
		t.Fatalf("value %q was executed", s)
	}
	return dir
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestHostileValuesRun: every way a template prints a param round-trips
// the value exactly through bash, and never executes any part of it.
func TestHostileValuesRun(t *testing.T) {
	for _, s := range hostile {
		dir := runProbe(t, s)
		if got := readFile(t, filepath.Join(dir, "out_s")); got != s {
			t.Errorf("quoted string: got %q, want %q", got, s)
		}
		if got, want := readFile(t, filepath.Join(dir, "out_l")), s+"\nplain\n"+s+"\n"; got != want {
			t.Errorf("list: got %q, want %q", got, want)
		}
		if got, want := readFile(t, filepath.Join(dir, "out_q")), strings.TrimSuffix(s, "!"); got != want {
			t.Errorf("q: got %q, want %q", got, want)
		}
		if got := readFile(t, filepath.Join(dir, "out_inner")); got != s {
			t.Errorf("use: got %q, want %q", got, s)
		}
		if got := readFile(t, filepath.Join(dir, "out_m")); !strings.Contains(got, "k="+s+"\n") || !strings.Contains(got, s+"="+s+"\n") {
			t.Errorf("map: got %q, want k=%q and %q=%q", got, s, s, s)
		}
	}
}

// TestHostileValuesBuiltinCrates renders every scenario of every built-in
// crate (crates/<crate>/testdata/*.txtar) that renders, on the OSes it
// renders for, with a hostile value in each string, list and map param
// that admits it (an enum refuses it, and so may a pattern; raw params are
// code by design), and parses the script: the marker command must
// never appear as a command. The scenarios' own params pick the branches
// (present and absent, each enum value), so every branch a scenario pins
// is also tried with hostile values.
func TestHostileValuesBuiltinCrates(t *testing.T) {
	payloads := []string{"$(pwnmark)", "`pwnmark`", ";pwnmark;", "\npwnmark\n", "'\npwnmark\n'", `"$(pwnmark)"`, "x'; pwnmark; '", "&pwnmark&"}
	p, err := Builtin(&project.Env{User: "deploy", Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// The admin key is input too (a .pub file anyone can edit).
	key := Word("ssh-ed25519 AAAA$(pwnmark) me@`pwnmark`")
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	checked := 0
	defer func() {
		if checked == 0 {
			t.Error("no crate was rendered with a hostile value")
		}
	}()
	for _, c := range p.Crates() {
		files, err := filepath.Glob(filepath.Join("..", "crates", c.Name, "testdata", "*.txtar"))
		if err == nil && len(files) == 0 {
			err = fmt.Errorf("no scenario")
		}
		if err != nil {
			t.Errorf("crate %s: %v", c.Name, err)
			continue
		}
		for _, file := range files {
			checked += hostileScenario(t, p, c, file, payloads, key, parser)
		}
	}
}

// hostileScenario renders one scenario of c with each payload and reports
// how many scripts it parsed.
func hostileScenario(t *testing.T, p *Project, c *Crate, file string, payloads []string, key Word, parser *syntax.Parser) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Parse(file, data)
	if err != nil {
		t.Errorf("%v", err)
		return 0
	}
	if sc.Err != "" {
		return 0 // refused params: nothing renders
	}
	var example map[string]any
	if err := yaml.Unmarshal([]byte(sc.Params), &example); err != nil {
		t.Errorf("%s: params.yaml: %v", file, err)
		return 0
	}
	var oses []string
	for _, r := range sc.Renders {
		if r.Err == "" {
			oses = append(oses, r.OSes...)
		}
	}
	checked := 0
	for _, payload := range payloads {
		args := map[string]any{}
		for k, v := range example {
			args[k] = v
		}
		for _, prm := range c.Params {
			switch {
			case prm.Raw, len(prm.Enum) > 0:
				// code by design, or refuses free text
			case prm.pattern != nil && !prm.pattern.MatchString(payload):
				// refused before rendering
			case prm.Type == "string":
				args[prm.Name] = payload
			case prm.Type == "list":
				args[prm.Name] = []any{payload, payload}
			case prm.Type == "map":
				args[prm.Name] = map[string]any{payload: payload}
			}
		}
		for _, osID := range oses {
			text, err := renderCall(p, c, args, osID, sc.Node, key)
			if err != nil {
				// A value the crate refuses is not an injection, but say
				// so: a crate that refuses everything proves nothing.
				t.Logf("%s on %s refuses %q: %v", file, osID, payload, err)
				continue
			}
			checked++
			f, err := parser.Parse(strings.NewReader(text), c.Name)
			if err != nil {
				t.Errorf("%s on %s with %q: script does not parse: %v", file, osID, payload, err)
				continue
			}
			syntax.Walk(f, func(n syntax.Node) bool {
				if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 && call.Args[0].Lit() == "pwnmark" {
					t.Errorf("%s on %s: value %q became a command at %s", file, osID, payload, call.Pos())
				}
				return true
			})
		}
	}
	return checked
}

// renderCall compiles one call of c with args (as use would pass them),
// for node when it is not "".
func renderCall(p *Project, c *Crate, in map[string]any, osID, node string, key Word) (string, error) {
	args, err := c.bindGo(in, p.projectFile)
	if err != nil {
		return "", err
	}
	os, err := osfamily.Parse(osID)
	if err != nil {
		return "", err
	}
	r := &renderer{p: p, os: os, osMap: map[string]string{"id": os.ID, "name": os.Name, "version": os.Version, "family": os.Family, "pkg": os.Pkg, "init": os.Init, "admin_group": os.Admin},
		admin: &adminData{user: "deploy", key: func() (Word, error) { return key, nil }}}
	if node != "" {
		r.nd = &NodeData{Name: node}
		r.nd.finish()
	}
	if err := r.call(c, c.Name, args); err != nil {
		return "", err
	}
	return string(assemble(nil, "g", "p", osID, "", false, r.steps).Bytes()), nil
}

// FuzzRenderedValue: any string a user can write in pallet.yaml comes out
// of the compiled script, run by bash, exactly as written and unexecuted.
func FuzzRenderedValue(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Skip("YAML holds only valid UTF-8 without NUL")
		}
		if strings.Contains(s, "{{") {
			t.Skip("a value holding {{ is a template (FuzzTemplatedValue)")
		}
		dir := runProbe(t, s)
		if got := readFile(t, filepath.Join(dir, "out_s")); got != s {
			t.Fatalf("got %q, want %q", got, s)
		}
		if got := readFile(t, filepath.Join(dir, "out_inner")); got != s {
			t.Fatalf("use: got %q, want %q", got, s)
		}
	})
}

// FuzzQuote: Quote(s) is one bash word that expands to exactly s.
func FuzzQuote(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) {
			t.Skip("bash strings cannot hold NUL")
		}
		q := Quote(s)
		if utf8.ValidString(s) { // mvdan.cc/sh reads only UTF-8; bash takes any bytes
			file, err := syntax.NewParser().Parse(strings.NewReader("printf %s "+q+"\n"), "")
			if err != nil {
				t.Fatalf("Quote(%q) = %s does not parse: %v", s, q, err)
			}
			call := file.Stmts[0].Cmd.(*syntax.CallExpr)
			if len(call.Args) != 3 {
				t.Fatalf("Quote(%q) = %s is %d words, want 1", s, q, len(call.Args)-2)
			}
		}
		out, err := exec.Command("bash", "-c", `printf %s `+q).Output()
		if err != nil {
			t.Fatalf("bash: %v", err)
		}
		if !bytes.Equal(out, []byte(s)) {
			t.Fatalf("Quote(%q) = %s expands to %q", s, q, out)
		}
	})
}

// escapeNonPrintable writes the characters YAML may not hold literally
// (DEL, C1 controls, U+FFFE/U+FFFF) as \u escapes, which YAML's
// double-quoted strings read back; JSON already escapes C0 controls.
func escapeNonPrintable(js []byte) []byte {
	var b strings.Builder
	for _, r := range string(js) {
		if r == 0x7f || (r >= 0x80 && r <= 0x9f && r != 0x85) || r == 0xfffe || r == 0xffff || r == 0xfeff {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return []byte(b.String())
}

// TestHostileValuesViaData: hostile values that arrive through vars (a
// template and !var), node fields (a server named $(...), its address
// and tags) and .groups come out of the script exactly, never executed:
// templated params are rendered, then quoted like literal values.
func TestHostileValuesViaData(t *testing.T) {
	abs, err := filepath.Abs("testdata/probe")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range hostile {
		if strings.Contains(s, "<no value>") {
			continue
		}
		vars, _ := json.Marshal(map[string]any{"v": s, "lv": []string{s, "plain", s}})
		for _, c := range []struct{ name, params, s, l string }{
			{"vars", `{s: "{{ .vars.v }}", l: !var lv, m: {k: "{{ .vars.v }}"}}`, s, s + "\nplain\n" + s + "\n"},
			{"node", `{s: "{{ .node.name }}", l: ["{{ .node.address }}", "{{ .node.tags.t }}"], m: {k: "{{ .node.host }}"}}`, s, s + "\n" + s + "\n"},
			{"groups", `{s: "{{ range .groups.probe }}{{ .name }}{{ end }}", l: ["{{ (index .groups.probe 0).address }}"]}`, s, s + "\n"},
		} {
			data := escapeNonPrintable([]byte(fmt.Sprintf("crate_paths: [%q]\nvars: %s\ngroups: {probe: {phases: {test: [{probe: %s}]}}}\n", abs, vars, c.params)))
			p, err := Parse(filepath.Join(t.TempDir(), "pallet.yaml"), data, &project.Env{User: "deploy", Home: t.TempDir()})
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, data)
			}
			cl := p.NewCluster([]provider.Node{{ID: "x", Name: s, Group: "probe", Host: s, Address: s, Tags: map[string]string{"t": s}}})
			sc, err := p.Compile(Target{Group: "probe", Phase: "test", Data: cl.Nodes("probe")[0], Cluster: cl})
			if err != nil {
				t.Fatalf("%s with %q: %v", c.name, s, err)
			}
			dir := t.TempDir()
			cmd := exec.Command("bash", "-c", string(sc.Text.Bytes()), "script")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PALLET_MODE=apply")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s with %q: script failed: %v\n%s", c.name, s, err, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
				t.Fatalf("%s: value %q was executed", c.name, s)
			}
			if got := readFile(t, filepath.Join(dir, "out_s")); got != c.s {
				t.Errorf("%s: string: got %q, want %q", c.name, got, c.s)
			}
			if got := readFile(t, filepath.Join(dir, "out_l")); got != c.l {
				t.Errorf("%s: list: got %q, want %q", c.name, got, c.l)
			}
		}
	}
}

// FuzzTemplatedValue: any string a var holds comes out of the script, run
// by bash, exactly as the var holds it and unexecuted, when a param reads
// it through a template.
func FuzzTemplatedValue(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	abs, err := filepath.Abs("testdata/probe")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.Contains(s, "<no value>") {
			t.Skip("YAML holds only valid UTF-8 without NUL; <no value> is refused")
		}
		vars, _ := json.Marshal(map[string]any{"v": s})
		data := escapeNonPrintable([]byte(fmt.Sprintf("crate_paths: [%q]\nvars: %s\ngroups: {probe: {phases: {test: [{probe: {s: \"{{ .vars.v }}\"}}]}}}\n", abs, vars)))
		p, err := Parse(filepath.Join(t.TempDir(), "pallet.yaml"), data, &project.Env{User: "deploy", Home: t.TempDir()})
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		sc, err := p.Compile(Target{Group: "probe", Phase: "test"})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		cmd := exec.Command("bash", "-c", string(sc.Text.Bytes()), "script")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PALLET_MODE=apply")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("script failed: %v\n%s", err, out)
		}
		if got := readFile(t, filepath.Join(dir, "out_s")); got != s {
			t.Fatalf("got %q, want %q", got, s)
		}
	})
}
