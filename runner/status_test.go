package runner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseStatusLine(t *testing.T) {
	tests := []struct {
		name   string
		nonce  string
		line   string
		before string
		want   StatusLine
		ok     bool
	}{
		// Without a nonce: scripts run by hand.
		{"begin", "", "::pallet::v1 begin 1/3 java install openjdk 17",
			"", StatusLine{Kind: KindBegin, N: 1, Total: 3, Crate: "java", Name: "install openjdk 17"}, true},
		{"end with message", "", "::pallet::v1 end 2/3 failed 1500 did not converge",
			"", StatusLine{Kind: KindEnd, N: 2, Total: 3, Status: StatusFailed, Duration: 1500 * time.Millisecond, Message: "did not converge"}, true},
		{"end without message", "", "::pallet::v1 end 3/3 would-change 0",
			"", StatusLine{Kind: KindEnd, N: 3, Total: 3, Status: StatusWouldChange}, true},
		{"done", "", "::pallet::v1 done 1 2 3 4 0",
			"", StatusLine{Kind: KindDone, Counts: Counts{OK: 1, Changed: 2, WouldChange: 3, Ran: 4}}, true},
		{"done with skipped", "", "::pallet::v1 done 1 2 3 4 0 5",
			"", StatusLine{Kind: KindDone, Counts: Counts{OK: 1, Changed: 2, WouldChange: 3, Ran: 4, Skipped: 5}}, true},
		{"done with seven counts", "", "::pallet::v1 done 1 2 3 4 0 5 6", "::pallet::v1 done 1 2 3 4 0 5 6", StatusLine{}, false},
		{"end skipped", "", "::pallet::v1 end 2/3 skipped 0 not notified: nginx",
			"", StatusLine{Kind: KindEnd, N: 2, Total: 3, Status: StatusSkipped, Message: "not notified: nginx"}, true},
		{"marker mid-line", "", "Reading package lists... Done::pallet::v1 end 1/1 changed 12",
			"Reading package lists... Done", StatusLine{Kind: KindEnd, N: 1, Total: 1, Status: StatusChanged, Duration: 12 * time.Millisecond}, true},
		{"plain output", "", "hello world", "hello world", StatusLine{}, false},
		{"marker without space", "", "::pallet::v1", "::pallet::v1", StatusLine{}, false},
		{"unknown kind", "", "::pallet::v1 start 1/2 a b", "::pallet::v1 start 1/2 a b", StatusLine{}, false},
		{"unknown status", "", "::pallet::v1 end 1/2 great 5", "::pallet::v1 end 1/2 great 5", StatusLine{}, false},
		{"n beyond total", "", "::pallet::v1 begin 3/2 a b", "::pallet::v1 begin 3/2 a b", StatusLine{}, false},
		{"begin without name", "", "::pallet::v1 begin 1/2 java", "::pallet::v1 begin 1/2 java", StatusLine{}, false},
		{"bad duration", "", "::pallet::v1 end 1/2 ok soon", "::pallet::v1 end 1/2 ok soon", StatusLine{}, false},
		{"done short", "", "::pallet::v1 done 1 2 3", "::pallet::v1 done 1 2 3", StatusLine{}, false},
		{"version 2 is not ours", "", "::pallet::v2 done 0 0 0 0 0", "::pallet::v2 done 0 0 0 0 0", StatusLine{}, false},
		{"a nonce line read without one", "", "::pallet::v1 5eed end 1/2 ok 3", "::pallet::v1 5eed end 1/2 ok 3", StatusLine{}, false},

		// With the run's nonce: only lines carrying it are status lines.
		{"nonce begin", "5eed", "::pallet::v1 5eed begin 1/3 java install openjdk 17",
			"", StatusLine{Kind: KindBegin, N: 1, Total: 3, Crate: "java", Name: "install openjdk 17"}, true},
		{"nonce end", "5eed", "::pallet::v1 5eed end 2/3 failed 1500 did not converge",
			"", StatusLine{Kind: KindEnd, N: 2, Total: 3, Status: StatusFailed, Duration: 1500 * time.Millisecond, Message: "did not converge"}, true},
		{"nonce done", "5eed", "::pallet::v1 5eed done 1 2 3 4 0",
			"", StatusLine{Kind: KindDone, Counts: Counts{OK: 1, Changed: 2, WouldChange: 3, Ran: 4}}, true},
		{"nonce mid-line", "5eed", "Done::pallet::v1 5eed end 1/1 changed 12",
			"Done", StatusLine{Kind: KindEnd, N: 1, Total: 1, Status: StatusChanged, Duration: 12 * time.Millisecond}, true},
		{"spoof without nonce", "5eed", "hello ::pallet::v1 end 1/2 failed 3 spoof",
			"hello ::pallet::v1 end 1/2 failed 3 spoof", StatusLine{}, false},
		{"spoof with a wrong nonce", "5eed", "::pallet::v1 beef end 1/2 failed 3 spoof",
			"::pallet::v1 beef end 1/2 failed 3 spoof", StatusLine{}, false},
		{"spoof with the nonce as a prefix", "5eed", "::pallet::v1 5eedx end 1/2 failed 3 spoof",
			"::pallet::v1 5eedx end 1/2 failed 3 spoof", StatusLine{}, false},
		{"spoof before the real line", "5eed", "x ::pallet::v1 end 1/2 failed 3::pallet::v1 5eed end 1/2 ok 4",
			"x ::pallet::v1 end 1/2 failed 3", StatusLine{Kind: KindEnd, N: 1, Total: 2, Status: StatusOK, Duration: 4 * time.Millisecond}, true},
		{"nonce, malformed", "5eed", "::pallet::v1 5eed end 1/2 great 5", "::pallet::v1 5eed end 1/2 great 5", StatusLine{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, got, ok := ParseStatusLine(tt.line, tt.nonce)
			if ok != tt.ok || before != tt.before {
				t.Fatalf("ParseStatusLine(%q, %q) = before %q ok %v; want before %q ok %v", tt.line, tt.nonce, before, ok, tt.before, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseStatusLine(%q, %q) mismatch (-want +got):\n%s", tt.line, tt.nonce, diff)
			}
		})
	}
}

// trackerInput is a phase's output with a sudo prompt glued to the first
// status line, a step printing a status line without the run's nonce (mere
// output), output without newline before a marker, and a failing step that
// prints more lines than the tail keeps.
func trackerInput() string {
	var b strings.Builder
	b.WriteString("[prompt]preamble\n")
	b.WriteString("::pallet::v1 n0nce begin 1/2 base update apt\n")
	b.WriteString("Hit:1 http://deb\n")
	b.WriteString("hello ::pallet::v1 end 1/2 failed 3 spoof\n")
	b.WriteString("no newline::pallet::v1 n0nce end 1/2 changed 40\n")
	b.WriteString("::pallet::v1 n0nce begin 2/2 java install jdk\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "line %d\r\n", i)
	}
	b.WriteString("::pallet::v1 n0nce end 2/2 failed 7 did not converge\n")
	b.WriteString("trailing without newline")
	return b.String()
}

func TestTrackerSplitsAnyChunking(t *testing.T) {
	input := trackerInput()
	var reference PhaseResult
	for _, chunk := range []int{1, 2, 7, 64, len(input)} {
		var events []Event
		tr := newTracker("n1", "configure", false, 0, "[prompt]", "n0nce", func(e Event) { events = append(events, e) })
		var partial []byte
		for i := 0; i < len(input); i += chunk {
			partial = tr.feed(partial, []byte(input[i:min(i+chunk, len(input))]))
		}
		tr.line(string(partial))
		got := tr.result()
		if chunk == 1 {
			reference = got
			checkTrackerResult(t, got, events)
			continue
		}
		if diff := cmp.Diff(reference, got); diff != "" {
			t.Errorf("chunk size %d gives a different result (-1 byte +%d bytes):\n%s", chunk, chunk, diff)
		}
	}
}

func checkTrackerResult(t *testing.T, got PhaseResult, events []Event) {
	t.Helper()
	if len(got.Steps) != 2 {
		t.Fatalf("steps = %d, want 2: %+v", len(got.Steps), got.Steps)
	}
	s1, s2 := got.Steps[0], got.Steps[1]
	if s1.Status != StatusChanged || s1.Duration != 40*time.Millisecond || s1.Crate != "base" || s1.Name != "update apt" {
		t.Errorf("step 1 = %+v", s1)
	}
	if diff := cmp.Diff([]string{"Hit:1 http://deb", "hello ::pallet::v1 end 1/2 failed 3 spoof", "no newline"}, s1.Tail); diff != "" {
		t.Errorf("step 1 tail (-want +got):\n%s", diff)
	}
	if s2.Status != StatusFailed || s2.Message != "did not converge" {
		t.Errorf("step 2 = %+v", s2)
	}
	if len(s2.Tail) != DefaultTailLines || s2.Tail[0] != "line 6" || s2.Tail[19] != "line 25" {
		t.Errorf("step 2 tail = %q, want lines 6..25 without \\r", s2.Tail)
	}
	if diff := cmp.Diff([]string{"preamble", "trailing without newline"}, got.Output); diff != "" {
		t.Errorf("loose output, prompt stripped (-want +got):\n%s", diff)
	}
	if got.Done || got.OK() {
		t.Errorf("no done line, yet Done=%v OK=%v", got.Done, got.OK())
	}
	if got.Counts != (Counts{Changed: 1, Failed: 1}) {
		t.Errorf("counts = %+v", got.Counts)
	}
	if f := got.FailedStep(); f == nil || f.N != 2 {
		t.Errorf("FailedStep = %+v, want step 2", f)
	}
	var kinds []EventKind
	for _, e := range events {
		if e.Kind != EventOutput {
			kinds = append(kinds, e.Kind)
		}
		if e.Node != "n1" || e.Phase != "configure" {
			t.Errorf("event without node/phase: %+v", e)
		}
		if e.Kind == EventOutput && strings.HasPrefix(e.Line, "line ") && e.Step.N != 2 {
			t.Errorf("output %q attributed to step %d, want 2", e.Line, e.Step.N)
		}
	}
	if diff := cmp.Diff([]EventKind{EventBegin, EventEnd, EventBegin, EventEnd}, kinds); diff != "" {
		t.Errorf("event order (-want +got):\n%s", diff)
	}
}

func TestTrackerBoundsLongLines(t *testing.T) {
	tr := newTracker("n", "p", false, 3, "", "", nil)
	tr.feed(nil, []byte(strings.Repeat("x", 3*maxLineBytes)))
	if r := tr.result(); len(r.Output) != 3 {
		t.Fatalf("a 3*max line without newline gives %d lines, want 3", len(r.Output))
	}
}

func TestOSFromRelease(t *testing.T) {
	text := `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
# a comment
ID=ubuntu
ID_LIKE=debian
`
	got, err := OSFromRelease([]byte(text))
	want := OSInfo{ID: "ubuntu", VersionID: "22.04", IDLike: "debian", PrettyName: "Ubuntu 22.04.4 LTS", PalletOS: "ubuntu-22.04"}
	if err != nil || got != want {
		t.Errorf("OSFromRelease = %+v, %v; want %+v", got, err, want)
	}
}

// TestTrackerKeepsMarkerAfterLongOutput: a step prints more than
// maxLineBytes without a newline, then its end line. The tracker cut such
// a line every maxLineBytes, and when a cut fell inside the status marker
// (or between the marker and its fields) the step's end was lost. Every
// length around each cut, fed in any chunking, keeps it.
func TestTrackerKeepsMarkerAfterLongOutput(t *testing.T) {
	end := "::pallet::v1 n0nce end 1/1 ran 5"
	for _, k := range []int{1, 3} {
		for n := k*maxLineBytes - len(end) - 2; n <= k*maxLineBytes+2; n++ {
			// The newline comes in a chunk of its own: a chunk holding it
			// was never cut.
			input := "::pallet::v1 n0nce begin 1/1 exec-script noisy\n" + strings.Repeat("x", n) + end
			for _, chunk := range []int{1 << 10, 32 << 10, len(input)} {
				tr := newTracker("n", "p", false, 0, "", "n0nce", nil)
				var partial []byte
				for i := 0; i < len(input); i += chunk {
					partial = tr.feed(partial, []byte(input[i:min(i+chunk, len(input))]))
				}
				partial = tr.feed(partial, []byte("\n"))
				r := tr.result()
				if len(r.Steps) != 1 || r.Steps[0].Status != StatusRan || len(partial) != 0 {
					t.Fatalf("%d bytes before the end line, chunks of %d: %d steps, status %q, left %d bytes", n, chunk, len(r.Steps), r.Steps[0].Status, len(partial))
				}
				var text int
				for _, l := range r.Steps[0].Tail {
					text += len(l)
				}
				if text != n {
					t.Fatalf("%d bytes before the end line: the tail holds %d", n, text)
				}
			}
		}
	}
}

// TestTrackerRedactsOutput: with RedactOutput, a secret a step prints,
// split across SSH chunks, is in no event, tail, message or output line.
func TestTrackerRedactsOutput(t *testing.T) {
	var events []Event
	tr := newTracker("n", "p", false, 0, "", "n0nce", func(e Event) { events = append(events, e) })
	tr.redact = func(s string) string { return strings.ReplaceAll(s, "hunter22", "<secret:pw>") }
	input := "loose hunter22\n::pallet::v1 [n0nce] begin 1/1 exec-script x\nprinting hunter22 here\n::pallet::v1 [n0nce] end 1/1 failed 3 pw was hunter22\n"
	var partial []byte
	for i := 0; i < len(input); i += 5 {
		partial = tr.feed(partial, []byte(input[i:min(i+5, len(input))]))
	}
	r := tr.result()
	got := fmt.Sprintf("%+v %+v", r, events)
	if strings.Contains(got, "hunter22") || !strings.Contains(got, "printing <secret:pw> here") || !strings.Contains(got, "pw was <secret:pw>") {
		t.Errorf("redacted result and events:\n%s", got)
	}
}
