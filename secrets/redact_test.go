package secrets

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	r := NewRedactor(Values{
		"db_password": "hunter22",
		"token":       "abcdef",
		"overlap":     "defghi",
		"quote":       "it's-a-secret",
		"pem":         "-----BEGIN KEY-----\nMIIsecretline\n-----END KEY-----",
		"json":        `say "hi"\now`,
	})
	for _, tc := range []struct{ in, want string }{
		{"nothing here", "nothing here"},
		{"password=hunter22.", "password=<secret:db_password>."},
		{"hunter22hunter22", "<secret:db_password>"},
		{"x abcdefghi y", "x <secret:token,overlap> y"},       // overlapping values: no part of either left
		{"x defghiabcdef y", "x <secret:overlap,token> y"},    // touching values
		{"echo 'it'\\''s-a-secret'", "echo '<secret:quote>'"}, // as bash quotes it
		{`{"v":"say \"hi\"\\now"}`, `{"v":"<secret:json>"}`},  // as JSON writes it
		{"web1: MIIsecretline\n", "web1: <secret:pem>\n"},     // one line of a multi-line value
		{"huntr22 hunter2", "huntr22 hunter2"},                // near misses stay
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var nilR *Redactor
	if got := nilR.Redact("hunter22"); got != "hunter22" {
		t.Errorf("nil Redactor changed text: %q", got)
	}
}

// TestWriterSplitWrites: a secret cut across writes, at every cut point
// and one byte at a time, never reaches the output.
func TestWriterSplitWrites(t *testing.T) {
	r := NewRedactor(Values{"a": "canary-SECRET-1234", "b": "1234-more"})
	text := "before canary-SECRET-1234 mid canary-SECRET-1234-more after canary-SECRET\n"
	want := r.Redact(text)
	if strings.Contains(want, "canary-SECRET-1234") {
		t.Fatalf("Redact left the secret: %q", want)
	}
	for cut := 0; cut <= len(text); cut++ {
		var out bytes.Buffer
		w := r.Writer(&out)
		w.Write([]byte(text[:cut]))
		w.Write([]byte(text[cut:]))
		w.Close()
		if out.String() != want {
			t.Errorf("cut at %d: got %q, want %q", cut, out.String(), want)
		}
	}
	var out bytes.Buffer
	w := r.Writer(&out)
	for i := range len(text) {
		w.Write([]byte{text[i]})
	}
	w.Close()
	if out.String() != want {
		t.Errorf("byte at a time: got %q, want %q", out.String(), want)
	}
}

// TestWriterDoesNotDelay: text that cannot start a secret is passed on at
// once, so a redacted log is as live as the plain one.
func TestWriterDoesNotDelay(t *testing.T) {
	r := NewRedactor(Values{"a": "canary-SECRET-1234"})
	var out bytes.Buffer
	w := r.Writer(&out)
	w.Write([]byte("step 1 ok\n"))
	if out.String() != "step 1 ok\n" {
		t.Errorf("held back %q", "step 1 ok\n")
	}
	w.Write([]byte("value: cana"))
	if out.String() != "step 1 ok\nvalue: " {
		t.Errorf("got %q, want the possible secret start held back", out.String())
	}
	w.Write([]byte("l\n"))
	if out.String() != "step 1 ok\nvalue: canal\n" {
		t.Errorf("got %q", out.String())
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("abcdef", "defxyz", "..abcdefxyz..", 3)
	f.Fuzz(func(t *testing.T, a, b, text string, cut int) {
		if len(a) < MinValueLen || len(b) < MinValueLen {
			return
		}
		r := NewRedactor(Values{"a": a, "b": b})
		got := r.Redact(text)
		for _, s := range []string{a, b} {
			if strings.Contains(got, s) && !strings.Contains(Placeholder("a,b")+Placeholder("b,a")+Placeholder("a")+Placeholder("b"), s) {
				t.Fatalf("Redact(%q) = %q still holds %q", text, got, s)
			}
		}
		if cut < 0 || cut > len(text) {
			return
		}
		var out bytes.Buffer
		w := r.Writer(&out)
		w.Write([]byte(text[:cut]))
		w.Write([]byte(text[cut:]))
		w.Close()
		if out.String() != got {
			t.Fatalf("split at %d: writer %q, Redact %q", cut, out.String(), got)
		}
	})
}
