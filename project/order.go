package project

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Amount is a rollout size or failure limit: a number of nodes, or a
// percentage of a group's nodes in a run.
type Amount struct {
	N       int
	Percent bool
}

// String is the amount as it is written: 2 or 25%.
func (a Amount) String() string {
	if a.Percent {
		return strconv.Itoa(a.N) + "%"
	}
	return strconv.Itoa(a.N)
}

// Of is the amount for a group of n nodes: a percentage is rounded up,
// so 10% of 5 nodes is 1.
func (a Amount) Of(n int) int {
	if !a.Percent {
		return a.N
	}
	return int(math.Ceil(float64(a.N) * float64(n) / 100))
}

var percentRE = regexp.MustCompile(`^([0-9]{1,3})%$`)

// ParseAmount reads "2" or "25%" (up to 100%). least is the smallest
// count allowed (1 for a batch, 0 for a failure limit); a percentage must
// be at least least%.
func ParseAmount(s string, least int) (Amount, error) {
	s = strings.TrimSpace(s)
	if m := percentRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n > 100 || n < least {
			return Amount{}, fmt.Errorf("%s: want a percentage from %d%% to 100%%", s, least)
		}
		return Amount{N: n, Percent: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < least {
		return Amount{}, fmt.Errorf("%q: want a whole number of nodes (at least %d) or a percentage such as 25%%", s, least)
	}
	return Amount{N: n}, nil
}

// Rollout is how a group's nodes go through a run: Batch nodes at a time
// (nil: all at once), and after a batch, when more than MaxFailed nodes
// have failed (nil: no limit), no further batch starts.
type Rollout struct {
	Batch     *Amount
	MaxFailed *Amount
}

type rolloutFile struct {
	Batch     yaml.Node `yaml:"batch"`
	MaxFailed yaml.Node `yaml:"max_failed"`
}

// loadRollout reads a group's rollout: {batch, max_failed}.
func loadRollout(file string, g *Group, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || IsNull(node) {
		return
	}
	var rf rolloutFile
	if !DecodeStrict(file, node, &rf, errs) {
		return
	}
	amount := func(key string, n *yaml.Node, min int) *Amount {
		if n.Kind == 0 || IsNull(n) {
			return nil
		}
		if n.Kind != yaml.ScalarNode {
			errs.Add(PosOf(file, n), "group %s: rollout.%s must be a number of nodes or a percentage (2, \"25%%\"), got %s", g.Name, key, Describe(n))
			return nil
		}
		a, err := ParseAmount(n.Value, min)
		if err != nil {
			errs.Add(PosOf(file, n), "group %s: rollout.%s %v", g.Name, key, err)
			return nil
		}
		return &a
	}
	g.Rollout = Rollout{Batch: amount("batch", &rf.Batch, 1), MaxFailed: amount("max_failed", &rf.MaxFailed, 0)}
}

// groupRef is a group name where it is written (in order: or after:).
type groupRef struct {
	name string
	pos  Pos
}

// loadNames reads a list of group names (order: or a group's after:).
func loadNames(file, what string, node *yaml.Node, errs *ErrorList) []groupRef {
	if node.Kind == 0 || IsNull(node) {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		errs.Add(PosOf(file, node), "%s must be a list of group names, e.g. [db, app], got %s", what, Describe(node))
		return nil
	}
	var out []groupRef
	for _, item := range node.Content {
		if item.Kind != yaml.ScalarNode || IsNull(item) {
			errs.Add(PosOf(file, item), "%s: each item is a group name, got %s", what, Describe(item))
			continue
		}
		out = append(out, groupRef{item.Value, PosOf(file, item)})
	}
	return out
}

// edge says group `after` runs after group `before`, because of what is
// written at pos.
type edge struct {
	before, after string
	pos           Pos
}

// loadOrder merges order: and every group's after: into one relation
// (p.after) and refuses unknown names and cycles, at the place that
// names them. It runs after the groups are loaded.
func (p *Project) loadOrder(file string, order *yaml.Node, errs *ErrorList) {
	var edges []edge
	known := func(r groupRef, what string) bool {
		if _, ok := p.byName[r.name]; ok {
			return true
		}
		errs.Add(r.pos, "%s: no group %q%s (groups: %s)", what, r.name, didYouMean(r.name, p.groupNames()), strings.Join(p.groupNames(), ", "))
		return false
	}
	refs := loadNames(file, "order", order, errs)
	var prev *groupRef
	seen := map[string]bool{}
	for i, r := range refs {
		if !known(r, "order") {
			continue
		}
		if seen[r.name] {
			errs.Add(r.pos, "order: group %s is named twice: each group has one place in the order", r.name)
			continue
		}
		seen[r.name] = true
		p.Order = append(p.Order, r.name)
		if prev != nil {
			edges = append(edges, edge{prev.name, r.name, r.pos})
		}
		prev = &refs[i]
	}
	for _, g := range p.Groups {
		for _, r := range g.afterRefs {
			if !known(r, "group "+g.Name+": after") {
				continue
			}
			if r.name == g.Name {
				errs.Add(r.pos, "group %s: after: a group cannot run after itself", g.Name)
				continue
			}
			if !slices.Contains(g.After, r.name) {
				g.After = append(g.After, r.name)
			}
			edges = append(edges, edge{r.name, g.Name, r.pos})
		}
	}
	p.after = map[string][]string{}
	for _, e := range edges {
		if !slices.Contains(p.after[e.after], e.before) {
			p.after[e.after] = append(p.after[e.after], e.before)
		}
	}
	if cyc := findCycle(p.Groups, edges); cyc != nil {
		var names, places []string
		for _, e := range cyc {
			names = append(names, e.before)
			places = append(places, e.pos.String())
		}
		names = append(names, cyc[0].before)
		errs.Add(cyc[0].pos, "order: groups run after each other in a circle: %s (written at %s): remove one of these from order: or after:",
			strings.Join(names, " → "), strings.Join(places, ", "))
		p.after = nil
	}
}

// findCycle returns the edges of one cycle in the relation, or nil.
func findCycle(groups []*Group, edges []edge) []edge {
	out := map[string][]edge{}
	for _, e := range edges {
		out[e.before] = append(out[e.before], e)
	}
	const (
		unseen = iota
		onPath
		finished
	)
	state := map[string]int{}
	var path []edge
	var visit func(g string) []edge
	visit = func(g string) []edge {
		state[g] = onPath
		for _, e := range out[g] {
			switch state[e.after] {
			case onPath:
				// The cycle is the part of path from e.after on, plus e.
				for i, pe := range path {
					if pe.before == e.after {
						return append(slices.Clone(path[i:]), e)
					}
				}
				return []edge{e}
			case unseen:
				path = append(path, e)
				if c := visit(e.after); c != nil {
					return c
				}
				path = path[:len(path)-1]
			}
		}
		state[g] = finished
		return nil
	}
	for _, g := range groups {
		if state[g.Name] == unseen {
			if c := visit(g.Name); c != nil {
				return c
			}
		}
	}
	return nil
}

func (p *Project) groupNames() []string {
	names := make([]string, len(p.Groups))
	for i, g := range p.Groups {
		names[i] = g.Name
	}
	return names
}

// RunsAfter lists the groups that must finish a run before group starts,
// from order: and after: together (direct ones only, in the order they
// were written); nil when nothing is declared.
func (p *Project) RunsAfter(group string) []string {
	return slices.Clone(p.after[group])
}
