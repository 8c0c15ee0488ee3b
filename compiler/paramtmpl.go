package compiler

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/project"
)

// A param value in pallet.yaml may come from vars and node data in two
// ways:
//
//   - a string holding {{ }} is a text/template (with the crates' safe
//     sprig functions) over .vars, .node, .group and .groups, anywhere a
//     string stands: the whole value, a list element, a map value;
//   - `!var NAME` (or `!var NAME.KEY`) is a var's typed value, the whole
//     param: a list of packages from a var.
//
// Either is rendered for each node compiled for, then read and validated
// exactly as the same text written literally (type, enum, pattern, min,
// max), with the error at the value's line, and quoted like it.

// dynParam is a param whose value is known only when compiling for a
// node: a !var or a template.
type dynParam struct {
	param   *Param
	node    *yaml.Node // as written
	varPath string     // !var's path; "" for templates
	// tmpls are the templates among node's scalars (node itself or its
	// elements).
	tmpls map[*yaml.Node]*template.Template
	// readsNode: a template may read .node, .group or .groups.
	readsNode bool
}

// paramFuncs are the functions a param's template has: the crates'
// (sprig's safe subset, q, raw), less those that cut a crate's steps.
func paramFuncs() template.FuncMap {
	fm := templateFuncs()
	for _, name := range []string{"step", "check", "diff", "apply", "use"} {
		delete(fm, name)
	}
	return fm
}

// isTemplate reports whether a scalar is a string holding a template.
func isTemplate(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "{{")
}

// dynamic reads a param value that is a !var or holds templates; it
// returns nil for a literal one. Template syntax is checked here, at
// load, at the value's place.
func (p *Param) dynamic(file string, v *yaml.Node, funcs template.FuncMap, errs *project.ErrorList) (*dynParam, bool) {
	if v.Tag == project.VarTag {
		if p.Raw {
			errs.Add(project.PosOf(file, v), "param %s is bash, printed as written: it takes no !var (a var's value would run as code); pass the value through a param that is quoted", p.Name)
			return nil, true
		}
		return &dynParam{param: p, node: v, varPath: v.Value}, true
	}
	var scalars []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		scalars = []*yaml.Node{v}
	case yaml.SequenceNode:
		scalars = v.Content
	case yaml.MappingNode:
		for i := 1; i < len(v.Content); i += 2 {
			scalars = append(scalars, v.Content[i])
		}
	}
	var d *dynParam
	for _, s := range scalars {
		if !isTemplate(s) {
			continue
		}
		if p.Raw {
			// exec-script's script keeps its {{ }} as written (docker
			// --format '{{.State}}'), as it always has.
			return nil, false
		}
		t, err := template.New(p.Name).Option("missingkey=error").Funcs(funcs).Parse(s.Value)
		if err != nil {
			errs.Add(project.PosOf(file, s), "param %s: template syntax: %s", p.Name, templateMsg(err))
			return nil, true
		}
		if d == nil {
			d = &dynParam{param: p, node: v, tmpls: map[*yaml.Node]*template.Template{}}
		}
		d.tmpls[s] = t
		d.readsNode = d.readsNode || readsKeys(t, "node", "group", "groups")
	}
	return d, d != nil
}

// resolve renders a dynamic param for the data and reads it as the
// param's type.
func (d *dynParam) resolve(c *Crate, file string, data map[string]any) (any, error) {
	at := func(n *yaml.Node, format string, args ...any) error {
		return &project.Error{Pos: project.PosOf(file, n), Msg: fmt.Sprintf("crate %s, param %s: ", c.Name, d.param.Name) + fmt.Sprintf(format, args...)}
	}
	var n *yaml.Node
	if d.varPath != "" {
		v, err := lookupVar(data["vars"].(map[string]any), d.varPath)
		if err != nil {
			return nil, at(d.node, "!var %s: %v", d.varPath, err)
		}
		val, err := d.param.fromYAML(valueNode(v))
		if err == nil {
			err = d.param.check(val)
		}
		if err != nil {
			return nil, at(d.node, "!var %s: %v", d.varPath, err)
		}
		return val, nil
	}
	render := func(s *yaml.Node) (*yaml.Node, error) {
		var b strings.Builder
		if err := d.tmpls[s].Execute(&b, data); err != nil {
			return nil, at(s, "%s", explainTemplateError(err, data))
		}
		out := b.String()
		if strings.Contains(out, "<no value>") {
			return nil, at(s, "the template printed <no value>: a var or key it reads holds nothing (null); give it a value")
		}
		r := &yaml.Node{Kind: yaml.ScalarNode, Value: out, Line: s.Line, Column: s.Column, Tag: "!!str"}
		if s == d.node && (d.param.Type == "int" || d.param.Type == "bool") {
			// Read as the same text written plainly would be: 8080 an
			// int, true a bool.
			r.Tag = (&yaml.Node{Kind: yaml.ScalarNode, Value: out}).ShortTag()
		}
		return r, nil
	}
	var err error
	switch {
	case d.node.Kind == yaml.ScalarNode:
		if n, err = render(d.node); err != nil {
			return nil, err
		}
	default:
		n = &yaml.Node{Kind: d.node.Kind, Tag: d.node.Tag, Line: d.node.Line, Column: d.node.Column, Content: slices.Clone(d.node.Content)}
		for i, s := range n.Content {
			if d.tmpls[s] != nil {
				if n.Content[i], err = render(s); err != nil {
					return nil, err
				}
			}
		}
	}
	val, err := d.param.fromYAML(n)
	if err == nil {
		err = d.param.check(val)
	}
	if err != nil {
		return nil, at(d.node, "%v", err)
	}
	return val, nil
}

// lookupVar follows a dotted var path.
func lookupVar(vars map[string]any, path string) (any, error) {
	parts := strings.Split(path, ".")
	var cur any = vars
	for i, k := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a mapping, so it has no key %q", strings.Join(parts[:i], "."), k)
		}
		v, ok := m[k]
		if !ok {
			if i == 0 {
				return nil, unknownVar(k, vars)
			}
			return nil, fmt.Errorf("var %s has no key %q%s", strings.Join(parts[:i], "."), k, didYouMean(k, sortedKeys(m)))
		}
		cur = v
	}
	if cur == nil {
		return nil, fmt.Errorf("var %s holds nothing (null); give it a value", path)
	}
	return cur, nil
}

func unknownVar(name string, vars map[string]any) error {
	names := project.VarNames(vars)
	if len(names) == 0 {
		return fmt.Errorf("unknown var %q: no vars are set (vars:, vars_files, a group's or node's vars:, --var)", name)
	}
	return fmt.Errorf("unknown var %q%s (vars: %s)", name, didYouMean(name, names), strings.Join(names, ", "))
}

var (
	missingKeyRE = regexp.MustCompile(`at <([^>]*)>: map has no entry for key "([^"]*)"`)
	execPrefixRE = regexp.MustCompile(`^template: [^:]*:\d+(?::\d+)?: (?:executing "[^"]*" at <[^>]*>: )?`)
	fieldPathRE  = regexp.MustCompile(`^\$?((?:\.[A-Za-z0-9_]+)+)$`)
)

// templateMsg is a param template's error without text/template's
// "template: name:1:5:" (the error is placed at the value already).
func templateMsg(err error) string {
	return execPrefixRE.ReplaceAllString(err.Error(), "")
}

// explainTemplateError words a param template's error: a key it reads
// that is not there names what is there (the nearest var, node key or
// group), instead of text/template's "map has no entry".
func explainTemplateError(err error, data map[string]any) string {
	m := missingKeyRE.FindStringSubmatch(err.Error())
	if m == nil {
		return templateMsg(err)
	}
	key := m[2]
	var path []string
	if pm := fieldPathRE.FindStringSubmatch(m[1]); pm != nil {
		path = strings.Split(pm[1][1:], ".")
	}
	if len(path) > 0 && path[0] == "secrets" && data["secrets"] == nil {
		return "a param's template cannot read .secrets: secrets reach files only through the template crate (template: {path: ..., source: FILE} with {{ .secrets.NAME }} in FILE), which sends them in a 0600 payload, never in the script's text"
	}
	// path ends at the missing key when the expression is a field chain
	// from the data map; anything else (a variable, range's dot) is
	// worded from the key alone.
	if len(path) == 0 || path[len(path)-1] != key {
		if slices.Contains(nodeKeys, key) || didYouMean(key, nodeKeys) == "" {
			return fmt.Sprintf("the template reads %s: no key %q there", m[1], key)
		}
		return fmt.Sprintf("the template reads %s: no key %q there%s (a node has: %s)", m[1], key, didYouMean(key, nodeKeys), strings.Join(nodeKeys, ", "))
	}
	switch {
	case len(path) == 1:
		if key == "node" || key == "group" || key == "groups" {
			return fmt.Sprintf("the template reads .%s, but this compile is for no node: render for one (palletc render --provider P --node NAME), or without --provider for placeholder nodes", key)
		}
		return fmt.Sprintf("no %q in the template data%s (it has: vars, node, group, groups)", key, didYouMean(key, []string{"vars", "node", "group", "groups"}))
	case path[0] == "vars" && len(path) == 2:
		return unknownVar(key, data["vars"].(map[string]any)).Error()
	case path[0] == "vars":
		parent, _ := lookupPath(data, path[:len(path)-1]).(map[string]any)
		return fmt.Sprintf("var %s has no key %q%s", strings.Join(path[1:len(path)-1], "."), key, didYouMean(key, sortedKeys(parent)))
	case path[0] == "secrets" && len(path) == 2:
		names := sortedKeys(data["secrets"].(map[string]any))
		if len(names) == 0 {
			return fmt.Sprintf("no secret %q: the project has no secrets (add secrets_file: secrets.age, then palletc secrets set %s)", key, key)
		}
		return fmt.Sprintf("no secret %q%s (secrets: %s; palletc secrets set %s adds it)", key, didYouMean(key, names), strings.Join(names, ", "), key)
	case path[0] == "groups" && len(path) == 2:
		groups, _ := data["groups"].(map[string]any)
		names := sortedKeys(groups)
		return fmt.Sprintf("no group %q in .groups%s (groups: %s)", key, didYouMean(key, names), strings.Join(names, ", "))
	case path[0] == "node" && len(path) == 2:
		return fmt.Sprintf("a node has no %q%s (it has: %s)", key, didYouMean(key, nodeKeys), strings.Join(nodeKeys, ", "))
	case path[0] == "node" && path[1] == "tags":
		tags, _ := lookupPath(data, path[:2]).(map[string]any)
		return fmt.Sprintf("node has no tag %q%s (tags: %s)", key, didYouMean(key, sortedKeys(tags)), strings.Join(sortedKeys(tags), ", "))
	case path[0] == "group" && len(path) == 2:
		return fmt.Sprintf(".group has no %q%s (it has: name, nodes)", key, didYouMean(key, []string{"name", "nodes"}))
	}
	return fmt.Sprintf("the template reads %s: no key %q there", m[1], key)
}

func lookupPath(data map[string]any, path []string) any {
	var cur any = data
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// valueNode is a var's value as the YAML node that would have written it,
// so that it is read exactly as a literal value is. (yaml.Node.Encode
// goes through YAML text, and loses a string that starts with a line
// break.)
func valueNode(v any) *yaml.Node {
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	switch x := v.(type) {
	case nil:
		return scalar("!!null", "")
	case string:
		return scalar("!!str", x)
	case bool:
		return scalar("!!bool", strconv.FormatBool(x))
	case int:
		return scalar("!!int", strconv.Itoa(x))
	case int64:
		return scalar("!!int", strconv.FormatInt(x, 10))
	case uint64:
		return scalar("!!int", strconv.FormatUint(x, 10))
	case float64:
		return scalar("!!float", strconv.FormatFloat(x, 'g', -1, 64))
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e))
		}
		return n
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range sortedKeys(x) {
			n.Content = append(n.Content, scalar("!!str", k), valueNode(x[k]))
		}
		return n
	}
	return scalar("!!str", fmt.Sprint(v))
}
