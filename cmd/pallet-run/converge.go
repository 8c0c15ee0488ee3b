package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/palletops/pallet/cmd/internal/cliflag"
	"io"
	"strings"

	"github.com/palletops/pallet/converge"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider/providers"
)

// cmdConverge is `pallet-run converge`: make the provider's node counts
// match GROUP=COUNT, bootstrap new nodes, run the phases on every node of
// the named groups. --plan prints what would happen and stops.
func cmdConverge(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	f := addRunFlags(fs)
	planOnly := fs.Bool("plan", false, "print what would be created, destroyed, bootstrapped and run, and change nothing")
	keepFailed := fs.Bool("keep-failed", false, "keep nodes whose creation failed, for inspection (openstack), instead of deleting them")
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if *f.check || *f.forceBootstrap {
		fmt.Fprintln(stderr, "pallet-run converge: --check and --force-bootstrap are lift's; converge has --plan (see --help)")
		return exitUsage
	}
	counts, err := converge.ParseCounts(pos)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run converge: %v (see --help)\n", err)
		return exitUsage
	}
	if err := f.validate(); err != nil {
		fmt.Fprintf(stderr, "pallet-run converge: %v\n", err)
		return exitInput
	}
	p, ok := cliflag.Load(*f.file, stderr)
	if !ok {
		return exitInput
	}
	name, err := providerName(p, *f.provider)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run: %v\n", err)
		return exitInput
	}
	prov, err := providers.Open(ctx, p.Project, name, providers.Options{Progress: stderr, KeepFailed: *keepFailed})
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run: %v\n", err)
		return exitInput
	}
	pl, err := converge.NewPlan(ctx, p, prov, name, counts, f.phases)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run converge: %v\n", err)
		return exitInput
	}
	if *planOnly {
		if *f.jsonOut {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(struct {
				Schema string `json:"schema"`
				*converge.Plan
			}{lift.SchemaVersion, pl})
		} else {
			pl.Print(stdout)
		}
		return exitOK
	}

	lo, code, err := f.options(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run converge: %v\n", err)
		return code
	}
	out := newOutput(stdout, *f.jsonOut)
	out.attach(&lo)
	opts := converge.Options{
		Runner: lo.Runner, Parallelism: lo.Parallelism, LogDir: runDir(p),
		OnEvent: lo.OnEvent, Progress: stderr,
	}
	if lo.OnNodeDone != nil {
		opts.OnNodeDone = func(_ string, nr lift.NodeReport) { lo.OnNodeDone(nr) }
	}
	rep, err := converge.Apply(ctx, pl, opts)
	out.stop()
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run converge: %v\n", err)
		return exitInput
	}
	if *f.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep.Document())
	} else {
		recap(stdout, rep.Lift)
		convergeRecap(stdout, rep)
	}
	switch {
	case rep.Lift.Interrupted:
		return exitInterrupted
	case !rep.OK():
		return exitNodesFailed
	}
	return exitOK
}

// convergeRecap adds to lift's recap what converge changed.
func convergeRecap(w io.Writer, rep *converge.Report) {
	d := rep.Document()
	list := func(names []string) string {
		if len(names) == 0 {
			return "none"
		}
		return clean(strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "created: %s; destroyed: %s; bootstrapped: %s\n", list(d.Created), list(d.Destroyed), list(d.Bootstrapped))
	for _, p := range d.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", cleanLines(p))
	}
}
