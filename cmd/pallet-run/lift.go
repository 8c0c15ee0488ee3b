package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/lift"
)

func cmdLift(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	f := addRunFlags(fs)
	groups, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(groups) == 0 {
		fmt.Fprintln(stderr, "pallet-run lift: name at least one GROUP to lift (see --help)")
		return exitUsage
	}
	if err := f.validate(); err != nil {
		fmt.Fprintf(stderr, "pallet-run lift: %v\n", err)
		return exitInput
	}
	r, code, ok := f.open(ctx, "lift", *f.file, groups, stdout, stderr)
	if !ok {
		return code
	}
	rep, err := lift.Lift(ctx, r.p, r.prov, r.name, r.opts)
	return finish(rep, err, r.out, r.stdout, r.stderr, "lift")
}
