package suggest

import "testing"

func TestDidYouMean(t *testing.T) {
	names := []string{"java", "package", "package-source", "user"}
	for name, want := range map[string]string{
		"jav":      ` (did you mean "java"?)`,
		"pakage":   ` (did you mean "package"?)`,
		"usr":      ` (did you mean "user"?)`,
		"pacakge":  ` (did you mean "package"?)`,
		"zzzzzzzz": "",
		"":         "",
	} {
		if got := DidYouMean(name, names); got != want {
			t.Errorf("DidYouMean(%q) = %q, want %q", name, got, want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance(kitten, sitting) = %d, want 3", d)
	}
	if d := Distance("wbe", "web"); d != 1 {
		t.Errorf("Distance(wbe, web) = %d, want 1 (a swap)", d)
	}
}
