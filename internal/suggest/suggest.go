// Package suggest finds the name a user probably meant, for error messages
// such as `crate "jav" not found (did you mean "java"?)`.
package suggest

import "fmt"

// DidYouMean returns ` (did you mean "x"?)` for the name among names
// nearest to name by edit distance, or "" when none is close enough: at
// most half the name's length plus one edit away.
func DidYouMean(name string, names []string) string {
	best, bestD := "", len(name)/2+2
	for _, n := range names {
		if d := Distance(name, n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Distance is the edit distance between a and b in bytes, counting an
// insertion, a deletion, a substitution or a swap of two neighbours as one
// (optimal string alignment): "wbe" is one edit from "web".
func Distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
