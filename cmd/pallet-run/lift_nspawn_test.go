package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestLiftNspawn runs `pallet-run lift` end to end against two real Debian
// nodes running OpenSSH, declared in a node-list pallet.yaml: bootstrap as
// root then configure, exit 0 and a recap that says so; then a second lift
// that skips bootstrap (recorded in the state file) and changes nothing.
// It needs root (nspawntest says why when it skips).
func TestLiftNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 2, nspawntest.WithGroup("liftcli"))
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)

	dir := t.TempDir()
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin.pub"), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&list, "      - {name: %s, host: %s, port: %d, user: %s, group: web}\n", n.Name, n.Host, n.Port, n.User)
	}
	yaml := `admin: {user: palletadmin, public_key_file: admin.pub}
groups:
  web:
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - directory: {path: /srv/app, mode: "0750"}
        - file: {path: /srv/app/motd, content: "lifted by pallet\n", mode: "0640"}
        - line-in-file: {path: /etc/environment, line: "PALLET_LIFTED=1"}
providers:
  test:
    kind: node-list
    nodes:
` + list.String()
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}

	lift1 := func(extra ...string) (string, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		args := append([]string{"lift", "-f", file, "--provider", "test", "web",
			"--phase", "bootstrap", "--phase", "configure",
			"-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}, extra...)
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, &stdout, &stderr)
		return stdout.String(), stderr.String(), code
	}

	out, errOut, code := lift1()
	if code != exitOK {
		t.Fatalf("first lift: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, n := range nodes {
		// 4 bootstrap steps + 3 configure steps changed; the package
		// step of bootstrap finds sudo already there.
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(n.Name) + ` +ok +(\d+) +(\d+) +0 +0 +0 +0 `)
		m := row.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("first lift: no ok recap row for %s:\n%s", n.Name, out)
		}
		if m[2] == "0" {
			t.Errorf("first lift: %s changed nothing:\n%s", n.Name, out)
		}
	}
	if !strings.Contains(out, "2 node(s): 2 ok, 0 failed, 0 unreachable") {
		t.Errorf("first lift: recap totals wrong:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".pallet", "state", "test.json")); err != nil {
		t.Errorf("bootstrap state not recorded: %v", err)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, ".pallet", "runs", "*", nodes[0].Name+".log"))
	if len(logs) != 1 {
		t.Errorf("want one log for %s, got %v", nodes[0].Name, logs)
	}

	out, errOut, code = lift1("--json")
	if code != exitOK {
		t.Fatalf("second lift: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var doc lift.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("second lift: --json output is not one JSON document: %v\n%s", err, out)
	}
	if !doc.OK || doc.Totals.OK != 2 || doc.Totals.Steps.Changed != 0 || doc.Totals.Steps.OK != 6 {
		t.Errorf("second lift: want 2 ok nodes, 6 ok steps, 0 changed; got ok=%v totals=%+v", doc.OK, doc.Totals)
	}
	for _, n := range doc.Nodes {
		if len(n.Skipped) != 1 || n.Skipped[0].Phase != "bootstrap" {
			t.Errorf("second lift: node %s should skip bootstrap, skipped %+v", n.Name, n.Skipped)
		}
		if n.OS != "debian-12" {
			t.Errorf("second lift: node %s: os auto should probe debian-12, got %q", n.Name, n.OS)
		}
	}
}

// TestLiftWarnsOfImageOSNspawn: a group whose image asks for ubuntu 22.04,
// lifted on a Debian node. Lift compiles for debian-12, as it should, and
// says so on stderr: before the run when the node list declares the OS,
// after it when the OS was probed; and in the JSON document.
func TestLiftWarnsOfImageOSNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("imageos"))
	n := nodes[0]
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	want := "warning: group javanode: its image asks for ubuntu-22.04 but node(s) " + n.Name + " run debian-12; compiled for debian-12\n"
	for _, tt := range []struct{ os, when string }{{"debian-12", "before"}, {"auto", "after"}} {
		yaml := fmt.Sprintf(`groups:
  javanode:
    image: {os_family: ubuntu, os_version_matches: "22\\.04"}
    phases:
      configure:
        - exec-script: {script: "true"}
providers:
  test:
    kind: node-list
    nodes:
      - {name: %s, host: %s, port: %d, user: %s, group: javanode, os: %s}
`, n.Name, n.Host, n.Port, n.User, tt.os)
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"lift", "-f", file, "javanode", "-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}
		// One buffer for stdout and stderr, as on a terminal, so the
		// order shows.
		var both bytes.Buffer
		if code := run(context.Background(), args, &both, &both); code != exitOK {
			t.Fatalf("os %s: exit %d\n%s", tt.os, code, both.String())
		}
		out := both.String()
		w, step := strings.Index(out, want), strings.Index(out, n.Name+" configure step 1/1")
		if w < 0 || strings.Count(out, "warning: ") != 1 || step < 0 || (w < step) != (tt.when == "before") {
			t.Errorf("os %s: want the warning once, %s the run:\n%s", tt.os, tt.when, out)
		}

		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append(args, "--json"), &stdout, &stderr); code != exitOK {
			t.Fatalf("os %s --json: exit %d\n%s", tt.os, code, stderr.String())
		}
		var doc lift.Document
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Warnings) != 1 || "warning: "+doc.Warnings[0]+"\n" != want || stderr.String() != want {
			t.Errorf("os %s --json: warnings %q, stderr %q", tt.os, doc.Warnings, stderr.String())
		}
	}
}
