package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestNodeDataNspawn lifts two real Debian nodes whose file param reads
// {{ .node.address }}, {{ range .groups.web }} and a var one node
// overrides: each node gets its own content, listing both nodes sorted by
// name, with --var above the node's own vars. It needs root (nspawntest
// says why when it skips).
func TestNodeDataNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 2, nspawntest.WithGroup("nodedata"))
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)
	dir := t.TempDir()
	var list strings.Builder
	for i, n := range nodes {
		vars := ""
		if i == 1 {
			vars = ", vars: {role: replica}"
		}
		fmt.Fprintf(&list, "      - {name: %s, host: %s, port: %d, user: %s, group: web, tags: {slot: s%d}%s}\n", n.Name, n.Host, n.Port, n.User, i, vars)
	}
	yaml := `vars: {role: primary, port: 5432}
groups:
  web:
    phases:
      configure:
        - file:
            path: /srv/peers
            content: |
              me={{ .node.name }}@{{ .node.address }} i={{ .node.index }} slot={{ .node.tags.slot }} role={{ .vars.role }} port={{ .vars.port }}
              {{ range .groups.web }}peer={{ .name }}@{{ .address }}
              {{ end -}}
providers:
  test:
    kind: node-list
    nodes:
` + list.String()
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := []string{"lift", "-f", file, "--provider", "test", "web", "--var", "port=6432",
		"-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}
	if code := run(ctx, args, &stdout, &stderr); code != exitOK {
		t.Fatalf("lift: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}

	sorted := append([]provider.Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var peers strings.Builder
	for _, n := range sorted {
		fmt.Fprintf(&peers, "peer=%s@%s\n", n.Name, n.Host)
	}
	for i, n := range nodes {
		index := 0
		if sorted[1].Name == n.Name {
			index = 1
		}
		role := "primary"
		if i == 1 {
			role = "replica"
		}
		want := fmt.Sprintf("me=%s@%s i=%d slot=s%d role=%s port=6432\n%s", n.Name, n.Host, index, i, role, peers.String())
		out, err := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, "cat", "/srv/peers")...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: cat /srv/peers: %v\n%s", n.Name, err, out)
		}
		if string(out) != want {
			t.Errorf("%s: /srv/peers is\n%s\nwant\n%s", n.Name, out, want)
		}
	}
}
