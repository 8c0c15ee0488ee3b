package compiler

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/project"
)

// fromYAML converts a YAML value to the param's Go type: string, int,
// bool, []string or map[string]string. A string param takes any scalar as
// written, so `mode: 0644` stays "0644" rather than becoming 420. A wrong
// type is told with what to write instead: the value reshaped where that is
// plain (`packages: curl` → `packages: [curl]`), else an example.
func (p *Param) fromYAML(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch p.Type {
	case "string", "file":
		if n.Kind != yaml.ScalarNode || project.IsNull(n) {
			if n.Kind == yaml.SequenceNode && len(n.Content) == 1 && n.Content[0].Kind == yaml.ScalarNode && !project.IsNull(n.Content[0]) {
				return nil, fmt.Errorf("want one string, got a list: write %s", p.entry(project.Shorten(n.Content[0].Value)))
			}
			return nil, fmt.Errorf("want %s, got %s", p.wantWith("a string"), project.Describe(n))
		}
		return n.Value, nil
	case "int":
		if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
			var i int
			if err := n.Decode(&i); err == nil {
				return i, nil
			}
		}
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			if i, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil {
				return nil, fmt.Errorf("want a whole number, got a string (%q): write %s: %d, without quotes", project.Shorten(n.Value), p.Name, i)
			}
		}
		return nil, fmt.Errorf("want %s, got %s", p.wantWith("a whole number"), project.Describe(n))
	case "bool":
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, nil
			}
		}
		fix := fmt.Sprintf("write %s: true or %s: false", p.Name, p.Name)
		if n.Kind == yaml.ScalarNode {
			switch strings.ToLower(strings.TrimSpace(n.Value)) {
			case "true", "yes", "y", "on":
				fix = fmt.Sprintf("write %s: true", p.Name)
			case "false", "no", "n", "off":
				fix = fmt.Sprintf("write %s: false", p.Name)
			}
		}
		return nil, fmt.Errorf("want true or false, got %s: %s", project.Describe(n), fix)
	case "list":
		if n.Kind != yaml.SequenceNode {
			if n.Kind == yaml.ScalarNode && !project.IsNull(n) && !strings.ContainsAny(n.Value, "\r\n") {
				return nil, fmt.Errorf("want a list, got %s: write %s", project.Describe(n), p.entry(splitItems(n.Value)))
			}
			return nil, fmt.Errorf("want %s, got %s", p.wantWith("a list"), project.Describe(n))
		}
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind == yaml.AliasNode {
				e = e.Alias
			}
			if e.Kind != yaml.ScalarNode || project.IsNull(e) {
				return nil, &nodeError{node: e, err: fmt.Errorf("want a list of strings, got %s in it: %s", project.Describe(e), itemFix(e))}
			}
			out = append(out, e.Value)
		}
		return out, nil
	case "map":
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("want %s, got %s", p.wantWith("a mapping of strings"), project.Describe(n))
		}
		out := make(map[string]string, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			if v.Kind != yaml.ScalarNode || project.IsNull(v) {
				key := yamlFlow(project.Shorten(k.Value))
				fix := fmt.Sprintf("write the value as one string, e.g. %s: text", key)
				if project.IsNull(v) {
					fix = fmt.Sprintf("write %s: \"\" for an empty value", key)
				}
				return nil, &nodeError{node: v, err: fmt.Errorf("want a mapping of strings, got %s for %q: %s", project.Describe(v), project.Shorten(k.Value), fix)}
			}
			out[k.Value] = v.Value
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown param type %q", p.Type)
}

// itemError is an error about one element of a list value, so that it can
// be told at that element's line.
type itemError struct {
	item int // index into the list
	err  error
}

func (e *itemError) Error() string { return e.err.Error() }
func (e *itemError) Unwrap() error { return e.err }

// nodeError is an error from fromYAML about one node inside the value (a
// list element, a mapping's value), to be told at its line.
type nodeError struct {
	node *yaml.Node
	err  error
}

func (e *nodeError) Error() string { return e.err.Error() }
func (e *nodeError) Unwrap() error { return e.err }

// itemNode is the node an error from fromYAML or check is about: the one
// a nodeError holds, the list element an itemError names, else n itself.
func itemNode(n *yaml.Node, err error) *yaml.Node {
	var ne *nodeError
	if errors.As(err, &ne) {
		return ne.node
	}
	var ie *itemError
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if errors.As(err, &ie) && n.Kind == yaml.SequenceNode && ie.item < len(n.Content) {
		return n.Content[ie.item]
	}
	return n
}

// itemFix says how to write a list element that is not a string.
func itemFix(e *yaml.Node) string {
	switch {
	case project.IsNull(e):
		return "remove the empty item, or write a value after the -"
	case e.Kind == yaml.MappingNode && len(e.Content) == 2 && e.Content[0].Kind == yaml.ScalarNode && e.Content[1].Kind == yaml.ScalarNode:
		// `- a: b` is a mapping; the text "a: b" needs quotes.
		return "quote an item that holds \": \", e.g. - " + yamlFlow(e.Content[0].Value+": "+e.Content[1].Value)
	}
	return "write each item as one string, e.g. - text"
}

// splitItems reads a string written where a list belongs as the items it
// was meant to hold: "curl, git" → [curl git].
func splitItems(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, project.Shorten(item))
		}
	}
	if len(out) == 0 {
		return []string{s}
	}
	return out
}

// exampleValue is a value of p that passes its checks, for messages: its
// example, else its default when that is not empty, else its first enum
// choice. nil when it has none.
func (p *Param) exampleValue() any {
	switch {
	case p.Example != nil:
		return p.Example
	case p.Default != nil && !isEmptyValue(p.Default):
		return p.Default
	case len(p.Enum) > 0 && p.Type == "list":
		return []string{p.Enum[0]}
	case len(p.Enum) > 0:
		return p.Enum[0]
	}
	return nil
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case map[string]string:
		return len(x) == 0
	}
	return false
}

// placeholders stand for a value of each type where a param has no
// example.
var placeholders = map[string]string{
	"string": "<text>",
	"int":    "<whole number>",
	"bool":   "true",
	"list":   "[<item>, ...]",
	"map":    "{<key>: <value>}",
}

// example is `name: value` for p, for messages, and whether it is a real
// value (else its value is a placeholder such as [<item>, ...]).
func (p *Param) example() (string, bool) {
	if v := p.exampleValue(); v != nil {
		return p.entry(v), true
	}
	return p.Name + ": " + placeholders[p.Type], false
}

// wantWith is what, followed by an example of it: "a list (e.g.
// packages: [curl, git])".
func (p *Param) wantWith(what string) string {
	ex, real := p.example()
	if real {
		return what + " (e.g. " + ex + ")"
	}
	return what + " (" + ex + ")"
}

// addIt says how to add p to a call that lacks it.
func (p *Param) addIt() string {
	ex, real := p.example()
	if real {
		return "add it, e.g. " + ex
	}
	return "add " + ex
}

// entry is `name: value` as pallet.yaml would hold it, on one line.
func (p *Param) entry(v any) string { return p.Name + ": " + yamlFlow(v) }

// yamlFlow writes v as YAML on one line: lists and mappings in flow style,
// strings quoted where YAML needs it.
func yamlFlow(v any) string {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	var flow func(*yaml.Node)
	flow = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.SequenceNode, yaml.MappingNode:
			n.Style = yaml.FlowStyle
		case yaml.ScalarNode:
			if strings.ContainsAny(n.Value, "\r\n") {
				n.Style = yaml.DoubleQuotedStyle
			}
		}
		for _, c := range n.Content {
			flow(c)
		}
	}
	flow(&n)
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(&n); err != nil {
		return fmt.Sprint(v)
	}
	enc.Close()
	return strings.TrimSpace(b.String())
}

// fromGo converts a value a template passed to `use` (built with dict and
// list, or taken from another param) to the param's Go type.
func (p *Param) fromGo(v any) (any, error) {
	switch p.Type {
	case "file":
		switch x := v.(type) {
		case string:
			return x, nil
		case *ProjectFile:
			return x.Path, nil
		}
	case "string":
		switch x := v.(type) {
		case string:
			return x, nil
		case int, int64, float64, bool:
			return fmt.Sprint(x), nil
		}
	case "int":
		switch x := v.(type) {
		case int:
			return x, nil
		case int64:
			return int(x), nil
		case float64:
			if x == float64(int(x)) {
				return int(x), nil
			}
		case string:
			if i, err := strconv.Atoi(x); err == nil {
				return i, nil
			}
		}
	case "bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "list":
		switch x := v.(type) {
		case []string:
			return x, nil
		case string:
			return []string{x}, nil
		case []any:
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("want a list of strings, got %T in it: pass strings, e.g. (list \"a\" \"b\")", e)
				}
				out[i] = s
			}
			return out, nil
		}
	case "map":
		switch x := v.(type) {
		case map[string]string:
			return x, nil
		case map[string]any:
			out := make(map[string]string, len(x))
			for k, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("want a mapping of strings, got %T for %q: pass a string, e.g. (dict %q \"text\")", e, k, k)
				}
				out[k] = s
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("want a %s, got %T: pass %s", p.Type, v, goPlaceholders[p.Type])
}

// goPlaceholders are template expressions for a value of each type, for
// the messages of `use`.
var goPlaceholders = map[string]string{
	"string": `a string, e.g. "text"`,
	"int":    "a whole number, e.g. 1",
	"bool":   "true or false",
	"list":   `a list, e.g. (list "a" "b")`,
	"map":    `a dict, e.g. (dict "key" "value")`,
}

// check validates a converted value against enum, pattern, min, max and
// min_items, and refuses NUL bytes, which no bash string can hold. Each
// refusal says what to write instead; one about a list element is an
// *itemError.
func (p *Param) check(v any) error {
	var strs []string
	items := -1
	switch x := v.(type) {
	case int:
		if p.Min != nil && x < *p.Min {
			return fmt.Errorf("%d is below %d: write %s", x, *p.Min, p.bounds())
		}
		if p.Max != nil && x > *p.Max {
			return fmt.Errorf("%d is above %d: write %s", x, *p.Max, p.bounds())
		}
	case string:
		strs = []string{x}
	case []string:
		strs = x
		items = len(x)
	case map[string]string:
		for _, k := range sortedKeys(x) {
			strs = append(strs, k, x[k])
		}
		items = len(x)
	}
	if p.MinItems != nil && items >= 0 && items < *p.MinItems {
		what := "item"
		if p.Type == "map" {
			what = "entry"
		}
		have := "is empty"
		if items > 0 {
			have = "has " + plural(items, what)
		}
		return fmt.Errorf("%s: give %s", have, p.wantWith("at least "+plural(*p.MinItems, what)))
	}
	for i, s := range strs {
		if strings.IndexByte(s, 0) >= 0 {
			return p.itemErr(i, fmt.Errorf("contains a NUL byte, which bash cannot hold: remove it"))
		}
	}
	if p.Type == "map" {
		return nil
	}
	for i, s := range strs {
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, s) {
			return p.itemErr(i, fmt.Errorf("%q is not one of %s%s", project.Shorten(s), strings.Join(p.Enum, ", "), didYouMean(s, p.Enum)))
		}
		if p.pattern != nil && !p.pattern.MatchString(s) {
			return p.itemErr(i, p.patternError(s))
		}
	}
	return nil
}

// patternError tells a value that pattern refuses: in words with
// pattern_doc, else naming the regexp and where it comes from. A line
// break is named, since a trailing one is easy to miss in YAML.
func (p *Param) patternError(s string) error {
	lineBreak := ""
	if strings.ContainsAny(s, "\r\n") {
		lineBreak = "; it holds a line break"
	}
	if p.PatternDoc != "" {
		return fmt.Errorf("%q must be %s%s", project.Shorten(s), p.PatternDoc, lineBreak)
	}
	from := "its crate.yaml"
	if p.file != "" {
		from = p.file
	}
	return fmt.Errorf("%q does not match the pattern /%s/ that %s gives for it%s", project.Shorten(s), p.Pattern, from, lineBreak)
}

// itemErr marks err as about element i of a list value.
func (p *Param) itemErr(i int, err error) error {
	if p.Type != "list" {
		return err
	}
	return &itemError{item: i, err: err}
}

// bounds says which whole numbers an int param takes: "a whole number
// from 0 to 4294967294", "1 or more".
func (p *Param) bounds() string {
	switch {
	case p.Min != nil && p.Max != nil:
		return fmt.Sprintf("a whole number from %d to %d", *p.Min, *p.Max)
	case p.Min != nil:
		return fmt.Sprintf("%d or more", *p.Min)
	case p.Max != nil:
		return fmt.Sprintf("%d or less", *p.Max)
	}
	return "a whole number"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if what == "entry" {
		return fmt.Sprintf("%d entries", n)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Args are validated param values of one crate call, raw.
type Args map[string]any

// fileReader reads a file param's file (Project.projectFile).
type fileReader func(name string) (*ProjectFile, error)

// bindYAML validates a call's params from pallet.yaml against the crate,
// adding an error at each bad value's place, and fills in defaults. call
// is where the call names the crate.
//
// A value that is a !var or holds a template (see dynParam) is only read
// for its syntax here; it comes back in dyn, to be rendered and validated
// for each node compiled for. files reads file params' files.
func (c *Crate) bindYAML(file string, call project.Pos, params *yaml.Node, files fileReader, funcs template.FuncMap, errs *project.ErrorList) (Args, []*dynParam, bool) {
	args := Args{}
	var dyn []*dynParam
	ok := true
	seen := map[string]bool{}
	keys := map[string]*yaml.Node{}
	if params != nil && params.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(params.Content); i += 2 {
			k, v := params.Content[i], params.Content[i+1]
			p := c.Param(k.Value)
			if p == nil {
				errs.Add(project.PosOf(file, k), "crate %s has no param %q%s", c.Name, project.Shorten(k.Value), c.unknownParamHint(k.Value))
				ok = false
				continue
			}
			seen[p.Name] = true
			keys[p.Name] = k
			if d, isDyn := p.dynamic(file, v, funcs, errs); isDyn {
				if d == nil {
					ok = false
				} else if p.Type == "file" {
					errs.Add(project.PosOf(file, v), "crate %s, param %s: a project file's path is written as it is, not from a var or a template", c.Name, p.Name)
					ok = false
				} else {
					dyn = append(dyn, d)
				}
				continue
			}
			val, err := p.fromYAML(v)
			if err == nil {
				err = p.check(val)
			}
			if err == nil && p.Type == "file" {
				val, err = files(val.(string))
			}
			if err != nil {
				errs.Add(project.PosOf(file, itemNode(v, err)), "crate %s, param %s: %v", c.Name, p.Name, err)
				ok = false
				continue
			}
			args[p.Name] = val
		}
	}
	for _, set := range c.Exclusive {
		var given []string
		for _, name := range set {
			if seen[name] {
				given = append(given, name)
			}
		}
		if len(given) > 1 {
			errs.Add(project.PosOf(file, keys[given[1]]), "crate %s takes only one of %s: remove %s or %s", c.Name, strings.Join(set, ", "), given[0], given[1])
			ok = false
		}
	}
	for _, p := range c.Params {
		if seen[p.Name] {
			continue
		}
		if p.Required {
			errs.Add(call, "crate %s needs param %s (%s): %s", c.Name, p.Name, p.Type, p.addIt())
			ok = false
		} else if p.Default != nil {
			args[p.Name] = p.Default
		}
	}
	return args, dyn, ok
}

// bindGo validates params a template passed to `use`; files reads file
// params' files.
func (c *Crate) bindGo(in map[string]any, files fileReader) (Args, error) {
	args := Args{}
	for _, k := range sortedKeys(in) {
		p := c.Param(k)
		if p == nil {
			return nil, fmt.Errorf("crate %s has no param %q%s", c.Name, project.Shorten(k), c.unknownParamHint(k))
		}
		val, err := p.fromGo(in[k])
		if err == nil {
			err = p.check(val)
		}
		if err == nil && p.Type == "file" {
			val, err = files(val.(string))
		}
		if err != nil {
			return nil, fmt.Errorf("crate %s, param %s: %w", c.Name, k, err)
		}
		args[k] = val
	}
	for _, set := range c.Exclusive {
		var given []string
		for _, name := range set {
			if _, ok := in[name]; ok {
				given = append(given, name)
			}
		}
		if len(given) > 1 {
			return nil, fmt.Errorf("crate %s takes only one of %s, not both %s and %s", c.Name, strings.Join(set, ", "), given[0], given[1])
		}
	}
	for _, p := range c.Params {
		if _, ok := args[p.Name]; ok {
			continue
		}
		if p.Required {
			return nil, fmt.Errorf("crate %s needs param %s (%s): add %q and its value to the dict", c.Name, p.Name, p.Type, p.Name)
		}
		if p.Default != nil {
			args[p.Name] = p.Default
		}
	}
	return args, nil
}

// unknownParamHint says what to write for a param name the crate does
// not take: the nearest name, else the names it takes.
func (c *Crate) unknownParamHint(name string) string {
	if hint := didYouMean(name, c.paramNames()); hint != "" {
		return hint
	}
	if len(c.Params) == 0 {
		return ": it takes no params; remove it"
	}
	names := c.paramNames()
	sort.Strings(names)
	return ": it takes " + strings.Join(names, ", ")
}
