package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/internal/suggest"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/packs"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/providers"
)

const (
	exitOK    = cliflag.ExitOK
	exitInput = cliflag.ExitInput
	exitUsage = cliflag.ExitUsage
)

const usage = `palletc compiles a pallet project into one self-contained bash script per group and phase.

Usage:
  palletc render [-f pallet.yaml] [--group G] [--phase P] [--os OS-ID] [--provider P [--node N]] [--var k=v]
                                                                          print scripts (for placeholder nodes, or a provider's)
  palletc build  [-f pallet.yaml] -o DIR                                  write DIR/<group>/<phase>.sh, their payloads and DIR/manifest.json
  palletc check  [-f pallet.yaml]                                         validate everything, report every error
  palletc crates [-f pallet.yaml]                                         list crates
  palletc crate NAME [-f pallet.yaml]                                     show a crate's params and variants
  palletc secrets init|set NAME|edit|list [-f pallet.yaml]                keep the project's secrets (age)
  palletc packs get PATH@VERSION|update [PATH]|verify|list [-f pallet.yaml]  the project's crate packs (pallet.sum)
  palletc crate new NAME [--dir DIR]                                      write a new crate with one step and a scenario
  palletc crate test [DIR] [-update]                                      check a crate's (or a pack's) scenarios and scripts
  palletc version

Run 'palletc COMMAND --help' for a command's flags. render, build, check, crates and crate
take --offline: never fetch a pack (one missing from the cache is then an error).
Exit status: 0 ok, 1 errors in the input, 2 wrong usage.
`

type command struct {
	summary string
	run     func(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, "palletc", compiler.Version)
		return exitOK
	case "secrets": // its own subcommands, each with its flags
		return cmdSecrets(args[1:], stdout, stderr)
	case "packs": // its own subcommands too (packs.go)
		return cmdPacks(args[1:], stdout, stderr)
	case "crate":
		if len(args) > 1 && (args[1] == "new" || args[1] == "test") {
			return cmdCrateAuthoring(args[1:], stdout, stderr) // crateauthor.go
		}
	}
	if rest, offline := takeOffline(args); offline && offlineCommands[args[0]] {
		args = rest
		os.Setenv(packs.OfflineEnv, "1") // read where packs are loaded
	}
	cmds := map[string]command{
		"render": {"print the compiled script(s) to stdout", cmdRender},
		"build":  {"write compiled scripts and a manifest to a directory", cmdBuild},
		"check":  {"validate the project and compile everything, reporting every error", cmdCheck},
		"crates": {"list the crates a project can call", cmdCrates},
		"crate":  {"show one crate: params, variants, families", cmdCrate},
	}
	c, ok := cmds[args[0]]
	if !ok {
		names := []string{"secrets", "packs"}
		for n := range cmds {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(stderr, "palletc: unknown command %q (commands: %s; see palletc --help)\n", args[0], strings.Join(names, ", "))
		return exitUsage
	}
	fs := flag.NewFlagSet("palletc "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "palletc %s: %s\n\nFlags:\n", args[0], c.summary)
		fs.PrintDefaults()
	}
	return c.run(fs, args[1:], stdout, stderr)
}

func fileFlag(fs *flag.FlagSet) *string {
	f := fs.String("f", "pallet.yaml", "the project file")
	return f
}

// parseNoArgs parses flags of a command that takes no arguments. When it
// returns false the command returns the code.
func parseNoArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code, false
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q (see --help)\n", fs.Name(), pos[0])
		return exitUsage, false
	}
	return 0, true
}

func cmdRender(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	group := fs.String("group", "", "render only this group")
	phase := fs.String("phase", "", "render only this phase")
	osID := fs.String("os", "", "render for this OS id (debian-12, ubuntu-22.04, rocky-9, alpine-3.20, arch, ...) instead of each group's image")
	provName := fs.String("provider", "", "render for the nodes this provider has (an entry of providers:), exactly as lift compiles them; without it, for one placeholder node per group")
	node := fs.String("node", "", "with --provider: render only for this node")
	showSecrets := fs.Bool("show-secrets", false, "print secrets' values where template files read them (default: <secret:NAME>); for looking, never for running")
	vars := cliflag.AddVars(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	if *node != "" && *provName == "" {
		fmt.Fprintln(stderr, "palletc render: --node needs --provider (the provider that has the node)")
		return exitUsage
	}
	if *osID != "" {
		if _, err := osfamily.ParseKnown(*osID); err != nil {
			fmt.Fprintf(stderr, "palletc render: --os: %v\n", err)
			return exitInput
		}
	}
	p, ok := cliflag.LoadWithVars(*file, *vars, stderr)
	if !ok {
		return exitInput
	}
	if *showSecrets {
		p.SetSecretMode(compiler.SecretsShown)
	} else {
		p.SetSecretMode(compiler.SecretsPlaceholder)
	}
	var scripts [][]byte
	var err error
	if *provName != "" {
		scripts, err = renderForNodes(p, *provName, *group, *node, *phase, *osID, stderr)
	} else {
		scripts, err = renderPlaceholders(p, *group, *phase, *osID)
	}
	if err != nil {
		cliflag.Report(cliflag.Redacting(p, stderr), err)
		return exitInput
	}
	if len(scripts) == 0 {
		fmt.Fprintf(stderr, "palletc render: nothing to render: no group in %s has a phase", *file)
		if *phase != "" {
			fmt.Fprintf(stderr, " named %s", *phase)
		}
		fmt.Fprintln(stderr)
		return exitInput
	}
	for i, s := range scripts {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		stdout.Write(s)
	}
	return exitOK
}

// renderPlaceholders compiles for one placeholder node per group
// (compiler.PlaceholderCluster): what render does without a provider.
func renderPlaceholders(p *compiler.Project, group, phase, osID string) ([][]byte, error) {
	targets, err := p.PlaceholderTargets(group, phase, osID)
	if err != nil {
		return nil, err
	}
	out, err := p.CompileTargets(targets)
	if err != nil {
		return nil, err
	}
	texts := make([][]byte, len(out))
	for i, s := range out {
		texts[i] = s.Text.Bytes()
	}
	return texts, nil
}

// renderForNodes compiles for the provider's nodes (of group, or only the
// named node) through lift's own compile path, with the provider's whole
// node list as the cluster: the exact scripts lift runs. A node whose OS
// is probed at lift time (os: auto) is rendered for --os, else its
// group's image, and stderr says so.
func renderForNodes(p *compiler.Project, provName, group, node, phase, osID string, stderr io.Writer) ([][]byte, error) {
	ctx := context.Background()
	prov, err := providers.Open(ctx, p.Project, provName, providers.Options{Progress: stderr})
	if err != nil {
		return nil, err
	}
	all, err := prov.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("provider %s: list nodes: %w", provName, err)
	}
	var groups []string
	if group != "" {
		if _, err := p.Group(group); err != nil {
			return nil, err
		}
		groups = []string{group}
	}
	var picked []provider.Node
	var names []string
	for _, n := range all {
		if _, err := p.Group(n.Group); err != nil {
			continue // a node of no group of this project: lift never runs it
		}
		names = append(names, n.Name)
		if (node == "" || n.Name == node) && (group == "" || n.Group == group) {
			picked = append(picked, n)
		}
	}
	if len(picked) == 0 {
		switch {
		case node != "" && slices.Contains(names, node):
			return nil, fmt.Errorf("provider %s: node %s is not in group %s", provName, node, group)
		case node != "":
			return nil, fmt.Errorf("provider %s has no node %q%s (nodes: %s)", provName, node, suggest.DidYouMean(node, names), strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("provider %s has no nodes in group %s", provName, group)
	}
	if groups == nil {
		for _, n := range picked {
			if !slices.Contains(groups, n.Group) {
				groups = append(groups, n.Group)
			}
		}
	}
	var phases []string
	if phase != "" {
		phases = []string{phase}
	} else {
		for _, g := range groups {
			gr, _ := p.Group(g)
			for _, ph := range gr.PhaseNames() {
				if !slices.Contains(phases, ph) {
					phases = append(phases, ph)
				}
			}
		}
	}
	if len(phases) == 0 {
		return nil, nil
	}
	c, err := lift.Compile(p, groups, phases)
	if err != nil {
		return nil, err
	}
	c.WithNodes(all)
	var out [][]byte
	for _, n := range picked {
		g, _ := p.Group(n.Group)
		os := osID
		if os == "" && n.OS != "" && n.OS != lift.AutoOS {
			os = n.OS
		}
		if os == "" {
			o, err := p.OSFor(g, "")
			if err != nil {
				return nil, err
			}
			os = o.ID
			fmt.Fprintf(stderr, "palletc render: node %s: its OS is probed when lifted; rendered for %s, its group's image (pass --os for another)\n", n.Name, os)
		}
		for _, ph := range phases {
			if g.Phase(ph) == nil {
				continue
			}
			s, err := c.Script(n, ph, os)
			if err != nil {
				return nil, err
			}
			out = append(out, s.Text.Bytes())
		}
	}
	return out, nil
}

func cmdBuild(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	out := fs.String("o", "", "output directory (required)")
	osID := fs.String("os", "", "compile for this OS id instead of each group's image")
	vars := cliflag.AddVars(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	if *out == "" {
		fmt.Fprintln(stderr, "palletc build: -o DIR is required")
		return exitUsage
	}
	if *osID != "" {
		if _, err := osfamily.ParseKnown(*osID); err != nil {
			fmt.Fprintf(stderr, "palletc build: --os: %v\n", err)
			return exitInput
		}
	}
	p, ok := cliflag.LoadWithVars(*file, *vars, stderr)
	if !ok {
		return exitInput
	}
	scripts, err := p.CompileAll("", "", *osID)
	if err != nil {
		cliflag.Report(cliflag.Redacting(p, stderr), err)
		return exitInput
	}
	m := compiler.Manifest{Palletc: compiler.Version, Project: filepath.ToSlash(*file), Scripts: scripts}
	if err := m.Write(*out); err != nil {
		fmt.Fprintf(stderr, "palletc build: %v\n", err)
		return exitInput
	}
	payloads := map[string]bool{}
	secret := 0
	for _, s := range scripts {
		for _, p := range s.Payloads {
			if !payloads[s.Group+"/"+p.SHA256] && p.Secret {
				secret++
			}
			payloads[s.Group+"/"+p.SHA256] = true
		}
	}
	if secret > 0 {
		fmt.Fprintf(stdout, "wrote %d scripts, %d payloads (%d of them secret: they hold secrets' values, mode 0600; keep %s as private as the secrets file) and manifest.json to %s\n", len(scripts), len(payloads), secret, *out, *out)
	} else if len(payloads) > 0 {
		fmt.Fprintf(stdout, "wrote %d scripts, %d payloads and manifest.json to %s\n", len(scripts), len(payloads), *out)
	} else {
		fmt.Fprintf(stdout, "wrote %d scripts and manifest.json to %s\n", len(scripts), *out)
	}
	return exitOK
}

func cmdCheck(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	vars := cliflag.AddVars(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	p, ok := cliflag.LoadWithVars(*file, *vars, stderr)
	if !ok {
		return exitInput
	}
	// Check compiles as render does: secrets' names are checked, their
	// values stand in as placeholders.
	p.SetSecretMode(compiler.SecretsPlaceholder)
	scripts, err := p.Check()
	if err != nil {
		cliflag.Report(cliflag.Redacting(p, stderr), err)
		return exitInput
	}
	steps := 0
	for _, s := range scripts {
		steps += s.Steps
	}
	fmt.Fprintf(stdout, "%s: ok: %d groups, %d scripts, %d steps\n", *file, len(p.Groups), len(scripts), steps)
	return exitOK
}

// catalog is the project's crates, or the built-ins when there is no
// project file and -f was not given.
func catalog(fs *flag.FlagSet, file string, stderr io.Writer) (*compiler.Project, bool) {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "f" })
	if _, err := os.Stat(file); err != nil && !explicit {
		p, err := compiler.Builtin(project.DefaultEnv())
		if err != nil {
			cliflag.Report(stderr, err)
			return nil, false
		}
		return p, true
	}
	return cliflag.Load(file, stderr)
}

func cmdCrates(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	p, ok := catalog(fs, *file, stderr)
	if !ok {
		return exitInput
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CRATE\tFAMILIES\tSUMMARY")
	for _, c := range p.Crates() {
		name := c.Name
		switch {
		case c.Pack != "":
			name += " (" + c.Pack + ")"
		case !c.Builtin:
			name += " (project)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, strings.Join(c.Families, ","), c.Summary)
	}
	tw.Flush()
	return exitOK
}

func cmdCrate(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "palletc crate: want one crate name (palletc crates lists them)")
		return exitUsage
	}
	p, ok := catalog(fs, *file, stderr)
	if !ok {
		return exitInput
	}
	c, err := p.Crate(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "palletc crate: %v\n", err)
		return exitInput
	}
	fmt.Fprintf(stdout, "%s: %s\n", c.Name, c.Summary)
	fmt.Fprintf(stdout, "from: %s\n", c.Dir)
	fmt.Fprintf(stdout, "families: %s\n", strings.Join(c.Families, ", "))
	for _, f := range osfamily.Roots() {
		if why, ok := c.Unsupported[f]; ok {
			fmt.Fprintf(stdout, "unsupported on %s: %s\n", f, why)
		}
	}
	fmt.Fprintf(stdout, "variants: %s\n", strings.Join(c.VariantNames(), ", "))
	if c.Notes != "" {
		fmt.Fprintf(stdout, "\n%s\n", strings.TrimSpace(c.Notes))
	}
	for _, ex := range c.Examples {
		fmt.Fprintln(stdout)
		if ex.Summary != "" {
			fmt.Fprintf(stdout, "example: %s\n", ex.Summary)
		} else {
			fmt.Fprintln(stdout, "example:")
		}
		for line := range strings.Lines(strings.TrimRight(ex.YAML, "\n") + "\n") {
			fmt.Fprint(stdout, "  "+line)
		}
	}
	fmt.Fprintln(stdout)
	if len(c.Params) == 0 {
		fmt.Fprintln(stdout, "no params")
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAM\tTYPE\tDEFAULT\tDOC")
	for _, prm := range c.Params {
		def := "-"
		switch {
		case prm.Required:
			def = "(required)"
		case prm.Default != nil:
			js, _ := json.Marshal(prm.Default)
			def = string(js)
		}
		doc := prm.Doc
		if len(prm.Enum) > 0 {
			doc = strings.TrimSpace(doc + " (one of: " + strings.Join(prm.Enum, ", ") + ")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", prm.Name, prm.Type, def, doc)
	}
	tw.Flush()
	return exitOK
}
