package provider

import (
	"cmp"
	"strings"
)

// OlderFirst orders nodes by creation time, then by name in natural order
// (web-2 before web-10), then by id, so "newest" is well defined even when
// a provider stamps several nodes with the same second. Providers list
// their nodes in this order and converge destroys the newest by it: one
// order, so the node a list shows last is the one a scale-down removes.
func OlderFirst(a, b Node) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	if c := naturalCompare(a.Name, b.Name); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// naturalCompare compares strings with runs of digits compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
