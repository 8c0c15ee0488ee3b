package compiler

import (
	"text/template"
	"text/template/parse"
)

// markerText is what the template functions that take nothing print:
// {{ check }} always prints markCheck+markEnd, and so on.
var markerText = map[string]string{
	"check":         markCheck + markEnd,
	"apply":         markApply + markEnd,
	"wait":          markWait + markEnd,
	"apply_checked": markChecked + markEnd,
	"diff":          markDiff + markEnd,
}

// foldMarkers replaces each bare {{ check }}, {{ apply }}, {{ wait }} and
// {{ diff }} of t (and of the templates it defines) with the text it
// prints, and joins the text around it: text/template calls a function
// through reflect, a few hundred nanoseconds each, and every step has two
// or three of these. Only an action that is the function alone and prints
// it is folded ({{ $x := check }} and {{ check | f }} are left), so the
// output is the same byte for byte. t must have been parsed with
// templateFuncs, where these names mean those functions.
func foldMarkers(t *template.Template) {
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Root != nil {
			foldList(tt.Root)
		}
	}
}

func foldList(l *parse.ListNode) {
	if l == nil {
		return
	}
	out := l.Nodes[:0]
	for _, n := range l.Nodes {
		switch x := n.(type) {
		case *parse.ActionNode:
			if text, ok := markerAction(x); ok {
				n = &parse.TextNode{NodeType: parse.NodeText, Pos: x.Pos, Text: []byte(text)}
			}
		case *parse.IfNode:
			foldList(x.List)
			foldList(x.ElseList)
		case *parse.RangeNode:
			foldList(x.List)
			foldList(x.ElseList)
		case *parse.WithNode:
			foldList(x.List)
			foldList(x.ElseList)
		case *parse.ListNode:
			foldList(x)
		}
		// Text after text is one write.
		if t, ok := n.(*parse.TextNode); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(*parse.TextNode); ok {
				joined := make([]byte, 0, len(prev.Text)+len(t.Text))
				joined = append(append(joined, prev.Text...), t.Text...)
				out[len(out)-1] = &parse.TextNode{NodeType: parse.NodeText, Pos: prev.Pos, Text: joined}
				continue
			}
		}
		out = append(out, n)
	}
	clear(l.Nodes[len(out):])
	l.Nodes = out
}

// markerAction is the text a {{ check }}-like action prints, if a is one.
func markerAction(a *parse.ActionNode) (string, bool) {
	p := a.Pipe
	if p == nil || len(p.Decl) > 0 || p.IsAssign || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return "", false
	}
	id, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode)
	if !ok {
		return "", false
	}
	text, ok := markerText[id.Ident]
	return text, ok
}
