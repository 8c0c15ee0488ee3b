package live

import (
	"strings"
	"testing"

	"github.com/palletops/pallet/lift"
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
	r, err := n.runWith(t, p, cluster)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
