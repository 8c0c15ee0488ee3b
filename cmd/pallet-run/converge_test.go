package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/converge"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// TestConvergeRecapDestroyed: mynode=1 from 2, where mynode has no
// configure: mynode-2 ran destroy-server and went, mynode-1 ran nothing.
// The recap must not call the destroyed node ok nor head itself with a
// configure that ran nowhere.
func TestConvergeRecapDestroyed(t *testing.T) {
	kept := provider.Node{ID: "1", Name: "mynode-1", Group: "mynode"}
	gone := provider.Node{ID: "2", Name: "mynode-2", Group: "mynode"}
	destroyServer := runner.PhaseResult{Phase: converge.DestroyPhase, Done: true,
		Counts: runner.Counts{Ran: 1}, Duration: 300 * time.Millisecond}
	rep := &converge.Report{
		Plan:      &converge.Plan{ProviderName: "local", Phases: []string{"configure"}},
		Destroyed: []provider.Node{gone},
		Lift: &lift.Report{Command: "converge", Provider: "local", Phases: []string{"configure"}, Nodes: []lift.NodeReport{
			{Node: gone, Status: lift.StatusDestroyed, Phases: []runner.PhaseResult{destroyServer}, Counts: destroyServer.Counts, Duration: destroyServer.Duration},
			{Node: kept, Status: lift.StatusOK},
		}},
	}
	var buf bytes.Buffer
	recapTitled(&buf, rep.Lift, convergeTitle(rep))
	convergeRecap(&buf, rep)
	out := buf.String()
	for _, want := range []string{
		"RECAP converge: destroy-server on 1 node (provider local) ***",
		"\nmynode-2  destroyed  0   0        0             1    0        0       0            300ms\n",
		"\nmynode-1  ok         0   0",
		"2 node(s): 1 ok, 1 destroyed, 0 failed, 0 unreachable;",
		"created: none; destroyed: mynode-2; bootstrapped: none\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("recap lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "configure") {
		t.Errorf("recap names configure, which ran nowhere:\n%s", out)
	}
	if !rep.OK() {
		t.Errorf("a destroyed node is a success: OK() = false")
	}
	d := rep.Document()
	if d.Nodes[0].Status != "destroyed" || d.Totals.Destroyed != 1 || d.Totals.OK != 1 || len(d.Ran) != 1 || d.Ran[0] != (converge.PhaseRun{Phase: "destroy-server", Nodes: 1}) {
		t.Errorf("document: status %q, totals %+v, ran %+v", d.Nodes[0].Status, d.Totals, d.Ran)
	}
}

// TestConvergeTitleNothingRan: a converge that ran no phase says so.
func TestConvergeTitleNothingRan(t *testing.T) {
	rep := &converge.Report{
		Plan: &converge.Plan{Phases: []string{"configure"}},
		Lift: &lift.Report{Nodes: []lift.NodeReport{{Node: provider.Node{Name: "a"}, Status: lift.StatusOK}}},
	}
	if got, want := convergeTitle(rep), "converge: no phase ran"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	bootstrap := runner.PhaseResult{Phase: "bootstrap"}
	configure := runner.PhaseResult{Phase: "configure"}
	rep.Lift.Nodes = []lift.NodeReport{
		{Node: provider.Node{ID: "a"}, Phases: []runner.PhaseResult{bootstrap, configure}},
		{Node: provider.Node{ID: "b"}, Phases: []runner.PhaseResult{configure}},
	}
	if got, want := convergeTitle(rep), "converge: bootstrap on 1 node, configure on 2 nodes"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}
