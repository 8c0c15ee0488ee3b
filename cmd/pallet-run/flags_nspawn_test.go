package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestFlagsNspawn lifts a real Debian node whose configure phase writes a
// config file (notify: app) and then runs a gate step, and whose reload
// phase appends to a log (when_notified: app), so the flag crosses phases.
// (a) a config change reloads once; a rerun reports the reload skipped.
// (b) a change followed by a failing step fails the run before the reload;
// once the failure is fixed, the rerun reloads although the file no longer
// changes, because the raised flag was kept on the node. The reloads are
// counted from the node's log with ssh(1), not from pallet's output.
func TestFlagsNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("flags"))
	n := nodes[0]
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)
	file := filepath.Join(t.TempDir(), "pallet.yaml")
	write := func(content string) {
		t.Helper()
		yaml := fmt.Sprintf(`groups:
  web:
    phases:
      configure:
        - file: {path: /srv/app.conf, content: %q}
          notify: app
        - exec-script: {name: gate, script: "test ! -e /srv/gate"}
      reload:
        - exec-script: {name: reload app, script: "echo reload >> /srv/reloads"}
          when_notified: app
providers:
  test:
    kind: node-list
    nodes:
      - {name: %s, host: %s, port: %d, user: %s, group: web}
`, content, n.Name, n.Host, n.Port, n.User)
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lifted := func(extra ...string) (lift.Document, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		args := append([]string{"lift", "-f", file, "--provider", "test", "-i", key, "--known-hosts", knownHosts, "--ssh-config", "none",
			"--phase", "configure", "--phase", "reload", "--json"}, extra...)
		args = append(args, "web")
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, &stdout, &stderr)
		var doc lift.Document
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Fatalf("lift: exit %d, not JSON: %v\n%s\n%s", code, err, stdout.String(), stderr.String())
		}
		return doc, stdout.String(), code
	}
	// onNode runs a shell command as root on the node (ssh joins its
	// arguments into one remote command line, hence the quoting).
	onNode := func(command string) string {
		t.Helper()
		out, err := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, "sudo sh -c "+compiler.Quote(command))...).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %s: %v\n%s", command, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	reloads := func() string { return onNode("grep -c reload /srv/reloads || true") }
	// statuses is each step's status, phase by phase: "configure: changed ran".
	statuses := func(doc lift.Document) string {
		var b []string
		for _, ph := range doc.Nodes[0].Phases {
			s := ph.Phase + ":"
			for _, st := range ph.Steps {
				s += " " + st.Status
			}
			b = append(b, s)
		}
		return strings.Join(b, "; ")
	}
	expect := func(what string, doc lift.Document, out, want, wantReloads string) {
		t.Helper()
		if got := statuses(doc); got != want {
			t.Fatalf("%s: steps %q, want %q\n%s", what, got, want, out)
		}
		if got := reloads(); got != wantReloads {
			t.Fatalf("%s: reloaded %s times on the node, want %s", what, got, wantReloads)
		}
	}

	// (a) A change reloads once; a rerun changes nothing and skips.
	write("v1\n")
	doc, out, code := lifted()
	if code != exitOK {
		t.Fatalf("first lift: exit %d\n%s", code, out)
	}
	expect("first lift", doc, out, "configure: changed ran; reload: ran", "1")
	doc, out, code = lifted()
	if code != exitOK {
		t.Fatalf("rerun: exit %d\n%s", code, out)
	}
	expect("rerun", doc, out, "configure: ok ran; reload: skipped", "1")
	if doc.Totals.Steps.Skipped != 1 || doc.Nodes[0].Phases[1].Counts.Skipped != 1 || !strings.Contains(out, `"skipped": 1`) && !strings.Contains(out, `"skipped":1`) {
		t.Errorf("rerun: skipped not counted in the JSON: totals %+v\n%s", doc.Totals.Steps, out)
	}
	if m := doc.Nodes[0].Phases[1].Steps[0].Message; m != "not notified: app" {
		t.Errorf("skipped step's message %q", m)
	}

	// (b) A change, then a failing step: the run fails before the reload,
	// and the flag stays raised on the node.
	write("v2\n")
	onNode("touch /srv/gate")
	doc, out, code = lifted()
	if code == exitOK {
		t.Fatalf("lift with the gate shut: exit 0\n%s", out)
	}
	expect("gate shut", doc, out, "configure: changed failed", "1")
	if got := onNode("ls /var/lib/pallet/flags"); got != "app" {
		t.Fatalf("flags on the node after the failed run: %q, want app", got)
	}
	// Check mode sees the raised flag: the reload would run.
	doc, out, _ = lifted("--check")
	expect("check, flag raised", doc, out, "configure: ok would-change; reload: would-change", "1")

	onNode("rm /srv/gate")
	doc, out, code = lifted()
	if code != exitOK {
		t.Fatalf("lift with the gate fixed: exit %d\n%s", code, out)
	}
	expect("gate fixed", doc, out, "configure: ok ran; reload: ran", "2")
	if got := onNode("ls -A /var/lib/pallet/flags"); got != "" {
		t.Errorf("flags left raised after the reload: %q", got)
	}
	doc, out, code = lifted()
	if code != exitOK {
		t.Fatalf("last rerun: exit %d\n%s", code, out)
	}
	expect("last rerun", doc, out, "configure: ok ran; reload: skipped", "2")

	// The recap counts skipped steps too.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var recapOut bytes.Buffer
	if code := run(ctx, []string{"lift", "-f", file, "--provider", "test", "-i", key, "--known-hosts", knownHosts, "--ssh-config", "none",
		"--phase", "configure", "--phase", "reload", "web"}, &recapOut, &recapOut); code != exitOK {
		t.Fatalf("lift: exit %d\n%s", code, recapOut.String())
	}
	if !strings.Contains(recapOut.String(), "SKIPPED") || !strings.Contains(recapOut.String(), "1 ran, 1 skipped, 0 failed") {
		t.Errorf("recap does not count the skipped step:\n%s", recapOut.String())
	}
}
