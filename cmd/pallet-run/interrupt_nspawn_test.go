package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestInterruptStubbornStep is the Ctrl-C of a lift whose step ignores
// SIGTERM, on a real node: pallet-run exits 130 saying the nodes were
// stopped, and that is true: the step is gone from the node, and so is its
// upload directory.
func TestInterruptStubbornStep(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("stubborn"))
	n := nodes[0]
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	yaml := fmt.Sprintf(`admin: {user: deploy}
groups:
  web:
    phases:
      configure:
        - exec-script: {name: "stubborn", script: "trap '' TERM HUP INT; sleep 25.5"}
providers:
  test:
    kind: node-list
    nodes:
      - {name: %s, host: %s, port: %d, user: %s, group: web}
`, n.Name, n.Host, n.Port, n.User)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	onNode := func(command string) string {
		out, _ := exec.Command("ssh", "-i", key, "-o", "UserKnownHostsFile="+knownHosts, "-o", "StrictHostKeyChecking=yes",
			"-o", "BatchMode=yes", "-F", "none", "-p", fmt.Sprint(n.Port), "-l", n.User, n.Host, command).CombinedOutput()
		return string(out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Ctrl-C once the step runs.
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) && !strings.Contains(onNode("pgrep -f 'slee[p] 25.5'"), "\n") {
			time.Sleep(200 * time.Millisecond)
		}
		cancel()
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"lift", "-f", file, "web", "-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}, &stdout, &stderr)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "interrupted: nodes were stopped where they were; what ran is reported above") {
		t.Errorf("recap:\n%s", stdout.String())
	}
	if left := onNode("pgrep -af 'slee[p] 25.5'; ls -d /tmp/pallet-* 2>/dev/null; true"); left != "" {
		t.Errorf("pallet-run said the node was stopped, but on it:\n%s", left)
	}
}
