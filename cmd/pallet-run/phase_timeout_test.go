package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestDefaultPhaseTimeout: lift, apply and converge bound each phase by
// lift.DefaultPhaseTimeout unless told otherwise; --phase-timeout 0 means
// no bound.
func TestDefaultPhaseTimeout(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte("admin: {user: deploy}\ngroups: {web: {phases: {configure: [{exec-script: {script: \"true\"}}]}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, ok := cliflag.Load(file, io.Discard)
	if !ok {
		t.Fatal("pallet.yaml does not load")
	}
	if lift.DefaultPhaseTimeout <= 0 {
		t.Fatalf("lift.DefaultPhaseTimeout = %v, want a bound", lift.DefaultPhaseTimeout)
	}
	for _, tt := range []struct {
		args []string
		want time.Duration
	}{
		{nil, lift.DefaultPhaseTimeout},
		{[]string{"--phase-timeout", "0"}, 0},
		{[]string{"--phase-timeout", "90s"}, 90 * time.Second},
	} {
		fs := flag.NewFlagSet("lift", flag.ContinueOnError)
		f := addRunFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		o, _, err := f.options(p, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.Runner.PhaseTimeout != tt.want {
			t.Errorf("%v: phase timeout %v, want %v", tt.args, o.Runner.PhaseTimeout, tt.want)
		}
	}
}

// TestPhaseTimeoutFIFO: a step that blocks reading a FIFO no one writes
// is stopped by the phase timeout on a real node; the run ends with exit
// status 3, the recap says why, and nothing is left on the node.
func TestPhaseTimeoutFIFO(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("fifo"))
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
        - exec-script: {name: "read fifo", script: "rm -f /root/fifo; mkfifo /root/fifo; cat /root/fifo"}
providers:
  test:
    kind: node-list
    nodes:
      - {name: %s, host: %s, port: %d, user: %s, group: web}
`, n.Name, n.Host, n.Port, n.User)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"lift", "-f", file, "web", "-i", key, "--known-hosts", knownHosts, "--ssh-config", "none", "--phase-timeout", "2s"}, &stdout, &stderr)
	took := time.Since(start)
	if code != exitNodesFailed {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitNodesFailed, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "stopped after the phase timeout of 2s") {
		t.Errorf("recap does not say the phase timed out:\n%s", stdout.String())
	}
	if took > 30*time.Second {
		t.Errorf("lift took %v with a 2s phase timeout", took)
	}
	out, _ := exec.Command("ssh", "-i", key, "-o", "UserKnownHostsFile="+knownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-F", "none", "-p", fmt.Sprint(n.Port), "-l", n.User, n.Host,
		"pgrep -af 'ca[t] /root/fifo'; ls -d /tmp/pallet-* 2>/dev/null; true").CombinedOutput()
	if len(out) != 0 {
		t.Errorf("left on the node after the timeout:\n%s", out)
	}
}
