package lift

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// nodesOnly is a provider that lists fixed nodes and can do nothing else.
type nodesOnly []provider.Node

func (n nodesOnly) Nodes(context.Context) ([]provider.Node, error) { return n, nil }
func (nodesOnly) MarkBootstrapped(context.Context, provider.Node) error {
	return nil
}

// TestAdminUserAfterBootstrap: a bootstrapped node is logged into as the
// admin user, unless this run bootstraps it (which must be the image's
// login user, the only one there is before bootstrap).
func TestAdminUserAfterBootstrap(t *testing.T) {
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`admin: {user: deploy}
groups:
  web:
    phases:
      bootstrap: [{exec-script: {script: "true"}}]
      configure: [{exec-script: {script: "true"}}]
  plain:
    phases:
      configure: [{exec-script: {script: "true"}}]
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Port 1 on loopback refuses at once: the run ends unreachable, but
	// the report says who it tried to log in as.
	nodes := nodesOnly{
		{Name: "fresh", Group: "web", Host: "127.0.0.1", Port: 1, User: "root", OS: "debian-12"},
		{Name: "done", Group: "web", Host: "127.0.0.1", Port: 1, User: "root", OS: "debian-12", Bootstrapped: true},
		{Name: "nobootstrap", Group: "plain", Host: "127.0.0.1", Port: 1, User: "root", OS: "debian-12", Bootstrapped: true},
	}
	for _, tt := range []struct {
		phases []string
		want   map[string]string
	}{
		{[]string{"configure"}, map[string]string{"fresh": "root", "done": "deploy", "nobootstrap": "root"}},
		{[]string{"bootstrap", "configure"}, map[string]string{"fresh": "root", "done": "deploy", "nobootstrap": "root"}},
	} {
		opts := Options{Groups: []string{"web", "plain"}, Phases: tt.phases, AdminUser: "deploy",
			Runner: runner.Options{ConnectAttempts: 1, ConnectTimeout: 2 * time.Second, KnownHostsFile: filepath.Join(dir, "known_hosts"), SSHConfigFile: "none", AgentSocket: "none"}}
		rep, err := Lift(context.Background(), p, nodes, "test", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rep.Nodes {
			if got := n.Node.User; got != tt.want[n.Node.Name] {
				t.Errorf("phases %v: node %s logged in as %q, want %q", tt.phases, n.Node.Name, got, tt.want[n.Node.Name])
			}
		}
	}
	// --force-bootstrap on a bootstrapped node runs bootstrap, as the
	// login user.
	opts := Options{Groups: []string{"web"}, Phases: []string{"bootstrap"}, ForceBootstrap: true, AdminUser: "deploy",
		Runner: runner.Options{ConnectAttempts: 1, ConnectTimeout: 2 * time.Second, KnownHostsFile: filepath.Join(dir, "known_hosts"), SSHConfigFile: "none", AgentSocket: "none"}}
	rep, err := Lift(context.Background(), p, nodes, "test", opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Nodes {
		if n.Node.User != "root" {
			t.Errorf("forced bootstrap of %s logged in as %q, want root", n.Node.Name, n.Node.User)
		}
	}
}
