package converge

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nodelist"
)

const planProject = `
groups:
  web:
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - exec-script: {script: "true"}
      destroy-server:
        - exec-script: {script: "true"}
  db:
    phases:
      configure:
        - exec-script: {script: "true"}
      backup:
        - exec-script: {script: "true"}
  batch:
    phases:
      backup:
        - exec-script: {script: "true"}
`

func loadProject(t *testing.T, text string) *compiler.Project {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compiler.LoadEnv(file, &project.Env{User: "tester", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func node(name, group string, age int, bootstrapped bool) provider.Node {
	return provider.Node{ID: "id-" + name, Name: name, Group: group, Host: "10.0.0.1", Port: 22, User: "root",
		Created: t0.Add(time.Duration(age) * time.Minute), Bootstrapped: bootstrapped}
}

func names(nodes []provider.Node) []string {
	out := []string{}
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

func TestDecide(t *testing.T) {
	p := loadProject(t, planProject)
	// web-3 is the newest by time; web-9 and web-10 were made in the same
	// second, so the name decides (naturally: 10 after 9).
	web := []provider.Node{
		node("web-1", "web", 0, true),
		node("web-3", "web", 5, false),
		node("web-9", "web", 2, true),
		node("web-10", "web", 2, false),
	}
	others := []provider.Node{node("db-1", "db", 0, false), node("batch-1", "batch", 0, false)}
	all := append(append([]provider.Node(nil), web...), others...)

	type want struct {
		create    int
		destroy   []string
		keep      []string
		bootstrap []string
		phases    []string
		untouched map[string]int
	}
	tests := []struct {
		name   string
		nodes  []provider.Node
		counts map[string]int
		phases []string
		want   map[string]want
	}{
		{
			name: "zero to two", nodes: nil, counts: map[string]int{"web": 2},
			want: map[string]want{"web": {create: 2, destroy: []string{}, keep: []string{}, bootstrap: []string{}, phases: []string{"configure"}, untouched: map[string]int{}}},
		},
		{
			name: "grow keeps and bootstraps only what is not bootstrapped", nodes: all, counts: map[string]int{"web": 6},
			want: map[string]want{"web": {create: 2, destroy: []string{}, keep: []string{"web-1", "web-9", "web-10", "web-3"},
				bootstrap: []string{"web-10", "web-3"}, phases: []string{"configure"}, untouched: map[string]int{"db": 1, "batch": 1}}},
		},
		{
			name: "shrink takes the newest first", nodes: all, counts: map[string]int{"web": 1},
			want: map[string]want{"web": {destroy: []string{"web-3", "web-10", "web-9"}, keep: []string{"web-1"}, bootstrap: []string{},
				phases: []string{"configure"}, untouched: map[string]int{"db": 1, "batch": 1}}},
		},
		{
			name: "to zero", nodes: all, counts: map[string]int{"web": 0, "db": 0},
			want: map[string]want{
				"web": {destroy: []string{"web-3", "web-10", "web-9", "web-1"}, keep: []string{}, bootstrap: []string{}, phases: []string{"configure"}, untouched: map[string]int{"batch": 1}},
				"db":  {destroy: []string{"db-1"}, keep: []string{}, bootstrap: []string{}, phases: []string{"configure"}, untouched: map[string]int{"batch": 1}},
			},
		},
		{
			name: "same count changes nothing; a group without bootstrap bootstraps nothing", nodes: all, counts: map[string]int{"db": 1},
			want: map[string]want{"db": {destroy: []string{}, keep: []string{"db-1"}, bootstrap: []string{}, phases: []string{"configure"},
				untouched: map[string]int{"web": 4, "batch": 1}}},
		},
		{
			name: "explicit phase: groups without it skip it", nodes: all, counts: map[string]int{"db": 1, "web": 4}, phases: []string{"backup"},
			want: map[string]want{
				"db":  {destroy: []string{}, keep: []string{"db-1"}, bootstrap: []string{}, phases: []string{"backup"}, untouched: map[string]int{"batch": 1}},
				"web": {destroy: []string{}, keep: []string{"web-1", "web-9", "web-10", "web-3"}, bootstrap: []string{"web-10", "web-3"}, phases: []string{}, untouched: map[string]int{"batch": 1}},
			},
		},
		{
			name: "default configure missing is no error", nodes: all, counts: map[string]int{"batch": 2},
			want: map[string]want{"batch": {create: 1, destroy: []string{}, keep: []string{"batch-1"}, bootstrap: []string{}, phases: []string{},
				untouched: map[string]int{"web": 4, "db": 1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := decide(p, tt.nodes, tt.counts, tt.phases, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(pl.Groups) != len(tt.want) {
				t.Fatalf("plan has %d groups, want %d", len(pl.Groups), len(tt.want))
			}
			for _, gp := range pl.Groups {
				w, ok := tt.want[gp.Group]
				if !ok {
					t.Fatalf("plan names group %s, which was not asked for", gp.Group)
				}
				got := want{create: gp.Create, destroy: names(gp.Destroy), keep: names(gp.Keep), bootstrap: names(gp.Bootstrap),
					phases: append([]string{}, gp.Phases...), untouched: pl.Untouched}
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
					t.Errorf("group %s (-want +got):\n%s", gp.Group, diff)
				}
				if gp.Want != tt.counts[gp.Group] || gp.Have+gp.Create-len(gp.Destroy) != gp.Want {
					t.Errorf("group %s: have %d + create %d - destroy %d != want %d", gp.Group, gp.Have, gp.Create, len(gp.Destroy), gp.Want)
				}
			}
		})
	}
}

func TestDecideGroupOrderIsTheProjectsOrder(t *testing.T) {
	p := loadProject(t, planProject)
	pl, err := decide(p, nil, map[string]int{"batch": 1, "web": 1, "db": 1}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, gp := range pl.Groups {
		got = append(got, gp.Group)
	}
	if diff := cmp.Diff([]string{"web", "db", "batch"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestDecideErrors(t *testing.T) {
	p := loadProject(t, planProject)
	nodes := []provider.Node{node("db-1", "db", 0, false), node("db-2", "db", 1, false)}
	tests := []struct {
		name      string
		counts    map[string]int
		phases    []string
		creatable bool
		want      string
	}{
		{"unknown group", map[string]int{"wev": 1}, nil, true, `no group "wev" (did you mean "web"?)`},
		{"negative", map[string]int{"web": -1}, nil, true, "counts are ≥ 0"},
		{"explicit phase nobody has", map[string]int{"web": 1}, []string{"backup"}, true, `no phase "backup" in group web`},
		{"node list cannot grow", map[string]int{"db": 3}, nil, false, "asked for 3 nodes, the node list has 2, and pallet cannot create or destroy"},
		{"node list cannot shrink", map[string]int{"db": 1}, nil, false, "(or ask for db=2, which just lifts)"},
		{"nothing asked", map[string]int{}, nil, true, "no counts given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decide(p, nodes, tt.counts, tt.phases, tt.creatable)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	// Equal counts on a node list are just a lift.
	pl, err := decide(p, nodes, map[string]int{"db": 2}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Changes() {
		t.Errorf("equal counts on a node list plan changes: %+v", pl.Groups[0])
	}
}

func TestNewPlanNodeList(t *testing.T) {
	p := loadProject(t, planProject+`
providers:
  lab:
    kind: node-list
    nodes:
      - {name: db-a, host: 10.0.0.5, user: root, group: db}
`)
	cfg, err := nodelist.FromYAML(p.File, p.Providers[0].Node)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := nodelist.New(cfg, nodelist.Options{StateFile: filepath.Join(t.TempDir(), "state.json")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlan(context.Background(), p, prov, "lab", map[string]int{"db": 2}, nil); err == nil || !strings.Contains(err.Error(), "cannot create or destroy") {
		t.Fatalf("db=2 on a one-node list: got %v, want the cannot-create error", err)
	}
	pl, err := NewPlan(context.Background(), p, prov, "lab", map[string]int{"db": 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Changes() || len(pl.Groups[0].Keep) != 1 {
		t.Errorf("db=1 should keep db-a and change nothing: %+v", pl.Groups[0])
	}
}

func TestParseCounts(t *testing.T) {
	got, err := ParseCounts([]string{"mynode=2", "javanode=0"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"mynode": 2, "javanode": 0}, got); diff != "" {
		t.Error(diff)
	}
	for arg, want := range map[string]string{
		"mynode":    "write counts as GROUP=COUNT",
		"=2":        "write counts as GROUP=COUNT",
		"mynode=x":  "is not a whole number",
		"mynode=-1": "is not a whole number",
		"mynode=":   "is not a whole number",
	} {
		if _, err := ParseCounts([]string{arg}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCounts(%q) = %v, want %q", arg, err, want)
		}
	}
	if _, err := ParseCounts([]string{"a=1", "a=2"}); err == nil || !strings.Contains(err.Error(), "named twice") {
		t.Errorf("duplicate group: %v", err)
	}
	if _, err := ParseCounts(nil); err == nil {
		t.Error("no counts: no error")
	}
}

func TestPrint(t *testing.T) {
	p := loadProject(t, planProject)
	nodes := []provider.Node{node("web-1", "web", 0, true), node("web-2", "web", 1, false), node("web-3", "web", 2, true), node("batch-1", "batch", 0, false)}
	pl, err := decide(p, nodes, map[string]int{"web": 2, "db": 1}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	pl.ProviderName = "cloud"
	var b bytes.Buffer
	pl.Print(&b)
	want := `plan for provider cloud:
  web: 3 → 2
    destroy    web-3 (after their destroy-server phase)
    bootstrap  web-2
    run        configure on 2 nodes
  db: 0 → 1
    create     1 node
    run        configure on 1 node
  batch: 1 node, not named: left alone
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Print (-want +got):\n%s", diff)
	}
}
