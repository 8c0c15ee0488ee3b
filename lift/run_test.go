package lift

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// cannotList is a provider whose listing fails: Run must not need it.
type cannotList struct{}

func (cannotList) Nodes(context.Context) ([]provider.Node, error) {
	return nil, errors.New("listing is not Run's business")
}
func (cannotList) MarkBootstrapped(context.Context, provider.Node) error { return nil }

// TestRunOnGivenNodes: Run works on exactly the nodes it is given, as they
// are (user included), without listing the provider; a node of a group it
// was not compiled for, or no provider to record bootstraps with, is an
// input error before anything runs.
func TestRunOnGivenNodes(t *testing.T) {
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  web:
    phases:
      configure: [{exec-script: {script: "true"}}]
  db:
    phases:
      configure: [{exec-script: {script: "true"}}]
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(p, []string{"web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Port 1 on loopback refuses at once.
	nodes := []provider.Node{{ID: "a", Name: "web-a", Group: "web", Host: "127.0.0.1", Port: 1, User: "someone", OS: "debian-12"}}
	opts := Options{Provider: cannotList{}, ProviderName: "test",
		Runner: runner.Options{ConnectAttempts: 1, ConnectTimeout: 2 * time.Second, KnownHostsFile: filepath.Join(dir, "known_hosts"), SSHConfigFile: "none", AgentSocket: "none"}}
	rep, err := Run(context.Background(), nodes, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Nodes) != 1 || rep.Nodes[0].Node.User != "someone" || rep.Nodes[0].Status != StatusUnreachable {
		t.Fatalf("want web-a, as someone, unreachable: %+v", rep.Nodes)
	}
	if rep.Command != "lift" || rep.Provider != "test" || strings.Join(rep.Phases, ",") != DefaultPhase || strings.Join(rep.Groups, ",") != "web" {
		t.Errorf("report header: command %q provider %q groups %v phases %v", rep.Command, rep.Provider, rep.Groups, rep.Phases)
	}

	db := append(nodes, provider.Node{ID: "b", Name: "db-b", Group: "db", Host: "127.0.0.1", Port: 1, OS: "debian-12"})
	if _, err := Run(context.Background(), db, c, opts); err == nil || !strings.Contains(err.Error(), "node db-b is in group db, which was not compiled for") {
		t.Errorf("node of another group: got %v", err)
	}
	opts.Provider = nil
	if _, err := Run(context.Background(), nodes, c, opts); err == nil {
		t.Error("Run without a provider succeeded")
	}
}
