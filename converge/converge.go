package converge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// Options say how to apply a plan.
type Options struct {
	// Runner is how to connect and run, as for lift. With an empty
	// KnownHostsFile, a provider that knows its nodes' host keys (nspawn)
	// supplies them; otherwise ~/.ssh/known_hosts is used, and the keys of
	// nodes this run created are added to it (see Apply).
	Runner runner.Options
	// Parallelism bounds how many nodes are worked on at once.
	Parallelism int
	// LogDir, when set, receives the per-node logs of each pass in its
	// own directory: destroy-server/, bootstrap/ and phases/.
	LogDir string
	// AdminUser is who runs the phases on bootstrapped nodes; default the
	// project's (project.Project.AdminUser: admin.user, else $USER).
	AdminUser string
	// OnEvent and OnNodeDone are lift's, for every pass.
	OnEvent    runner.EventFunc
	OnNodeDone func(pass string, r lift.NodeReport)
	// OnWarning gets, once per group and before anything runs on them,
	// the nodes that run another OS than the group's image asks for
	// (lift.OSWarning); nodes whose OS is only known once probed are
	// told of after the pass that probed them.
	OnWarning func(lift.OSWarning)
	// Progress gets one line per create, destroy and host key step.
	Progress io.Writer
	// Check is check mode (`converge --check`): nothing is created or
	// destroyed and no destroy-server phase runs; bootstrap (where the
	// plan has it) and the phases run in check mode on the nodes there
	// are and that would be kept, which report ok or would-change and
	// change nothing. Nodes to be created are not checked: they do not
	// exist yet (Plan.NotChecked says so).
	Check bool
	// Diff is lift's (--diff): file-like steps print what they change.
	Diff bool
	// Schedule and Limit are lift's (order, rollout, --limit), for the
	// phases pass only: destroying, creating and bootstrapping nodes go
	// as they always do, so that the node counts come out right.
	Schedule lift.Schedule
	Limit    []string
}

// Passes of a converge, as OnNodeDone names them.
const (
	PassDestroy   = "destroy-server"
	PassBootstrap = "bootstrap"
	PassPhases    = "phases"
)

// Report is what a converge did.
type Report struct {
	Plan     *Plan
	Started  time.Time
	Duration time.Duration
	// Created and Destroyed are the nodes this run made and removed.
	Created   []provider.Node
	Destroyed []provider.Node
	// Problems are failures not tied to a node that ran something:
	// a group whose nodes could not be created, nodes that could not be
	// destroyed.
	Problems []error
	// Lift is every node's outcome over all passes, merged, with Command
	// "converge": destroyed nodes (their destroy-server phase), then the
	// named groups' nodes.
	Lift *lift.Report
	// Check is true for a check-mode converge (Options.Check).
	Check bool
}

// OK reports whether everything succeeded.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Lift.OK() }

// PhaseRun is how many nodes a phase ran on (to the end or not) during a
// converge.
type PhaseRun struct {
	Phase string `json:"phase"`
	Nodes int    `json:"nodes"`
}

// Ran lists the phases that ran, each with the number of nodes it ran on,
// in the order of the passes (destroy-server, bootstrap, then the requested
// phases): what the recap's heading says. Phases that ran nowhere are left
// out, so an empty list means nothing ran.
func (r *Report) Ran() []PhaseRun {
	order := append([]string{DestroyPhase, lift.BootstrapPhase}, r.Plan.Phases...)
	count := map[string]int{}
	for _, n := range r.Lift.Nodes {
		seen := map[string]bool{}
		for _, ph := range n.Phases {
			if !seen[ph.Phase] {
				seen[ph.Phase] = true
				count[ph.Phase]++
			}
			if !slices.Contains(order, ph.Phase) {
				order = append(order, ph.Phase)
			}
		}
	}
	out := []PhaseRun{}
	for _, ph := range order {
		if count[ph] > 0 {
			out = append(out, PhaseRun{Phase: ph, Nodes: count[ph]})
			count[ph] = 0 // a phase both passes name is listed once
		}
	}
	return out
}

// WasCreated and WasDestroyed say what this run did to a node.
func (r *Report) WasCreated(n provider.Node) bool { return containsID(r.Created, n.ID) }

// WasDestroyed reports whether this run destroyed n.
func (r *Report) WasDestroyed(n provider.Node) bool { return containsID(r.Destroyed, n.ID) }

func containsID(nodes []provider.Node, id string) bool {
	return slices.ContainsFunc(nodes, func(n provider.Node) bool { return n.ID == id })
}

// Apply carries out a plan: destroy the surplus (after destroy-server),
// create what is missing, bootstrap, then run the phases. It returns an
// error, having changed nothing, only when the input is wrong (no admin
// key to give new nodes); everything that fails on the way is in the
// report, and the steps go on for the nodes they can.
//
// Host keys: nodes that existed before are checked as lift checks them
// (strictly). For the nodes this run created, the key is taken from the
// provider when it knows it (nspawn), else read from the node and checked
// against the fingerprints its console printed (OpenStack, when cloud-init
// printed them), else trusted on first use — and recorded in the known
// hosts file, so later lifts check it. Destroyed nodes' keys are removed
// from that file, since clouds hand their addresses out again.
func Apply(ctx context.Context, pl *Plan, opts Options) (*Report, error) {
	c, err := newRun(pl, opts)
	if err != nil {
		return nil, err
	}
	if !opts.Check {
		c.destroySurplus(ctx)
		c.createMissing(ctx)
	}
	c.bootstrap(ctx)
	c.runPhases(ctx)
	return c.report(ctx), nil
}

// newRun checks the input and sets up a run. What to ask the provider for
// is decided before anything changes: without an admin key to give new
// nodes, nothing is done at all.
func newRun(pl *Plan, opts Options) (*run, error) {
	p := pl.Project
	if opts.AdminUser == "" {
		opts.AdminUser = p.AdminUser()
	}
	specs := map[string]provider.CreateSpec{}
	for _, gp := range pl.Groups {
		if gp.Create == 0 || opts.Check {
			continue
		}
		g, err := p.Group(gp.Group)
		if err != nil {
			return nil, err
		}
		if specs[gp.Group], err = CreateSpec(p, g, opts.AdminUser); err != nil {
			return nil, err
		}
	}
	c := &run{
		pl: pl, opts: opts, specs: specs,
		rep:        &Report{Plan: pl, Started: time.Now(), Check: opts.Check},
		hk:         newHostKeyBook(pl.Provider, opts.Runner, opts.Progress),
		merged:     newMerger(pl, p.File),
		created:    map[string][]provider.Node{},
		usable:     map[string][]provider.Node{},
		bootFailed: map[string]bool{},
		bootDone:   map[string]bool{},
		warned:     map[[2]string]bool{},
	}
	for _, gp := range pl.Groups {
		c.usable[gp.Group] = slices.Clone(gp.Keep)
	}
	return c, nil
}

// destroySurplus is the destroy-server pass: the surplus nodes of groups
// with a destroy-server phase run it, and those for which it succeeded
// (and the surplus of groups without one) are destroyed, their host keys
// forgotten.
func (c *run) destroySurplus(ctx context.Context) {
	var doomed []provider.Node
	var phaseGroups []string
	for _, gp := range c.pl.Groups {
		doomed = append(doomed, gp.Destroy...)
		if gp.DestroyPhase && len(gp.Destroy) > 0 {
			phaseGroups = append(phaseGroups, gp.Group)
		}
	}
	if len(doomed) == 0 {
		return
	}
	// A shrinking group's nodes that stay are told of with those that go,
	// in one warning line.
	var runs []provider.Node
	for _, gp := range c.pl.Groups {
		if gp.DestroyPhase && len(gp.Destroy) > 0 {
			runs = append(append(runs, gp.Destroy...), gp.Keep...)
		}
	}
	c.warnImages(runs)
	var withPhase []provider.Node
	for _, n := range doomed {
		if slices.Contains(phaseGroups, n.Group) {
			withPhase = append(withPhase, c.asRunUser(n))
		}
	}
	failed := map[string]bool{}
	if len(withPhase) > 0 {
		lr, err := c.lift(ctx, PassDestroy, withPhase, phaseGroups, []string{DestroyPhase})
		if err != nil {
			c.rep.Problems = append(c.rep.Problems, fmt.Errorf("%s phase: %w", DestroyPhase, err))
			for _, n := range withPhase {
				failed[n.ID] = true
			}
		} else {
			c.merged.add(lr)
			for _, nr := range lr.Nodes {
				if nr.Status != lift.StatusOK {
					failed[nr.Node.ID] = true
				}
			}
		}
	}
	var leaving []provider.Node
	for _, n := range doomed {
		if failed[n.ID] {
			c.rep.Problems = append(c.rep.Problems, fmt.Errorf("node %s: not destroyed, because its %s phase did not succeed: fix it and converge again", n.Name, DestroyPhase))
			continue
		}
		leaving = append(leaving, n)
	}
	if len(leaving) == 0 || ctx.Err() != nil {
		return
	}
	c.progressf("destroying %s", nodeNames(leaving))
	if err := c.destroy(ctx, leaving); err != nil {
		c.rep.Problems = append(c.rep.Problems, fmt.Errorf("destroy %s: %w", nodeNames(leaving), err))
		// Destroy is retryable and ignores unknown nodes: find out
		// which are really gone.
		if now, lerr := c.pl.Provider.Nodes(context.WithoutCancel(ctx)); lerr == nil {
			for _, n := range leaving {
				if !containsID(now, n.ID) {
					c.rep.Destroyed = append(c.rep.Destroyed, n)
				}
			}
		}
	} else {
		c.rep.Destroyed = append(c.rep.Destroyed, leaving...)
	}
	c.hk.forget(c.rep.Destroyed)
}

// createMissing is the create pass: every group's missing nodes at once,
// then their host keys, before anything connects to them. A new node
// whose key cannot be had fails and is not usable.
func (c *run) createMissing(ctx context.Context) {
	c.created = c.create(ctx, c.specs)
	for _, gp := range c.pl.Groups {
		for _, n := range c.created[gp.Group] {
			if err := c.hk.learn(ctx, n); err != nil {
				c.merged.fail(n, err)
				continue
			}
			c.usable[gp.Group] = append(c.usable[gp.Group], n)
		}
	}
}

// bootstrap is the bootstrap pass: usable nodes not yet bootstrapped, of
// groups with a bootstrap phase, run it as their login user. In check mode
// nothing is recorded, and a node whose check succeeded goes on to the
// phases (still as its login user: the admin user is not there yet).
func (c *run) bootstrap(ctx context.Context) {
	// Every node that runs anything from here on, warned of before
	// bootstrap runs on some of them.
	var runs []provider.Node
	for _, gp := range c.pl.Groups {
		if gp.HasBootstrap || len(gp.Phases) > 0 {
			runs = append(runs, c.usable[gp.Group]...)
		}
	}
	c.warnImages(runs)
	var boot []provider.Node
	var bootGroups []string
	for _, gp := range c.pl.Groups {
		if !gp.HasBootstrap {
			continue
		}
		for _, n := range c.usable[gp.Group] {
			if !n.Bootstrapped {
				boot = append(boot, n) // as its login user
				if !slices.Contains(bootGroups, gp.Group) {
					bootGroups = append(bootGroups, gp.Group)
				}
			}
		}
	}
	if len(boot) == 0 || ctx.Err() != nil {
		return
	}
	lr, err := c.lift(ctx, PassBootstrap, boot, bootGroups, []string{lift.BootstrapPhase})
	if err != nil {
		c.rep.Problems = append(c.rep.Problems, fmt.Errorf("bootstrap: %w", err))
		for _, n := range boot {
			c.bootFailed[n.ID] = true
		}
		return
	}
	c.merged.add(lr)
	for _, nr := range lr.Nodes {
		switch {
		case nr.Bootstrapped:
			c.bootDone[nr.Node.ID] = true
		case c.opts.Check && nr.Status == lift.StatusOK:
		default:
			c.bootFailed[nr.Node.ID] = true
		}
	}
}

// runPhases is the phases pass: the requested phases on every usable node
// of the named groups whose bootstrap did not fail.
func (c *run) runPhases(ctx context.Context) {
	var lifted []provider.Node
	var liftGroups []string
	var phases []string
	for _, gp := range c.pl.Groups {
		if len(gp.Phases) == 0 {
			continue
		}
		for _, n := range c.usable[gp.Group] {
			if c.bootFailed[n.ID] {
				continue
			}
			if c.bootDone[n.ID] {
				n.Bootstrapped = true
			}
			lifted = append(lifted, c.asRunUser(n))
			if !slices.Contains(liftGroups, gp.Group) {
				liftGroups = append(liftGroups, gp.Group)
			}
		}
	}
	for _, ph := range c.pl.Phases {
		for _, g := range liftGroups {
			if gp := c.pl.group(g); slices.Contains(gp.Phases, ph) && !slices.Contains(phases, ph) {
				phases = append(phases, ph)
			}
		}
	}
	if len(lifted) == 0 || len(phases) == 0 || ctx.Err() != nil {
		return
	}
	lr, err := c.lift(ctx, PassPhases, lifted, liftGroups, phases)
	if err != nil {
		c.rep.Problems = append(c.rep.Problems, err)
		return
	}
	c.merged.add(lr)
}

// report finishes the run's report. Nodes that ran nothing (no phases, or
// stopped early) still belong in the recap, so a created node is never
// invisible.
func (c *run) report(ctx context.Context) *Report {
	rep := c.rep
	for _, gp := range c.pl.Groups {
		for _, n := range c.usable[gp.Group] {
			c.merged.ensure(n)
		}
	}
	for _, n := range rep.Destroyed {
		c.merged.destroyed(n)
	}
	rep.Created = nil
	for _, gp := range c.pl.Groups {
		rep.Created = append(rep.Created, c.created[gp.Group]...)
	}
	rep.Duration = time.Since(rep.Started)
	rep.Lift = c.merged.report(c.pl, rep.Started, rep.Duration, ctx.Err() != nil)
	rep.Lift.Check = c.opts.Check
	rep.Lift.Warnings = c.warnings
	rep.Lift.LogDir = c.opts.LogDir
	return rep
}

func (pl *Plan) group(name string) *GroupPlan {
	for _, gp := range pl.Groups {
		if gp.Group == name {
			return gp
		}
	}
	return nil
}

// run is one Apply's working state, which the passes hand on to each
// other.
type run struct {
	pl     *Plan
	opts   Options
	rep    *Report
	hk     *hostKeyBook
	merged *merger
	// specs are what to ask the provider for, by group.
	specs map[string]provider.CreateSpec
	// created are the nodes this run made, by group; usable the kept
	// ones plus those created with a known host key.
	created, usable map[string][]provider.Node
	// bootFailed and bootDone are the bootstrap pass's outcome, by node id.
	bootFailed, bootDone map[string]bool
	// warnings are the OS warnings given; warned the (group, node) pairs
	// they named, so that no pass repeats one.
	warnings []lift.OSWarning
	warned   map[[2]string]bool
}

// warnImages warns of nodes that run another OS than their group's image
// asks for, once per node: called before a pass with every node that will
// run something from then on, so that a group gets one line.
func (c *run) warnImages(nodes []provider.Node) {
	for _, w := range lift.ImageOSWarnings(c.pl.Project, nodes) {
		c.warn(w)
	}
}

// warn gives w without the nodes already warned of, if any are left.
func (c *run) warn(w lift.OSWarning) {
	fresh := lift.OSWarning{Group: w.Group, Asks: w.Asks}
	for i, n := range w.Nodes {
		if key := [2]string{w.Group, n}; !c.warned[key] {
			c.warned[key] = true
			fresh.Nodes = append(fresh.Nodes, n)
			fresh.OS = append(fresh.OS, w.OS[i])
		}
	}
	if len(fresh.Nodes) == 0 {
		return
	}
	c.warnings = append(c.warnings, fresh)
	if c.opts.OnWarning != nil {
		c.opts.OnWarning(fresh)
	}
}

func (c *run) progressf(format string, args ...any) {
	if c.opts.Progress != nil {
		fmt.Fprintf(c.opts.Progress, "converge: "+format+"\n", args...)
	}
}

// asRunUser is n as the phases see it: logged in as the admin user once
// bootstrap (which makes that user) has run, else as its login user.
func (c *run) asRunUser(n provider.Node) provider.Node {
	gp := c.pl.group(n.Group)
	if n.Bootstrapped && gp != nil && gp.HasBootstrap && c.opts.AdminUser != "" {
		n.User = c.opts.AdminUser
	}
	return n
}

// lift runs phases on exactly nodes, as they are (each with the user its
// pass logs in as), through lift.Run.
func (c *run) lift(ctx context.Context, pass string, nodes []provider.Node, groups, phases []string) (*lift.Report, error) {
	scripts, err := lift.Compile(c.pl.Project, groups, phases)
	if err != nil {
		return nil, err
	}
	// Templates read every node the provider has now: listed again for
	// each pass, so the nodes this run created are in .groups before
	// bootstrap and the phases run.
	all, err := c.pl.Provider.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("provider %s: list nodes: %w", c.pl.ProviderName, err)
	}
	scripts.WithNodes(all)
	lo := lift.Options{
		Check:       c.opts.Check,
		Diff:        c.opts.Diff,
		Parallelism: c.opts.Parallelism,
		Runner:      c.opts.Runner, OnEvent: c.opts.OnEvent,
		Provider: c.pl.Provider, ProviderName: c.pl.ProviderName,
	}
	if pass == PassPhases {
		lo.Schedule, lo.Limit = c.opts.Schedule, c.opts.Limit
	}
	if c.opts.LogDir != "" {
		lo.LogDir = filepath.Join(c.opts.LogDir, pass)
	}
	if c.opts.OnNodeDone != nil {
		lo.OnNodeDone = func(r lift.NodeReport) { c.opts.OnNodeDone(pass, r) }
	}
	// Lift's own warnings are about nodes warned of already, except
	// for nodes it probed.
	lo.OnWarning = c.warn
	return lift.Run(ctx, nodes, scripts, lo)
}

// destroy removes nodes through the provider's Creator.
func (c *run) destroy(ctx context.Context, nodes []provider.Node) error {
	cr, err := provider.AsCreator(c.pl.Provider)
	if err != nil {
		return err
	}
	return cr.Destroy(ctx, nodes)
}

// create makes every group's missing nodes in parallel, as specs say, and
// returns them by group. A group that fails is a problem in the report;
// the provider has already removed what it made for it.
func (c *run) create(ctx context.Context, specs map[string]provider.CreateSpec) map[string][]provider.Node {
	out := map[string][]provider.Node{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, gp := range c.pl.Groups {
		if gp.Create == 0 || ctx.Err() != nil {
			continue
		}
		spec := specs[gp.Group]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.progressf("creating %d in %s", gp.Create, gp.Group)
			start := time.Now()
			var nodes []provider.Node
			cr, err := provider.AsCreator(c.pl.Provider)
			if err == nil {
				nodes, err = cr.Create(ctx, gp.Group, gp.Create, spec)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if errors.Is(err, provider.ErrCannotCreate) {
					err = fmt.Errorf("provider %s cannot create nodes: %w", c.pl.ProviderName, err)
				}
				c.rep.Problems = append(c.rep.Problems, fmt.Errorf("group %s: create %d: %w", gp.Group, gp.Create, err))
				return
			}
			c.progressf("created %s in %s", nodeNames(nodes), time.Since(start).Round(time.Millisecond))
			slices.SortStableFunc(nodes, provider.OlderFirst)
			out[gp.Group] = nodes
		}()
	}
	wg.Wait()
	return out
}

// CreateSpec is what a new node of group g asks of a provider: the
// project's admin public key (read here; an error says which file is
// missing), the group's image (login_user and the template that picks
// one) and hardware, and adminUser, the user bootstrap will create
// (empty: the project's, p.AdminUser()). It is the one place a spec is made:
// converge and `pallet-run nodes create` both use it; the caller may then
// set what it alone knows, such as an explicit Image.
func CreateSpec(p *compiler.Project, g *project.Group, adminUser string) (provider.CreateSpec, error) {
	key, err := p.AdminPublicKey()
	if err != nil {
		return provider.CreateSpec{}, err
	}
	if adminUser == "" {
		adminUser = p.AdminUser()
	}
	return provider.CreateSpec{
		AdminPublicKey: key,
		LoginUser:      g.Image.LoginUser,
		AdminUser:      adminUser,
		ImageTemplate: provider.ImageTemplate{
			OSFamily:             g.Image.OSFamily,
			OSVersionMatches:     g.Image.OSVersionMatches,
			OSDescriptionMatches: g.Image.OSDescriptionMatches,
			OS64Bit:              g.Image.OS64Bit,
			ImageID:              g.Image.ImageID,
			ImageName:            g.Image.ImageName,
		},
		Hardware: provider.Hardware{
			Smallest:  g.Hardware.Smallest,
			MinCores:  g.Hardware.MinCores,
			MinRAMMB:  g.Hardware.MinRAMMB,
			MinDiskGB: g.Hardware.MinDiskGB,
			Flavor:    g.Hardware.Flavor,
		},
	}, nil
}

// merger folds the passes' lift reports into one report per node.
type merger struct {
	project string
	order   []string // node ids, in first-seen order
	nodes   map[string]*lift.NodeReport
}

func newMerger(pl *Plan, project string) *merger {
	return &merger{project: project, nodes: map[string]*lift.NodeReport{}}
}

func (m *merger) add(lr *lift.Report) {
	for _, nr := range lr.Nodes {
		have, ok := m.nodes[nr.Node.ID]
		if !ok {
			nr := nr
			m.nodes[nr.Node.ID] = &nr
			m.order = append(m.order, nr.Node.ID)
			continue
		}
		have.Node = nr.Node
		if nr.OS != "" {
			have.OS = nr.OS
		}
		if nr.Probed != nil {
			have.Probed = nr.Probed
		}
		have.Phases = append(have.Phases, nr.Phases...)
		have.Skipped = append(have.Skipped, nr.Skipped...)
		have.Counts = have.Counts.Add(nr.Counts)
		have.Err = errors.Join(have.Err, nr.Err)
		have.Bootstrapped = have.Bootstrapped || nr.Bootstrapped
		have.Duration += nr.Duration
		if nr.Log != "" {
			have.Log = nr.Log
		}
		if have.Status == lift.StatusOK {
			have.Status = nr.Status
		}
	}
}

// fail records a node that could not be run on at all.
func (m *merger) fail(n provider.Node, err error) {
	m.add(&lift.Report{Nodes: []lift.NodeReport{{Node: n, Status: lift.StatusFailed, Err: err}}})
}

// ensure lists n even if no pass ran on it.
func (m *merger) ensure(n provider.Node) {
	if _, ok := m.nodes[n.ID]; !ok {
		m.add(&lift.Report{Nodes: []lift.NodeReport{{Node: n, Status: lift.StatusOK}}})
	}
}

// destroyed lists n as destroyed: its row keeps what its destroy-server
// phase did, and its status says it is gone.
func (m *merger) destroyed(n provider.Node) {
	m.ensure(n)
	m.nodes[n.ID].Status = lift.StatusDestroyed
}

func (m *merger) report(pl *Plan, started time.Time, d time.Duration, interrupted bool) *lift.Report {
	r := &lift.Report{
		Command: "converge", Project: m.project, Provider: pl.ProviderName,
		Phases: pl.Phases, Started: started, Duration: d, Interrupted: interrupted,
	}
	for _, gp := range pl.Groups {
		r.Groups = append(r.Groups, gp.Group)
	}
	for _, id := range m.order {
		r.Nodes = append(r.Nodes, *m.nodes[id])
	}
	return r
}
