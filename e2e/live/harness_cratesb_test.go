package live

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// ApplyCluster is ApplyProject with cluster as the provider's node list
// (what .groups and crates' .cluster hold) in place of n.All: a group
// with a node more or less than the suite has, for etc-hosts. It fails t
// if the phase fails.
func (n *Node) ApplyCluster(t *testing.T, p Project, cluster []provider.Node) *Result {
	t.Helper()
	r := n.runCluster(t, p, cluster)
	if r.Report.Status != lift.StatusOK {
		t.Fatalf("phase did not succeed:\n%s", r)
	}
	return r
}

// ApplyProjectFails is ApplyFails for a project with files or vars.
func (n *Node) ApplyProjectFails(t *testing.T, p Project) (*Result, string) {
	t.Helper()
	r := n.runCluster(t, p, n.All)
	if r.Report.Status == lift.StatusOK {
		t.Fatalf("phase succeeded, want a failure:\n%s", r)
	}
	return r, failureText(r)
}

// RunProject runs p's phase and returns what it did, failed or not, with
// its failure text ("" when it succeeded).
func (n *Node) RunProject(t *testing.T, p Project) (*Result, string) {
	t.Helper()
	r := n.runCluster(t, p, n.All)
	if r.Report.Status == lift.StatusOK {
		return r, ""
	}
	return r, failureText(r)
}

func failureText(r *Result) string {
	var b strings.Builder
	for _, s := range r.Steps {
		if s.Status == runner.StatusFailed || s.Status == "" {
			b.WriteString(s.Message + "\n" + strings.Join(s.Tail, "\n") + "\n")
		}
	}
	if r.Report.Err != nil {
		b.WriteString(r.Report.Err.Error())
	}
	return b.String()
}

func (n *Node) runCluster(t *testing.T, p Project, cluster []provider.Node) *Result {
	t.Helper()
	dir := t.TempDir()
	for name, content := range p.Files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var y strings.Builder
	y.WriteString("groups:\n  live:\n")
	if p.Vars != "" {
		y.WriteString("    vars:\n" + indent(p.Vars, "      "))
	}
	y.WriteString("    phases:\n      configure:\n" + indent(p.Calls, "        "))
	proj, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(y.String()), &project.Env{User: "padmin", Home: dir})
	if err != nil {
		t.Fatalf("pallet.yaml: %v\n%s", err, y.String())
	}
	c, err := lift.Compile(proj, []string{"live"}, []string{"configure"})
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, y.String())
	}
	c = c.WithNodes(cluster)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	rep, err := lift.Run(ctx, []provider.Node{n.Node}, c, lift.Options{
		Groups: []string{"live"}, Phases: []string{"configure"}, Check: p.Check,
		Provider: givenNodes{}, ProviderName: "live",
		Runner: runner.Options{
			KnownHostsFile:    n.knownHosts,
			IdentityFiles:     []string{n.key},
			SSHConfigFile:     "none",
			AgentSocket:       "none",
			ConnectTimeout:    10 * time.Second,
			KeepAliveInterval: -1,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	nr := &rep.Nodes[0]
	r := &Result{Report: nr}
	for _, ph := range nr.Phases {
		r.Steps = append(r.Steps, ph.Steps...)
	}
	return r
}
