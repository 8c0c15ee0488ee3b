package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes text from nodes and providers (step names and messages,
// output tails in errors, node names) safe to print on a terminal: a
// script could otherwise print escape sequences that move the cursor,
// retitle the window or hide what it did. Tabs become spaces; other
// control characters (C0, DEL, C1), bidirectional overrides and invalid
// UTF-8 are dropped, and so are newlines: it is for one-line fields. The
// per-node log files keep the raw text.
func clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
		case r == '\t':
			b.WriteByte(' ')
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanLines is clean for text of several lines, keeping the newlines.
func cleanLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean(strings.TrimSuffix(l, "\r"))
	}
	return strings.Join(lines, "\n")
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			return false
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
