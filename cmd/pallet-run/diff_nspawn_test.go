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

	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestDiffNspawn (proof g): on a real Debian node over SSH, a
// line-in-file step that changes one line shows it with `lift --check
// --diff` (-old, +new) and changes nothing; `lift --diff` shows it again
// and applies it; --json carries the diff. It needs root (nspawntest says
// why when it skips).
func TestDiffNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("diff"))
	n := nodes[0]
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	write := func(port string) {
		t.Helper()
		yaml := `groups:
  web:
    phases:
      configure:
        - line-in-file: {path: /srv/app.conf, line: "port=` + port + `", match: "^port="}
        - file: {path: /srv/motd, content: "same\n"}
providers:
  test:
    kind: node-list
    nodes:
` + fmt.Sprintf("      - {name: %s, host: %s, port: %d, user: %s, group: web}\n", n.Name, n.Host, n.Port, n.User)
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lift1 := func(extra ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		args := append([]string{"lift", "-f", file, "--provider", "test", "web",
			"-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}, extra...)
		var stdout, stderr bytes.Buffer
		if code := run(ctx, args, &stdout, &stderr); code != exitOK {
			t.Fatalf("lift %v: exit %d\nstdout:\n%s\nstderr:\n%s", extra, code, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	onNode := func() string {
		t.Helper()
		out, err := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, "cat", "/srv/app.conf")...).CombinedOutput()
		if err != nil {
			t.Fatalf("reading /srv/app.conf on %s: %v\n%s", n.Name, err, out)
		}
		return string(out)
	}

	write("80")
	lift1()
	if got := onNode(); got != "port=80\n" {
		t.Fatalf("first lift: /srv/app.conf is %q", got)
	}

	write("8080")
	step := n.Name + ` configure step 1/2 line-in-file "line in /srv/app.conf": `
	diff := "    --- /srv/app.conf\n    +++ /srv/app.conf\n    @@ -1 +1 @@\n    -port=80\n    +port=8080\n"
	out := lift1("--check", "--diff")
	if !strings.Contains(out, step+"would-change\n"+diff) {
		t.Errorf("lift --check --diff: no diff under the step's line:\n%s", out)
	}
	if strings.Contains(out, "/srv/motd\": ok\n    ") {
		t.Errorf("lift --check --diff: a step that is ok shows a diff:\n%s", out)
	}
	if got := onNode(); got != "port=80\n" {
		t.Fatalf("lift --check --diff changed the node: /srv/app.conf is %q", got)
	}
	if out := lift1("--check"); strings.Contains(out, "+port=8080") {
		t.Errorf("lift --check without --diff shows a diff:\n%s", out)
	}

	out = lift1("--check", "--diff", "--json")
	var doc lift.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if got := doc.Nodes[0].Phases[0].Steps[0].Diff; got != strings.ReplaceAll(strings.TrimSuffix(diff, "\n"), "    ", "") {
		t.Errorf("--json: step 1 diff %q", got)
	}

	out = lift1("--diff")
	if !strings.Contains(out, step+"changed\n"+diff) {
		t.Errorf("lift --diff: no diff under the step's line:\n%s", out)
	}
	if got := onNode(); got != "port=8080\n" {
		t.Fatalf("lift --diff did not apply: /srv/app.conf is %q", got)
	}
}
