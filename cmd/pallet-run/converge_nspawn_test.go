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

	"github.com/palletops/pallet/converge"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// convergeProject is the quickstart in small, on its own nspawn state dir:
// javanode's image asks for ubuntu 22.04, which nspawn (Debian only) does
// not give; the test edits mynode's file content to make a change that
// check mode must only report.
const convergeProject = `admin: {user: deploy, public_key_file: %q}
groups:
  javanode:
    image: {os_family: ubuntu, os_version_matches: "22\\.04"}
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - file: {path: /etc/java-ready, content: "yes\n"}
  mynode:
    phases:
      configure:
        - file: {path: /etc/motd-pallet, content: "v1\n"}
      destroy-server:
        - exec-script: {script: "true"}
providers:
  local:
    kind: nspawn
    state_dir: state
    cache_dir: %q
    # Apart from the other nspawn tests' blocks (100, 140, 150) and users' 10.
    address_block: 160
`

// TestConvergeCheckNspawn is `pallet-run converge --check` on real nodes:
// the plan, then bootstrap and configure in check mode on the nodes there
// are, nothing created, destroyed, bootstrapped or changed; then real
// converges, whose recap heads itself with what ran and calls a destroyed
// node destroyed. Along the way, javanode's ubuntu image on Debian nodes
// is a warning line on stderr, once, and in the JSON document.
func TestConvergeCheckNspawn(t *testing.T) {
	key := nspawntest.KeyFile(t) // skips unless root with nspawn
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	write := func(motd string) {
		text := fmt.Sprintf(convergeProject, key+".pub", filepath.Join(nspawntest.CacheDir(), "rootfs"))
		text = strings.Replace(text, `content: "v1\n"`, fmt.Sprintf(`content: "%s\n"`, motd), 1)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("v1")
	pr := func(args ...string) (string, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var stdout, stderr bytes.Buffer
		code := run(ctx, append(append([]string{args[0], "-f", file, "--provider", "local"}, args[1:]...), "-i", key, "--ssh-config", "none"), &stdout, &stderr)
		return stdout.String(), stderr.String(), code
	}
	nodes := func() []string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"nodes", "-f", file, "--json"}, &stdout, &stderr); code != exitOK {
			t.Fatalf("nodes: exit %d: %s", code, stderr.String())
		}
		var doc struct {
			Nodes []struct {
				Name         string
				Bootstrapped bool
			}
		}
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range doc.Nodes {
			out = append(out, fmt.Sprintf("%s bootstrapped=%v", n.Name, n.Bootstrapped))
		}
		return out
	}
	t.Cleanup(func() {
		var stdout, stderr bytes.Buffer
		for _, g := range []string{"javanode", "mynode"} {
			if code := run(context.Background(), []string{"nodes", "destroy", "-f", file, "--group", g}, &stdout, &stderr); code != exitOK {
				t.Errorf("cleanup: %s", stderr.String())
			}
		}
	})
	warning := "warning: group javanode: its image asks for ubuntu-22.04 but node(s) javanode-1 run debian-12; compiled for debian-12\n"
	row := func(out, node, status string) []string {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + node + ` +` + status + ` +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) `).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s row for %s:\n%s", status, node, out)
		}
		return m[1:] // ok changed would-change ran failed unreachable
	}

	// A javanode made by hand is not bootstrapped yet.
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"nodes", "create", "-f", file, "--group", "javanode"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("nodes create: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	t.Run("check: the plan, check mode on the node there is, nothing changed", func(t *testing.T) {
		out, errOut, code := pr("converge", "--check", "javanode=1", "mynode=2")
		if code != exitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		for _, want := range []string{
			"plan for provider local:\n  javanode: 1 → 1\n    bootstrap  javanode-1\n",
			"  mynode: 0 → 2\n    create     2 nodes\n",
			"check mode: nothing is created or destroyed; bootstrap and the phases run in check mode on the nodes there are\n" +
				"  not checked: mynode: 2 nodes to create (they do not exist yet)\n",
			"RECAP converge: bootstrap on 1 node, configure on 1 node (provider local, check mode)",
			"check mode: nothing was created, destroyed or bootstrapped\n",
			"not checked: mynode: 2 nodes to create (they do not exist yet)\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		// bootstrap's steps and configure's would change; none did.
		c := row(out, "javanode-1", "ok")
		if c[1] != "0" || c[2] == "0" || c[4] != "0" {
			t.Errorf("want would-change and no change on javanode-1: ok/changed/would-change/ran/failed = %v\n%s", c[:5], out)
		}
		if strings.Count(errOut, warning) != 1 {
			t.Errorf("stderr should warn once: %q\n%s", warning, errOut)
		}
		if got := nodes(); len(got) != 1 || got[0] != "javanode-1 bootstrapped=false" {
			t.Errorf("check mode changed the node set or the bootstrap record: %v", got)
		}
	})

	t.Run("converge: created, bootstrapped, configured; warned once", func(t *testing.T) {
		out, errOut, code := pr("converge", "javanode=1", "mynode=2")
		if code != exitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if !strings.Contains(out, "RECAP converge: bootstrap on 1 node, configure on 3 nodes (provider local) ") {
			t.Errorf("heading:\n%s", out)
		}
		if c := row(out, "javanode-1", "ok"); c[1] == "0" {
			t.Errorf("javanode-1 changed nothing:\n%s", out)
		}
		if strings.Count(errOut, "warning: ") != 1 || !strings.Contains(errOut, warning) {
			t.Errorf("stderr should have exactly one warning, %q:\n%s", warning, errOut)
		}
	})

	write("v2")
	t.Run("check after a change: reported, not made; the surplus stays", func(t *testing.T) {
		out, errOut, code := pr("converge", "--check", "mynode=1")
		if code != exitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if c := row(out, "mynode-1", "ok"); c[1] != "0" || c[2] != "1" {
			t.Errorf("mynode-1: want would-change 1, changed 0: %v\n%s", c, out)
		}
		if !strings.Contains(out, "not checked: mynode: mynode-2, to be destroyed (no destroy-server phase runs in check mode)\n") ||
			!strings.Contains(out, "RECAP converge: configure on 1 node (provider local, check mode)") {
			t.Errorf("stdout:\n%s", out)
		}
		if strings.Contains(errOut, "warning: ") {
			t.Errorf("javanode is not named, yet stderr warns:\n%s", errOut)
		}
		if got := nodes(); len(got) != 3 {
			t.Errorf("check mode changed the node set: %v", got)
		}
	})

	t.Run("converge --json: destroyed is its own status; warnings in the document", func(t *testing.T) {
		out, errOut, code := pr("converge", "--json", "javanode=1", "mynode=1")
		if code != exitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		var doc converge.Document
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not one JSON document: %v\n%s", err, out)
		}
		status := map[string]string{}
		changed := map[string]int{}
		for _, n := range doc.Nodes {
			status[n.Name], changed[n.Name] = string(n.Status), n.Counts.Changed
		}
		if status["mynode-2"] != "destroyed" || status["mynode-1"] != "ok" || changed["mynode-1"] != 1 || changed["javanode-1"] != 0 {
			t.Errorf("status %v, changed %v: want mynode-2 destroyed, mynode-1 changed once (check mode made no change)", status, changed)
		}
		if doc.Totals.OK != 2 || doc.Totals.Destroyed != 1 || !doc.OK {
			t.Errorf("totals %+v ok=%v", doc.Totals, doc.OK)
		}
		wantRan := []converge.PhaseRun{{Phase: "destroy-server", Nodes: 1}, {Phase: "configure", Nodes: 2}}
		if fmt.Sprint(doc.Ran) != fmt.Sprint(wantRan) {
			t.Errorf("ran %+v, want %+v", doc.Ran, wantRan)
		}
		if len(doc.Warnings) != 1 || "warning: "+doc.Warnings[0]+"\n" != warning || !strings.Contains(errOut, warning) {
			t.Errorf("warnings %q, stderr:\n%s", doc.Warnings, errOut)
		}
	})
}
