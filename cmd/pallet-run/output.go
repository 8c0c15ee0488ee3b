package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/runner"
)

// output shows a run's progress: on a terminal one line per node redrawn in
// place, otherwise one plain line per finished step (`node phase step k/n
// crate: status`), and nothing at all with --json, whose document must be
// the only thing on stdout.
type output struct {
	w    io.Writer
	json bool
	live bool
	// width is the terminal width; live lines are cut to it, because a
	// wrapped line would break moving the cursor back up.
	width int

	mu    sync.Mutex
	lines map[liveKey]string // node → its live line
	drawn int                // how many lines the last redraw printed
	dirty bool
	done  chan struct{}
	wg    sync.WaitGroup
}

// liveKey is a node's live line: by its index in the run (Event.Job,
// NodeReport.Index), since two nodes may share a name, and by its name,
// since converge's passes each count from 0.
type liveKey struct {
	name  string
	index int
}

func newOutput(w io.Writer, jsonOut bool) *output {
	o := &output{w: w, json: jsonOut, lines: map[liveKey]string{}, done: make(chan struct{})}
	if f, ok := w.(interface{ Fd() uintptr }); ok && !jsonOut && term.IsTerminal(int(f.Fd())) {
		o.live = true
		o.width = 100
		if wd, _, err := term.GetSize(int(f.Fd())); err == nil && wd > 20 {
			o.width = wd
		}
		o.wg.Add(1)
		go o.redrawLoop()
	}
	return o
}

// attach routes a run's events to the output, and its warnings to stderr
// (also with --json: the document has them too, but a person running it
// should see them before the run).
func (o *output) attach(opts *lift.Options, stderr io.Writer) {
	opts.OnWarning = func(w lift.OSWarning) { o.warn(stderr, w.String()) }
	if o.json {
		return
	}
	opts.OnEvent = o.event
	opts.OnNodeDone = o.nodeDone
}

// Everything printed that a node or provider chose (names, step names,
// messages, error texts with output tails) goes through clean first.
func (o *output) event(e runner.Event) {
	switch e.Kind {
	case runner.EventBegin:
		if o.live {
			o.set(e.Node, e.Job, fmt.Sprintf("%s %d/%d %s: %s", clean(e.Phase), e.Step.N, e.Step.Total, clean(e.Step.Crate), clean(e.Step.Name)))
		}
	case runner.EventEnd:
		if !o.live {
			msg := ""
			if e.Step.Message != "" {
				msg = " (" + clean(e.Step.Message) + ")"
			}
			o.mu.Lock()
			fmt.Fprintf(o.w, "%s %s step %d/%d %s %q: %s%s\n", clean(e.Node), clean(e.Phase), e.Step.N, e.Step.Total, clean(e.Step.Crate), clean(e.Step.Name), clean(string(e.Step.Status)), msg)
			writeDiff(o.w, e.Step.Diff)
			o.mu.Unlock()
		}
	}
}

// writeDiff prints a step's diff (--diff) indented under its line,
// cleaned: it is a node's file, which may hold anything.
func writeDiff(w io.Writer, diff string) {
	if diff == "" {
		return
	}
	for _, l := range strings.Split(diff, "\n") {
		fmt.Fprintf(w, "    %s\n", clean(strings.TrimSuffix(l, "\r")))
	}
}

// diffs prints, after a live (terminal) run's recap, the diffs of the
// steps that had one (--diff), each under a line naming its node and step:
// the live lines, redrawn in place, have no room for them.
func (o *output) diffs(w io.Writer, rep *lift.Report) {
	if !o.live {
		return
	}
	for _, n := range rep.Nodes {
		for _, ph := range n.Phases {
			for _, s := range ph.Steps {
				if s.Diff == "" {
					continue
				}
				fmt.Fprintf(w, "\n%s %s step %d/%d %s %q: %s\n", clean(n.Node.Name), clean(ph.Phase), s.N, s.Total, clean(s.Crate), clean(s.Name), clean(string(s.Status)))
				writeDiff(w, s.Diff)
			}
		}
	}
}

// warn prints one warning line, between progress lines, never inside
// one. On a terminal the live drawing is finished first and the next one
// starts below the warning, since stderr is most likely the same terminal
// and redrawing moves the cursor up over what it drew last.
func (o *output) warn(stderr io.Writer, line string) {
	if o.live {
		o.redraw()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(stderr, "warning: %s\n", cleanLines(line))
	o.drawn = 0
}

func (o *output) nodeDone(nr lift.NodeReport) {
	line := fmt.Sprintf("%s in %s", nodeStatusText(nr), nr.Duration.Round(10*time.Millisecond))
	if o.live {
		o.set(nr.Node.Name, nr.Index, line)
		return
	}
	o.mu.Lock()
	fmt.Fprintf(o.w, "%s: %s\n", clean(nr.Node.Name), line)
	o.mu.Unlock()
}

func nodeStatusText(nr lift.NodeReport) string {
	c := nr.Counts
	switch nr.Status {
	case lift.StatusOK:
		if len(nr.Phases) == 0 {
			return "ok, nothing to run"
		}
		return fmt.Sprintf("ok (ok=%d changed=%d would-change=%d ran=%d skipped=%d)", c.OK, c.Changed, c.WouldChange, c.Ran, c.Skipped)
	case lift.StatusUnreachable:
		return "UNREACHABLE"
	case lift.StatusInterrupted:
		return "interrupted"
	case lift.StatusDestroyed:
		return "destroyed"
	case lift.StatusNotRun:
		return "NOT RUN: " + errText(nr)
	}
	return fmt.Sprintf("FAILED (ok=%d changed=%d failed=%d)", c.OK, c.Changed, c.Failed)
}

func (o *output) set(node string, index int, line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines[liveKey{clean(node), index}] = clean(line)
	o.dirty = true
}

func (o *output) redrawLoop() {
	defer o.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-o.done:
			o.redraw()
			return
		case <-t.C:
			o.redraw()
		}
	}
}

// redraw moves the cursor up over the previous drawing and prints every
// node's line again, sorted by node name, then by place in the run.
func (o *output) redraw() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.dirty {
		return
	}
	o.dirty = false
	keys := make([]liveKey, 0, len(o.lines))
	for k := range o.lines {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].index < keys[j].index
	})
	var b strings.Builder
	if o.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", o.drawn)
	}
	for _, k := range keys {
		line := fmt.Sprintf("%-16s %s", k.name, o.lines[k])
		if r := []rune(line); len(r) > o.width-1 {
			line = string(r[:o.width-2]) + "…"
		}
		b.WriteString("\r\x1b[2K" + line + "\n")
	}
	o.drawn = len(keys)
	io.WriteString(o.w, b.String())
}

// stop ends live redrawing, leaving the last drawing on screen.
func (o *output) stop() {
	if o.live {
		close(o.done)
		o.wg.Wait()
		o.live = false
	}
}

// recap prints the end-of-run table, like Ansible's PLAY RECAP, then what
// went wrong on each node that failed. Its heading names the command and
// the phases it was asked for.
func recap(w io.Writer, rep *lift.Report) {
	recapTitled(w, rep, rep.Command+" "+strings.Join(rep.Phases, ","))
}

// recapTitled is recap with the heading's title given: converge's says
// what ran, which is not what was asked (see convergeTitle).
func recapTitled(w io.Writer, rep *lift.Report, title string) {
	mode := ""
	if rep.Check {
		mode = ", check mode"
	}
	fmt.Fprintf(w, "\nRECAP %s (provider %s%s) %s\n", clean(title), rep.Provider, mode, strings.Repeat("*", 20))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATUS\tOK\tCHANGED\tWOULD-CHANGE\tRAN\tSKIPPED\tFAILED\tUNREACHABLE\tTIME")
	for _, n := range rep.Nodes {
		unreach := 0
		if n.Status == lift.StatusUnreachable {
			unreach = 1
		}
		c := n.Counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", clean(n.Node.Name), n.Status, c.OK, c.Changed, c.WouldChange, c.Ran, c.Skipped, c.Failed, unreach, n.Duration.Round(10*time.Millisecond))
	}
	tw.Flush()

	for _, n := range rep.Nodes {
		for _, s := range n.Skipped {
			fmt.Fprintf(w, "%s: skipped %s: %s\n", clean(n.Node.Name), clean(s.Phase), clean(s.Reason))
		}
	}
	for _, n := range rep.Nodes {
		switch n.Status {
		case lift.StatusOK, lift.StatusDestroyed:
			continue
		case lift.StatusUnreachable, lift.StatusNotRun:
			fmt.Fprintf(w, "\n%s %s: %s\n", strings.ToUpper(string(n.Status)), clean(n.Node.Name), errText(n))
			continue
		}
		fmt.Fprintf(w, "\n%s %s", strings.ToUpper(string(n.Status)), clean(n.Node.Name))
		var step *runner.StepResult
		var phase string
		for _, ph := range n.Phases {
			if s := ph.FailedStep(); s != nil {
				step, phase = s, ph.Phase
				break
			}
		}
		if step != nil {
			fmt.Fprintf(w, ": phase %s, step %d/%d, crate %s: %s\n", clean(phase), step.N, step.Total, clean(step.Crate), clean(step.Name))
		} else {
			fmt.Fprintln(w)
		}
		if n.Err != nil {
			fmt.Fprintf(w, "  %s\n", errText(n))
		}
	}
	t := rep.Totals()
	fmt.Fprintf(w, "\n%d node(s): %d ok, ", t.Nodes, t.OK)
	if t.Destroyed > 0 {
		fmt.Fprintf(w, "%d destroyed, ", t.Destroyed)
	}
	fmt.Fprintf(w, "%d failed, %d unreachable", t.Failed, t.Unreachable)
	if t.NotRun > 0 {
		fmt.Fprintf(w, ", %d not run", t.NotRun)
	}
	if t.Interrupted > 0 {
		fmt.Fprintf(w, ", %d interrupted", t.Interrupted)
	}
	fmt.Fprintf(w, "; steps: %d ok, %d changed, %d would change, %d ran, %d skipped, %d failed; %s\n",
		t.Steps.OK, t.Steps.Changed, t.Steps.WouldChange, t.Steps.Ran, t.Steps.Skipped, t.Steps.Failed, rep.Duration.Round(10*time.Millisecond))
	if rep.Interrupted {
		var unsure []string
		for _, n := range rep.Nodes {
			var inc *runner.StopIncompleteError
			if errors.As(n.Err, &inc) {
				unsure = append(unsure, clean(n.Node.Name))
			}
		}
		if len(unsure) > 0 {
			fmt.Fprintf(w, "interrupted: nodes were stopped where they were, but the stop could not be confirmed on %s (see above); what ran is reported above\n", strings.Join(unsure, ", "))
		} else {
			fmt.Fprintln(w, "interrupted: nodes were stopped where they were; what ran is reported above")
		}
	}
	if rep.LogDir != "" {
		fmt.Fprintf(w, "logs: %s\n", rep.LogDir)
	}
}

// errText is a node's error without the "node NAME: " the runner starts
// it with, since the recap already names the node, cleaned for the
// terminal (it may quote what the node printed).
func errText(n lift.NodeReport) string {
	if n.Err == nil {
		return ""
	}
	msg := strings.TrimPrefix(n.Err.Error(), "node "+n.Node.Name+": ")
	return cleanLines(strings.TrimPrefix(msg, "node "+n.Node.Name+" "))
}
