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
	// Progress gets one line per create, destroy and host key step.
	Progress io.Writer
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
}

// OK reports whether everything succeeded.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Lift.OK() }

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
	p, prov := pl.Project, pl.Provider
	rep := &Report{Plan: pl, Started: time.Now()}
	if opts.AdminUser == "" {
		opts.AdminUser = p.AdminUser()
	}
	// What to ask the provider for, decided before anything changes:
	// without an admin key to give new nodes, nothing is done at all.
	specs := map[string]provider.CreateSpec{}
	for _, gp := range pl.Groups {
		if gp.Create == 0 {
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
	hk := newHostKeyBook(prov, opts.Runner.KnownHostsFile, opts.Progress)
	c := &run{pl: pl, opts: opts, rep: rep, hk: hk}
	merged := newMerger(pl, p.File)

	// 1. Surplus: destroy-server, then destroy.
	var doomed []provider.Node
	var phaseGroups []string
	for _, gp := range pl.Groups {
		doomed = append(doomed, gp.Destroy...)
		if gp.DestroyPhase && len(gp.Destroy) > 0 {
			phaseGroups = append(phaseGroups, gp.Group)
		}
	}
	if len(doomed) > 0 {
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
				rep.Problems = append(rep.Problems, fmt.Errorf("%s phase: %w", DestroyPhase, err))
				for _, n := range withPhase {
					failed[n.ID] = true
				}
			} else {
				merged.add(lr)
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
				rep.Problems = append(rep.Problems, fmt.Errorf("node %s: not destroyed, because its %s phase did not succeed: fix it and converge again", n.Name, DestroyPhase))
				continue
			}
			leaving = append(leaving, n)
		}
		if len(leaving) > 0 && ctx.Err() == nil {
			c.progressf("destroying %s", nodeNames(leaving))
			if err := c.destroy(ctx, leaving); err != nil {
				rep.Problems = append(rep.Problems, fmt.Errorf("destroy %s: %w", nodeNames(leaving), err))
				// Destroy is retryable and ignores unknown nodes: find
				// out which are really gone.
				if now, lerr := prov.Nodes(context.WithoutCancel(ctx)); lerr == nil {
					for _, n := range leaving {
						if !containsID(now, n.ID) {
							rep.Destroyed = append(rep.Destroyed, n)
						}
					}
				}
			} else {
				rep.Destroyed = append(rep.Destroyed, leaving...)
			}
			hk.forget(rep.Destroyed)
		}
	}

	// 2. Create what is missing, every group at once.
	created := c.create(ctx, specs)

	// 3. Host keys of the new nodes, before anything connects to them.
	var usable = map[string][]provider.Node{} // by group: kept + created with a known key
	for _, gp := range pl.Groups {
		usable[gp.Group] = slices.Clone(gp.Keep)
		for _, n := range created[gp.Group] {
			if err := hk.learn(ctx, n); err != nil {
				merged.fail(n, err)
				continue
			}
			usable[gp.Group] = append(usable[gp.Group], n)
		}
	}

	// 4. Bootstrap the nodes that have not been.
	var boot []provider.Node
	var bootGroups []string
	for _, gp := range pl.Groups {
		if !gp.HasBootstrap {
			continue
		}
		for _, n := range usable[gp.Group] {
			if !n.Bootstrapped {
				boot = append(boot, n) // as its login user
				if !slices.Contains(bootGroups, gp.Group) {
					bootGroups = append(bootGroups, gp.Group)
				}
			}
		}
	}
	bootFailed := map[string]bool{}
	bootDone := map[string]bool{}
	if len(boot) > 0 && ctx.Err() == nil {
		lr, err := c.lift(ctx, PassBootstrap, boot, bootGroups, []string{lift.BootstrapPhase})
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Errorf("bootstrap: %w", err))
			for _, n := range boot {
				bootFailed[n.ID] = true
			}
		} else {
			merged.add(lr)
			for _, nr := range lr.Nodes {
				if nr.Bootstrapped {
					bootDone[nr.Node.ID] = true
				} else {
					bootFailed[nr.Node.ID] = true
				}
			}
		}
	}

	// 5. The requested phases on every node of the named groups.
	var lifted []provider.Node
	var liftGroups []string
	var phases []string
	for _, gp := range pl.Groups {
		if len(gp.Phases) == 0 {
			continue
		}
		for _, n := range usable[gp.Group] {
			if bootFailed[n.ID] {
				continue
			}
			if bootDone[n.ID] {
				n.Bootstrapped = true
			}
			lifted = append(lifted, c.asRunUser(n))
			if !slices.Contains(liftGroups, gp.Group) {
				liftGroups = append(liftGroups, gp.Group)
			}
		}
	}
	for _, ph := range pl.Phases {
		for _, g := range liftGroups {
			if gp := pl.group(g); slices.Contains(gp.Phases, ph) && !slices.Contains(phases, ph) {
				phases = append(phases, ph)
			}
		}
	}
	if len(lifted) > 0 && len(phases) > 0 && ctx.Err() == nil {
		lr, err := c.lift(ctx, PassPhases, lifted, liftGroups, phases)
		if err != nil {
			rep.Problems = append(rep.Problems, err)
		} else {
			merged.add(lr)
		}
	}
	// Nodes that ran nothing (no phases, or stopped early) still belong in
	// the recap, so a created node is never invisible.
	for _, gp := range pl.Groups {
		for _, n := range usable[gp.Group] {
			merged.ensure(n)
		}
	}
	for _, n := range rep.Destroyed {
		merged.ensure(n)
	}

	rep.Created = nil
	for _, gp := range pl.Groups {
		rep.Created = append(rep.Created, created[gp.Group]...)
	}
	rep.Duration = time.Since(rep.Started)
	rep.Lift = merged.report(pl, rep.Started, rep.Duration, ctx.Err() != nil)
	rep.Lift.LogDir = opts.LogDir
	return rep, nil
}

func (pl *Plan) group(name string) *GroupPlan {
	for _, gp := range pl.Groups {
		if gp.Group == name {
			return gp
		}
	}
	return nil
}

// run is one Apply's working state.
type run struct {
	pl   *Plan
	opts Options
	rep  *Report
	hk   *hostKeyBook
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
	lo := lift.Options{
		Parallelism: c.opts.Parallelism,
		Runner:      c.opts.Runner, OnEvent: c.opts.OnEvent,
		Provider: c.pl.Provider, ProviderName: c.pl.ProviderName,
	}
	if c.opts.LogDir != "" {
		lo.LogDir = filepath.Join(c.opts.LogDir, pass)
	}
	if c.opts.OnNodeDone != nil {
		lo.OnNodeDone = func(r lift.NodeReport) { c.opts.OnNodeDone(pass, r) }
	}
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
			slices.SortStableFunc(nodes, olderFirst)
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
