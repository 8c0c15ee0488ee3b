package lift

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// OSWarning says that some nodes of a group run another OS than the one
// the group's image asks for. Scripts are compiled for the OS a node runs,
// so `palletc render` (which renders for the image's OS) showed other
// scripts than the ones that ran: the warning says so instead of leaving
// it silent.
type OSWarning struct {
	Group string
	// Asks is what the image asks for: an OS id (ubuntu-22.04) when it
	// has os_version_matches, else the family (ubuntu).
	Asks string
	// Nodes are the nodes that run something else, and OS what each runs
	// (the OS its scripts were compiled for), in the same order.
	Nodes []string
	OS    []string
}

// String is the warning's one line: "group javanode: its image asks for
// ubuntu-22.04 but node(s) javanode-1 run debian-12; compiled for
// debian-12".
func (w OSWarning) String() string {
	var runs, oses []string
	for _, os := range uniq(w.OS) {
		var names []string
		for i, n := range w.Nodes {
			if w.OS[i] == os {
				names = append(names, n)
			}
		}
		runs = append(runs, fmt.Sprintf("node(s) %s run %s", strings.Join(names, ", "), os))
		oses = append(oses, os)
	}
	return fmt.Sprintf("group %s: its image asks for %s but %s; compiled for %s",
		w.Group, w.Asks, strings.Join(runs, " and "), strings.Join(oses, ", "))
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// ImageOSWarnings returns one warning per group (in the order the nodes
// first name them) whose nodes run another OS than the group's image asks
// for. A node's OS is the one its scripts are compiled for; a node whose
// OS is not known yet ("" or auto) is left out. A group without an
// image (os_family) asks for nothing and is never warned about; an image
// without os_version_matches asks for its family, any version.
func ImageOSWarnings(p *compiler.Project, nodes []provider.Node) []OSWarning {
	var out []OSWarning
	index := map[string]int{}
	for _, n := range nodes {
		osID := n.OS
		if osID == "" || osID == AutoOS {
			continue
		}
		g, err := p.Group(n.Group)
		if err != nil {
			continue
		}
		asks, ok := imageMismatch(p, g, osID)
		if !ok {
			continue
		}
		i, seen := index[n.Group]
		if !seen {
			i = len(out)
			index[n.Group] = i
			out = append(out, OSWarning{Group: n.Group, Asks: asks})
		}
		out[i].Nodes = append(out[i].Nodes, n.Name)
		out[i].OS = append(out[i].OS, osID)
	}
	return out
}

// imageMismatch reports whether a node running osID is not what g's image
// asks for, and what it asks for.
func imageMismatch(p *compiler.Project, g *project.Group, osID string) (asks string, mismatch bool) {
	img := g.Image
	if img.OSFamily == "" {
		return "", false
	}
	node, err := osfamily.Parse(osID)
	if err != nil {
		return "", false
	}
	asks = img.OSFamily
	versionOK := true
	if img.OSVersionMatches != "" {
		if want, err := p.OSFor(g, ""); err == nil {
			asks = want.ID // what palletc render renders for
		}
		re, err := regexp.Compile(img.OSVersionMatches)
		versionOK = err != nil || node.Version == "" || re.MatchString(node.Version)
	}
	return asks, node.Name != img.OSFamily || !versionOK
}
