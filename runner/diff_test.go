package runner

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diffLines frames text as a script's diff status lines for step n/total,
// in chunks of size bytes of base64.
func diffLines(mark string, n, total int, text string, size int) string {
	b := base64.StdEncoding.EncodeToString([]byte(text))
	var s strings.Builder
	for i := 0; i < len(b); i += size {
		s.WriteString(mark + " diff " + itoa(n) + "/" + itoa(total) + " " + b[i:min(i+size, len(b))] + "\n")
	}
	s.WriteString(mark + " diff-end " + itoa(n) + "/" + itoa(total) + "\n")
	return s.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseDiffLines(t *testing.T) {
	for _, c := range []struct {
		line string
		want StatusLine
		ok   bool
	}{
		{"::pallet::v1 n0nce diff 2/3 LS0tIGEK", StatusLine{Kind: KindDiff, N: 2, Total: 3, Chunk: "LS0tIGEK"}, true},
		{"::pallet::v1 n0nce diff-end 2/3", StatusLine{Kind: KindDiffEnd, N: 2, Total: 3}, true},
		{"::pallet::v1 n0nce diff 2/3", StatusLine{}, false},             // no chunk
		{"::pallet::v1 n0nce diff 2/3 not base64!", StatusLine{}, false}, // spaces, '!'
		{"::pallet::v1 n0nce diff 2/3 LS0t\x1b[2J", StatusLine{}, false}, // escape
		{"::pallet::v1 n0nce diff-end 2/3 extra", StatusLine{}, false},   // trailing words
		{"::pallet::v1 n0nce diff 4/3 LS0t", StatusLine{}, false},        // n beyond total
		{"::pallet::v1 diff 2/3 LS0tIGEK", StatusLine{}, false},          // no nonce
		{"::pallet::v1 0ther diff 2/3 LS0tIGEK", StatusLine{}, false},    // another nonce
	} {
		_, got, ok := ParseStatusLine(c.line, "n0nce")
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%q: got %+v ok=%v, want %+v ok=%v", c.line, got, ok, c.want, c.ok)
		}
	}
}

// TestTrackerDiff: diff lines become the step's Diff, whatever the
// chunking of lines and of the stream; lines that look like diff lines
// but lack the run's nonce are output, not diff; a diff line for a step
// that is not running is dropped; the end event carries the diff.
func TestTrackerDiff(t *testing.T) {
	text := "--- /etc/app.conf\n+++ /etc/app.conf\n@@ -1 +1 @@\n-port=80\n+port=8080\n" + strings.Repeat("context line\n", 200)
	mark := "::pallet::v1 n0nce"
	input := mark + " begin 1/2 line-in-file line in /etc/app.conf\n" +
		"::pallet::v1 diff 1/2 " + base64.StdEncoding.EncodeToString([]byte("fake")) + "\n" +
		"::pallet::v1 diff-end 1/2\n" +
		diffLines(mark, 1, 2, text, 64) +
		mark + " end 1/2 would-change 3\n" +
		mark + " diff 2/2 " + base64.StdEncoding.EncodeToString([]byte("orphan")) + "\n" +
		mark + " diff-end 2/2\n" +
		mark + " begin 2/2 file file /etc/motd\n" +
		mark + " end 2/2 ok 1\n" +
		mark + " done 1 0 1 0 0\n"
	var reference PhaseResult
	for _, chunk := range []int{1, 5, 4096, len(input)} {
		var endDiff string
		tr := newTracker("n1", "configure", true, 0, "", "n0nce", func(e Event) {
			if e.Kind == EventEnd && e.Step.N == 1 {
				endDiff = e.Step.Diff
			}
		})
		var partial []byte
		for i := 0; i < len(input); i += chunk {
			partial = tr.feed(partial, []byte(input[i:min(i+chunk, len(input))]))
		}
		got := tr.result()
		if chunk == 1 {
			reference = got
			if want := strings.TrimSuffix(text, "\n"); got.Steps[0].Diff != want {
				t.Fatalf("step 1 diff:\n%q\nwant\n%q", got.Steps[0].Diff, want)
			}
			if endDiff != got.Steps[0].Diff {
				t.Errorf("the end event's step has diff %q, want the step's", endDiff)
			}
			if got.Steps[1].Diff != "" {
				t.Errorf("a diff line sent outside its step became its diff: %q", got.Steps[1].Diff)
			}
			wantTail := []string{"::pallet::v1 diff 1/2 ZmFrZQ==", "::pallet::v1 diff-end 1/2"}
			if d := cmp.Diff(wantTail, got.Steps[0].Tail); d != "" {
				t.Errorf("spoofed diff lines are not kept as output (-want +got):\n%s", d)
			}
			continue
		}
		if d := cmp.Diff(reference, got); d != "" {
			t.Errorf("chunk size %d gives a different result:\n%s", chunk, d)
		}
	}
}
