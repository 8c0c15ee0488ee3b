// Package converge is Pallet's converge: make a provider's node counts per
// group match what was asked, bootstrap the nodes that need it, then lift
// the requested phases on every node of those groups.
//
// It is two steps so that --plan can stop after the first:
//
//	pl, err := converge.NewPlan(ctx, project, prov, "cloud", map[string]int{"mynode": 2}, nil)
//	pl.Print(os.Stdout)                    // what would happen; nothing changed
//	rep, err := converge.Apply(ctx, pl, converge.Options{...})
//
// The rules (Pallet 0.8's, made explicit):
//   - nodes of groups not named are never touched;
//   - a surplus is taken from the newest nodes, which run the group's
//     destroy-server phase (when it has one) before they are destroyed;
//   - missing nodes are created, all groups in parallel;
//   - nodes not yet bootstrapped run bootstrap as the image's login user and
//     are then marked bootstrapped in the provider;
//   - the requested phases (default configure) run on every node of the
//     named groups, as the admin user once a node is bootstrapped.
//
// Running, logging and reporting on nodes is the lift package's; converge
// only decides which nodes, as which user, and in which order.
package converge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
)

// DestroyPhase is the phase a node runs just before it is destroyed.
const DestroyPhase = "destroy-server"

// GroupPlan is what converge does to one named group.
type GroupPlan struct {
	Group string `json:"group"`
	// Want is the count asked for; Have the nodes there are now.
	Want int `json:"want"`
	Have int `json:"have"`
	// Create is how many nodes to make.
	Create int `json:"create"`
	// Destroy are the nodes to remove, newest first.
	Destroy []provider.Node `json:"destroy"`
	// DestroyPhase is true when the group has a destroy-server phase,
	// which then runs on Destroy before they go.
	DestroyPhase bool `json:"destroy_phase"`
	// Keep are the existing nodes that stay, oldest first.
	Keep []provider.Node `json:"keep"`
	// Bootstrap are the kept nodes that are not bootstrapped yet; new
	// nodes are bootstrapped too. Empty when the group has no bootstrap
	// phase.
	Bootstrap []provider.Node `json:"bootstrap"`
	// HasBootstrap is true when the group has a bootstrap phase.
	HasBootstrap bool `json:"has_bootstrap"`
	// Phases are the requested phases this group has, in order.
	Phases []string `json:"phases"`
}

// Plan is what a converge will do, decided from the provider's node list
// and the project before anything changes.
type Plan struct {
	Project      *compiler.Project `json:"-"`
	Provider     provider.Provider `json:"-"`
	ProviderName string            `json:"provider"`
	// Groups are the named groups, in the project's file order.
	Groups []*GroupPlan `json:"groups"`
	// Phases are the requested phases, in order.
	Phases []string `json:"phases"`
	// Untouched counts nodes of groups that were not named, by group.
	Untouched map[string]int `json:"untouched"`
}

// ParseCounts reads GROUP=COUNT arguments. A group named twice, a missing
// '=' or a count that is not a whole number ≥ 0 is an error saying which.
func ParseCounts(args []string) (map[string]int, error) {
	counts := map[string]int{}
	for _, a := range args {
		group, n, ok := strings.Cut(a, "=")
		if !ok || group == "" {
			return nil, fmt.Errorf("%q: write counts as GROUP=COUNT, e.g. mynode=2", a)
		}
		c, err := strconv.Atoi(n)
		if err != nil || c < 0 {
			return nil, fmt.Errorf("%q: count %q is not a whole number ≥ 0", a, n)
		}
		if _, dup := counts[group]; dup {
			return nil, fmt.Errorf("%q: group %s is named twice", a, group)
		}
		counts[group] = c
	}
	if len(counts) == 0 {
		return nil, errors.New("no counts given: name at least one GROUP=COUNT, e.g. mynode=2")
	}
	return counts, nil
}

// NewPlan lists the provider's nodes and decides what converging counts
// means: which nodes to create, destroy and bootstrap, and which phases to
// run. It changes nothing. phases defaults to configure; a phase named
// explicitly that none of the named groups has is an error (a typo would
// otherwise do nothing), while the default configure is simply skipped by
// groups without it.
func NewPlan(ctx context.Context, p *compiler.Project, prov provider.Provider, providerName string, counts map[string]int, phases []string) (*Plan, error) {
	nodes, err := prov.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("provider %s: list nodes: %w", providerName, err)
	}
	pl, err := decide(p, nodes, counts, phases, canCreate(prov))
	if err != nil {
		return nil, err
	}
	pl.Provider, pl.ProviderName = prov, providerName
	return pl, nil
}

// canCreate reports whether the provider can change its node set: it is a
// provider.Creator (a node list is not).
func canCreate(prov provider.Provider) bool {
	_, ok := prov.(provider.Creator)
	return ok
}

// decide is Plan without the provider call, for tests.
func decide(p *compiler.Project, nodes []provider.Node, counts map[string]int, phases []string, creatable bool) (*Plan, error) {
	if len(counts) == 0 {
		return nil, errors.New("no counts given: name at least one GROUP=COUNT")
	}
	explicit := len(phases) > 0
	if !explicit {
		phases = []string{lift.DefaultPhase}
	}
	pl := &Plan{Project: p, Phases: slices.Clone(phases), Untouched: map[string]int{}}
	var names []string
	for name, want := range counts {
		if want < 0 {
			return nil, fmt.Errorf("group %s: count %d: counts are ≥ 0", name, want)
		}
		if _, err := p.Group(name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	for _, g := range p.Groups {
		want, named := counts[g.Name]
		if !named {
			continue
		}
		gp := &GroupPlan{Group: g.Name, Want: want, HasBootstrap: g.Phase(lift.BootstrapPhase) != nil, DestroyPhase: g.Phase(DestroyPhase) != nil}
		var have []provider.Node
		for _, n := range nodes {
			if n.Group == g.Name {
				have = append(have, n)
			}
		}
		gp.Have = len(have)
		// Oldest first; the surplus is the tail, taken newest first.
		slices.SortStableFunc(have, provider.OlderFirst)
		switch {
		case want > len(have):
			gp.Create = want - len(have)
		case want < len(have):
			gp.Destroy = slices.Clone(have[want:])
			slices.Reverse(gp.Destroy)
			have = have[:want]
		}
		if !creatable && (gp.Create > 0 || len(gp.Destroy) > 0) {
			return nil, fmt.Errorf("group %s: asked for %d nodes, the node list has %d, and pallet cannot create or destroy listed machines: "+
				"edit the node list in %s (or ask for %s=%d, which just lifts)", g.Name, want, gp.Have, p.File, g.Name, gp.Have)
		}
		gp.Keep = have
		if gp.HasBootstrap {
			for _, n := range have {
				if !n.Bootstrapped {
					gp.Bootstrap = append(gp.Bootstrap, n)
				}
			}
		}
		for _, ph := range phases {
			if g.Phase(ph) != nil {
				gp.Phases = append(gp.Phases, ph)
			}
		}
		pl.Groups = append(pl.Groups, gp)
	}
	for _, n := range nodes {
		if _, named := counts[n.Group]; !named {
			pl.Untouched[n.Group]++
		}
	}
	if explicit {
		for _, ph := range phases {
			found := false
			for _, gp := range pl.Groups {
				found = found || slices.Contains(gp.Phases, ph)
			}
			if !found {
				slices.Sort(names)
				return nil, fmt.Errorf("%s: no phase %q in group %s", p.File, ph, strings.Join(names, ", "))
			}
		}
	}
	return pl, nil
}

// Changes reports whether applying the plan creates or destroys anything.
func (pl *Plan) Changes() bool {
	for _, gp := range pl.Groups {
		if gp.Create > 0 || len(gp.Destroy) > 0 {
			return true
		}
	}
	return false
}

// NotChecked says what a check-mode converge of the plan cannot check,
// one line each: the nodes to be created (they do not exist yet) and
// those to be destroyed (their destroy-server phase does not run).
func (pl *Plan) NotChecked() []string {
	out := []string{}
	for _, gp := range pl.Groups {
		if gp.Create > 0 {
			out = append(out, fmt.Sprintf("%s: %d %s to create (%s not exist yet)",
				gp.Group, gp.Create, plural(gp.Create, "node", "nodes"), plural(gp.Create, "it does", "they do")))
		}
		if len(gp.Destroy) > 0 {
			out = append(out, fmt.Sprintf("%s: %s, to be destroyed (no %s phase runs in check mode)",
				gp.Group, nodeNames(gp.Destroy), DestroyPhase))
		}
	}
	return out
}

// Print writes the plan for people: per group what is created, destroyed,
// bootstrapped and run, then what is left alone.
func (pl *Plan) Print(w io.Writer) {
	fmt.Fprintf(w, "plan for provider %s:\n", pl.ProviderName)
	for _, gp := range pl.Groups {
		fmt.Fprintf(w, "  %s: %d → %d\n", gp.Group, gp.Have, gp.Want)
		if gp.Create > 0 {
			fmt.Fprintf(w, "    create     %d %s\n", gp.Create, plural(gp.Create, "node", "nodes"))
		}
		if len(gp.Destroy) > 0 {
			how := ""
			if gp.DestroyPhase {
				how = " (after their " + DestroyPhase + " phase)"
			}
			fmt.Fprintf(w, "    destroy    %s%s\n", nodeNames(gp.Destroy), how)
		}
		if gp.HasBootstrap {
			var who []string
			if len(gp.Bootstrap) > 0 {
				who = append(who, nodeNames(gp.Bootstrap))
			}
			if gp.Create > 0 {
				who = append(who, "the new "+plural(gp.Create, "node", "nodes"))
			}
			if len(who) > 0 {
				fmt.Fprintf(w, "    bootstrap  %s\n", strings.Join(who, " and "))
			}
		}
		if gp.Want > 0 {
			if len(gp.Phases) > 0 {
				fmt.Fprintf(w, "    run        %s on %d %s\n", strings.Join(gp.Phases, ", "), gp.Want, plural(gp.Want, "node", "nodes"))
			} else {
				fmt.Fprintf(w, "    run        nothing (no %s phase)\n", strings.Join(pl.Phases, " or "))
			}
		}
	}
	var other []string
	for g := range pl.Untouched {
		other = append(other, g)
	}
	slices.Sort(other)
	for _, g := range other {
		n := pl.Untouched[g]
		fmt.Fprintf(w, "  %s: %d %s, not named: left alone\n", g, n, plural(n, "node", "nodes"))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func nodeNames(nodes []provider.Node) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return strings.Join(names, ", ")
}
