package converge

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// localProject is the README's local example in small: javanode is
// bootstrapped and configured, mynode has only a custom phase, so a
// converge just creates (and later destroys) its nodes.
const localProject = `
admin: {user: deploy, public_key_file: %q}
groups:
  mynode:
    phases:
      backup:
        - exec-script: {script: "tar czf /var/backups/etc.tgz /etc"}
      destroy-server:
        - exec-script: {script: "true"}
  javanode:
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - file: {path: /etc/java-ready, content: "yes\n"}
`

// TestConvergeNspawn is `pallet-run converge --provider local javanode=1
// mynode=2`, then mynode=1, on local nspawn nodes, with the host keys the
// provider knows (no known_hosts of the user's involved).
func TestConvergeNspawn(t *testing.T) {
	start := time.Now()
	key := nspawntest.KeyFile(t)  // skips unless root with nspawn
	t.Setenv("HOME", t.TempDir()) // converge forgets destroyed nodes' keys in ~/.ssh/known_hosts
	prov, err := nspawn.New(nspawn.Options{
		StateDir: filepath.Join(t.TempDir(), "state"), CacheDir: filepath.Join(nspawntest.CacheDir(), "rootfs"),
		// Apart from nspawntest's 100, bench's 200 and users' 10: other
		// state dirs do not see these nodes when picking addresses.
		AddressBlock: 140,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if left, err := prov.Nodes(ctx); err == nil && len(left) > 0 {
			if err := prov.Destroy(ctx, left); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		t.Logf("TestConvergeNspawn took %s", time.Since(start).Round(time.Millisecond))
	})
	p := loadProject(t, fmt.Sprintf(localProject, key+".pub"))
	opts := Options{Runner: runner.Options{IdentityFiles: []string{key}, SSHConfigFile: "none", AgentSocket: "none"}}
	converge := func(t *testing.T, counts map[string]int) *Report {
		t.Helper()
		pl, err := NewPlan(t.Context(), p, prov, "local", counts, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Apply(t.Context(), pl, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("converge %v failed:\n%s", counts, describeReport(rep))
		}
		return rep
	}
	byGroup := func(t *testing.T) map[string][]provider.Node {
		nodes, err := prov.Nodes(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]provider.Node{}
		for _, n := range nodes {
			out[n.Group] = append(out[n.Group], n)
		}
		return out
	}

	if !t.Run("0 to javanode=1 mynode=2", func(t *testing.T) {
		rep := converge(t, map[string]int{"javanode": 1, "mynode": 2})
		if len(rep.Created) != 3 {
			t.Fatalf("created %d, want 3:\n%s", len(rep.Created), describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			switch n.Node.Group {
			case "javanode":
				if !n.Bootstrapped || !slices.Equal(phaseNames(n), []string{"bootstrap", "configure"}) || n.Node.User != "deploy" {
					t.Errorf("javanode: want bootstrapped and configured as deploy:\n%s", describeReport(rep))
				}
			case "mynode":
				// No bootstrap and no configure: created, nothing run.
				if n.Bootstrapped || len(n.Phases) != 0 || n.Node.User != "root" {
					t.Errorf("mynode: want nothing run:\n%s", describeReport(rep))
				}
			}
		}
		g := byGroup(t)
		if len(g["javanode"]) != 1 || len(g["mynode"]) != 2 || !g["javanode"][0].Bootstrapped {
			t.Errorf("provider has %v", g)
		}
	}) {
		t.FailNow()
	}

	t.Run("mynode=1 takes the newest, javanode untouched", func(t *testing.T) {
		before := byGroup(t)
		rep := converge(t, map[string]int{"mynode": 1})
		if len(rep.Destroyed) != 1 || rep.Destroyed[0].Name != "mynode-2" {
			t.Fatalf("destroyed %v, want mynode-2 (same second as mynode-1, later by name):\n%s", names(rep.Destroyed), describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			if n.Node.Group != "mynode" {
				t.Errorf("%s of %s is in the report", n.Node.Name, n.Node.Group)
			}
			if rep.WasDestroyed(n.Node) && (!slices.Equal(phaseNames(n), []string{DestroyPhase}) || n.Node.User != "root") {
				t.Errorf("%s: want destroy-server as root (never bootstrapped) before it went:\n%s", n.Node.Name, describeReport(rep))
			}
			if want := map[bool]lift.Status{true: lift.StatusDestroyed, false: lift.StatusOK}[rep.WasDestroyed(n.Node)]; n.Status != want {
				t.Errorf("%s: status %s, want %s", n.Node.Name, n.Status, want)
			}
		}
		// mynode has no configure: only destroy-server ran, on one node.
		if got := rep.Ran(); !slices.Equal(got, []PhaseRun{{DestroyPhase, 1}}) {
			t.Errorf("ran %+v, want destroy-server on 1", got)
		}
		if tot := rep.Lift.Totals(); tot.OK != 1 || tot.Destroyed != 1 {
			t.Errorf("totals %+v, want 1 ok and 1 destroyed", tot)
		}
		after := byGroup(t)
		if len(after["mynode"]) != 1 || after["mynode"][0].Name != "mynode-1" {
			t.Errorf("mynode left: %v", names(after["mynode"]))
		}
		if !slices.Equal(names(after["javanode"]), names(before["javanode"])) {
			t.Errorf("javanode changed: %v → %v", names(before["javanode"]), names(after["javanode"]))
		}
	})

	t.Run("rerun changes nothing", func(t *testing.T) {
		rep := converge(t, map[string]int{"mynode": 1, "javanode": 1})
		if len(rep.Created)+len(rep.Destroyed) != 0 || rep.Lift.Totals().Steps.Changed != 0 {
			t.Errorf("rerun: %s", describeReport(rep))
		}
	})
}
