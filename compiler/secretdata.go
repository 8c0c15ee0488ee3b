package compiler

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/secrets"
)

// The script header's note on the secrets of a script whose template files
// read them with placeholders standing in (SecretsPlaceholder): the line
// "# secrets: ..." (see assemble). No name from the project goes in it: a
// header line is a bash comment, and only text pallet writes is safe there.
const (
	noteSecretsDecrypted = "shown as <secret:NAME> (palletc render --show-secrets shows the values)"
	noteSecretsNoID      = "shown as <secret:NAME>, not decrypted (no age identity), so their names are not checked"
	noteSecretsNoFile    = "shown as <secret:NAME>, not decrypted (the secrets file does not exist), so their names are not checked"
)

// templateSecrets is what .secrets holds for a template file that reads
// it, and the header note of a script it goes into ("" for none). The
// secrets file is decrypted only now, when a template asks: a project that
// uses no secret needs no identity.
//
// In placeholder mode (render, check, golden files), a project without an
// identity or without its secrets file yet (a fresh clone, CI) still
// renders: each secret the template names stands as its placeholder, and
// the header says the names went unchecked. Any other failure (a wrong
// identity, a damaged file) is an error in every mode. A run (lift, build)
// needs the values: its error names the secrets the template reads and
// where the identity is looked for.
func (p *Project) templateSecrets(pt *parsedTemplate) (secrets.Values, string, error) {
	vals, err := p.Secrets()
	if err == nil {
		p.noteSecrets(vals)
		if p.secretMode == SecretsPlaceholder {
			return vals.Placeholders(), noteSecretsDecrypted, nil
		}
		return vals, "", nil
	}
	noID, noFile := errors.Is(err, secrets.ErrNoIdentity), errors.Is(err, secrets.ErrNoFile)
	if p.secretMode == SecretsPlaceholder && (noID || noFile) {
		v := make(secrets.Values, len(pt.secretNames))
		for _, n := range pt.secretNames {
			v[n] = secrets.Placeholder(n)
		}
		if noFile {
			return v, noteSecretsNoFile, nil
		}
		return v, noteSecretsNoID, nil
	}
	what := "the secrets"
	if len(pt.secretNames) > 0 {
		quoted := make([]string, len(pt.secretNames))
		for i, n := range pt.secretNames {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		what = "secret " + strings.Join(quoted, ", ")
		if len(quoted) > 1 {
			what = "secrets " + strings.Join(quoted, ", ")
		}
	}
	msg, where := err.Error(), "the secrets file"
	var pe *project.Error
	if errors.As(err, &pe) {
		msg, where = pe.Msg, "secrets_file ("+pe.Pos.String()+")"
	}
	return nil, "", &project.Error{Pos: pt.firstSecret, Msg: fmt.Sprintf("the template reads %s of %s, which cannot be read: %s", what, where, msg), Err: err}
}

// secretNames lists the secrets a template file names: NAME in a field
// chain .secrets.NAME (from the data map, $ or a variable) and in index
// .secrets "NAME", sorted, and where the first is. A template that reaches
// them otherwise (a variable holding .secrets, range .secrets) names none
// that way: without the values those keys are missing, an error at their
// line.
func secretNames(t *template.Template) ([]string, project.Pos) {
	var names []string
	var first project.Pos
	note := func(tr *parse.Tree, n parse.Node, name string) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		if first.Line == 0 {
			first = nodePos(tr, n)
		}
	}
	chain := func(tr *parse.Tree, n parse.Node, idents []string) {
		for i := 0; i+1 < len(idents); i++ {
			if idents[i] == "secrets" {
				note(tr, n, idents[i+1])
			}
		}
	}
	endsInSecrets := func(n parse.Node) bool {
		var idents []string
		switch n := n.(type) {
		case *parse.FieldNode:
			idents = n.Ident
		case *parse.VariableNode:
			idents = n.Ident
		case *parse.ChainNode:
			idents = n.Field
		}
		return len(idents) > 0 && idents[len(idents)-1] == "secrets"
	}
	var walk func(tr *parse.Tree, n parse.Node)
	walk = func(tr *parse.Tree, n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(tr, c)
				}
			}
		case *parse.ActionNode:
			walk(tr, n.Pipe)
		case *parse.IfNode:
			walkBranch(tr, &n.BranchNode, walk)
		case *parse.RangeNode:
			walkBranch(tr, &n.BranchNode, walk)
		case *parse.WithNode:
			walkBranch(tr, &n.BranchNode, walk)
		case *parse.TemplateNode:
			walk(tr, n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(tr, c)
				}
			}
		case *parse.CommandNode:
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" && len(n.Args) >= 3 && endsInSecrets(n.Args[1]) {
				if s, ok := n.Args[2].(*parse.StringNode); ok {
					note(tr, n.Args[2], s.Text)
				}
			}
			for _, a := range n.Args {
				walk(tr, a)
			}
		case *parse.FieldNode:
			chain(tr, n, n.Ident)
		case *parse.VariableNode:
			chain(tr, n, n.Ident)
		case *parse.ChainNode:
			walk(tr, n.Node)
			chain(tr, n, n.Field)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Root != nil {
			walk(tt.Tree, tt.Root)
		}
	}
	slices.Sort(names)
	return names, first
}

func walkBranch(tr *parse.Tree, b *parse.BranchNode, walk func(*parse.Tree, parse.Node)) {
	walk(tr, b.Pipe)
	walk(tr, b.List)
	if b.ElseList != nil {
		walk(tr, b.ElseList)
	}
}

// nodePos is where n is in its template file, as line and column.
func nodePos(tr *parse.Tree, n parse.Node) project.Pos {
	loc, _ := tr.ErrorContext(n) // "name:line:col"
	var line, col int
	if i := strings.LastIndexByte(loc, ':'); i >= 0 {
		fmt.Sscan(loc[i+1:], &col)
		if j := strings.LastIndexByte(loc[:i], ':'); j >= 0 {
			fmt.Sscan(loc[j+1:i], &line)
		}
	}
	return project.Pos{Line: line, Col: col}
}
