package runner

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"
)

// DefaultTailLines is how many lines of a step's output a result keeps: enough
// to show why a package install failed without carrying whole logs around.
const DefaultTailLines = 20

// maxLineBytes bounds one output line so a node printing progress bars with
// carriage returns and no newline cannot make the runner buffer without end.
const maxLineBytes = 64 << 10

// StepResult is what is known about one step of a phase.
type StepResult struct {
	N     int    `json:"n"`
	Total int    `json:"total"`
	Crate string `json:"crate"`
	Name  string `json:"name"`
	// Status is empty while the step is running and stays empty when the
	// script died inside it.
	Status   StepStatus    `json:"status,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	Message  string        `json:"message,omitempty"`
	// Tail holds the last lines the step printed (stdout and stderr merged).
	Tail []string `json:"tail,omitempty"`
	// Diff is what the step changes or would change in a file (--diff): a
	// unified diff, or a line summarising binary or secret content. It
	// arrives before the step's end line.
	Diff string `json:"diff,omitempty"`
}

// Ended reports whether the script printed the step's end line.
func (s StepResult) Ended() bool { return s.Status != "" }

// Label names the step for people: `3/7 java "install openjdk"`.
func (s StepResult) Label() string {
	return fmt.Sprintf("%d/%d %s %q", s.N, s.Total, s.Crate, s.Name)
}

// PhaseResult is the outcome of running one phase script on one node. It is
// filled in as far as the run got, also when RunPhase returns an error.
type PhaseResult struct {
	Node  string `json:"node"`
	Phase string `json:"phase"`
	Check bool   `json:"check"`
	// Steps lists every step that began, in order.
	Steps []StepResult `json:"steps"`
	// Counts tallies the steps that ended. When Done is true it is the
	// script's own done line.
	Counts Counts `json:"counts"`
	// Done is true when the script printed its done line.
	Done bool `json:"done"`
	// ExitCode is the script's exit status; -1 when none was received
	// (killed by a signal, connection lost, cancelled).
	ExitCode int           `json:"exit_code"`
	Duration time.Duration `json:"duration_ns"`
	// ScriptPath is where the script was left on the node (KeepScripts).
	ScriptPath string `json:"script_path,omitempty"`
	// Output is the tail of output that belonged to no step: before the
	// first step, between steps, or from sudo and the shell around the
	// script. It explains scripts that die before their first step.
	Output []string `json:"output,omitempty"`
}

// OK reports whether the phase ran to its done line with no failed step and
// a zero exit status.
func (r PhaseResult) OK() bool {
	return r.Done && r.ExitCode == 0 && r.Counts.Failed == 0
}

// FailedStep returns the step that failed, or the step that was running when
// the script died, or nil when neither applies.
func (r PhaseResult) FailedStep() *StepResult {
	for i := range r.Steps {
		if r.Steps[i].Status == StatusFailed {
			return &r.Steps[i]
		}
	}
	if !r.OK() && len(r.Steps) > 0 && !r.Steps[len(r.Steps)-1].Ended() {
		return &r.Steps[len(r.Steps)-1]
	}
	return nil
}

// lastEnded returns the last step whose end line arrived, or nil.
func (r PhaseResult) lastEnded() *StepResult {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Ended() {
			return &r.Steps[i]
		}
	}
	return nil
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order a phase produces them.
const (
	// EventOutput is one line of output; Step.N is 0 when it belongs to no step.
	EventOutput EventKind = iota
	// EventBegin is a step starting.
	EventBegin
	// EventEnd is a step ending; Step has its status and tail.
	EventEnd
	// EventDone is the script's summary line.
	EventDone
)

// Event is one thing that happened while a phase ran, for live progress.
type Event struct {
	Node string
	// Job is the index of the node's job in the slice given to Run (0
	// for RunPhase called directly).
	Job    int
	Phase  string
	Kind   EventKind
	Step   StepResult // the step concerned (begin, end, output inside a step)
	Line   string     // the output line (EventOutput)
	Counts Counts     // the done line (EventDone)
}

// EventFunc receives events as they happen. For one phase it is called from a
// single goroutine, in output order; Run calls it from many goroutines at
// once (one per node), so a shared EventFunc must be safe for that. It should
// return quickly: output is not read while it runs.
type EventFunc func(Event)

// tail keeps the last n lines added.
type tail struct {
	n     int
	lines []string
}

func (t *tail) add(s string) {
	if len(t.lines) == t.n {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:t.n-1]
	}
	t.lines = append(t.lines, s)
}

func (t *tail) snapshot() []string {
	if len(t.lines) == 0 {
		return nil
	}
	return append([]string(nil), t.lines...)
}

// tracker turns the raw output stream of one phase into events and a
// PhaseResult. It is fed bytes in arbitrary chunks and splits them into lines
// itself, because SSH delivers data in packet-sized pieces that cut lines and
// even the status marker in half.
type tracker struct {
	mu       sync.Mutex // the session's stdout and stderr goroutines both feed it
	res      PhaseResult
	onEvent  EventFunc
	tailN    int
	prompt   string // sudo prompt to strip, "" when sudo does not prompt
	nonce    string // the PALLET_NONCE status lines must carry
	prompts  int    // how many times the prompt was seen
	current  int    // index into res.Steps of the step begun and not ended, -1 if none
	tails    []tail
	diffs    map[int]*strings.Builder // base64 diff chunks by step index, until diff-end
	loose    tail
	byNumber map[int]int
	redact   func(string) string // Options.RedactOutput; nil: none
}

func newTracker(node, phase string, check bool, tailN int, prompt, nonce string, onEvent EventFunc) *tracker {
	if tailN <= 0 {
		tailN = DefaultTailLines
	}
	return &tracker{
		res:      PhaseResult{Node: node, Phase: phase, Check: check, ExitCode: -1},
		onEvent:  onEvent,
		tailN:    tailN,
		prompt:   prompt,
		nonce:    nonce,
		current:  -1,
		loose:    tail{n: tailN},
		byNumber: map[int]int{},
		diffs:    map[int]*strings.Builder{},
	}
}

// maxDiffBase64 bounds the base64 a step's diff may take: the script cuts
// a diff at 64 KiB, and a runner keeps no more than that and some room.
const maxDiffBase64 = 96 << 10

// feed splits p into lines, continuing the unfinished line partial, and
// returns what is left unfinished. The caller holds t.mu.
func (t *tracker) feed(partial, p []byte) []byte {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			partial = append(partial, p...)
			for len(partial) >= maxLineBytes {
				cut := longLineCut(partial[:maxLineBytes])
				t.line(string(partial[:cut]))
				partial = append(partial[:0], partial[cut:]...)
			}
			break
		}
		partial = append(partial, p[:i]...)
		t.line(string(partial))
		partial = partial[:0]
		p = p[i+1:]
	}
	return partial
}

// longLineCut says where to cut a line that reached maxLineBytes without
// a newline (chunk is its first maxLineBytes bytes), so that a status
// line printed after long output without a newline is never cut in two
// and lost: before the last status marker in chunk, or before the marker's
// first bytes at its very end; else at its end. A marker at 0 is cut only
// when the line from it is itself over the bound, which a status line
// never is.
func longLineCut(chunk []byte) int {
	marker := []byte(StatusMarker)
	if i := bytes.LastIndex(chunk, marker); i > 0 {
		return i
	}
	for k := len(marker) - 1; k > 0; k-- {
		if len(chunk) > k && bytes.HasSuffix(chunk, marker[:k]) {
			return len(chunk) - k
		}
	}
	return len(chunk)
}

func (t *tracker) promptCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.prompts
}

func (t *tracker) emit(e Event) {
	if t.onEvent != nil {
		e.Node, e.Phase = t.res.Node, t.res.Phase
		t.onEvent(e)
	}
}

func (t *tracker) line(s string) {
	s = strings.TrimSuffix(s, "\r")
	if t.redact != nil {
		s = t.redact(s)
	}
	if t.prompt != "" && strings.Contains(s, t.prompt) {
		t.prompts += strings.Count(s, t.prompt)
		s = strings.ReplaceAll(s, t.prompt, "")
		if s == "" {
			return
		}
	}
	before, st, ok := ParseStatusLine(s, t.nonce)
	if !ok {
		t.output(s)
		return
	}
	if before != "" {
		t.output(before)
	}
	switch st.Kind {
	case KindBegin:
		t.endUnfinished()
		step := StepResult{N: st.N, Total: st.Total, Crate: st.Crate, Name: st.Name}
		t.res.Steps = append(t.res.Steps, step)
		t.tails = append(t.tails, tail{n: t.tailN})
		t.current = len(t.res.Steps) - 1
		t.byNumber[st.N] = t.current
		t.emit(Event{Kind: EventBegin, Step: step})
	case KindEnd:
		i, known := t.byNumber[st.N]
		if !known {
			// An end without its begin: keep it as a step so the
			// outcome is not lost, with what the line tells.
			t.res.Steps = append(t.res.Steps, StepResult{N: st.N, Total: st.Total})
			t.tails = append(t.tails, tail{n: t.tailN})
			i = len(t.res.Steps) - 1
			t.byNumber[st.N] = i
		}
		step := &t.res.Steps[i]
		step.Status, step.Duration, step.Message = st.Status, st.Duration, st.Message
		step.Tail = t.tails[i].snapshot()
		t.res.Counts.count(st.Status)
		if t.current == i {
			t.current = -1
		}
		t.emit(Event{Kind: EventEnd, Step: *step})
	case KindDiff:
		i, known := t.byNumber[st.N]
		if !known || t.current != i {
			return // a diff belongs to the step running
		}
		b := t.diffs[i]
		if b == nil {
			b = &strings.Builder{}
			t.diffs[i] = b
		}
		if b.Len()+len(st.Chunk) <= maxDiffBase64 {
			b.WriteString(st.Chunk)
		}
	case KindDiffEnd:
		i, known := t.byNumber[st.N]
		b := t.diffs[i]
		if !known || b == nil {
			return
		}
		delete(t.diffs, i)
		text, err := base64.StdEncoding.DecodeString(b.String())
		if err != nil {
			t.res.Steps[i].Diff = "(diff garbled in transit: " + err.Error() + ")"
			return
		}
		t.res.Steps[i].Diff = strings.TrimSuffix(string(text), "\n")
	case KindDone:
		t.res.Done = true
		t.res.Counts = st.Counts
		t.emit(Event{Kind: EventDone, Counts: st.Counts})
	}
}

// endUnfinished is for a begin that arrives while another step is still
// open, which the contract does not produce; the open step keeps no status
// but its tail is saved so nothing is lost.
func (t *tracker) endUnfinished() {
	if t.current >= 0 {
		t.res.Steps[t.current].Tail = t.tails[t.current].snapshot()
		t.current = -1
	}
}

func (t *tracker) output(s string) {
	var step StepResult
	if t.current >= 0 {
		t.tails[t.current].add(s)
		step = t.res.Steps[t.current]
	} else {
		t.loose.add(s)
	}
	t.emit(Event{Kind: EventOutput, Step: step, Line: s})
}

// result returns the PhaseResult so far, with tails of unfinished steps.
func (t *tracker) result() PhaseResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.res
	r.Steps = append([]StepResult(nil), t.res.Steps...)
	for i := range r.Steps {
		if !r.Steps[i].Ended() {
			r.Steps[i].Tail = t.tails[i].snapshot()
		}
	}
	r.Output = t.loose.snapshot()
	return r
}
