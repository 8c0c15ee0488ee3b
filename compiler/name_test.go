package compiler

import (
	"fmt"
	"strings"
	"testing"
)

var nameCases = []string{
	"", " ", "install", "install curl nginx", " lead", "trail ", "two  spaces",
	"tab\there", "nl\nhere", "del\x7fhere", "nbsp\u00a0here", "nel\u0085here",
	"em\u2003space", "ünïcode name", "/etc/app/port", "~!@#$%^&*()_+{}|:<>?",
}

// TestSanitizeNameFastPath: a name the fast path keeps as it is is one the
// long way would also keep as it is.
func TestSanitizeNameFastPath(t *testing.T) {
	for _, s := range nameCases {
		if got, want := sanitizeName(s), cleanName(s); got != want {
			t.Errorf("sanitizeName(%q) = %q, the long way %q", s, got, want)
		}
	}
}

func FuzzSanitizeName(f *testing.F) {
	for _, s := range nameCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sanitizeName(s), cleanName(s); got != want {
			t.Errorf("sanitizeName(%q) = %q, the long way %q", s, got, want)
		}
	})
}

// TestStepFuncPrints: {{ step ... }} names a step as unwrap then
// fmt.Sprint print its values, joined by spaces, lists by their elements.
func TestStepFuncPrints(t *testing.T) {
	step := templateFuncs()["step"].(func(...any) string)
	for _, args := range [][]any{
		{}, {"install"}, {Word("/a b"), Word("")}, {[]Word{"curl", "nginx"}, "x"},
		{[]string{"a", "b"}}, {map[Word]Word{"k": "v", "a": "b"}}, {[]any{Word("x"), 1}},
		{nil}, {3, true}, {[]Word{}},
	} {
		var want string
		for i, a := range args {
			if i > 0 {
				want += " "
			}
			switch x := unwrap(a).(type) {
			case []string:
				want += strings.Join(x, " ")
			default:
				want += fmt.Sprint(x)
			}
		}
		want = markStep + want + markEnd
		if got := step(args...); got != want {
			t.Errorf("step(%#v) = %q, want %q", args, got, want)
		}
	}
}
