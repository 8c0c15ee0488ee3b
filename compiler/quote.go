package compiler

import (
	"fmt"
	"sort"
	"strings"
)

// Word is a string param value on its way into a script. Printed by a
// template ({{ .path }}) it is shell-quoted, so a value can never become
// code by accident; compared (eq .action "install") it is the raw value.
// Templates that really want the raw text say so: {{ .raw.path }}.
type Word string

// String returns the value quoted for bash.
func (w Word) String() string { return Quote(string(w)) }

// Quote returns s as one bash word that expands to exactly s: as it is
// when it holds only characters bash gives no meaning to, else in single
// quotes, with each ' written as '\”.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(s); i++ {
		if !isSafeByte(s[i]) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isSafeByte: characters that mean nothing to bash anywhere in a word. '='
// is left out (a leading NAME= makes an assignment) and so is '~' (tilde
// expansion).
func isSafeByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("_@%+:,./-", c) >= 0
}

// quoteAny is the template function q: it quotes one value, or each
// element of a list, joined by spaces. Numbers and booleans print as they
// are; they cannot hold shell syntax.
func quoteAny(v any) string {
	switch x := v.(type) {
	case nil:
		return "''"
	case Word:
		return x.String()
	case string:
		return Quote(x)
	case []Word:
		parts := make([]string, len(x))
		for i, w := range x {
			parts[i] = w.String()
		}
		return strings.Join(parts, " ")
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = Quote(s)
		}
		return strings.Join(parts, " ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = quoteAny(e)
		}
		return strings.Join(parts, " ")
	case int, int64, bool:
		return fmt.Sprint(x)
	}
	return Quote(fmt.Sprint(v))
}

// unwrap turns the quoted view of a value back into its raw Go value, so
// `use` passes to the inner crate what the user wrote, not its quoting.
func unwrap(v any) any {
	switch x := v.(type) {
	case Word:
		return string(x)
	case []Word:
		out := make([]string, len(x))
		for i, w := range x {
			out[i] = string(w)
		}
		return out
	case map[Word]Word:
		out := make(map[string]string, len(x))
		for k, w := range x {
			out[string(k)] = string(w)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unwrap(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = unwrap(e)
		}
		return out
	}
	return v
}

// quoted turns a validated raw value into what templates print.
func quoted(v any) any {
	switch x := v.(type) {
	case string:
		return Word(x)
	case []string:
		out := make([]Word, len(x))
		for i, s := range x {
			out[i] = Word(s)
		}
		return out
	case map[string]string:
		// Keys are Words too: a template that ranges over a map prints
		// both quoted. (text/template still sorts keys of string kind.)
		out := make(map[Word]Word, len(x))
		for k, s := range x {
			out[Word(k)] = Word(s)
		}
		return out
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
