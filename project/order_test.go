package project

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestOrderAndAfterMerge: order: and after: make one relation, each group
// knowing only its direct predecessors; groups in neither run with no
// relation.
func TestOrderAndAfterMerge(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`order: [db, app]
groups:
  db: {}
  cache: {}
  app: {after: [cache]}
  lb: {after: [app, db], rollout: {batch: "25%", max_failed: 1}}
  free: {}
`), &Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	for g, want := range map[string]string{"db": "", "cache": "", "app": "db,cache", "lb": "app,db", "free": ""} {
		if got := strings.Join(p.RunsAfter(g), ","); got != want {
			t.Errorf("RunsAfter(%s) = %q, want %q", g, got, want)
		}
	}
	lb, _ := p.Group("lb")
	if r := lb.Rollout; r.Batch == nil || *r.Batch != (Amount{25, true}) || r.MaxFailed == nil || *r.MaxFailed != (Amount{1, false}) {
		t.Errorf("lb rollout: %+v", r)
	}
	if got := lb.Rollout.Batch.Of(5); got != 2 {
		t.Errorf("25%% of 5 = %d, want 2 (rounded up)", got)
	}
}

// TestOrderErrors: an unknown group, a cycle (through order: and after:
// together), a group after itself and bad rollout values are errors at
// the line that writes them.
func TestOrderErrors(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"order: [db, ap]\ngroups: {db: {}, app: {}}\n", `pallet.yaml:1:13: order: no group "ap" (did you mean "app"?)`},
		{"groups:\n  db: {after: [web]}\n  app: {}\n", `pallet.yaml:2:16: group db: after: no group "web"`},
		{"order: [db, app]\ngroups:\n  db: {after: [app]}\n  app: {}\n", "groups run after each other in a circle: "},
		{"groups:\n  a: {after: [b]}\n  b: {after: [c]}\n  c: {after: [a]}\n", "a → c → b → a"},
		{"groups:\n  a: {after: [a]}\n", "pallet.yaml:2:15: group a: after: a group cannot run after itself"},
		{"order: [a, a]\ngroups: {a: {}}\n", "pallet.yaml:1:12: order: group a is named twice"},
		{"groups:\n  a: {rollout: {batch: 0}}\n", `pallet.yaml:2:24: group a: rollout.batch "0": want a whole number of nodes (at least 1)`},
		{"groups:\n  a: {rollout: {max_failed: 120%}}\n", "pallet.yaml:2:29: group a: rollout.max_failed 120%: want a percentage from 0% to 100%"},
		{"groups:\n  a: {rollout: {batchs: 1}}\n", `unknown key "batchs" (did you mean "batch"?)`},
		{"order: db\ngroups: {db: {}}\n", "pallet.yaml:1:8: order must be a list of group names"},
	} {
		dir := t.TempDir()
		_, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(tt.yaml), &Env{Home: dir})
		if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), dir+"/", ""), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
