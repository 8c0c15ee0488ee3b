package live

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
)

// CompileFails compiles calls as the configure phase of group live, for
// the node's OS, and fails t unless palletc refuses them; it returns the
// error, for the caller to check that it says why. Nothing runs on the
// node: these are the refusals that must come before any step does.
func (n *Node) CompileFails(t *testing.T, calls string) string {
	t.Helper()
	dir := t.TempDir()
	y := "groups:\n  live:\n    phases:\n      configure:\n" + indent(calls, "        ")
	proj, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(y), &project.Env{User: "padmin", Home: dir})
	if err == nil {
		var c *lift.Compiled
		c, err = lift.Compile(proj, []string{"live"}, []string{"configure"})
		if err == nil {
			_, err = c.WithNodes(n.All).Script(n.Node, "configure", n.OS)
		}
	}
	if err == nil {
		t.Fatalf("compiled, want a refusal:\n%s", y)
	}
	return err.Error()
}

// wantIn fails t unless text holds every one of want.
func wantIn(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%q does not say %q", text, w)
		}
	}
}

// trim is s without the white space around it (a command's output).
func trim(s string) string { return strings.TrimSpace(s) }
