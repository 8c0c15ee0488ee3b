package nodelist

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

func decode(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestFromYAMLErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown top key", "kind: node-list\nnode: []\n", `p.yaml:2:1: unknown key "node" (did you mean "nodes"?)`},
		{"unknown node key", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g, prot: 22}\n", `p.yaml:3:34: unknown key "prot" (did you mean "port"?)`},
		{"no nodes", "kind: node-list\n", "has no nodes"},
		{"no host", "kind: node-list\nnodes:\n  - {name: a, group: g}\n", "p.yaml:3:5: node a needs a host"},
		{"no group", "kind: node-list\nnodes:\n  - {name: a, host: h}\n", "node a needs a group"},
		{"no name", "kind: node-list\nnodes:\n  - {host: h, group: g}\n", "node needs a name"},
		{"duplicate", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g}\n  - {name: a, host: i, group: g}\n", `p.yaml:4:5: node name "a" is used twice`},
		{"bad os", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g, os: plan9}\n", `node a: os: unknown OS id "plan9"`},
		{"unknown os version", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g, os: debian-99}\n", `node a: os: unknown debian version "99"`},
		{"bad port", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g, port: 70000}\n", "port 70000 out of range"},
		{"wrong type", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g, port: ssh}\n", "wrong type"},
		{"bad var name", "kind: node-list\nnodes:\n  - {name: a, host: h, group: g, vars: {my-port: 1}}\n", `p.yaml:3:41: var name "my-port"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromYAML("p.yaml", decode(t, tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNodesAndBootstrapState(t *testing.T) {
	cfg, err := FromYAML("p.yaml", decode(t, `kind: node-list
nodes:
  - {name: web-1, host: 10.0.0.1, user: root, group: web}
  - {name: db-1, host: 10.0.0.2, port: 2222, group: db, os: debian-12}
`))
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), ".pallet", "state", "lab.json")
	p, err := New(cfg, Options{StateFile: state})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nodes, err := p.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Node{
		// No port: 0, so that the runner takes the Port of the host's
		// ~/.ssh/config entry (the host may be an alias), else 22.
		{ID: "web-1", Name: "web-1", Group: "web", Host: "10.0.0.1", User: "root", OS: "auto"},
		{ID: "db-1", Name: "db-1", Group: "db", Host: "10.0.0.2", Port: 2222, OS: "debian-12"},
	}
	if !reflect.DeepEqual(nodes, want) {
		t.Fatalf("Nodes:\n got %+v\nwant %+v", nodes, want)
	}
	if err := p.MarkBootstrapped(ctx, nodes[1]); err != nil {
		t.Fatal(err)
	}
	// A second provider over the same file (the next run) sees it.
	p2, _ := New(cfg, Options{StateFile: state})
	nodes, _ = p2.Nodes(ctx)
	if nodes[0].Bootstrapped || !nodes[1].Bootstrapped {
		t.Fatalf("after MarkBootstrapped(db-1): %+v", nodes)
	}
	// Re-pointing a node at another machine forgets its bootstrap.
	cfg.Nodes[1].Host = "10.0.0.3"
	nodes, _ = p2.Nodes(ctx)
	if nodes[1].Bootstrapped {
		t.Fatal("a node moved to another host still counts as bootstrapped")
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatal(err)
	}
	if err := p.MarkBootstrapped(ctx, provider.Node{ID: "nosuch"}); err == nil {
		t.Fatal("MarkBootstrapped of an undeclared node succeeded")
	}
	// The list is edited by hand: the provider is no Creator.
	if _, err := provider.AsCreator(p); !errors.Is(err, provider.ErrCannotCreate) {
		t.Fatalf("AsCreator: %v, want ErrCannotCreate", err)
	}
	// The state of a node without a port is recorded under port 22, as it
	// always was: writing port 22 later, or an older state file, keeps it
	// bootstrapped.
	os.WriteFile(state, []byte(`{"bootstrapped": {"web-1": {"host": "10.0.0.1", "port": 22}}}`), 0o644)
	nodes, _ = p2.Nodes(ctx)
	if !nodes[0].Bootstrapped || nodes[0].Port != 0 {
		t.Fatalf("web-1 with a state file from port 22: %+v", nodes[0])
	}
	os.Remove(state)
	if err := p2.MarkBootstrapped(ctx, nodes[0]); err != nil {
		t.Fatal(err)
	}
	cfg.Nodes[0].Port = 22
	nodes, _ = p2.Nodes(ctx)
	if !nodes[0].Bootstrapped || nodes[0].Port != 22 {
		t.Fatalf("web-1 given port 22 after its bootstrap without one: %+v", nodes[0])
	}
	cfg.Nodes[0].Port = 0
	// A corrupt state file is reported with what to do.
	os.WriteFile(state, []byte("{"), 0o644)
	if _, err := p.Nodes(ctx); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("corrupt state: %v", err)
	}
}

// TestFromProjectChecksGroups: a node whose group is not one of the
// project's (a typo) is an error at the node's line with the nearest
// group, instead of a node silently left out of every lift.
func TestFromProjectChecksGroups(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	p, err := project.Parse(file, []byte(`groups:
  web:
    phases: {configure: [{exec-script: {script: "true"}}]}
  db:
    phases: {configure: [{exec-script: {script: "true"}}]}
providers:
  lab:
    kind: node-list
    nodes:
      - {name: web-1, host: 10.0.0.1, group: web}
      - {name: web-2, host: 10.0.0.2, group: wbe}
      - {name: x-1, host: 10.0.0.3, group: cache}
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = FromProject(p, p.Providers[0])
	if err == nil {
		t.Fatal("nodes in groups that do not exist were accepted")
	}
	for _, want := range []string{
		file + `:11:9: node web-2: no group "wbe" in pallet.yaml (did you mean "web"?) (groups: db, web)`,
		file + `:12:9: node x-1: no group "cache" in pallet.yaml (groups: db, web)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "web-1") {
		t.Errorf("web-1 is in a group that exists:\n%v", err)
	}
}

// TestNodeAddressTagsVars: a node's address, tags and vars (typed) reach
// the provider node; without an address, Address is empty (templates then
// read the host).
func TestNodeAddressTagsVars(t *testing.T) {
	cfg, err := FromYAML("p.yaml", decode(t, `kind: node-list
nodes:
  - {name: a, host: a.example.com, address: 10.0.0.1, tags: {rack: r1}, vars: {port: 8080, pkgs: [curl]}, group: g}
  - {name: b, host: 10.0.0.2, group: g}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := New(cfg, Options{StateFile: filepath.Join(t.TempDir(), "s.json")})
	nodes, err := p.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, b := nodes[0], nodes[1]
	if a.Address != "10.0.0.1" || a.Tags["rack"] != "r1" || !reflect.DeepEqual(a.Vars, map[string]any{"port": 8080, "pkgs": []any{"curl"}}) {
		t.Errorf("node a: %+v", a)
	}
	if b.Address != "" || b.Tags != nil || b.Vars != nil {
		t.Errorf("node b: %+v", b)
	}
}
