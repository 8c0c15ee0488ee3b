package runner

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StatusMarker starts every status line a compiled script prints. It may
// appear anywhere in a line: output printed without a trailing newline comes
// before it on the same line. When the script was given a nonce
// (PALLET_NONCE), the nonce and a space follow the marker.
const StatusMarker = "::pallet::v1 "

// StepStatus is how a step ended, as the script reports it.
type StepStatus string

// The step statuses of the script contract.
const (
	StatusOK          StepStatus = "ok"           // check passed, nothing to do
	StatusChanged     StepStatus = "changed"      // applied and re-check passed
	StatusWouldChange StepStatus = "would-change" // check mode: apply would run
	StatusRan         StepStatus = "ran"          // step without a check, applied
	StatusFailed      StepStatus = "failed"       // apply failed or did not converge
	StatusSkipped     StepStatus = "skipped"      // when_notified, and not notified
)

func (s StepStatus) valid() bool {
	switch s {
	case StatusOK, StatusChanged, StatusWouldChange, StatusRan, StatusFailed, StatusSkipped:
		return true
	}
	return false
}

// StatusKind says which of the three status lines a StatusLine is.
type StatusKind string

// The status line kinds of the script contract.
const (
	KindBegin StatusKind = "begin"
	KindEnd   StatusKind = "end"
	KindDone  StatusKind = "done"
	// KindDiff carries a chunk of a step's diff (--diff), base64 so that
	// a file's content can neither break the framing nor fake a line;
	// KindDiffEnd ends the step's diff.
	KindDiff    StatusKind = "diff"
	KindDiffEnd StatusKind = "diff-end"
)

// Counts tallies step outcomes: one phase's done line, or a sum over phases.
type Counts struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	WouldChange int `json:"would_change"`
	Ran         int `json:"ran"`
	Failed      int `json:"failed"`
	// Skipped was added to pallet-run/v1 later (additive): when_notified
	// steps not notified.
	Skipped int `json:"skipped"`
}

// Add returns the field-wise sum of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.OK + o.OK, c.Changed + o.Changed, c.WouldChange + o.WouldChange, c.Ran + o.Ran, c.Failed + o.Failed, c.Skipped + o.Skipped}
}

// Total is the number of steps counted.
func (c Counts) Total() int { return c.OK + c.Changed + c.WouldChange + c.Ran + c.Failed + c.Skipped }

func (c *Counts) count(s StepStatus) {
	switch s {
	case StatusOK:
		c.OK++
	case StatusChanged:
		c.Changed++
	case StatusWouldChange:
		c.WouldChange++
	case StatusRan:
		c.Ran++
	case StatusFailed:
		c.Failed++
	case StatusSkipped:
		c.Skipped++
	}
}

// StatusLine is one parsed status line.
type StatusLine struct {
	Kind StatusKind
	// N and Total number the step (begin, end).
	N, Total int
	// Crate and Name identify the step (begin only).
	Crate, Name string
	// Status, Duration and Message are the outcome (end only).
	Status   StepStatus
	Duration time.Duration
	Message  string
	// Counts is the phase summary (done only).
	Counts Counts
	// Chunk is base64 text of the step's diff (diff only).
	Chunk string
}

// ParseStatusLine looks for a status line in one line of script output
// (without its newline). nonce is the PALLET_NONCE the script was run with:
// only status lines carrying it count, so that a step printing something
// that looks like a status line cannot fake one; "" is for scripts run
// without one (by hand), whose lines carry none. It returns the output text
// that came before the marker, and ok=false with before set to the whole
// line when the line holds no well-formed status. A malformed status line is
// kept as output rather than dropped so that nothing the node printed is
// lost.
func ParseStatusLine(line, nonce string) (before string, st StatusLine, ok bool) {
	marker := StatusMarker
	if nonce != "" {
		marker += nonce + " "
	}
	i := strings.Index(line, marker)
	if i < 0 {
		return line, StatusLine{}, false
	}
	st, err := parseStatusFields(line[i+len(marker):])
	if err != nil {
		return line, StatusLine{}, false
	}
	return line[:i], st, true
}

func parseStatusFields(s string) (StatusLine, error) {
	kind, rest, _ := strings.Cut(s, " ")
	switch StatusKind(kind) {
	case KindBegin:
		// begin <n>/<total> <crate> <step name...>
		f := strings.SplitN(rest, " ", 3)
		if len(f) < 3 || f[1] == "" {
			return StatusLine{}, fmt.Errorf("begin: want <n>/<total> <crate> <name>")
		}
		n, total, err := parseOrdinal(f[0])
		if err != nil {
			return StatusLine{}, err
		}
		return StatusLine{Kind: KindBegin, N: n, Total: total, Crate: f[1], Name: f[2]}, nil
	case KindEnd:
		// end <n>/<total> <status> <duration-ms> [<message...>]
		f := strings.SplitN(rest, " ", 4)
		if len(f) < 3 {
			return StatusLine{}, fmt.Errorf("end: want <n>/<total> <status> <ms>")
		}
		n, total, err := parseOrdinal(f[0])
		if err != nil {
			return StatusLine{}, err
		}
		status := StepStatus(f[1])
		if !status.valid() {
			return StatusLine{}, fmt.Errorf("end: unknown status %q", f[1])
		}
		ms, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || ms < 0 {
			return StatusLine{}, fmt.Errorf("end: bad duration %q", f[2])
		}
		st := StatusLine{Kind: KindEnd, N: n, Total: total, Status: status, Duration: time.Duration(ms) * time.Millisecond}
		if len(f) == 4 {
			st.Message = f[3]
		}
		return st, nil
	case KindDiff, KindDiffEnd:
		// diff <n>/<total> <base64>; diff-end <n>/<total>
		f := strings.Split(rest, " ")
		if kind == string(KindDiff) && (len(f) != 2 || f[1] == "" || !isBase64(f[1])) {
			return StatusLine{}, fmt.Errorf("diff: want <n>/<total> <base64>")
		}
		if kind == string(KindDiffEnd) && len(f) != 1 {
			return StatusLine{}, fmt.Errorf("diff-end: want <n>/<total>")
		}
		n, total, err := parseOrdinal(f[0])
		if err != nil {
			return StatusLine{}, err
		}
		st := StatusLine{Kind: StatusKind(kind), N: n, Total: total}
		if len(f) == 2 {
			st.Chunk = f[1]
		}
		return st, nil
	case KindDone:
		// done <ok> <changed> <would-change> <ran> <failed> [<skipped>]:
		// scripts compiled before skipped existed print five counts.
		f := strings.Fields(rest)
		if len(f) != 5 && len(f) != 6 {
			return StatusLine{}, fmt.Errorf("done: want 5 or 6 counts")
		}
		var v [6]int
		for i, s := range f {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return StatusLine{}, fmt.Errorf("done: bad count %q", s)
			}
			v[i] = n
		}
		return StatusLine{Kind: KindDone, Counts: Counts{v[0], v[1], v[2], v[3], v[4], v[5]}}, nil
	}
	return StatusLine{}, fmt.Errorf("unknown status kind %q", kind)
}

func parseOrdinal(s string) (n, total int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		n, err = strconv.Atoi(a)
		if err == nil {
			total, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || total < n {
		return 0, 0, fmt.Errorf("bad step number %q: want <n>/<total>", s)
	}
	return n, total, nil
}

// isBase64 reports whether s holds only characters of standard base64.
func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}
