// Package scenario reads and writes crate scenario files,
// crates/<name>/testdata/<scenario>.txtar: one call of a crate with its
// params, and what that call renders on each OS variant, deduplicated.
//
// A scenario is a txtar archive. Its comment says what the scenario
// covers. Its sections, in this order:
//
//	-- params.yaml --            the call's params (a YAML map; {} for none)
//	-- node --                   optional: compile for this node name
//	-- cluster --                optional: the nodes .groups holds, one a line:
//	                             GROUP NAME ADDRESS
//	-- oses --                   optional: the OS ids to render for, instead of
//	                             the crate's representatives
//	-- error --                  the params are refused: the error, and nothing else
//	-- steps/<os> <os>... --     what those OSes render: a "# helpers:" line naming
//	                             the helpers the steps call, a blank line, the steps
//	-- error/<os> <os>... --     those OSes refuse the call: the error
//
// The steps are the crate's own part of the compiled script (see Carve),
// so a change to the shared runtime or to a helper's body rewrites no
// scenario. Only tests read scenarios: nothing here is for the binaries.
package scenario

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// Section names.
const (
	paramsFile  = "params.yaml"
	nodeFile    = "node"
	clusterFile = "cluster"
	osesFile    = "oses"
	errorFile   = "error"
	stepsDir    = "steps/"
	errorDir    = "error/"
	helpersTag  = "# helpers:"
)

// Scenario is one scenario file.
type Scenario struct {
	Comment string // what the scenario covers
	Params  string // the call's params, YAML
	Node    string // the node to compile for; "" compiles for the group
	// Cluster is the nodes the call sees as .groups; nil: no cluster.
	Cluster []ClusterNode
	OSes    []string // the OS ids to render for; nil: the crate's representatives
	Err     string   // the params are refused with this error; then Renders is empty
	Renders []Render // one per distinct result, in the order of their first OS
}

// ClusterNode is one node of a scenario's cluster.
type ClusterNode struct{ Group, Name, Address string }

// Render is what a set of OS ids render alike: steps and the helpers
// they call, or an error.
type Render struct {
	OSes    []string
	Helpers []string // the helpers the steps call, sorted
	Steps   string   // the steps, ending in a newline
	Err     string   // the call is refused on these OSes with this error
}

// Parse reads a scenario file. name is used in errors.
func Parse(name string, data []byte) (*Scenario, error) {
	a := txtar.Parse(data)
	s := &Scenario{Comment: string(a.Comment)}
	seen := map[string]bool{}
	var hasParams bool
	for _, f := range a.Files {
		if seen[f.Name] {
			return nil, fmt.Errorf("%s: section %q appears twice", name, f.Name)
		}
		seen[f.Name] = true
		switch {
		case f.Name == paramsFile:
			s.Params, hasParams = string(f.Data), true
		case f.Name == nodeFile:
			s.Node = strings.TrimSpace(string(f.Data))
		case f.Name == clusterFile:
			for _, line := range strings.Split(string(f.Data), "\n") {
				w := strings.Fields(line)
				if len(w) == 0 {
					continue
				}
				if len(w) != 3 {
					return nil, fmt.Errorf("%s: cluster line %q: want GROUP NAME ADDRESS", name, line)
				}
				s.Cluster = append(s.Cluster, ClusterNode{Group: w[0], Name: w[1], Address: w[2]})
			}
		case f.Name == osesFile:
			s.OSes = strings.Fields(string(f.Data))
		case f.Name == errorFile:
			s.Err = string(f.Data)
		case strings.HasPrefix(f.Name, stepsDir):
			r := Render{OSes: strings.Fields(strings.TrimPrefix(f.Name, stepsDir))}
			head, steps, _ := strings.Cut(string(f.Data), "\n")
			if !strings.HasPrefix(head, helpersTag) {
				return nil, fmt.Errorf("%s: section %q must start with a %q line", name, f.Name, helpersTag)
			}
			r.Helpers = strings.Fields(strings.TrimPrefix(head, helpersTag))
			if len(r.Helpers) == 1 && r.Helpers[0] == "none" {
				r.Helpers = nil
			}
			r.Steps = strings.TrimPrefix(steps, "\n")
			s.Renders = append(s.Renders, r)
		case strings.HasPrefix(f.Name, errorDir):
			s.Renders = append(s.Renders, Render{OSes: strings.Fields(strings.TrimPrefix(f.Name, errorDir)), Err: string(f.Data)})
		default:
			return nil, fmt.Errorf("%s: unknown section %q (want params.yaml, node, cluster, oses, error, steps/OS..., error/OS...)", name, f.Name)
		}
	}
	if !hasParams {
		return nil, fmt.Errorf("%s: no params.yaml section: add -- params.yaml -- with the call's params ({} for none)", name)
	}
	return s, nil
}

// Format writes a scenario file. It fails when a section's text holds a
// line that would read back as a section marker.
func (s *Scenario) Format() ([]byte, error) {
	a := &txtar.Archive{Comment: []byte(s.Comment)}
	add := func(name, data string) {
		a.Files = append(a.Files, txtar.File{Name: name, Data: []byte(data)})
	}
	add(paramsFile, s.Params)
	if s.Node != "" {
		add(nodeFile, s.Node+"\n")
	}
	if len(s.Cluster) > 0 {
		var b strings.Builder
		for _, n := range s.Cluster {
			b.WriteString(n.Group + " " + n.Name + " " + n.Address + "\n")
		}
		add(clusterFile, b.String())
	}
	if s.OSes != nil {
		add(osesFile, strings.Join(s.OSes, " ")+"\n")
	}
	if s.Err != "" {
		add(errorFile, s.Err)
	}
	for _, r := range s.Renders {
		oses := strings.Join(r.OSes, " ")
		if r.Err != "" {
			add(errorDir+oses, r.Err)
			continue
		}
		helpers := "none"
		if len(r.Helpers) > 0 {
			helpers = strings.Join(r.Helpers, " ")
		}
		add(stepsDir+oses, helpersTag+" "+helpers+"\n\n"+r.Steps)
	}
	for i := range a.Files {
		f := &a.Files[i]
		if len(f.Data) > 0 && !bytes.HasSuffix(f.Data, []byte("\n")) {
			f.Data = append(f.Data, '\n')
		}
		if markerLine(f.Data) {
			return nil, fmt.Errorf("section %q has a line of the form \"-- NAME --\", which would end the section", f.Name)
		}
	}
	return txtar.Format(a), nil
}

// markerLine reports whether data has a line txtar reads as a marker.
func markerLine(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") && len(line) >= 6 {
			return true
		}
	}
	return false
}

// Result is what one OS rendered, before grouping.
type Result struct {
	OS      string
	Helpers []string
	Steps   string
	Err     string
}

// Group merges results that are alike into Renders, each listing its OS
// ids sorted, in the order of their first OS id.
func Group(results []Result) []Render {
	sorted := slices.Clone(results)
	slices.SortFunc(sorted, func(a, b Result) int { return strings.Compare(a.OS, b.OS) })
	var out []Render
	for _, r := range sorted {
		i := slices.IndexFunc(out, func(g Render) bool {
			return g.Steps == r.Steps && g.Err == r.Err && slices.Equal(g.Helpers, r.Helpers)
		})
		if i < 0 {
			out = append(out, Render{Helpers: r.Helpers, Steps: r.Steps, Err: r.Err})
			i = len(out) - 1
		}
		out[i].OSes = append(out[i].OSes, r.OS)
	}
	return out
}
