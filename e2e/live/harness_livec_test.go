package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// ShAs runs command on the node over ssh(1) as user, logging in with the
// private key file key, and returns its output and error.
func (n *Node) ShAs(t *testing.T, user, key, command string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ssh",
		"-i", key,
		"-o", "UserKnownHostsFile="+n.knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=10",
		"-F", "none",
		"-p", fmt.Sprint(n.Port),
		"-l", user,
		n.Host, "--", command).CombinedOutput()
	return string(out), err
}

// newKey makes an ed25519 key pair in a temporary directory and returns
// the private key's file and the public key's line.
func newKey(t *testing.T, comment string) (file, pub string) {
	t.Helper()
	file = filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	b, err := os.ReadFile(file + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return file, strings.TrimSpace(string(b))
}
