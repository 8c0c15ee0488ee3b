package main

import (
	"flag"
	"slices"
)

// addRunFlagsExcept is addRunFlags for a command that acts on all of those
// flags but the ones named: only the rest are defined on fs, so --help
// lists only flags the command takes, and giving another is the flag
// package's usage error. (converge bootstraps only nodes that are not yet,
// so --force-bootstrap is not one of its flags.)
func addRunFlagsExcept(fs *flag.FlagSet, drop ...string) *runFlags {
	all := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	f := addRunFlags(all)
	all.VisitAll(func(fl *flag.Flag) {
		if !slices.Contains(drop, fl.Name) {
			fs.Var(fl.Value, fl.Name, fl.Usage)
		}
	})
	return f
}
