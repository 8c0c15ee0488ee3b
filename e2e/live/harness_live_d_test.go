package live

import (
	"strings"
	"testing"

	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/runner"
)

// ApplyProjectFails is ApplyFails for a project with vars or files (a
// template's source): it fails t unless p's phase fails, and returns the
// result and the text of every failed step's message and tail.
func (n *Node) ApplyProjectFails(t *testing.T, p Project) (*Result, string) {
	t.Helper()
	r, err := n.run(t, p)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if r.Report.Status == lift.StatusOK {
		t.Fatalf("phase succeeded, want a failure:\n%s", r)
	}
	var b strings.Builder
	for _, s := range r.Steps {
		if s.Status == runner.StatusFailed || s.Status == "" {
			b.WriteString(s.Message + "\n" + strings.Join(s.Tail, "\n") + "\n")
		}
	}
	if r.Report.Err != nil {
		b.WriteString(r.Report.Err.Error())
	}
	return r, b.String()
}
