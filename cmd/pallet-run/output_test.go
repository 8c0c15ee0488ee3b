package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// hostile holds what a script or a provider could put in a name or a
// message to take over the terminal: clear screen, a window title, a
// C1 CSI, a bidi override, a carriage return, invalid UTF-8.
const hostile = "a\x1b[2J\x1b]0;owned\x07b\u009b31m\u202ec\rd\te\xff"

func checkClean(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e", "\r", "\xff"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s prints %q raw:\n%q", what, bad, out)
		}
	}
}

func TestClean(t *testing.T) {
	if got, want := clean(hostile), "a[2J]0;ownedb31mcd e"; got != want {
		t.Errorf("clean = %q, want %q", got, want)
	}
	if got := clean("plain ascii – and ünïcode"); got != "plain ascii – and ünïcode" {
		t.Errorf("clean changed clean text: %q", got)
	}
	if got, want := cleanLines("one\x1b[1m\r\ntwo\tthree"), "one[1m\ntwo three"; got != want {
		t.Errorf("cleanLines = %q, want %q", got, want)
	}
}

// TestPlainLineNamesTheStep: three exec-scripts in a phase are told apart
// by their step names, as Ansible's TASK lines are.
func TestPlainLineNamesTheStep(t *testing.T) {
	var buf bytes.Buffer
	o := newOutput(&buf, false)
	for i, name := range []string{"archive /etc", "archive /srv"} {
		step := runner.StepResult{N: i + 1, Total: 2, Crate: "exec-script", Name: name, Status: runner.StatusChanged}
		o.event(runner.Event{Node: "web-1", Phase: "backup", Kind: runner.EventEnd, Step: step})
	}
	want := "web-1 backup step 1/2 exec-script \"archive /etc\": changed\n" +
		"web-1 backup step 2/2 exec-script \"archive /srv\": changed\n"
	if buf.String() != want {
		t.Errorf("plain lines:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestOutputStripsControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	o := newOutput(&buf, false)
	step := runner.StepResult{N: 1, Total: 1, Crate: "exec" + hostile, Name: "step" + hostile, Status: runner.StatusFailed, Message: "msg" + hostile}
	o.event(runner.Event{Node: "node" + hostile, Phase: "configure", Kind: runner.EventEnd, Step: step})
	node := provider.Node{Name: "web" + hostile, Host: "h" + hostile}
	o.nodeDone(lift.NodeReport{Node: node, Status: lift.StatusFailed})
	checkClean(t, "progress", buf.String())
	if !strings.Contains(buf.String(), "(msga[2J]0;ownedb31mcd e)") {
		t.Errorf("progress lost the printable text:\n%q", buf.String())
	}

	buf.Reset()
	rep := &lift.Report{Command: "lift", Phases: []string{"configure"}, Provider: "lab", Nodes: []lift.NodeReport{
		{Node: node, Status: lift.StatusFailed,
			Phases:  []runner.PhaseResult{{Phase: "configure", Steps: []runner.StepResult{step}}},
			Skipped: []lift.SkippedPhase{{Phase: "backup", Reason: "why" + hostile}},
			Err:     errors.New("node web: step failed\n    output" + hostile + "\n    more")},
		{Node: provider.Node{Name: "db" + hostile}, Status: lift.StatusUnreachable, Err: errors.New("cannot connect: " + hostile)},
	}}
	recap(&buf, rep)
	checkClean(t, "recap", buf.String())
	if !strings.Contains(buf.String(), "\n    outputa[2J]0;ownedb31mcd e\n    more\n") {
		t.Errorf("recap should keep the error's lines:\n%s", buf.String())
	}

	buf.Reset()
	nodeTable(&buf, []provider.Node{node})
	checkClean(t, "nodes", buf.String())
}

// TestRecapStopNotConfirmed: after an interrupt, the recap does not claim
// every node was stopped when the runner could not confirm it on one.
func TestRecapStopNotConfirmed(t *testing.T) {
	stopped := lift.NodeReport{Node: provider.Node{Name: "web-1"}, Status: lift.StatusInterrupted,
		Err: errors.New("node web-1 phase configure: stopped: context canceled")}
	unsure := lift.NodeReport{Node: provider.Node{Name: "web-2"}, Status: lift.StatusInterrupted,
		Err: fmt.Errorf("node web-2 phase configure: stopped: %w; %w", context.Canceled,
			&runner.StopIncompleteError{Node: "web-2", Dir: "/tmp/pallet-x", Running: true})}
	for _, tt := range []struct {
		nodes []lift.NodeReport
		want  string
	}{
		{[]lift.NodeReport{stopped}, "interrupted: nodes were stopped where they were; what ran is reported above\n"},
		{[]lift.NodeReport{stopped, unsure}, "interrupted: nodes were stopped where they were, but the stop could not be confirmed on web-2 (see above); what ran is reported above\n"},
	} {
		var buf bytes.Buffer
		recap(&buf, &lift.Report{Command: "lift", Phases: []string{"configure"}, Provider: "lab", Interrupted: true, Nodes: tt.nodes})
		if !strings.Contains(buf.String(), tt.want) {
			t.Errorf("recap lacks %q:\n%s", tt.want, buf.String())
		}
	}
}

// TestLiveLinesPerNodeNotPerName: the live display kept one line per
// node name, so two nodes both called web-1 (two OpenStack servers may
// be) shared one line, each overwriting the other. A live output on a
// stand-in terminal (a buffer) draws one line per node of the run.
func TestLiveLinesPerNodeNotPerName(t *testing.T) {
	var buf bytes.Buffer
	o := newOutput(&buf, false)
	o.live, o.width = true, 200
	begin := func(job, n int, name string) {
		o.event(runner.Event{Node: "web-1", Job: job, Phase: "configure", Kind: runner.EventBegin,
			Step: runner.StepResult{N: n, Total: 3, Crate: "exec-script", Name: name}})
	}
	begin(0, 1, "first node's step")
	begin(1, 2, "second node's step")
	o.redraw()
	first := buf.String()
	for _, want := range []string{"web-1            configure 1/3 exec-script: first node's step\n", "web-1            configure 2/3 exec-script: second node's step\n"} {
		if !strings.Contains(first, want) {
			t.Errorf("live drawing lacks %q:\n%q", want, first)
		}
	}

	buf.Reset()
	o.nodeDone(lift.NodeReport{Node: provider.Node{Name: "web-1"}, Index: 0, Status: lift.StatusFailed})
	o.redraw()
	second := buf.String()
	if !strings.HasPrefix(second, "\x1b[2A") {
		t.Errorf("the redraw should move up over 2 lines: %q", second)
	}
	if !strings.Contains(second, "web-1            FAILED") || !strings.Contains(second, "second node's step") {
		t.Errorf("the first node's end replaced the second node's line:\n%q", second)
	}
}

// TestOutputShowsDiffs: --diff's diffs go under the step's plain line,
// indented and cleaned (a node's file may hold terminal escapes); on a
// terminal, where live lines are redrawn in place, after the recap, each
// under its node and step; not at all for steps without one.
func TestOutputShowsDiffs(t *testing.T) {
	diff := "--- /etc/app.conf\n+++ /etc/app.conf\n@@ -1 +1 @@\n-port=80" + hostile + "\n+port=8080"
	step := runner.StepResult{N: 1, Total: 2, Crate: "line-in-file", Name: "line in /etc/app.conf", Status: runner.StatusWouldChange, Diff: diff}
	ok := runner.StepResult{N: 2, Total: 2, Crate: "file", Name: "file /etc/motd", Status: runner.StatusOK}

	var buf bytes.Buffer
	o := newOutput(&buf, false)
	o.event(runner.Event{Node: "web-1", Phase: "configure", Kind: runner.EventEnd, Step: step})
	o.event(runner.Event{Node: "web-1", Phase: "configure", Kind: runner.EventEnd, Step: ok})
	checkClean(t, "plain diff", buf.String())
	if want := "web-1 configure step 1/2 line-in-file \"line in /etc/app.conf\": would-change\n" +
		"    --- /etc/app.conf\n    +++ /etc/app.conf\n    @@ -1 +1 @@\n    -port=80" + clean(hostile) + "\n    +port=8080\n" +
		"web-1 configure step 2/2 file \"file /etc/motd\": ok\n"; buf.String() != want {
		t.Errorf("plain lines:\n%s\nwant:\n%s", buf.String(), want)
	}

	rep := &lift.Report{Command: "lift", Phases: []string{"configure"}, Check: true, Nodes: []lift.NodeReport{
		{Node: provider.Node{Name: "web-1"}, Status: lift.StatusOK,
			Phases: []runner.PhaseResult{{Phase: "configure", Steps: []runner.StepResult{step, ok}}}},
	}}
	buf.Reset()
	o.diffs(&buf, rep)
	if buf.Len() != 0 {
		t.Errorf("plain mode printed the diffs again after the recap:\n%s", buf.String())
	}
	o.live = true
	o.diffs(&buf, rep)
	checkClean(t, "live diff", buf.String())
	if want := "\nweb-1 configure step 1/2 line-in-file \"line in /etc/app.conf\": would-change\n    --- /etc/app.conf\n"; !strings.HasPrefix(buf.String(), want) {
		t.Errorf("after the recap:\n%s\nwant it to start:\n%s", buf.String(), want)
	}
	if strings.Contains(buf.String(), "motd") {
		t.Errorf("a step without a diff is listed:\n%s", buf.String())
	}
}
