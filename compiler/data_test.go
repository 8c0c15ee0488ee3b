package compiler

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

const dataProject = `admin: {user: deploy}
vars: {port: 8080, pkgs: [curl, git], app: {name: shop}}
groups:
  db: {}
  web:
    vars: {role: frontend}
    phases:
      configure:
        - package: {packages: !var pkgs}
        - file: {path: /etc/app.conf, content: "port={{ .vars.port }} role={{ .vars.role }} app={{ .vars.app.name }}\n"}
        - file:
            path: /etc/peers
            content: "me={{ .node.address }} i={{ .node.index }} group={{ .group.name }}\n{{ range .groups.web }}{{ .name }}:{{ .address }}\n{{ end }}{{ range .groups.db }}db={{ .host }}\n{{ end }}"
        - user: {name: app, uid: "{{ add 1000 .node.index }}"}
`

func dataCluster(p *Project) *Cluster {
	return p.NewCluster([]provider.Node{
		{ID: "w2", Name: "web-2", Group: "web", Host: "203.0.113.2", Address: "10.0.0.2", Vars: map[string]any{"port": 9090}},
		{ID: "w1", Name: "web-1", Group: "web", Host: "203.0.113.1", Address: "10.0.0.1"},
		{ID: "d1", Name: "db-1", Group: "db", Host: "10.0.1.1"},
	})
}

// TestNodeData: params read vars (every level, typed, !var for a whole
// list) and node and cluster data; each node gets its own content, with
// its own vars, and the cluster's nodes sorted by name.
func TestNodeData(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(dataProject), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	cl := dataCluster(p)
	compile := func(id string) string {
		t.Helper()
		for _, nd := range cl.Nodes("web") {
			if nd.ID == id {
				s, err := p.Compile(Target{Group: "web", Phase: "configure", Data: nd, Cluster: cl})
				if err != nil {
					t.Fatal(err)
				}
				return string(s.Text.Bytes())
			}
		}
		t.Fatalf("no node %s", id)
		return ""
	}
	w1, w2 := compile("w1"), compile("w2")
	for _, want := range []string{
		"# node: web-1\n",
		"<<<'port=8080 role=frontend app=shop'",
		"<<<'me=10.0.0.1 i=0 group=web\nweb-1:10.0.0.1\nweb-2:10.0.0.2\ndb=10.0.1.1'",
		"curl git",
		"1000",
	} {
		if !strings.Contains(w1, want) {
			t.Errorf("web-1's script lacks %q", want)
		}
	}
	for _, want := range []string{"<<<'port=9090 role=frontend app=shop'", "<<<'me=10.0.0.2 i=1 group=web\n", "1001"} {
		if !strings.Contains(w2, want) {
			t.Errorf("web-2's script (node vars: port 9090) lacks %q", want)
		}
	}

	// --var ranks above the node's.
	p.SetVars(map[string]any{"port": 7070})
	if w1 := compile("w1"); !strings.Contains(w1, "'port=7070 role=frontend") {
		t.Errorf("--var port=7070 did not win on web-1")
	}
	if w2 := compile("w2"); !strings.Contains(w2, "'port=7070 role=frontend") {
		t.Errorf("--var port=7070 did not win over web-2's own port")
	}
}

// TestNodeFreeParamsRenderOnce: params that read only vars are rendered
// once for every node that sees the same vars; params reading node data
// are rendered per node.
func TestNodeFreeParamsRenderOnce(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(dataProject), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	cl := p.NewCluster([]provider.Node{
		{ID: "a", Name: "web-a", Group: "web", Host: "10.0.0.1"},
		{ID: "b", Name: "web-b", Group: "web", Host: "10.0.0.2"},
		{ID: "c", Name: "web-c", Group: "web", Host: "10.0.0.3"},
	})
	for _, nd := range cl.Nodes("web") {
		if _, err := p.Compile(Target{Group: "web", Phase: "configure", Data: nd, Cluster: cl}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	p.resolvedArgs.Range(func(any, any) bool { n++; return true })
	// The package call (!var) and the app.conf file: once each for all
	// three nodes. The peers file and the user read the node: never kept.
	if n != 2 {
		t.Errorf("%d kept renderings of params, want 2 (the node-free calls, once each)", n)
	}
	calls := p.Calls(p.Groups[1].Phase("configure"))
	if calls[1].readsNode || !calls[2].readsNode || !calls[3].readsNode {
		t.Errorf("readsNode of the calls: %v %v %v, want false true true", calls[1].readsNode, calls[2].readsNode, calls[3].readsNode)
	}
}

// TestPlaceholderNodes: without a provider, each group compiles for
// <group>-1 at 192.0.2.N, and the script says so.
func TestPlaceholderNodes(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(dataProject), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	targets, err := p.PlaceholderTargets("web", "configure", "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.CompileTargets(targets)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out[0].Text.Bytes())
	for _, want := range []string{"# node: web-1\n# nodes: placeholders (no --provider given)\n", "me=192.0.2.2 i=0", "db=192.0.2.1"} {
		if !strings.Contains(text, want) {
			t.Errorf("placeholder script lacks %q", want)
		}
	}
}

// TestCrateReadsCluster: a crate template reading .cluster (etc-hosts)
// renders per node and again for a changed cluster, though the project
// (and its render cache) is the same: converge compiles once more after
// making nodes. A param named groups (user's) is not shadowed by it.
func TestCrateReadsCluster(t *testing.T) {
	dir := t.TempDir()
	const y = `groups:
  web:
    phases:
      configure:
        - etc-hosts: {groups: [web]}
        - user: {name: app, groups: [adm]}
`
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(y), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	one := p.NewCluster([]provider.Node{{ID: "a", Name: "web-a", Group: "web", Host: "10.0.0.1"}})
	two := p.NewCluster([]provider.Node{
		{ID: "a", Name: "web-a", Group: "web", Host: "10.0.0.1"},
		{ID: "b", Name: "web-b", Group: "web", Host: "10.0.0.2"},
	})
	compile := func(cl *Cluster) string {
		t.Helper()
		s, err := p.Compile(Target{Group: "web", Phase: "configure", OS: "debian-12", Data: cl.Nodes("web")[0], Cluster: cl})
		if err != nil {
			t.Fatal(err)
		}
		return string(s.Text.Bytes())
	}
	a := compile(one)
	if !strings.Contains(a, "'10.0.0.1\tweb-a'") || strings.Contains(a, "web-b") {
		t.Errorf("one node's cluster: block not as wanted:\n%s", a)
	}
	if b := compile(two); !strings.Contains(b, "'10.0.0.1\tweb-a\n10.0.0.2\tweb-b'") {
		t.Errorf("after web-b joined, the block lacks it (a stale rendering?)")
	}
	if !strings.Contains(a, "adm") {
		t.Errorf("user's groups param lost its value")
	}
}
