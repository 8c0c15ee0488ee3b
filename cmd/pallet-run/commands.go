package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/converge"
	"github.com/palletops/pallet/internal/cliflag"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/providers"
	"github.com/palletops/pallet/runner"
)

const (
	exitOK          = cliflag.ExitOK
	exitInput       = cliflag.ExitInput
	exitUsage       = cliflag.ExitUsage
	exitNodesFailed = 3
	exitInterrupted = 130
)

const usage = `pallet-run runs a pallet project's compiled scripts on nodes over SSH (one connection per node, SFTP, sudo).

Usage:
  pallet-run lift  [-f pallet.yaml] [--provider NAME] GROUP... [--phase P]... [flags]   compile and run phases on a group's nodes
  pallet-run apply DIR [GROUP...] [--provider NAME] [--phase P]... [flags]             run a palletc build output verbatim
  pallet-run converge [-f pallet.yaml] [--provider NAME] GROUP=COUNT... [--phase P]... [--plan] [flags]
                                                      create/destroy nodes to match the counts, bootstrap new ones, run phases
  pallet-run nodes [-f pallet.yaml] [--provider NAME] [--group G] [--json]             list a provider's nodes
  pallet-run nodes create  [--provider NAME] --group G --count N                       make nodes (providers that can: nspawn)
  pallet-run nodes destroy [--provider NAME] (--group G | NODE...)                     remove nodes
  pallet-run version

--provider may be left out when pallet.yaml declares only one provider.
Run 'pallet-run COMMAND --help' for a command's flags.
Exit status: 0 every node succeeded, 1 errors in the input, 2 wrong usage,
3 some nodes failed or were unreachable, 130 interrupted.
`

type command struct {
	usage   string
	summary string
	run     func(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, "pallet-run", compiler.Version)
		return exitOK
	}
	name := args[0]
	args = args[1:]
	if name == "nodes" && len(args) > 0 && (args[0] == "create" || args[0] == "destroy" || args[0] == "list") {
		name, args = "nodes "+args[0], args[1:]
	}
	cmds := map[string]command{
		"lift": {"pallet-run lift [-f pallet.yaml] [--provider NAME] GROUP... [--phase P]... [flags]",
			"compile the phases (default configure) of each GROUP for each node's OS and run them on the provider's nodes of those groups; bootstrap runs once per node unless --force-bootstrap", cmdLift},
		"apply": {"pallet-run apply DIR [GROUP...] [-f pallet.yaml] [--provider NAME] [--phase P]... [flags]",
			"run the scripts of a `palletc build -o DIR` verbatim on the provider's nodes (default: every group in DIR, phase configure), refusing any script whose sha256 differs from DIR/manifest.json", cmdApply},
		"converge": {"pallet-run converge [-f pallet.yaml] [--provider NAME] GROUP=COUNT... [--phase P]... [--plan] [--json] [--keep-failed] [flags]",
			"make the provider's node count of each named GROUP equal COUNT (the newest nodes go first, after their destroy-server phase; missing ones are created in parallel), bootstrap nodes not yet bootstrapped as the image's login user, then run the phases (default configure) on every node of those groups as the admin user; groups not named are never touched", cmdConverge},
		"nodes":         {"pallet-run nodes [-f pallet.yaml] [--provider NAME] [--group G] [--json]", "list the provider's nodes", cmdNodes},
		"nodes list":    {"pallet-run nodes list [-f pallet.yaml] [--provider NAME] [--group G] [--json]", "list the provider's nodes", cmdNodes},
		"nodes create":  {"pallet-run nodes create [-f pallet.yaml] [--provider NAME] --group G --count N [--image IMAGE]", "make N nodes for group G that accept the admin public key (providers that can: nspawn)", cmdCreate},
		"nodes destroy": {"pallet-run nodes destroy [-f pallet.yaml] [--provider NAME] (--group G | NODE...)", "stop and remove nodes, by group or by name", cmdDestroy},
	}
	c, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "pallet-run: unknown command %q (commands: apply, converge, lift, nodes, version; see pallet-run --help)\n", name)
		return exitUsage
	}
	fs := flag.NewFlagSet("pallet-run "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s.\n\nFlags:\n", c.usage, c.summary)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit status: 0 ok, 1 errors in the input, 2 wrong usage, 3 some nodes failed or were unreachable, 130 interrupted.\n")
	}
	code := c.run(ctx, fs, args, stdout, stderr)
	if code == exitInput && ctx.Err() != nil {
		// Interrupted before the run started (opening the provider,
		// listing its nodes, planning): that is why it failed.
		return exitInterrupted
	}
	return code
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// common are the flags every command that reads pallet.yaml has.
type common struct {
	file     *string
	provider *string
}

func commonFlags(fs *flag.FlagSet) common {
	return common{
		file:     fs.String("f", "pallet.yaml", "the project file"),
		provider: fs.String("provider", "", "the provider (an entry of providers: in pallet.yaml); may be left out when there is only one"),
	}
}

// open loads the project (-f) and opens its provider (--provider). With
// ok false the command exits with status exitInput; the reason is printed.
func (c common) open(ctx context.Context, stderr io.Writer) (p *compiler.Project, prov provider.Provider, name string, ok bool) {
	if p, ok = cliflag.Load(*c.file, stderr); !ok {
		return nil, nil, "", false
	}
	prov, name, ok = openProvider(ctx, p, *c.provider, stderr)
	return p, prov, name, ok
}

// providerName is --provider, or the only provider the project declares.
func providerName(p *compiler.Project, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	switch len(p.Providers) {
	case 0:
		return "", fmt.Errorf("%s: no providers declared: add one, e.g. providers: {local: {kind: nspawn}}, and pass --provider NAME", p.File)
	case 1:
		return p.Providers[0].Name, nil
	}
	var names []string
	for _, s := range p.Providers {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return "", fmt.Errorf("%s declares several providers: pass --provider NAME (one of %s)", p.File, strings.Join(names, ", "))
}

func openProvider(ctx context.Context, p *compiler.Project, flagValue string, stderr io.Writer) (provider.Provider, string, bool) {
	name, err := providerName(p, flagValue)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run: %v\n", err)
		return nil, "", false
	}
	prov, err := providers.Open(ctx, p, name, providers.Options{Progress: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run: %v\n", err)
		return nil, "", false
	}
	return prov, name, true
}

// runFlags are the flags of lift and apply.
type runFlags struct {
	common
	phases         stringList
	identities     stringList
	check          *bool
	parallel       *int
	jsonOut        *bool
	acceptNew      *bool
	keepScripts    *bool
	askSudoPass    *bool
	connectTimeout *time.Duration
	connectTries   *int
	phaseTimeout   *time.Duration
	knownHosts     *string
	sshConfig      *string
	forceBootstrap *bool
}

func addRunFlags(fs *flag.FlagSet) *runFlags {
	f := &runFlags{common: commonFlags(fs)}
	fs.Var(&f.phases, "phase", "a phase to run, in order; repeat for more (default configure)")
	f.check = fs.Bool("check", false, "check mode: report what would change, change nothing")
	f.parallel = fs.Int("parallel", runner.DefaultParallelism, "how many nodes to work on at once")
	f.jsonOut = fs.Bool("json", false, "print one JSON document (schema pallet-run/v1) instead of progress and recap")
	f.acceptNew = fs.Bool("accept-new-host-keys", false, "record host keys of nodes not yet in known_hosts instead of refusing them (a changed key is always refused)")
	f.keepScripts = fs.Bool("keep-scripts", false, "leave the uploaded scripts on the nodes, for debugging")
	f.askSudoPass = fs.Bool("ask-sudo-pass", false, "prompt on the terminal for the sudo password (else the env var named by admin.sudo_password_env, else passwordless sudo)")
	f.connectTimeout = fs.Duration("connect-timeout", 15*time.Second, "bound on each TCP connect plus SSH handshake")
	f.connectTries = fs.Int("connect-attempts", 3, "connection attempts per node before it counts as unreachable")
	f.phaseTimeout = fs.Duration("phase-timeout", lift.DefaultPhaseTimeout, "bound on each phase's script, so a step that hangs (reading a FIFO, waiting for a prompt) cannot hang the run; 0: none")
	f.knownHosts = fs.String("known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts, or the host keys the provider recorded, for nspawn)")
	f.sshConfig = fs.String("ssh-config", "", `OpenSSH client config to honour (default ~/.ssh/config; "none" for none)`)
	fs.Var(&f.identities, "identity", "a private key to offer; repeat for more (then: the admin public key's private half beside it, ~/.ssh/config's, ssh-agent's)")
	fs.Var(&f.identities, "i", "short for --identity")
	f.forceBootstrap = fs.Bool("force-bootstrap", false, "run the bootstrap phase also on nodes already bootstrapped")
	return f
}

// validate refuses flag values no one can mean and files that are not what
// their flag says, before anything connects: such an input error is one
// line and exit status 1, not every node unreachable.
func (f *runFlags) validate() error {
	if *f.phaseTimeout < 0 {
		return fmt.Errorf("--phase-timeout %s: want a positive duration, or 0 for no timeout", *f.phaseTimeout)
	}
	if *f.connectTries < 1 {
		return fmt.Errorf("--connect-attempts %d: want at least 1", *f.connectTries)
	}
	for _, id := range f.identities {
		if err := runner.CheckIdentityFile(id); err != nil {
			return err
		}
	}
	if *f.knownHosts != "" {
		if err := runner.CheckKnownHostsFile(*f.knownHosts, *f.acceptNew); err != nil {
			return err
		}
	}
	if *f.sshConfig != "" {
		if err := runner.CheckSSHConfigFile(*f.sshConfig); err != nil {
			return err
		}
	}
	return nil
}

// adminUserFor is who lift logs in as on bootstrapped nodes: the admin
// user for providers that make nodes (their login user is the image's),
// and the nodes' own users for providers that do not (a node list names
// them).
func adminUserFor(p *compiler.Project, prov provider.Provider) string {
	if _, makesNodes := prov.(provider.Creator); !makesNodes {
		return ""
	}
	if p.Admin.User != "" {
		return p.Admin.User
	}
	return os.Getenv("USER")
}

// options turns the flags into lift options; it asks for the sudo
// password when told to. On error, code is the exit status: wrong usage,
// or exitInput when the password cannot be had (no terminal).
func (f *runFlags) options(p *compiler.Project, stderr io.Writer) (o lift.Options, code int, err error) {
	if *f.parallel < 1 {
		return lift.Options{}, exitUsage, errors.New("--parallel must be at least 1")
	}
	o = lift.Options{
		Phases:         f.phases,
		Check:          *f.check,
		ForceBootstrap: *f.forceBootstrap,
		Parallelism:    *f.parallel,
		Runner: runner.Options{
			KnownHostsFile:    *f.knownHosts,
			AcceptNewHostKeys: *f.acceptNew,
			IdentityFiles:     append(slices.Clone([]string(f.identities)), lift.AdminIdentityFiles(p)...),
			SSHConfigFile:     *f.sshConfig,
			ConnectTimeout:    *f.connectTimeout,
			ConnectAttempts:   *f.connectTries,
			PhaseTimeout:      *f.phaseTimeout,
			KeepScripts:       *f.keepScripts,
		},
	}
	switch {
	case *f.askSudoPass:
		pw, err := askPassword(stderr)
		if err != nil {
			return o, exitInput, err
		}
		o.Runner.SudoPassword = pw
	case p.Admin.SudoPasswordEnv != "":
		pw, set := os.LookupEnv(p.Admin.SudoPasswordEnv)
		if !set {
			fmt.Fprintf(stderr, "pallet-run: warning: admin.sudo_password_env names %s, which is not set: sudo runs without a password (sudo -n) on nodes not logged into as root\n",
				p.Admin.SudoPasswordEnv)
		}
		o.Runner.SudoPassword = pw
	}
	return o, 0, nil
}

// askPassword reads the sudo password from the controlling terminal with
// echo off, so it never passes through argv, the environment or a file.
func askPassword(stderr io.Writer) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("--ask-sudo-pass needs a terminal (%v); without one, put the password in the env var named by admin.sudo_password_env", err)
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return "", errors.New("--ask-sudo-pass needs a terminal; without one, put the password in the env var named by admin.sudo_password_env")
	}
	fmt.Fprint(tty, "sudo password: ")
	pw, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("read the sudo password: %w", err)
	}
	return string(pw), nil
}

// runDir is where this run's node logs go: .pallet/runs/<timestamp> next
// to pallet.yaml.
func runDir(p *compiler.Project) string {
	return filepath.Join(p.Dir, ".pallet", "runs", time.Now().UTC().Format("20060102T150405.000Z"))
}

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
	return finish(rep, err, r.out, stdout, stderr, "lift")
}

// liftRun is what lift and apply share once their flags are read: the
// project, its provider, the options and the output.
type liftRun struct {
	p    *compiler.Project
	prov provider.Provider
	name string
	opts lift.Options
	out  *output
}

// open loads the project, opens the provider and turns the flags into
// options. With ok false the command returns code.
func (f *runFlags) open(ctx context.Context, command, file string, groups []string, stdout, stderr io.Writer) (*liftRun, int, bool) {
	p, ok := cliflag.Load(file, stderr)
	if !ok {
		return nil, exitInput, false
	}
	prov, name, ok := openProvider(ctx, p, *f.provider, stderr)
	if !ok {
		return nil, exitInput, false
	}
	opts, code, err := f.options(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run %s: %v\n", command, err)
		return nil, code, false
	}
	opts.Groups = groups
	opts.LogDir = runDir(p)
	opts.AdminUser = adminUserFor(p, prov)
	out := newOutput(stdout, *f.jsonOut)
	out.attach(&opts, stderr)
	return &liftRun{p: p, prov: prov, name: name, opts: opts, out: out}, 0, true
}

func cmdApply(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	f := addRunFlags(fs)
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
	return finish(rep, err, r.out, stdout, stderr, "apply")
}

// finish prints the report and picks the exit status.
func finish(rep *lift.Report, err error, out *output, stdout, stderr io.Writer, cmd string) int {
	out.stop()
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run %s: %v\n", cmd, err)
		return exitInput
	}
	if out.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep.Document())
	} else {
		recap(stdout, rep)
	}
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case !rep.OK():
		return exitNodesFailed
	}
	return exitOK
}

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
