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
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/providers"
	"github.com/palletops/pallet/runner"
)

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
	prov, err := providers.Open(ctx, p.Project, name, providers.Options{Progress: stderr})
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
	diff           *bool
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
	vars           *cliflag.VarFlags
	batch          *string
	maxFailed      *string
	limit          stringList
}

func addRunFlags(fs *flag.FlagSet) *runFlags {
	f := &runFlags{common: commonFlags(fs)}
	fs.Var(&f.phases, "phase", "a phase to run, in order; repeat for more (default configure)")
	f.check = fs.Bool("check", false, "check mode: report what would change, change nothing")
	f.diff = fs.Bool("diff", false, "show a diff of every file a step changes (or would change, with --check); secret content is never shown, binary content by size and sha256")
	f.parallel = fs.Int("parallel", runner.DefaultParallelism, "how many nodes to work on at once")
	f.jsonOut = fs.Bool("json", false, "print one JSON document (schema pallet-run/v1) instead of progress and recap")
	f.acceptNew = fs.Bool("accept-new-host-keys", false, "record host keys of nodes not yet in known_hosts instead of refusing them (a changed key is always refused)")
	f.keepScripts = fs.Bool("keep-scripts", false, "leave the uploaded scripts on the nodes, for debugging")
	f.askSudoPass = fs.Bool("ask-sudo-pass", false, "prompt on the terminal for the sudo password (else the env var named by admin.sudo_password_env, else passwordless sudo)")
	f.connectTimeout = fs.Duration("connect-timeout", 0, "bound on each TCP connect plus SSH handshake (default: the SSH config's ConnectTimeout, else 15s)")
	f.connectTries = fs.Int("connect-attempts", 3, "connection attempts per node before it counts as unreachable")
	f.phaseTimeout = fs.Duration("phase-timeout", lift.DefaultPhaseTimeout, "bound on each phase's script, so a step that hangs (reading a FIFO, waiting for a prompt) cannot hang the run; 0: none")
	f.knownHosts = fs.String("known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts, or the host keys the provider recorded, for nspawn)")
	f.sshConfig = fs.String("ssh-config", "", `OpenSSH client config to honour (default ~/.ssh/config; "none" for none)`)
	fs.Var(&f.identities, "identity", "a private key to offer; repeat for more (then: the admin public key's private half beside it, ~/.ssh/config's, ssh-agent's)")
	fs.Var(&f.identities, "i", "short for --identity")
	f.forceBootstrap = fs.Bool("force-bootstrap", false, "run the bootstrap phase also on nodes already bootstrapped")
	f.vars = cliflag.AddVars(fs)
	f.batch = fs.String("batch", "", `nodes of each group that run at once, a number or a percentage ("25%"); a batch starts when the one before it has finished (replaces each group's rollout.batch)`)
	f.maxFailed = fs.String("max-failed", "", `failed or unreachable nodes a group's rollout tolerates, a number or a percentage ("10%"); past it no further batch starts and the rest are not run (replaces rollout.max_failed)`)
	fs.Var(&f.limit, "limit", "run only on the nodes named: names or globs (web-*), comma-separated; repeat for more")
	return f
}

// validate refuses flag values no one can mean and files that are not what
// their flag says, before anything connects: such an input error is one
// line and exit status 1, not every node unreachable.
func (f *runFlags) validate() error {
	if *f.phaseTimeout < 0 {
		return fmt.Errorf("--phase-timeout %s: want a positive duration, or 0 for no timeout", *f.phaseTimeout)
	}
	if *f.connectTimeout < 0 {
		return fmt.Errorf("--connect-timeout %s: want a positive duration (or leave it out for the SSH config's ConnectTimeout, else 15s)", *f.connectTimeout)
	}
	if _, err := f.schedule(); err != nil {
		return err
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

// schedule is pallet.yaml's order and rollouts as --batch and
// --max-failed change them; the project's part is added by withProject.
func (f *runFlags) schedule() (lift.Schedule, error) {
	var s lift.Schedule
	if *f.batch != "" {
		a, err := project.ParseAmount(*f.batch, 1)
		if err != nil {
			return s, fmt.Errorf("--batch %v", err)
		}
		s.Batch = &a
	}
	if *f.maxFailed != "" {
		a, err := project.ParseAmount(*f.maxFailed, 0)
		if err != nil {
			return s, fmt.Errorf("--max-failed %v", err)
		}
		s.MaxFailed = &a
	}
	return s, nil
}

// adminUserFor is who lift logs in as on bootstrapped nodes: the admin
// user for providers that make nodes (their login user is the image's),
// and the nodes' own users for providers that do not (a node list names
// them).
func adminUserFor(p *compiler.Project, prov provider.Provider) string {
	if _, makesNodes := prov.(provider.Creator); !makesNodes {
		return ""
	}
	return p.AdminUser()
}

// options turns the flags into lift options; it asks for the sudo
// password when told to. On error, code is the exit status: wrong usage,
// or exitInput when the password cannot be had (no terminal).
func (f *runFlags) options(p *compiler.Project, stderr io.Writer) (o lift.Options, code int, err error) {
	if *f.parallel < 1 {
		return lift.Options{}, exitUsage, errors.New("--parallel must be at least 1")
	}
	sched, err := f.schedule()
	if err != nil {
		return lift.Options{}, exitUsage, err
	}
	ps := lift.ProjectSchedule(p.Project)
	sched.RunsAfter, sched.Rollout = ps.RunsAfter, ps.Rollout
	o = lift.Options{
		Schedule:       sched,
		Limit:          f.limit,
		Phases:         f.phases,
		Check:          *f.check,
		Diff:           *f.diff,
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

// liftRun is what lift and apply share once their flags are read: the
// project, its provider, the options and the output.
type liftRun struct {
	p    *compiler.Project
	prov provider.Provider
	name string
	opts lift.Options
	out  *output
	// stdout and stderr redact the project's secrets (cliflag.Redacting).
	stdout, stderr io.Writer
}

// open loads the project, opens the provider and turns the flags into
// options. With ok false the command returns code.
func (f *runFlags) open(ctx context.Context, command, file string, groups []string, stdout, stderr io.Writer) (*liftRun, int, bool) {
	p, ok := cliflag.LoadWithVars(file, *f.vars, stderr)
	if !ok {
		return nil, exitInput, false
	}
	// From here on every byte printed passes the secrets' redactor: a
	// step's output, the recap, the JSON document, errors.
	stdout, stderr = cliflag.Redacting(p, stdout), cliflag.Redacting(p, stderr)
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
	return &liftRun{p: p, prov: prov, name: name, opts: opts, out: out, stdout: stdout, stderr: stderr}, 0, true
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
		out.diffs(stdout, rep)
	}
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case !rep.OK():
		return exitNodesFailed
	}
	return exitOK
}

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
