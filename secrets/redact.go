package secrets

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Redactor replaces secret values in text with their placeholders
// (<secret:NAME>). It looks for each value as it is and as it appears
// quoted: inside a bash single-quoted word, a JSON string and a Go %q
// string; and for a multi-line value, for each of its lines too, since
// output is often printed and prefixed line by line. A nil *Redactor
// redacts nothing, so callers can hold one before secrets are loaded.
type Redactor struct {
	pats   []pattern // longest first
	maxLen int
}

type pattern struct {
	text string
	name string
}

// NewRedactor builds a Redactor from decrypted values. Values (and lines)
// shorter than MinValueLen are not looked for (the secrets file never
// holds such values; see MinValueLen).
func NewRedactor(v Values) *Redactor {
	seen := map[string]bool{}
	r := &Redactor{}
	add := func(text, name string) {
		if len(text) < MinValueLen || seen[text] {
			return
		}
		seen[text] = true
		r.pats = append(r.pats, pattern{text, name})
		r.maxLen = max(r.maxLen, len(text))
	}
	for _, name := range v.Names() {
		for _, form := range forms(v[name]) {
			add(form, name)
			for _, line := range strings.Split(form, "\n") {
				add(strings.TrimSuffix(line, "\r"), name)
			}
		}
	}
	sort.SliceStable(r.pats, func(i, j int) bool { return len(r.pats[i].text) > len(r.pats[j].text) })
	return r
}

// forms are the ways a value may appear in text: as it is, inside '...'
// as bash quotes it, inside a JSON string, inside a Go quoted string.
func forms(v string) []string {
	fs := []string{v, strings.ReplaceAll(v, `'`, `'\''`)}
	if j, err := json.Marshal(v); err == nil {
		fs = append(fs, string(j[1:len(j)-1]))
	}
	q := strconv.Quote(v)
	return append(fs, q[1:len(q)-1])
}

// Redact returns s with every secret in it replaced by its placeholder.
// Where secrets overlap or touch, the whole run becomes one placeholder
// naming them all (<secret:a,b>), so no part of either is left.
func (r *Redactor) Redact(s string) string {
	if r == nil || len(r.pats) == 0 {
		return s
	}
	return string(r.redact([]byte(s), len(s)))
}

// RedactBytes is Redact for bytes.
func (r *Redactor) RedactBytes(b []byte) []byte {
	if r == nil || len(r.pats) == 0 {
		return b
	}
	return r.redact(b, len(b))
}

// redact redacts b[:end], where every secret that starts before end is
// whole within b, and returns the text.
func (r *Redactor) redact(b []byte, end int) []byte {
	runs := r.runs(b)
	var out bytes.Buffer
	at := 0
	for _, run := range runs {
		if run.start >= end {
			break
		}
		out.Write(b[at:run.start])
		out.WriteString(Placeholder(strings.Join(run.names, ",")))
		at = run.end
	}
	if at < end {
		out.Write(b[at:end])
	}
	return out.Bytes()
}

type run struct {
	start, end int
	names      []string
}

// runs are the maximal stretches of b that secrets cover, in order.
func (r *Redactor) runs(b []byte) []run {
	type hit struct {
		start, end int
		name       string
	}
	var hits []hit
	for _, p := range r.pats {
		pat := []byte(p.text)
		for off := 0; off <= len(b)-len(pat); {
			i := bytes.Index(b[off:], pat)
			if i < 0 {
				break
			}
			hits = append(hits, hit{off + i, off + i + len(pat), p.name})
			off += i + 1
		}
	}
	if len(hits) == 0 {
		return nil
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].start < hits[j].start })
	var runs []run
	for _, h := range hits {
		if n := len(runs); n > 0 && h.start <= runs[n-1].end {
			last := &runs[n-1]
			last.end = max(last.end, h.end)
			if !contains(last.names, h.name) {
				last.names = append(last.names, h.name)
			}
			continue
		}
		runs = append(runs, run{h.start, h.end, []string{h.name}})
	}
	return runs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// holdFrom is where the part of b that may still grow into a secret
// starts: the longest suffix that is a prefix of some secret, pulled back
// to the start of a covered run it would cut.
func (r *Redactor) holdFrom(b []byte) int {
	hold := len(b)
	for i := max(0, len(b)-r.maxLen+1); i < len(b); i++ {
		tail := b[i:]
		for _, p := range r.pats {
			if len(p.text) > len(tail) && strings.HasPrefix(p.text, string(tail)) {
				hold = i
				break
			}
		}
		if hold < len(b) {
			break
		}
	}
	for _, run := range r.runs(b) {
		if run.start < hold && run.end > hold {
			return run.start
		}
	}
	return hold
}

// Writer redacts a stream: what it is given goes to w with secrets
// replaced, a secret split across writes included. It holds back only a
// tail that could be the start of a secret, so output is not delayed; Close
// (or Flush) writes that tail. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	r       *Redactor
	w       io.Writer
	pending []byte
}

// Writer returns a Writer that redacts what it passes to w.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Write redacts p into the underlying writer. It reports len(p) written
// when all that could be passed on was.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.r == nil || len(w.r.pats) == 0 {
		return w.w.Write(p)
	}
	buf := append(w.pending, p...)
	hold := w.r.holdFrom(buf)
	out := w.r.redact(buf, hold)
	w.pending = append([]byte(nil), buf[hold:]...)
	clear(buf)
	if _, err := w.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back, redacted.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return nil
	}
	out := w.r.RedactBytes(w.pending)
	w.pending = nil
	_, err := w.w.Write(out)
	return err
}

// Close flushes; it does not close the underlying writer.
func (w *Writer) Close() error { return w.Flush() }
