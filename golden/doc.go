// Package golden pins what palletc renders: each built-in crate's
// scenarios (crates/<crate>/testdata/<scenario>.txtar: params, then the
// steps each OS variant renders) and one full script per group and phase
// of every bundled example (golden/examples). Every full script, of every
// scenario on every OS and of every example, must pass bash -n, the
// mvdan.cc/sh parser and shellcheck. Run `go test ./golden -update` to
// rewrite the scenarios and the example scripts after an intended change,
// and review the diff: it is the behaviour change. The scenarios' params
// also feed compiler's TestHostileValuesBuiltinCrates.
package golden
