// Command palletc compiles a pallet project's phases into self-contained
// bash scripts, one per group and phase.
//
//	palletc render [-f pallet.yaml] [--group G] [--phase P] [--os OS-ID]
//	palletc build  [-f pallet.yaml] -o DIR
//	palletc check  [-f pallet.yaml]
//	palletc crates [-f pallet.yaml]
//	palletc crate NAME
//	palletc secrets init|set NAME|edit|list [-f pallet.yaml]
//
// Exit status: 0 ok, 1 errors in the input, 2 wrong usage.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
