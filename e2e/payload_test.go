package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// givenNodes is a provider for lift.Run, which works on the nodes it is
// given: nothing to list, nothing to record.
type givenNodes struct{}

func (givenNodes) Nodes(context.Context) ([]provider.Node, error)        { return nil, nil }
func (givenNodes) MarkBootstrapped(context.Context, provider.Node) error { return nil }

// TestFileSourcePayload lifts a file whose source is a 1 MiB binary file
// of the project onto a real node: it travels as a payload in the same
// SFTP session, the node's file gets its sha256, and the upload directory
// and payload are gone after the run. A second run changes nothing, and a
// check run finds nothing to change. A payload that arrives with other
// bytes than the script pins fails the step and writes nothing.
func TestFileSourcePayload(t *testing.T) {
	t.Parallel()
	f := newFleet(t, []string{"bookworm"})
	n := f.nodes[0]
	n.Group, n.OS = "g", "debian-12"

	dir := t.TempDir()
	data := make([]byte, 1<<20)
	rand.Read(data)
	want := fmt.Sprintf("%x", sha256.Sum256(data))
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "app.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  g:
    phases:
      configure:
        - directory: {path: /srv/payload}
        - file: {path: /srv/payload/app.bin, source: files/app.bin, mode: "0750"}
`), &project.Env{User: "padmin", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := lift.Compile(p, []string{"g"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	liftOnce := func(check bool) runner.Counts {
		t.Helper()
		rep, err := lift.Run(t.Context(), []provider.Node{n}, c, lift.Options{
			Groups: []string{"g"}, Check: check, Provider: givenNodes{}, ProviderName: "test", Runner: f.options(),
		})
		if err != nil {
			t.Fatal(err)
		}
		nr := rep.Nodes[0]
		if nr.Status != lift.StatusOK {
			t.Fatalf("lift (check %v): %s: %v", check, nr.Status, nr.Err)
		}
		if left := f.ssh(t, n, "", "ls -A /tmp | grep '^pallet-' || true"); strings.TrimSpace(left) != "" {
			t.Errorf("upload directory left behind: %q", left)
		}
		return nr.Counts
	}

	if got := liftOnce(false); got != (runner.Counts{Changed: 2}) {
		t.Errorf("first lift: %+v, want 2 changed", got)
	}
	if got := f.ssh(t, n, "", "sha256sum </srv/payload/app.bin; stat -c %a /srv/payload/app.bin"); got != want+"  -\n750\n" {
		t.Errorf("node's file: %q, want sha256 %s and mode 750", got, want)
	}
	if got := liftOnce(false); got != (runner.Counts{OK: 2}) {
		t.Errorf("second lift: %+v, want 2 ok, 0 changed", got)
	}
	if got := liftOnce(true); got != (runner.Counts{OK: 2}) {
		t.Errorf("check: %+v, want 2 ok", got)
	}

	// The same script with a tampered payload under the payload's name:
	// the step fails, saying why, and the node's file stays as it was.
	f.ssh(t, n, "", "rm /srv/payload/app.bin")
	s, err := p.Compile(compiler.Target{Group: "g", Phase: "configure", OS: "debian-12"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Payloads) != 1 || s.Payloads[0].SHA256 != want || s.Payloads[0].Size != 1<<20 {
		t.Fatalf("payloads = %+v, want one of sha256 %s", s.Payloads, want)
	}
	if strings.Contains(string(s.Text.Bytes()), string(data[:64])) {
		t.Error("the script holds the payload's bytes")
	}
	tampered := append([]byte(nil), data...)
	tampered[1000] ^= 1
	conn, err := runner.Dial(t.Context(), target(n, ""), f.options())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "configure", Script: s.Text.Bytes(),
		Files: []runner.File{{Name: s.Payloads[0].FileName(), Data: tampered}}}, nil)
	var failed *runner.StepFailedError
	if !errors.As(err, &failed) || failed.Step.N != 2 {
		t.Fatalf("err = %v, want step 2 failed\n%+v", err, res)
	}
	if tail := strings.Join(failed.Step.Tail, "\n"); !strings.Contains(tail, "the script wants "+want) {
		t.Errorf("step tail does not say the payload changed:\n%s", tail)
	}
	if out, err := f.sshOut(t, n, "", "test ! -e /srv/payload/app.bin && ls -A /srv/payload"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("a tampered payload left something in /srv/payload: %q %v", out, err)
	}
	if left := f.ssh(t, n, "", "ls -A /tmp | grep '^pallet-' || true"); strings.TrimSpace(left) != "" {
		t.Errorf("upload directory left behind after the failed step: %q", left)
	}
}
