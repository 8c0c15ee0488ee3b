package compiler

import "testing"

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          "''",
		"plain":     "plain",
		"/etc/x.d":  "/etc/x.d",
		"a b":       "'a b'",
		"it's":      `'it'\''s'`,
		"a=b":       "'a=b'",
		"~":         "'~'",
		"$HOME":     "'$HOME'",
		"-rf":       "-rf",
		"ünï":       "'ünï'",
		"two\nline": "'two\nline'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
