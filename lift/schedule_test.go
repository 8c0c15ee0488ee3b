package lift

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// scheduleProject is three groups, app after db, for the schedule tests;
// their nodes are on a port that refuses, so every node that runs is
// unreachable at once, and the tests are about which nodes run at all.
func scheduleProject(t *testing.T, extra string) (*compiler.Project, Options) {
	t.Helper()
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`order: [db, app]
groups:
  db:
    phases: {configure: [{exec-script: {script: "true"}}]}
  app:
    phases: {configure: [{exec-script: {script: "true"}}]}
  web:
`+extra+`    phases: {configure: [{exec-script: {script: "true"}}]}
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Provider: cannotList{}, ProviderName: "test", Schedule: ProjectSchedule(p.Project),
		Runner: runner.Options{ConnectAttempts: 1, ConnectTimeout: 2 * time.Second, KnownHostsFile: filepath.Join(dir, "known_hosts"), SSHConfigFile: "none", AgentSocket: "none"}}
	return p, opts
}

func refusing(group string, names ...string) []provider.Node {
	var out []provider.Node
	for _, n := range names {
		out = append(out, provider.Node{ID: n, Name: n, Group: group, Host: "127.0.0.1", Port: 1, User: "x", OS: "debian-12"})
	}
	return out
}

func statuses(rep *Report) string {
	var parts []string
	for _, n := range rep.Nodes {
		parts = append(parts, n.Node.Name+"="+string(n.Status))
	}
	return strings.Join(parts, " ")
}

// TestOrderStopsLaterGroups: app runs after db, so db's failure leaves
// app's nodes not run (saying why), while web, in no order, runs anyway.
func TestOrderStopsLaterGroups(t *testing.T) {
	p, opts := scheduleProject(t, "")
	c, err := Compile(p, []string{"app", "db", "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodes := append(append(refusing("app", "app-1", "app-2"), refusing("db", "db-1")...), refusing("web", "web-1")...)
	rep, err := Run(context.Background(), nodes, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(rep), "app-1=not run app-2=not run db-1=unreachable web-1=unreachable"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if msg := rep.Nodes[0].Err.Error(); !strings.Contains(msg, "group app runs after group db, which had 1 failed node(s): db-1") {
		t.Errorf("not run reason: %s", msg)
	}
	if tot := rep.Totals(); tot.NotRun != 2 || rep.OK() {
		t.Errorf("totals %+v, ok %v", tot, rep.OK())
	}
}

// TestRolloutStopsPastMaxFailed: batch 1 with max_failed 0 stops the
// rollout after the first failed node; the flags override the file's
// rollout; with max_failed 1 one more batch runs.
func TestRolloutStopsPastMaxFailed(t *testing.T) {
	p, opts := scheduleProject(t, "    rollout: {batch: 1, max_failed: 0}\n")
	c, err := Compile(p, []string{"web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodes := refusing("web", "web-1", "web-2", "web-3")
	for _, tt := range []struct {
		batch, maxFailed string
		want             string
	}{
		{"", "", "web-1=unreachable web-2=not run web-3=not run"},
		{"", "1", "web-1=unreachable web-2=unreachable web-3=not run"},
		{"2", "", "web-1=unreachable web-2=unreachable web-3=not run"},
		{"100%", "100%", "web-1=unreachable web-2=unreachable web-3=unreachable"},
	} {
		o := opts
		if tt.batch != "" {
			a, _ := project.ParseAmount(tt.batch, 1)
			o.Schedule.Batch = &a
		}
		if tt.maxFailed != "" {
			a, _ := project.ParseAmount(tt.maxFailed, 0)
			o.Schedule.MaxFailed = &a
		}
		rep, err := Run(context.Background(), nodes, c, o)
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(rep); got != tt.want {
			t.Errorf("--batch %q --max-failed %q: got %s, want %s", tt.batch, tt.maxFailed, got, tt.want)
		}
	}
}

// TestLimit: --limit keeps names and globs, comma lists included, and
// matching nothing is an input error naming the patterns.
func TestLimit(t *testing.T) {
	p, opts := scheduleProject(t, "")
	c, err := Compile(p, []string{"web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodes := refusing("web", "web-1", "web-2", "web-10")
	opts.Limit = []string{"web-1?,web-2"}
	rep, err := Run(context.Background(), nodes, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rep); got != "web-2=unreachable web-10=unreachable" {
		t.Errorf("got %s", got)
	}
	opts.Limit = []string{"db-*", "x"}
	if _, err := Run(context.Background(), nodes, c, opts); err == nil || err.Error() != "--limit db-*,x matches none of the nodes (web-1, web-2, web-10)" {
		t.Errorf("limit matching nothing: %v", err)
	}
	opts.Limit = []string{"web-["}
	if _, err := Run(context.Background(), nodes, c, opts); err == nil || !strings.Contains(err.Error(), "not a valid pattern") {
		t.Errorf("bad glob: %v", err)
	}
}
