// Package lift is pallet's lift operation: run some phases of some groups
// on every node a provider has in those groups. It joins the three parts
// that know nothing of each other — the compiler (scripts), a provider
// (nodes) and the runner (SSH) — and adds what only lift knows: which
// phases a node needs (bootstrap once), the per-node logs, and the report.
//
// Lift is list, filter, Run: Run works on a list of nodes given to it, so
// converge, which already knows which nodes each of its passes is for,
// calls Compile and Run itself.
//
// Apply is the same operation for scripts already built by `palletc build`:
// they run verbatim, after their sha256 is checked against the manifest.
package lift

import (
	"context"
	"errors"
	"fmt"
	"github.com/palletops/pallet/internal/suggest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// BootstrapPhase is the phase lift runs only once per node.
const BootstrapPhase = "bootstrap"

// DefaultPhase is what lift runs when no phase is named.
const DefaultPhase = "configure"

// AutoOS is a node OS that asks for the node to be probed.
const AutoOS = "auto"

// Options say what to run and how.
type Options struct {
	// Groups are the groups whose nodes are lifted; at least one.
	Groups []string
	// Phases run in this order on every node; default [DefaultPhase]. A
	// group without one of them skips it.
	Phases []string
	// Check runs the scripts in check mode: report, change nothing.
	Check bool
	// Diff has file-like steps print a diff of what they change, or
	// would change (runner.Phase.Diff), into the steps' results.
	Diff bool
	// ForceBootstrap runs the bootstrap phase also on nodes that have
	// already been bootstrapped.
	ForceBootstrap bool
	// AdminUser, when set, is who logs in to nodes already bootstrapped
	// (of groups with a bootstrap phase, which creates that user) when
	// this run does not bootstrap them: Pallet's model, where bootstrap
	// runs as the image's login user and everything after as the admin.
	// Empty: always the node's own login user (node lists name theirs).
	AdminUser string
	// Parallelism bounds how many nodes are worked on at once; default
	// runner.DefaultParallelism.
	Parallelism int
	// Runner is how to connect and run. When KnownHostsFile is empty and
	// the provider knows its nodes' host keys (a provider.HostKeyKnower,
	// as nspawn is), those keys are used instead of ~/.ssh/known_hosts.
	Runner runner.Options
	// Provider records each successful bootstrap (MarkBootstrapped) and
	// may know the nodes' host keys (see Runner). Run needs it; Lift and
	// Apply set it, and ProviderName, from their arguments.
	Provider provider.Provider
	// ProviderName names the provider in the report and in errors.
	ProviderName string
	// LogDir, when set, receives one full log per node, <node>.log, or
	// <node>-<id>.log for nodes that share a name.
	LogDir string
	// OnEvent gets every node's live events; called from many goroutines.
	// An event's Job is its node's index in Report.Nodes (NodeReport.Index),
	// not the runner's job index: names need not be unique.
	OnEvent runner.EventFunc
	// OnNodeDone is called as each node finishes; from many goroutines.
	OnNodeDone func(NodeReport)
	// Schedule is the order groups run in and how each group's nodes
	// are rolled out (ProjectSchedule for pallet.yaml's); the zero
	// Schedule runs every node at once. Several phases run on a node
	// over its one connection, so a group runs all of its phases before
	// the groups after it start.
	Schedule Schedule
	// Limit, when set, keeps only the nodes whose names match (see
	// LimitNodes): applied to the nodes of the groups, before anything
	// else; matching none of them is an input error.
	Limit []string
	// OnWarning gets each group's OSWarning (nodes running another OS
	// than the group's image asks for): before the run for nodes whose
	// OS is known, after it for nodes whose OS was probed. Lift, not
	// apply: a build's scripts are not compiled per node.
	OnWarning func(OSWarning)
}

// DefaultPhaseTimeout is pallet-run's bound on each phase's script when
// --phase-timeout is not given: a step that hangs (a read from a FIFO, a
// prompt no one answers) stops the run after it instead of never. It is
// long enough for slow package installs; --phase-timeout 0 removes it.
// Options.Runner.PhaseTimeout is what lift itself uses (0: none).
const DefaultPhaseTimeout = time.Hour

// Status is a node's outcome.
type Status string

// Node outcomes.
const (
	StatusOK          Status = "ok"          // every phase succeeded (or there was nothing to run)
	StatusFailed      Status = "failed"      // reached, and something failed
	StatusUnreachable Status = "unreachable" // could not connect
	StatusInterrupted Status = "interrupted" // stopped by cancellation
	// StatusDestroyed is converge's: the node was removed (after its
	// destroy-server phase, when its group has one). Lift never reports
	// it. It is a success, but not an ok node: the node is gone.
	StatusDestroyed Status = "destroyed"
)

// SkippedPhase is a requested phase a node did not run, and why.
type SkippedPhase struct {
	Phase  string `json:"phase"`
	Reason string `json:"reason"`
}

// NodeReport is what happened on one node.
type NodeReport struct {
	Node provider.Node
	// Index is the node's place in Report.Nodes (and Event.Job for its
	// events): what tells apart nodes that share a name.
	Index int
	// OS is the pallet OS id the scripts were compiled for; "" when the
	// run did not get that far.
	OS string
	// Probed is what the node's os-release said, when it was probed.
	Probed *runner.OSInfo
	// Phases are the phases that ran, in order, as far as they got.
	Phases  []runner.PhaseResult
	Skipped []SkippedPhase
	Counts  runner.Counts
	Status  Status
	Err     error
	// Bootstrapped is true when this run recorded the node as
	// bootstrapped.
	Bootstrapped bool
	Duration     time.Duration
	// Log is the node's log file, when Options.LogDir was set.
	Log string
}

// Report is the outcome of one lift or apply.
type Report struct {
	Command  string // "lift" or "apply"
	Project  string
	Provider string
	Groups   []string
	Phases   []string
	Check    bool
	Started  time.Time
	Duration time.Duration
	LogDir   string
	// Interrupted is true when the context was cancelled during the run.
	Interrupted bool
	Nodes       []NodeReport
	// Warnings are the run's OSWarnings, in the order they were given.
	Warnings []OSWarning
}

// OK reports whether every node succeeded (or, in a converge, was
// destroyed as asked).
func (r *Report) OK() bool {
	for _, n := range r.Nodes {
		if n.Status != StatusOK && n.Status != StatusDestroyed {
			return false
		}
	}
	return !r.Interrupted
}

// Totals sums the report for the recap line.
type Totals struct {
	Nodes       int           `json:"nodes"`
	OK          int           `json:"ok"`
	Failed      int           `json:"failed"`
	Unreachable int           `json:"unreachable"`
	Interrupted int           `json:"interrupted"`
	Destroyed   int           `json:"destroyed"`
	NotRun      int           `json:"not_run"`
	Steps       runner.Counts `json:"steps"`
}

// Totals counts nodes by status and sums their steps.
func (r *Report) Totals() Totals {
	t := Totals{Nodes: len(r.Nodes)}
	for _, n := range r.Nodes {
		t.Steps = t.Steps.Add(n.Counts)
		switch n.Status {
		case StatusOK:
			t.OK++
		case StatusFailed:
			t.Failed++
		case StatusUnreachable:
			t.Unreachable++
		case StatusInterrupted:
			t.Interrupted++
		case StatusDestroyed:
			t.Destroyed++
		case StatusNotRun:
			t.NotRun++
		}
	}
	return t
}

// scripts is where a run gets each node's phase scripts from: the
// compiler (lift) or a build directory (apply).
type scripts interface {
	// has reports whether group has phase.
	has(group, phase string) bool
	// script returns the script for node's phase on osID, with its
	// payloads' data.
	script(node provider.Node, phase, osID string) (*compiler.Script, error)
}

// Lift runs opts.Phases of opts.Groups on the provider's nodes of those
// groups: Compile, list the provider's nodes, keep those of the groups,
// Run. It returns an error, and runs nothing, when the input is wrong
// (unknown group or phase, no nodes, a script that does not compile);
// failures on nodes are in the report.
func Lift(ctx context.Context, p *compiler.Project, prov provider.Provider, providerName string, opts Options) (*Report, error) {
	c, err := Compile(p, opts.Groups, opts.Phases)
	if err != nil {
		return nil, err
	}
	all, nodes, err := groupNodes(ctx, prov, providerName, c.groupNames)
	if err != nil {
		return nil, err
	}
	// Templates see every node the provider has, not only those lifted.
	c.WithNodes(all)
	opts.Provider, opts.ProviderName = prov, providerName
	return Run(ctx, nodes, c, opts)
}

// Compile checks that the groups exist and that each phase (default
// DefaultPhase) is in at least one of them, and returns what Run compiles
// each node's scripts from. The scripts themselves are compiled per node,
// for its OS and name, when Run has the nodes.
func Compile(p *compiler.Project, groups, phases []string) (*Compiled, error) {
	if len(groups) == 0 {
		return nil, errors.New("no group given: name at least one group to lift")
	}
	if len(phases) == 0 {
		phases = []string{DefaultPhase}
	}
	c := &Compiled{p: p, groups: map[string]*project.Group{}, groupNames: groups, phases: phases}
	for _, name := range groups {
		g, err := p.Group(name)
		if err != nil {
			return nil, err
		}
		c.groups[name] = g
	}
	opts := Options{Groups: groups, Phases: phases}
	if err := checkPhases(opts, c, func(g string) []string { return c.groups[g].PhaseNames() }); err != nil {
		return nil, fmt.Errorf("%s: %w", p.File, err)
	}
	return c, nil
}

// Run runs c's phases, in order, on exactly nodes, which must all be of
// c's groups; opts.Groups and opts.Phases are c's, whatever they say, and
// opts.Provider is required. Like Lift, it returns an error, and runs
// nothing, when the input is wrong.
func Run(ctx context.Context, nodes []provider.Node, c *Compiled, opts Options) (*Report, error) {
	if opts.Provider == nil {
		return nil, errors.New("lift.Run: no provider to record bootstraps with (Options.Provider)")
	}
	for _, n := range nodes {
		if c.groups[n.Group] == nil {
			return nil, fmt.Errorf("node %s is in group %s, which was not compiled for (groups: %s)", n.Name, n.Group, strings.Join(c.groupNames, ", "))
		}
	}
	opts.Groups, opts.Phases = c.groupNames, c.phases
	if c.cluster == nil {
		c.WithNodes(nodes)
	}
	return run(ctx, "lift", c.p.File, nodes, c, opts)
}

// groupNodes lists the provider's nodes of groups, in the provider's
// order; none is an error saying how to get some.
func groupNodes(ctx context.Context, prov provider.Provider, providerName string, groups []string) (all, nodes []provider.Node, err error) {
	all, err = prov.Nodes(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("provider %s: list nodes: %w", providerName, err)
	}
	for _, n := range all {
		if slices.Contains(groups, n.Group) {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		return nil, nil, fmt.Errorf("provider %s has no nodes in group %s: create some (pallet-run nodes create) or declare them in the node list",
			providerName, strings.Join(groups, ", "))
	}
	return all, nodes, nil
}

// checkPhases refuses a phase that no selected group has: a typo, most
// likely, which would otherwise be a silent no-op.
func checkPhases(opts Options, src scripts, phasesOf func(group string) []string) error {
	for _, ph := range opts.Phases {
		found := false
		var known []string
		for _, g := range opts.Groups {
			found = found || src.has(g, ph)
			known = append(known, phasesOf(g)...)
		}
		if !found {
			slices.Sort(known)
			known = slices.Compact(known)
			list := strings.Join(known, ", ")
			if list == "" {
				list = "none"
			}
			return fmt.Errorf("no phase %q in group %s%s (phases there: %s)", ph, strings.Join(opts.Groups, ", "), suggest.DidYouMean(ph, known), list)
		}
	}
	return nil
}

// Compiled is what Compile returns: some phases of some groups of a
// project, which Run compiles per node so that crates can use the node's
// name (hostname does) and its OS, probed or declared.
type Compiled struct {
	p          *compiler.Project
	groups     map[string]*project.Group
	groupNames []string // in the order given
	phases     []string
	// cluster is every node the provider has, for .groups and .node;
	// WithNodes sets it, else Run makes it of the nodes it runs on.
	cluster *compiler.Cluster
}

// WithNodes gives the scripts the provider's whole node list (nodes
// created this run included), which templates read as .groups and .group,
// and returns c. Lift calls it; converge calls it again after creating
// nodes.
func (c *Compiled) WithNodes(all []provider.Node) *Compiled {
	c.cluster = c.p.NewCluster(all)
	return c
}

func (c *Compiled) has(group, phase string) bool {
	g := c.groups[group]
	return g != nil && g.Phase(phase) != nil
}

func (c *Compiled) script(node provider.Node, phase, osID string) (*compiler.Script, error) {
	return c.Script(node, phase, osID)
}

// Script compiles node's phase for osID, exactly as Run does: what
// `palletc render --provider P --node N` prints.
func (c *Compiled) Script(node provider.Node, phase, osID string) (*compiler.Script, error) {
	if c.cluster == nil {
		c.WithNodes([]provider.Node{node})
	}
	// .node.os is the OS compiled for, probed or declared.
	nd := c.cluster.Node(node).WithOS(osID)
	return c.p.Compile(compiler.Target{Group: node.Group, Phase: phase, OS: osID, Node: node.Name, Data: nd, Cluster: c.cluster})
}

// plan is one node's work before it runs.
type plan struct {
	node    provider.Node
	phases  []string
	skipped []SkippedPhase
	// ready holds the scripts when the node's OS is known up front.
	ready []runner.Phase
}

// run runs opts.Phases on nodes, with scripts from src. Everything that
// needs the provider goes through opts.Provider.
func run(ctx context.Context, command, projectFile string, nodes []provider.Node, src scripts, opts Options) (*Report, error) {
	rep := &Report{
		Command: command, Project: projectFile, Provider: opts.ProviderName,
		Groups: opts.Groups, Phases: opts.Phases, Check: opts.Check,
		Started: time.Now(), LogDir: opts.LogDir,
	}
	prov := opts.Provider
	nodes, err := LimitNodes(nodes, opts.Limit)
	if err != nil {
		return nil, err
	}
	var plans []*plan
	for _, n := range nodes {
		pl := &plan{node: n}
		for _, ph := range opts.Phases {
			switch {
			case !src.has(n.Group, ph):
				pl.skipped = append(pl.skipped, SkippedPhase{ph, "group " + n.Group + " has no such phase"})
			case ph == BootstrapPhase && n.Bootstrapped && !opts.ForceBootstrap:
				pl.skipped = append(pl.skipped, SkippedPhase{ph, "already bootstrapped (--force-bootstrap runs it again)"})
			default:
				pl.phases = append(pl.phases, ph)
			}
		}
		if opts.AdminUser != "" && n.Bootstrapped && src.has(n.Group, BootstrapPhase) && !slices.Contains(pl.phases, BootstrapPhase) {
			pl.node.User = opts.AdminUser
		}
		plans = append(plans, pl)
	}
	// Compile now for nodes whose OS is known, so an input error stops
	// the run before anything touches a node.
	for _, pl := range plans {
		if pl.node.OS == "" || pl.node.OS == AutoOS {
			continue
		}
		if pl.ready, err = phasesFor(src, pl, pl.node.OS, opts.Check, opts.Diff); err != nil {
			return nil, err
		}
	}

	warn := func(ws []OSWarning) {
		for _, w := range ws {
			rep.Warnings = append(rep.Warnings, w)
			if opts.OnWarning != nil {
				opts.OnWarning(w)
			}
		}
	}
	compiled, _ := src.(*Compiled)
	if compiled != nil {
		warn(ImageOSWarnings(compiled.p, nodes))
	}

	ropts := opts.Runner
	if compiled != nil && ropts.RedactOutput == nil {
		// Asked at each line: a node whose OS is probed compiles later,
		// and its scripts may be the first to read the secrets.
		p := compiled.p
		ropts.RedactOutput = func(line string) string { return p.Redactor().Redact(line) }
	}
	if ropts.KnownHostsFile == "" {
		file, cleanup, err := providerKnownHosts(prov, plans)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		ropts.KnownHostsFile = file
	}
	logs, err := openLogs(opts.LogDir, command, plans)
	if err != nil {
		return nil, err
	}
	defer logs.closeAll()

	// Everything below is keyed by plan index, never by node name: names
	// need not be unique (two OpenStack servers may both be web-1).
	rep.Nodes = make([]NodeReport, len(plans))
	var jobs []runner.Job
	var jobIndex []int     // job index → plan index
	var jobGroups []string // job index → group
	for i, pl := range plans {
		rep.Nodes[i] = NodeReport{Node: pl.node, Index: i, Skipped: pl.skipped, Status: StatusOK, Log: logs.path(i)}
		if pl.node.OS != "" && pl.node.OS != AutoOS {
			rep.Nodes[i].OS = pl.node.OS
		}
		if len(pl.phases) == 0 {
			logs.get(i).printf("nothing to run: %s", describeSkipped(pl.skipped))
			if opts.OnNodeDone != nil {
				opts.OnNodeDone(rep.Nodes[i])
			}
			continue
		}
		job := runner.Job{
			Target: runner.Target{Name: pl.node.Name, Host: pl.node.Host, Port: pl.node.Port, User: pl.node.User},
			Phases: pl.ready,
		}
		if pl.ready == nil {
			job.Prepare = func(ctx context.Context, t runner.Target, info runner.OSInfo) ([]runner.Phase, error) {
				if info.PalletOS == "" {
					return nil, fmt.Errorf("os-release says %q %q, which pallet cannot map to an OS id; set os: for this node", info.ID, info.VersionID)
				}
				ph, err := phasesFor(src, pl, info.PalletOS, opts.Check, opts.Diff)
				if err != nil {
					return nil, err
				}
				return ph, nil
			}
		}
		jobs = append(jobs, job)
		jobIndex = append(jobIndex, i)
		jobGroups = append(jobGroups, pl.node.Group)
	}

	var mu sync.Mutex // guards rep.Nodes entries written from node goroutines
	onEvent := func(e runner.Event) {
		if e.Job < 0 || e.Job >= len(jobIndex) {
			return
		}
		e.Job = jobIndex[e.Job]
		logs.get(e.Job).event(e)
		if opts.OnEvent != nil {
			opts.OnEvent(e)
		}
	}
	onDone := func(res runner.NodeResult) {
		if res.Job < 0 || res.Job >= len(jobIndex) {
			return
		}
		i := jobIndex[res.Job]
		nr := nodeReport(ctx, prov, plans[i], res, opts.Check)
		nr.Index, nr.Log = i, logs.path(i)
		logs.get(i).result(nr)
		mu.Lock()
		rep.Nodes[i] = nr
		mu.Unlock()
		if opts.OnNodeDone != nil {
			opts.OnNodeDone(nr)
		}
	}
	notRun := func(job int, reason string) {
		i := jobIndex[job]
		nr := NodeReport{Node: plans[i].node, Skipped: plans[i].skipped, Status: StatusNotRun, Err: errors.New(reason), Log: logs.path(i)}
		nr.OS = rep.Nodes[i].OS
		logs.get(i).printf("%s", reason)
		mu.Lock()
		rep.Nodes[i] = nr
		mu.Unlock()
		if opts.OnNodeDone != nil {
			opts.OnNodeDone(nr)
		}
	}
	runScheduled(ctx, jobs, jobGroups, opts.Schedule, runner.RunOptions{
		Options:     ropts,
		Parallelism: opts.Parallelism,
		OnEvent:     onEvent,
		OnNodeDone:  onDone,
	}, notRun)
	rep.Duration = time.Since(rep.Started)
	rep.Interrupted = ctx.Err() != nil
	if compiled != nil {
		// Nodes whose OS was only known once probed.
		var probed []provider.Node
		for _, nr := range rep.Nodes {
			if nr.Probed != nil {
				n := nr.Node
				n.OS = nr.OS
				probed = append(probed, n)
			}
		}
		warn(ImageOSWarnings(compiled.p, probed))
	}
	return rep, nil
}

func describeSkipped(s []SkippedPhase) string {
	var parts []string
	for _, sp := range s {
		parts = append(parts, sp.Phase+": "+sp.Reason)
	}
	return strings.Join(parts, "; ")
}

// phasesFor gets pl's scripts for osID.
func phasesFor(src scripts, pl *plan, osID string, check, diff bool) ([]runner.Phase, error) {
	var out []runner.Phase
	for _, ph := range pl.phases {
		s, err := src.script(pl.node, ph, osID)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", pl.node.Name, err)
		}
		out = append(out, runner.Phase{Name: ph, ScriptParts: s.Text, Check: check, Diff: diff, Files: payloadFiles(s, check && !diff)})
	}
	return out, nil
}

// payloadFiles are the files a script's payloads are uploaded as. Check
// mode uploads none (none is false): the compiler lets only apply read a
// payload, and a check compares the node's file by sha256, so a check run
// costs no payload's transfer. Check mode with --diff uploads them, in
// the same SFTP session, so that it can diff large text content too.
func payloadFiles(s *compiler.Script, none bool) []runner.File {
	if none || len(s.Payloads) == 0 {
		return nil
	}
	files := make([]runner.File, len(s.Payloads))
	for i, p := range s.Payloads {
		files[i] = runner.File{Name: p.FileName(), Data: p.Data, Mode: 0o600}
	}
	return files
}

// nodeReport turns a runner result into a NodeReport and records a
// successful bootstrap with the provider.
func nodeReport(ctx context.Context, prov provider.Provider, pl *plan, res runner.NodeResult, check bool) NodeReport {
	nr := NodeReport{
		Node: pl.node, Phases: res.Phases, Skipped: pl.skipped, Counts: res.Counts,
		Err: res.Err, Duration: res.Duration, Status: StatusOK,
	}
	if pl.node.OS != "" && pl.node.OS != AutoOS {
		nr.OS = pl.node.OS
	} else if res.OS.ID != "" {
		info := res.OS
		nr.Probed, nr.OS = &info, info.PalletOS
	}
	switch {
	case res.Err == nil:
	case errors.Is(res.Err, context.Canceled):
		nr.Status = StatusInterrupted
	case res.Unreachable:
		nr.Status = StatusUnreachable
	default:
		nr.Status = StatusFailed
	}
	if check {
		return nr
	}
	for _, ph := range res.Phases {
		if ph.Phase == BootstrapPhase && ph.OK() {
			// Recorded even when the run is being cancelled: the
			// bootstrap did happen.
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			err := prov.MarkBootstrapped(mctx, pl.node)
			cancel()
			if err != nil {
				nr.Err = errors.Join(nr.Err, fmt.Errorf("node %s: bootstrap succeeded but could not be recorded (it will run again next time): %w", pl.node.Name, err))
				if nr.Status == StatusOK {
					nr.Status = StatusFailed
				}
			} else {
				nr.Bootstrapped = true
			}
		}
	}
	return nr
}

// providerKnownHosts writes the host keys a provider.HostKeyKnower has for
// the nodes to a temporary file for the runner to check against; "" when
// the provider knows none.
func providerKnownHosts(prov provider.Provider, plans []*plan) (string, func(), error) {
	kh, ok := prov.(provider.HostKeyKnower)
	if !ok {
		return "", func() {}, nil
	}
	nodes := make([]provider.Node, len(plans))
	for i, pl := range plans {
		nodes[i] = pl.node
	}
	data, err := kh.KnownHosts(nodes)
	if err != nil {
		return "", nil, fmt.Errorf("host keys from the provider: %w", err)
	}
	f, err := os.CreateTemp("", "pallet-known-hosts-")
	if err != nil {
		return "", nil, fmt.Errorf("write the provider's host keys: %w", err)
	}
	cleanup := func() { os.Remove(f.Name()) }
	if _, err := f.Write(data); err != nil {
		f.Close()
		cleanup()
		return "", nil, fmt.Errorf("write the provider's host keys: %w", err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("write the provider's host keys: %w", err)
	}
	return f.Name(), cleanup, nil
}

// AdminIdentityFiles returns the private keys beside the project's admin
// public key (admin.public_key_file without .pub, else ~/.ssh/id_ed25519
// and id_rsa) that exist: the key bootstrap authorises is the key lift
// logs in with.
func AdminIdentityFiles(p *compiler.Project) []string {
	var out []string
	for _, pub := range p.AdminPublicKeyFiles() {
		priv, ok := strings.CutSuffix(pub, ".pub")
		if !ok {
			continue
		}
		if st, err := os.Stat(priv); err == nil && st.Mode().IsRegular() {
			out = append(out, priv)
		}
	}
	return out
}
