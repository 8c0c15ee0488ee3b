package provider

import (
	"testing"
	"time"
)

func TestNaturalCompare(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"web-2", "web-10", -1}, {"web-10", "web-9", 1}, {"web-02", "web-2", 0}, {"a", "b", -1}, {"web", "web-1", -1}, {"x9y", "x10a", -1},
	} {
		if got := naturalCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestOlderFirstSameSecond: two servers Nova stamped in the same second,
// named as the all-in-one's converge test named them when its scale-down
// destroyed a node other than the one a list showed last: the order is
// natural (763 after 8), and the id decides a full tie.
func TestOlderFirstSameSecond(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 59, 0, 0, time.UTC)
	a := Node{Name: "web-8b9c8a", ID: "b", Created: at}
	b := Node{Name: "web-763d19", ID: "a", Created: at}
	if OlderFirst(a, b) >= 0 {
		t.Errorf("web-8b9c8a is not before web-763d19 at the same second")
	}
	if c := OlderFirst(Node{Name: "x", ID: "1", Created: at}, Node{Name: "x", ID: "2", Created: at}); c >= 0 {
		t.Errorf("the id does not decide a full tie: %d", c)
	}
	if OlderFirst(Node{Name: "web-9", Created: at}, Node{Name: "web-1", Created: at.Add(time.Second)}) >= 0 {
		t.Errorf("an older node is not first whatever its name")
	}
}
