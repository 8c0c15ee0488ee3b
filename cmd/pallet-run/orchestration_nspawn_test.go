package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestOrchestrationNspawn runs ordered, rolling, limited lifts and exec on
// three real Debian nodes (login user deployer, passwordless sudo), one in
// group db and two in app (in this order: node 0, 1, 2), or all three in
// web. Timestamps are read back from the nodes with ssh(1), not from
// pallet's own output.
func TestOrchestrationNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 3, nspawntest.WithGroup("orch"), nspawntest.WithUser("deployer"))
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	write := func(groups []string, body string) {
		t.Helper()
		var list strings.Builder
		for i, n := range nodes {
			fmt.Fprintf(&list, "      - {name: %s, host: %s, port: %d, user: %s, group: %s, os: debian-12}\n", n.Name, n.Host, n.Port, n.User, groups[i])
		}
		if err := os.WriteFile(file, []byte(body+"providers:\n  test:\n    kind: node-list\n    nodes:\n"+list.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pr := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := args[0]
		rest := append([]string{cmd, "-f", file, "-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}, args[1:]...)
		var out bytes.Buffer
		code := run(ctx, rest, &out, &out)
		return out.String(), code
	}
	onNode := func(n provider.Node, command ...string) string {
		t.Helper()
		out, err := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, command...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %s %v: %v\n%s", n.Name, command, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	stamp := func(n provider.Node, f string) int64 {
		t.Helper()
		v, err := strconv.ParseInt(onNode(n, "cat", f), 10, 64)
		if err != nil {
			t.Fatalf("%s %s: %v", n.Name, f, err)
		}
		return v
	}
	row := func(out, node, status string) bool {
		return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(node) + ` +` + status + ` `).MatchString(out)
	}

	// (c) order: db's phase finishes on db before app's starts on app.
	write([]string{"db", "app", "app"}, `order: [db, app]
groups:
  db:
    phases:
      configure:
        - exec-script: {script: "date +%s%N >/tmp/orch-start; sleep 1; date +%s%N >/tmp/orch-end"}
      broken:
        - exec-script: {script: "exit 7"}
  app:
    phases:
      configure:
        - exec-script: {script: "date +%s%N >/tmp/orch-start; date +%s%N >/tmp/orch-end"}
      broken:
        - exec-script: {script: "date +%s%N >/tmp/orch-broken"}
`)
	out, code := pr("lift", "db", "app")
	if code != exitOK {
		t.Fatalf("ordered lift: exit %d\n%s", code, out)
	}
	dbEnd := stamp(nodes[0], "/tmp/orch-end")
	for _, n := range nodes[1:] {
		if start := stamp(n, "/tmp/orch-start"); start <= dbEnd {
			t.Errorf("app node %s started at %d, before db finished at %d", n.Name, start, dbEnd)
		}
	}
	// db failing stops app: not run, exit 3, app's phase never started.
	out, code = pr("lift", "db", "app", "--phase", "broken")
	if code != exitNodesFailed || !row(out, nodes[0].Name, "failed") || !row(out, nodes[1].Name, "not run") || !row(out, nodes[2].Name, "not run") {
		t.Errorf("db failing: want exit 3, db failed, app not run; exit %d\n%s", code, out)
	}
	if got := onNode(nodes[1], "sh", "-c", "test -e /tmp/orch-broken && echo ran || echo absent"); got != "absent" {
		t.Errorf("app's phase ran although db failed: %s", got)
	}

	// (e) --limit, and exec on one node: mark node 1 to fail.
	write([]string{"web", "web", "web"}, `groups:
  web:
    rollout: {batch: 1, max_failed: 0}
    phases:
      configure:
        - exec-script: {script: "test ! -e /tmp/orch-fail-me; date +%s%N >/tmp/orch-rolled"}
`)
	out, code = pr("exec", "web", "--limit", nodes[1].Name, "--", "touch", "/tmp/orch-fail-me")
	if code != exitOK || !strings.Contains(out, "1 node(s): 1 ok") {
		t.Fatalf("exec --limit: exit %d\n%s", code, out)
	}
	if got := onNode(nodes[2], "sh", "-c", "test -e /tmp/orch-fail-me && echo marked || echo clean"); got != "clean" {
		t.Fatalf("--limit %s touched %s too", nodes[1].Name, nodes[2].Name)
	}

	// (d) rollout batch 1, max_failed 0: node 0 ok, node 1 fails, node 2
	// is not run (and its phase never ran there).
	out, code = pr("lift", "web")
	if code != exitNodesFailed || !row(out, nodes[0].Name, "ok") || !row(out, nodes[1].Name, "failed") || !row(out, nodes[2].Name, "not run") {
		t.Errorf("rollout: want exit 3, ok, failed, not run; exit %d\n%s", code, out)
	}
	if got := onNode(nodes[2], "sh", "-c", "test -e /tmp/orch-rolled && echo ran || echo absent"); got != "absent" {
		t.Errorf("rollout ran on %s after the failure: %s", nodes[2].Name, got)
	}
	// --max-failed 1 lets the last batch run.
	out, code = pr("lift", "web", "--max-failed", "1", "--limit", nodes[1].Name+","+nodes[2].Name)
	if code != exitNodesFailed || !row(out, nodes[1].Name, "failed") || !row(out, nodes[2].Name, "ok") || row(out, nodes[0].Name, "") {
		t.Errorf("--max-failed 1 --limit: want node 1 failed, node 2 ok, node 0 left out; exit %d\n%s", code, out)
	}

	// (f) exec: arguments arrive verbatim (spaces, $(...), quotes), each
	// output line prefixed by its node; through sudo by default, as the
	// login user with --sudo=false; --shell is interpreted.
	start := time.Now()
	// --batch 100%: all three at once, whatever the group's rollout.
	out, code = pr("exec", "web", "--batch", "100%", "--", "printf", "[%s]\n", "a  b", "$(id -u)", "it's", "`whoami`")
	took := time.Since(start)
	if code != exitOK {
		t.Fatalf("exec: exit %d\n%s", code, out)
	}
	for _, n := range nodes {
		for _, want := range []string{"[a  b]", "[$(id -u)]", "[it's]", "[`whoami`]"} {
			if !strings.Contains(out, n.Name+": "+want+"\n") {
				t.Errorf("exec: no line %q for %s:\n%s", want, n.Name, out)
			}
		}
	}
	t.Logf("exec on 3 nodes (at once) took %s", took)
	// Sequentially, as the rollout says, and timed for comparison.
	start = time.Now()
	if out, code = pr("exec", "web", "--", "true"); code != exitOK {
		t.Fatalf("exec true: exit %d\n%s", code, out)
	}
	t.Logf("exec on 3 nodes (batch 1) took %s", time.Since(start))
	out, _ = pr("exec", "web", "--limit", nodes[0].Name, "--", "id", "-un")
	if !strings.Contains(out, nodes[0].Name+": root\n") {
		t.Errorf("exec with sudo: want root:\n%s", out)
	}
	out, _ = pr("exec", "web", "--limit", nodes[0].Name, "--sudo=false", "--", "id", "-un")
	if !strings.Contains(out, nodes[0].Name+": deployer\n") {
		t.Errorf("exec --sudo=false: want deployer:\n%s", out)
	}
	out, _ = pr("exec", "web", "--limit", nodes[0].Name, "--shell", "echo $((6*7))")
	if !strings.Contains(out, nodes[0].Name+": 42\n") {
		t.Errorf("exec --shell: want 42:\n%s", out)
	}
	// A failing command: exit 3, its status in the recap and --json. The
	// group's rollout (batch 1) applies to exec too; --max-failed 100%
	// lets every batch run.
	out, code = pr("exec", "web", "--json", "--max-failed", "100%", "--", "sh", "-c", "echo out; echo err >&2; exit 5")
	if code != exitNodesFailed {
		t.Fatalf("exec failing: exit %d\n%s", code, out)
	}
	var doc execDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exec --json: %v\n%s", err, out)
	}
	if len(doc.Exec.Nodes) != 3 || doc.Exec.Nodes[0].ExitStatus == nil || *doc.Exec.Nodes[0].ExitStatus != 5 ||
		strings.Join(doc.Exec.Nodes[0].Output, "|") != "out|err" || doc.Command != "exec" || doc.Totals.Failed != 3 {
		t.Errorf("exec --json: %+v", doc.Exec)
	}
}
