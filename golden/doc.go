// Package golden pins what palletc renders: one script per built-in crate
// and OS variant (golden/crates) and one per group and phase of every
// bundled example (golden/examples). Run `go test ./golden -update` to
// rewrite them after an intended change, and review the diff: it is the
// behaviour change.
package golden
