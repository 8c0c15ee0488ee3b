package golden

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/provider"
)

// crateExampleScripts compiles every example of every built-in crate
// (crate.yaml's examples, which palletc crate NAME prints) as the one
// phase of a project, on each OS the crate is pinned for, failing the test
// for a crate without an example or an example that does not compile: an
// example no one can paste is worse than none.
func crateExampleScripts(t *testing.T) []fullScript {
	t.Helper()
	p, err := compiler.Parse("empty.yaml", []byte("groups: {x: {}}\n"), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := filepath.Abs("testdata/admin.pub")
	var out []fullScript
	for _, c := range p.Crates() {
		if len(c.Examples) == 0 {
			t.Errorf("crate %s has no example: add examples: [{summary: ..., yaml: ...}] to crates/%s/crate.yaml", c.Name, c.Name)
		}
		for i, ex := range c.Examples {
			name := fmt.Sprintf("crates/%s/crate.yaml examples[%d]", c.Name, i)
			var b strings.Builder
			fmt.Fprintf(&b, "admin: {user: deploy, public_key_file: %q}\ngroups:\n  example:\n    phases:\n      configure:\n", key)
			for line := range strings.Lines(strings.TrimRight(ex.YAML, "\n") + "\n") {
				b.WriteString("        " + line)
			}
			proj, err := compiler.Parse("example.yaml", []byte(b.String()), testEnv(t))
			if err != nil {
				t.Errorf("%s does not compile: %v\n%s", name, err, b.String())
				continue
			}
			if !calls(proj, c.Name) {
				t.Errorf("%s does not call %s", name, c.Name)
			}
			for _, osID := range crateOSes(c) {
				s, err := proj.Compile(compiler.Target{Group: "example", Phase: "configure", OS: osID, Cluster: exampleCluster(proj)})
				if err != nil {
					t.Errorf("%s on %s: %v", name, osID, err)
					continue
				}
				out = append(out, fullScript{name: name + " on " + osID, text: s.Text.Bytes()})
			}
		}
	}
	return out
}

// exampleCluster is the cluster examples are compiled against, for crates
// that read .groups (etc-hosts): groups web (web-1, web-2) and db (db-1).
func exampleCluster(p *compiler.Project) *compiler.Cluster {
	return p.NewCluster([]provider.Node{
		{ID: "web-1", Name: "web-1", Group: "web", Host: "10.0.0.11", Address: "10.0.0.11"},
		{ID: "web-2", Name: "web-2", Group: "web", Host: "10.0.0.12", Address: "10.0.0.12"},
		{ID: "db-1", Name: "db-1", Group: "db", Host: "10.0.1.11", Address: "10.0.1.11"},
	})
}

// calls reports whether the one phase of proj calls the crate name.
func calls(proj *compiler.Project, name string) bool {
	for _, call := range proj.Groups[0].Phases[0].Calls {
		if call.Crate == name {
			return true
		}
	}
	return false
}

// TestCrateExamples: every built-in crate has an example, and each one
// compiles on every OS its crate is pinned for (TestScriptsParse and
// TestShellcheck check the scripts too).
func TestCrateExamples(t *testing.T) {
	if got := crateExampleScripts(t); len(got) == 0 {
		t.Error("no crate example compiled")
	}
}
