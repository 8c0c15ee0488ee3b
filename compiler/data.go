package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/palletops/pallet/provider"
)

// NodeData is what templates know of one node: .node, and each entry of
// .groups.NAME and .group.nodes.
type NodeData struct {
	ID    string // the provider's id: which node of the cluster this is
	Name  string
	Group string
	// Host is what pallet connects to; Address the node's private
	// address where the provider has one, else Host.
	Host, Address string
	OS            string
	// Index is the node's place in its group, sorted by name, from 0.
	Index int
	Tags  map[string]string
	// Vars are the node's own vars (a node-list node's vars:); they are
	// not part of .node but rank above the group's.
	Vars map[string]any

	tmpl  map[string]any // the template view, made once
	words map[string]any // the crate template view: the same, quoted
	key   string         // identifies the node in the render cache
}

// Cluster is every node a provider has, by group, sorted by name: what
// .groups and .group read. Nodes being lifted are looked up in it, so a
// node's .node is the same map its group's list holds.
type Cluster struct {
	// Placeholder is true for a cluster made up for compiling without a
	// provider (PlaceholderCluster); scripts say so in their header.
	Placeholder bool
	byGroup     map[string][]*NodeData
	byID        map[string]*NodeData
	groups      map[string]any // .groups: group name → []any of node maps
	// words is .cluster, what crate templates see of .groups: the same
	// node maps, quoted like .node (etc-hosts reads it).
	words map[string]any
	// key identifies the whole cluster in the render cache: a crate
	// template that reads .cluster renders per node, and what it renders
	// changes with any node of any group, not only the node's own data.
	key string
}

// NewCluster makes the cluster of nodes, a provider's whole list. Every
// group of the project is in it, with no nodes when the provider has
// none, so that .groups.NAME of a group that does not exist is an error
// and of an empty group an empty list.
func (p *Project) NewCluster(nodes []provider.Node) *Cluster {
	c := &Cluster{byGroup: map[string][]*NodeData{}, byID: map[string]*NodeData{}}
	for _, g := range p.Groups {
		c.byGroup[g.Name] = nil
	}
	for _, n := range nodes {
		nd := NodeDataOf(n)
		c.byGroup[n.Group] = append(c.byGroup[n.Group], nd)
		c.byID[n.ID] = nd
	}
	c.finish()
	return c
}

// PlaceholderCluster is a cluster of one made-up node per group,
// <group>-1 at 192.0.2.N (TEST-NET-1, which no real node has), running
// its group's OS: what palletc render and check compile for when no
// provider is given.
func (p *Project) PlaceholderCluster() *Cluster {
	var nodes []provider.Node
	for i, g := range p.Groups {
		osID := ""
		if os, err := p.OSFor(g, ""); err == nil {
			osID = os.ID
		}
		host := fmt.Sprintf("192.0.2.%d", i%254+1)
		name := g.Name + "-1"
		nodes = append(nodes, provider.Node{ID: name, Name: name, Group: g.Name, Host: host, Address: host, OS: osID})
	}
	c := p.NewCluster(nodes)
	c.Placeholder = true
	return c
}

// NodeDataOf is a provider node's data, for a node compiled for outside
// any cluster (its Index is then 0).
func NodeDataOf(n provider.Node) *NodeData {
	addr := n.Address
	if addr == "" {
		addr = n.Host
	}
	nd := &NodeData{ID: n.ID, Name: n.Name, Group: n.Group, Host: n.Host, Address: addr, OS: n.OS, Tags: n.Tags, Vars: n.Vars}
	nd.finish()
	return nd
}

func (c *Cluster) finish() {
	c.groups = make(map[string]any, len(c.byGroup))
	c.words = make(map[string]any, len(c.byGroup))
	for g, nodes := range c.byGroup {
		sort.SliceStable(nodes, func(i, j int) bool {
			if nodes[i].Name != nodes[j].Name {
				return nodes[i].Name < nodes[j].Name
			}
			return nodes[i].ID < nodes[j].ID
		})
		list := make([]any, len(nodes))
		words := make([]any, len(nodes))
		for i, nd := range nodes {
			nd.Index = i
			nd.finish()
			list[i] = nd.tmpl
			words[i] = nd.words
		}
		c.groups[g] = list
		c.words[g] = words
	}
	h := sha256.New()
	for _, g := range sortedKeys(c.byGroup) {
		h.Write([]byte(strconv.Quote(g)))
		for _, nd := range c.byGroup[g] {
			h.Write([]byte(nd.key + "\n"))
		}
	}
	c.key = hex.EncodeToString(h.Sum(nil))
}

// Node is the cluster's data for n, or n's own when the cluster does not
// have it (a node the provider did not list).
func (c *Cluster) Node(n provider.Node) *NodeData {
	if c != nil {
		if nd, ok := c.byID[n.ID]; ok && nd.Name == n.Name {
			return nd
		}
	}
	return NodeDataOf(n)
}

// Nodes lists the cluster's nodes of group, sorted by name; every group's
// when group is "", in group order then name order.
func (c *Cluster) Nodes(group string) []*NodeData {
	if group != "" {
		return c.byGroup[group]
	}
	names := make([]string, 0, len(c.byGroup))
	for g := range c.byGroup {
		names = append(names, g)
	}
	sort.Strings(names)
	var out []*NodeData
	for _, g := range names {
		out = append(out, c.byGroup[g]...)
	}
	return out
}

// WithOS is nd running os: the node's data as compiled for the OS probed
// on it (a node list's os: auto), nd itself when that is what it says.
func (nd *NodeData) WithOS(os string) *NodeData {
	if nd.OS == os {
		return nd
	}
	c := *nd
	c.OS = os
	c.finish()
	return &c
}

// finish makes the node's template views and cache key from its fields.
func (nd *NodeData) finish() {
	tags := make(map[string]any, len(nd.Tags))
	wtags := make(map[Word]Word, len(nd.Tags))
	for k, v := range nd.Tags {
		tags[k] = v
		wtags[Word(k)] = Word(v)
	}
	nd.tmpl = map[string]any{
		"name": nd.Name, "group": nd.Group, "host": nd.Host, "address": nd.Address,
		"os": nd.OS, "index": nd.Index, "tags": tags,
	}
	nd.words = map[string]any{
		"name": Word(nd.Name), "group": Word(nd.Group), "host": Word(nd.Host), "address": Word(nd.Address),
		"os": Word(nd.OS), "index": nd.Index, "tags": wtags,
	}
	var b strings.Builder
	for _, s := range []string{nd.ID, nd.Name, nd.Group, nd.Host, nd.Address, nd.OS, strconv.Itoa(nd.Index)} {
		b.WriteString(strconv.Quote(s))
	}
	for _, k := range sortedKeys(nd.Tags) {
		b.WriteString(strconv.Quote(k) + "=" + strconv.Quote(nd.Tags[k]))
	}
	nd.key = b.String()
}

// nodeKeys are the keys of .node, for messages.
var nodeKeys = []string{"address", "group", "host", "index", "name", "os", "tags"}

// templateData is the data map a param's template and a template file
// read, the one place it is made: .vars, and, when compiling for a node,
// .node, .group (its group: name and nodes) and .groups (every group's
// nodes); .secrets when secrets is not nil. Only the template crate passes
// secrets: a param's template never sees them (see explainTemplateError),
// since a param's value ends up in the script's text.
func templateData(vars map[string]any, nd *NodeData, cl *Cluster, group string, secrets map[string]any) map[string]any {
	d := map[string]any{"vars": vars}
	if secrets != nil {
		d["secrets"] = secrets
	}
	if nd != nil {
		d["node"] = nd.tmpl
	}
	if cl != nil {
		d["groups"] = cl.groups
		nodes, _ := cl.groups[group].([]any)
		if nodes == nil {
			nodes = []any{}
		}
		d["group"] = map[string]any{"name": group, "nodes": nodes}
	}
	return d
}
