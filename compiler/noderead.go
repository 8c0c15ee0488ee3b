package compiler

import (
	"slices"
	"text/template"
	"text/template/parse"
)

// readsNode reports whether executing t may read the node it is rendered
// for: its output may then differ from node to node, and the render cache
// keeps one rendering per node instead of one for all.
//
// It reads the parse tree and follows where the data can flow. The node is
// reachable only through the data map: the top-level dot and $, whose
// "node" key holds it. Every other value a template can reach (params,
// .raw, .os, .admin, literals, what functions return from those) holds
// nothing of the node, since no template function can see the renderer.
// So the data map is tracked through variables, and the template reads the
// node as soon as the map is used in any way but to take a field other
// than node from it: .node or $.node itself, the map printed, passed to a
// function (index . "node", printf "%v" ., toJson $), piped, tested by if,
// ranged over or taken by with. Passed to {{ template "x" . }}, x is
// scanned as run with the data map. Anything it cannot place counts as a
// read. The answer is conservative: a template
// that only ever takes .raw, .os and params is node-free.
func readsNode(t *template.Template) bool { return readsKeys(t, "node") }

// readsKeys is readsNode for any keys of the data map: whether executing t
// may read the data map's keys (or the map as a whole). A param's
// template reads node data through node, group and groups.
func readsKeys(t *template.Template, keys ...string) bool {
	s := &nodeScan{set: t, vars: map[string]taint{}, keys: keys}
	// Variables are tracked by name, not by flow: an assignment later in
	// the text, or later in a loop, taints every use. Repeat until no
	// variable's taint rises (it can only rise, so this ends).
	for {
		s.changed = false
		s.called = map[string]bool{}
		// The file's own template runs with the data map as dot and $.
		// Each {{ define }} is scanned as called with clean values too;
		// {{ template "x" . }} scans x again with the data map (call).
		for _, tt := range t.Templates() {
			if tt.Tree == nil || tt.Root == nil {
				continue
			}
			dot := clean
			if tt.Name() == t.Name() {
				dot = dataMap
			}
			s.tmpl, s.dollar = tt.Name(), dot
			s.list(tt.Root, dot)
			if s.found {
				return true
			}
		}
		if !s.changed {
			return false
		}
	}
}

// taint is what a value may hold of the node.
type taint int

const (
	clean   taint = iota // nothing of the node
	dataMap              // the data map itself: its "node" key holds the node
)

type nodeScan struct {
	set     *template.Template // the file's templates
	tmpl    string             // the template being scanned
	dollar  taint              // what $ holds in it
	vars    map[string]taint   // by template and variable name
	called  map[string]bool    // templates scanned as called with the data map, this pass
	keys    []string           // the data map's keys that hold what is looked for
	changed bool
	found   bool
}

// call scans a {{ define }}d template as run with the data map as its dot
// and $ (the only taint there is besides clean), once a pass: a template
// that calls itself ends there.
func (s *nodeScan) call(name string, dot taint) {
	if s.called[name] {
		return
	}
	s.called[name] = true
	t := s.set.Lookup(name)
	if t == nil || t.Tree == nil || t.Root == nil {
		return // no such template: executing it fails
	}
	tmpl, dollar := s.tmpl, s.dollar
	s.tmpl, s.dollar = name, dot
	s.list(t.Root, dot)
	s.tmpl, s.dollar = tmpl, dollar
}

func (s *nodeScan) list(l *parse.ListNode, dot taint) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		s.node(n, dot)
	}
}

func (s *nodeScan) node(n parse.Node, dot taint) {
	switch n := n.(type) {
	case *parse.ActionNode:
		// Printed, or assigned to a variable (pipe records that).
		if s.pipe(n.Pipe, dot) != clean && len(n.Pipe.Decl) == 0 {
			s.found = true
		}
	case *parse.IfNode:
		s.branch(&n.BranchNode, dot, false)
	case *parse.RangeNode:
		s.branch(&n.BranchNode, dot, true)
	case *parse.WithNode:
		s.branch(&n.BranchNode, dot, true)
	case *parse.TemplateNode:
		if t := s.pipe(n.Pipe, dot); t != clean {
			s.call(n.Name, t)
		}
	case *parse.ListNode:
		s.list(n, dot)
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	default:
		s.found = true // a kind of node this scan does not know: assume the worst
	}
}

// branch scans if, range and with: the data map tested, ranged over or
// taken as dot is a read; with and range set dot for their body only.
func (s *nodeScan) branch(b *parse.BranchNode, dot taint, setsDot bool) {
	t := s.pipe(b.Pipe, dot)
	if t != clean {
		s.found = true
	}
	inner := dot
	if setsDot {
		inner = t
	}
	s.list(b.List, inner)
	s.list(b.ElseList, dot)
}

func (s *nodeScan) pipe(p *parse.PipeNode, dot taint) taint {
	if p == nil {
		return clean
	}
	t := clean
	for i, c := range p.Cmds {
		t = s.cmd(c, dot, t, i > 0)
	}
	for _, v := range p.Decl {
		s.assign(v.Ident[0], t)
	}
	return t
}

func (s *nodeScan) cmd(c *parse.CommandNode, dot, piped taint, isPiped bool) taint {
	if len(c.Args) == 0 {
		return clean
	}
	if isPiped && piped != clean {
		s.found = true // the data map piped into a function or method
	}
	if _, ok := c.Args[0].(*parse.IdentifierNode); ok {
		// A function: handed the data map it may look anywhere in it.
		// Handed clean values it returns a clean one.
		for _, a := range c.Args[1:] {
			if s.arg(a, dot) != clean {
				s.found = true
			}
		}
		return clean
	}
	t := s.arg(c.Args[0], dot)
	for _, a := range c.Args[1:] { // arguments of a method call
		if s.arg(a, dot) != clean {
			s.found = true
		}
	}
	return t
}

func (s *nodeScan) arg(n parse.Node, dot taint) taint {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return s.fields(dot, n.Ident)
	case *parse.VariableNode:
		return s.fields(s.variable(n.Ident[0]), n.Ident[1:])
	case *parse.ChainNode:
		return s.fields(s.arg(n.Node, dot), n.Field)
	case *parse.PipeNode:
		return s.pipe(n, dot)
	case *parse.IdentifierNode, *parse.BoolNode, *parse.NumberNode, *parse.StringNode, *parse.NilNode:
		return clean
	}
	s.found = true
	return clean
}

// fields follows .a.b from a value: from the data map, .node (or another
// of keys) is the node (a read, however it is used next) and any other
// field is clean.
func (s *nodeScan) fields(t taint, idents []string) taint {
	if t == clean || len(idents) == 0 {
		return t
	}
	if slices.Contains(s.keys, idents[0]) {
		s.found = true
	}
	return clean
}

func (s *nodeScan) variable(name string) taint {
	if name == "$" {
		return s.dollar
	}
	return s.vars[s.tmpl+"\x00"+name]
}

func (s *nodeScan) assign(name string, t taint) {
	key := s.tmpl + "\x00" + name
	if t > s.vars[key] {
		s.vars[key] = t
		s.changed = true
	}
}
