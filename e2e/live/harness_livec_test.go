package live

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
)

// sha256hex is the hex SHA-256 of s, as sha256sum prints it.
func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Refused compiles calls for the node, as a run would before it touches
// the node, and fails t unless the project is refused; it returns the
// refusal, for the caller to check that it says why.
func (n *Node) Refused(t *testing.T, calls string) string {
	t.Helper()
	dir := t.TempDir()
	y := "groups:\n  live:\n    phases:\n      configure:\n" + indent(calls, "        ")
	proj, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(y), &project.Env{User: "padmin", Home: dir})
	if err != nil {
		return err.Error()
	}
	c, err := lift.Compile(proj, []string{"live"}, []string{"configure"})
	if err != nil {
		return err.Error()
	}
	if _, err := c.WithNodes(n.All).Script(n.Node, "configure", n.OS); err != nil {
		return err.Error()
	}
	t.Fatalf("compiled, want a refusal:\n%s", y)
	return ""
}

// wantRefused fails t unless Refused's text for calls holds want.
func (n *Node) wantRefused(t *testing.T, calls, want string) {
	t.Helper()
	if msg := n.Refused(t, calls); !strings.Contains(msg, want) {
		t.Errorf("refusal of\n%s\nsays %q, want it to say %q", calls, msg, want)
	}
}
