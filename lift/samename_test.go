package lift

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/runner"
)

// TestNodesSharingAName: node names are not unique (two OpenStack servers
// may both be web-1). Each node must get its own report entry and its own
// log file; matching results by name once left one node's placeholder
// "ok" in the report, so a node that failed was reported ok.
func TestNodesSharingAName(t *testing.T) {
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  web:
    phases:
      configure: [{exec-script: {script: "true"}}]
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Closed loopback ports: both nodes end unreachable.
	nodes := nodesOnly{
		{ID: "aaa", Name: "web-1", Group: "web", Host: "127.0.0.1", Port: 1, User: "root", OS: "debian-12"},
		{ID: "bbb", Name: "web-1", Group: "web", Host: "127.0.0.2", Port: 1, User: "root", OS: "debian-12"},
		{ID: "ccc", Name: "web-2", Group: "web", Host: "127.0.0.3", Port: 1, User: "root", OS: "debian-12"},
	}
	logDir := filepath.Join(dir, "logs")
	var done []string
	opts := Options{Groups: []string{"web"}, LogDir: logDir,
		OnNodeDone:  func(nr NodeReport) { done = append(done, nr.Node.ID) },
		Parallelism: 1,
		Runner:      runner.Options{ConnectAttempts: 1, ConnectTimeout: 2 * time.Second, KnownHostsFile: filepath.Join(dir, "known_hosts"), SSHConfigFile: "none", AgentSocket: "none"}}
	rep, err := Lift(context.Background(), p, nodes, "test", opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Errorf("report OK with every node unreachable")
	}
	logs := map[string]bool{}
	for i, n := range rep.Nodes {
		if n.Node.ID != nodes[i].ID || n.Index != i {
			t.Errorf("report entry %d is node %s, index %d, want %s", i, n.Node.ID, n.Index, nodes[i].ID)
		}
		if n.Status != StatusUnreachable {
			t.Errorf("node %s (%s): status %s, want unreachable", n.Node.Name, n.Node.ID, n.Status)
		}
		if n.Log == "" || logs[n.Log] {
			t.Errorf("node %s (%s): log %q, want a file of its own", n.Node.Name, n.Node.ID, n.Log)
			continue
		}
		logs[n.Log] = true
		data, err := os.ReadFile(n.Log)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "@"+n.Node.Host+":1,") || !strings.Contains(string(data), "result: unreachable") {
			t.Errorf("log %s of node %s at %s:\n%s", n.Log, n.Node.ID, n.Node.Host, data)
		}
	}
	var names []string
	for l := range logs {
		names = append(names, filepath.Base(l))
	}
	sort.Strings(names)
	if got, want := strings.Join(names, " "), "web-1-aaa.log web-1-bbb.log web-2.log"; got != want {
		t.Errorf("log files %s, want %s", got, want)
	}
	sort.Strings(done)
	if got := strings.Join(done, " "); got != "aaa bbb ccc" {
		t.Errorf("OnNodeDone for %s, want aaa bbb ccc", got)
	}
}

func TestLogFileNames(t *testing.T) {
	var plans []*plan
	for _, n := range [][2]string{{"a", "1"}, {"a", "1"}, {"a", ""}, {"b/c", "x"}, {"..", ""}, {"a-1", ""}} {
		p := &plan{}
		p.node.Name, p.node.ID = n[0], n[1]
		plans = append(plans, p)
	}
	got := strings.Join(logFileNames(plans), " ")
	want := "a-1.log a-1-2.log a.log b_c.log node.log a-1-3.log"
	if got != want {
		t.Errorf("logFileNames = %s, want %s", got, want)
	}
}
