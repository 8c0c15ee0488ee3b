package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/lift"
)

func cmdApply(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	// Built scripts run verbatim: vars were set when they were built.
	f := addRunFlagsExcept(fs, "var")
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "pallet-run apply: name the build directory (palletc build -o DIR) (see --help)")
		return exitUsage
	}
	if err := f.validate(); err != nil {
		fmt.Fprintf(stderr, "pallet-run apply: %v\n", err)
		return exitInput
	}
	dir, groups := pos[0], pos[1:]
	b, err := lift.LoadBuild(dir)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run apply: %v\n", err)
		return exitInput
	}
	file := *f.file
	explicit := false
	fs.Visit(func(fl *flag.Flag) { explicit = explicit || fl.Name == "f" })
	if _, err := os.Stat(file); err != nil && !explicit && b.Project != "" {
		file = b.Project // the project the build was made from
	}
	r, code, ok := f.open(ctx, "apply", file, groups, stdout, stderr)
	if !ok {
		return code
	}
	rep, err := lift.Apply(ctx, b, r.p.File, r.prov, r.name, r.opts)
	return finish(rep, err, r.out, r.stdout, r.stderr, "apply")
}
