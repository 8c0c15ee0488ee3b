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
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/providers"
)

// cmdConverge is `pallet-run converge`: make the provider's node counts
// match GROUP=COUNT, bootstrap new nodes, run the phases on every node of
// the named groups. --plan prints what would happen and stops; --check
// prints it too, then runs bootstrap and the phases in check mode on the
// nodes that would be kept, creating and destroying nothing.
func cmdConverge(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	f := addRunFlagsExcept(fs, "force-bootstrap")
	fs.Lookup("check").Usage = "print the plan, then run bootstrap and the phases in check mode on the nodes there are and that would be kept (each step reports ok or would-change); create, destroy and change nothing"
	planOnly := fs.Bool("plan", false, "print what would be created, destroyed, bootstrapped and run, and change nothing")
	keepFailed := fs.Bool("keep-failed", false, "keep nodes whose creation failed, for inspection (openstack), instead of deleting them")
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if *f.check && *planOnly {
		fmt.Fprintln(stderr, "pallet-run converge: give --plan (the plan only) or --check (the plan, then check mode on the nodes there are), not both")
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
	p, ok := cliflag.LoadWithVars(*f.file, *f.vars, stderr)
	if !ok {
		return exitInput
	}
	// As for lift: every byte printed from here on passes the redactor.
	stdout, stderr = cliflag.Redacting(p, stdout), cliflag.Redacting(p, stderr)
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
	if err := checkConvergeLimit(pl, f.limit); err != nil {
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
	if *f.check && !*f.jsonOut {
		// The plan is what would change in the node set; check mode
		// then says what would change on the nodes.
		pl.Print(stdout)
		fmt.Fprintln(stdout, "check mode: nothing is created or destroyed; bootstrap and the phases run in check mode on the nodes there are")
		for _, s := range pl.NotChecked() {
			fmt.Fprintf(stdout, "  not checked: %s\n", clean(s))
		}
	}
	out := newOutput(stdout, *f.jsonOut)
	out.attach(&lo, stderr)
	opts := converge.Options{
		Runner: lo.Runner, Parallelism: lo.Parallelism, LogDir: runDir(p),
		OnEvent: lo.OnEvent, Progress: stderr, Check: *f.check, Diff: lo.Diff,
		Schedule: lo.Schedule, Limit: lo.Limit,
	}
	if lo.OnNodeDone != nil {
		opts.OnNodeDone = func(_ string, nr lift.NodeReport) { lo.OnNodeDone(nr) }
	}
	opts.OnWarning = lo.OnWarning
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
		recapTitled(stdout, rep.Lift, convergeTitle(rep))
		convergeRecap(stdout, rep)
		out.diffs(stdout, rep.Lift)
	}
	switch {
	case rep.Lift.Interrupted:
		return exitInterrupted
	case !rep.OK():
		return exitNodesFailed
	}
	return exitOK
}

// checkConvergeLimit refuses, before anything changes, a --limit that
// matches none of the nodes the phases pass would run on, when those are
// known: when no node is to be created (new nodes get their names only
// once made, so then the pass itself says so).
func checkConvergeLimit(pl *converge.Plan, limit []string) error {
	if len(limit) == 0 {
		return nil
	}
	var nodes []provider.Node
	for _, gp := range pl.Groups {
		if gp.Create > 0 {
			return nil
		}
		nodes = append(nodes, gp.Keep...)
	}
	_, err := lift.LimitNodes(nodes, limit)
	return err
}

// convergeTitle is the recap heading's title for a converge: the phases
// that actually ran, each with how many nodes it ran on, in pass order
// ("converge: destroy-server on 1 node, bootstrap on 2 nodes, configure on
// 3 nodes"), or that nothing ran. The phases asked for are in the plan;
// naming them here would claim a configure that ran nowhere.
func convergeTitle(rep *converge.Report) string {
	var parts []string
	for _, r := range rep.Ran() {
		unit := "nodes"
		if r.Nodes == 1 {
			unit = "node"
		}
		parts = append(parts, fmt.Sprintf("%s on %d %s", r.Phase, r.Nodes, unit))
	}
	if len(parts) == 0 {
		return "converge: no phase ran"
	}
	return "converge: " + strings.Join(parts, ", ")
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
	if rep.Check {
		fmt.Fprintln(w, "check mode: nothing was created, destroyed or bootstrapped")
		for _, s := range d.NotChecked {
			fmt.Fprintf(w, "not checked: %s\n", clean(s))
		}
	} else {
		fmt.Fprintf(w, "created: %s; destroyed: %s; bootstrapped: %s\n", list(d.Created), list(d.Destroyed), list(d.Bootstrapped))
	}
	for _, p := range d.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", cleanLines(p))
	}
}
