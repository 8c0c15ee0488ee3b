package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/converge"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
)

func cmdNodes(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	c := commonFlags(fs)
	group := fs.String("group", "", "list only this group's nodes")
	jsonOut := fs.Bool("json", false, "print JSON: {schema, provider, nodes: [{id, name, group, host, port, user, os, bootstrapped, created}]}")
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "pallet-run nodes: unexpected argument %q (subcommands: create, destroy; see --help)\n", pos[0])
		return exitUsage
	}
	_, prov, name, ok := c.open(ctx, stderr)
	if !ok {
		return exitInput
	}
	nodes, err := prov.Nodes(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run nodes: provider %s: %v\n", name, err)
		return exitInput
	}
	if *group != "" {
		nodes = slices.DeleteFunc(nodes, func(n provider.Node) bool { return n.Group != *group })
	}
	if *jsonOut {
		if nodes == nil {
			nodes = []provider.Node{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			Schema   string          `json:"schema"`
			Provider string          `json:"provider"`
			Nodes    []provider.Node `json:"nodes"`
		}{lift.SchemaVersion, name, nodes})
		return exitOK
	}
	if len(nodes) == 0 {
		fmt.Fprintf(stdout, "provider %s has no nodes", name)
		if *group != "" {
			fmt.Fprintf(stdout, " in group %s", *group)
		}
		fmt.Fprintln(stdout)
		return exitOK
	}
	nodeTable(stdout, nodes)
	return exitOK
}

func nodeTable(w io.Writer, nodes []provider.Node) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGROUP\tHOST\tPORT\tUSER\tOS\tBOOTSTRAPPED")
	for _, n := range nodes {
		user := n.User
		if user == "" {
			user = "-"
		}
		boot := "no"
		if n.Bootstrapped {
			boot = "yes"
		}
		port := "-" // the SSH config's, else 22
		if n.Port != 0 {
			port = strconv.Itoa(n.Port)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", clean(n.Name), clean(n.Group), clean(n.Host), port, clean(user), clean(n.OS), boot)
	}
	tw.Flush()
}

func cmdCreate(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	c := commonFlags(fs)
	group := fs.String("group", "", "the group the new nodes belong to (required)")
	count := fs.Int("count", 1, "how many nodes to make")
	image := fs.String("image", "", "the image or release (nspawn: bullseye, bookworm, trixie); default the provider's")
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "pallet-run nodes create: unexpected argument %q (see --help)\n", pos[0])
		return exitUsage
	}
	if *group == "" {
		fmt.Fprintln(stderr, "pallet-run nodes create: --group G is required")
		return exitUsage
	}
	if *count < 1 {
		fmt.Fprintln(stderr, "pallet-run nodes create: --count must be at least 1")
		return exitUsage
	}
	p, ok := cliflag.Load(*c.file, stderr)
	if !ok {
		return exitInput
	}
	g, err := p.Group(*group)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run nodes create: %v\n", err)
		return exitInput
	}
	prov, name, ok := openProvider(ctx, p, *c.provider, stderr)
	if !ok {
		return exitInput
	}
	creator, err := provider.AsCreator(prov)
	if err != nil {
		// Said before asking for a key the provider would not use.
		fmt.Fprintf(stderr, "pallet-run nodes create: provider %s cannot create nodes: declare them in its nodes: list in %s\n", name, p.File)
		return exitInput
	}
	spec, err := converge.CreateSpec(p, g, "")
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run nodes create: %v\n", err)
		return exitInput
	}
	spec.Image = *image
	nodes, err := creator.Create(ctx, *group, *count, spec)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run nodes create: provider %s: %v\n", name, err)
		if ctx.Err() != nil {
			return exitInterrupted
		}
		return exitInput
	}
	fmt.Fprintf(stdout, "created %d node(s) in group %s with provider %s\n", len(nodes), *group, name)
	nodeTable(stdout, nodes)
	return exitOK
}

func cmdDestroy(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	c := commonFlags(fs)
	group := fs.String("group", "", "destroy every node of this group")
	names, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if (*group == "") == (len(names) == 0) {
		fmt.Fprintln(stderr, "pallet-run nodes destroy: give either --group G or node names (see --help)")
		return exitUsage
	}
	p, prov, name, ok := c.open(ctx, stderr)
	if !ok {
		return exitInput
	}
	all, err := prov.Nodes(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run nodes destroy: provider %s: %v\n", name, err)
		return exitInput
	}
	var doomed []provider.Node
	if *group != "" {
		for _, n := range all {
			if n.Group == *group {
				doomed = append(doomed, n)
			}
		}
	} else {
		var known []string
		for _, n := range all {
			known = append(known, n.Name)
		}
		for _, want := range names {
			i := slices.IndexFunc(all, func(n provider.Node) bool { return n.Name == want || n.ID == want })
			if i < 0 {
				fmt.Fprintf(stderr, "pallet-run nodes destroy: provider %s has no node %q (nodes: %s)\n", name, want, strings.Join(known, ", "))
				return exitInput
			}
			doomed = append(doomed, all[i])
		}
	}
	if len(doomed) == 0 {
		fmt.Fprintf(stdout, "provider %s has no nodes in group %s: nothing to destroy\n", name, *group)
		return exitOK
	}
	creator, err := provider.AsCreator(prov)
	if err == nil {
		err = creator.Destroy(ctx, doomed)
	}
	if err != nil {
		if errors.Is(err, provider.ErrCannotCreate) {
			fmt.Fprintf(stderr, "pallet-run nodes destroy: provider %s cannot destroy nodes: remove them from its nodes: list in %s\n", name, p.File)
			return exitInput
		}
		fmt.Fprintf(stderr, "pallet-run nodes destroy: provider %s: %v\n", name, err)
		return exitInput
	}
	for _, n := range doomed {
		fmt.Fprintf(stdout, "destroyed %s (%s)\n", clean(n.Name), clean(n.Host))
	}
	return exitOK
}
