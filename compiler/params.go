package compiler

import (
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
// written, so `mode: 0644` stays "0644" rather than becoming 420.
func (p *Param) fromYAML(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch p.Type {
	case "string":
		if n.Kind != yaml.ScalarNode || project.IsNull(n) {
			return nil, fmt.Errorf("want a string, got %s", project.Describe(n))
		}
		return n.Value, nil
	case "int":
		if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
			var i int
			if err := n.Decode(&i); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("want a whole number, got %s", project.Describe(n))
	case "bool":
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf("want true or false, got %s", project.Describe(n))
	case "list":
		if n.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("want a list, got %s", project.Describe(n))
		}
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode || project.IsNull(e) {
				return nil, fmt.Errorf("want a list of strings, got %s in it (line %d)", project.Describe(e), e.Line)
			}
			out = append(out, e.Value)
		}
		return out, nil
	case "map":
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("want a mapping of strings, got %s", project.Describe(n))
		}
		out := make(map[string]string, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode || project.IsNull(v) {
				return nil, fmt.Errorf("want a mapping of strings, got %s for %q", project.Describe(v), k.Value)
			}
			out[k.Value] = v.Value
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown param type %q", p.Type)
}

// fromGo converts a value a template passed to `use` (built with dict and
// list, or taken from another param) to the param's Go type.
func (p *Param) fromGo(v any) (any, error) {
	switch p.Type {
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
					return nil, fmt.Errorf("want a list of strings, got %T in it", e)
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
					return nil, fmt.Errorf("want a mapping of strings, got %T for %q", e, k)
				}
				out[k] = s
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("want a %s, got %T", p.Type, v)
}

// check validates a converted value against enum, pattern, min, max and
// min_items, and refuses NUL bytes, which no bash string can hold.
func (p *Param) check(v any) error {
	var strs []string
	items := -1
	switch x := v.(type) {
	case int:
		if p.Min != nil && x < *p.Min {
			return fmt.Errorf("%d is below the least allowed, %d", x, *p.Min)
		}
		if p.Max != nil && x > *p.Max {
			return fmt.Errorf("%d is above the most allowed, %d", x, *p.Max)
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
		if items == 0 {
			return fmt.Errorf("is empty: give at least %d", *p.MinItems)
		}
		return fmt.Errorf("has %d, want at least %d", items, *p.MinItems)
	}
	for _, s := range strs {
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("contains a NUL byte, which bash cannot hold")
		}
	}
	if p.Type == "map" {
		return nil
	}
	for _, s := range strs {
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, s) {
			return fmt.Errorf("%q is not one of %s%s", s, strings.Join(p.Enum, ", "), didYouMean(s, p.Enum))
		}
		if p.pattern != nil && !p.pattern.MatchString(s) {
			if strings.ContainsAny(s, "\r\n") {
				return fmt.Errorf("%q holds a line break, which this param does not allow (it must match %s)", project.Shorten(s), p.Pattern)
			}
			return fmt.Errorf("%q does not match %s", s, p.Pattern)
		}
	}
	return nil
}

// Args are validated param values of one crate call, raw.
type Args map[string]any

// bindYAML validates a call's params from pallet.yaml against the crate,
// adding an error at each bad value's place, and fills in defaults. call
// is where the call names the crate.
//
// A value that is a !var or holds a template (see dynParam) is only read
// for its syntax here; it comes back in dyn, to be rendered and validated
// for each node compiled for.
func (c *Crate) bindYAML(file string, call project.Pos, params *yaml.Node, funcs template.FuncMap, errs *project.ErrorList) (Args, []*dynParam, bool) {
	args := Args{}
	var dyn []*dynParam
	ok := true
	seen := map[string]bool{}
	if params != nil && params.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(params.Content); i += 2 {
			k, v := params.Content[i], params.Content[i+1]
			p := c.Param(k.Value)
			if p == nil {
				hint := didYouMean(k.Value, c.paramNames())
				if hint == "" {
					hint = fmt.Sprintf(" (it takes: %s)", paramList(c))
				}
				errs.Add(project.PosOf(file, k), "crate %s has no param %q%s", c.Name, k.Value, hint)
				ok = false
				continue
			}
			seen[p.Name] = true
			if d, isDyn := p.dynamic(file, v, funcs, errs); isDyn {
				if d == nil {
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
			if err != nil {
				errs.Add(project.PosOf(file, v), "crate %s, param %s: %v", c.Name, p.Name, err)
				ok = false
				continue
			}
			args[p.Name] = val
		}
	}
	for _, p := range c.Params {
		if seen[p.Name] {
			continue
		}
		if p.Required {
			errs.Add(call, "crate %s needs param %s (%s): add %s: <value>", c.Name, p.Name, p.Type, p.Name)
			ok = false
		} else if p.Default != nil {
			args[p.Name] = p.Default
		}
	}
	return args, dyn, ok
}

// bindGo validates params a template passed to `use`.
func (c *Crate) bindGo(in map[string]any) (Args, error) {
	args := Args{}
	for _, k := range sortedKeys(in) {
		p := c.Param(k)
		if p == nil {
			return nil, fmt.Errorf("crate %s has no param %q%s", c.Name, k, didYouMean(k, c.paramNames()))
		}
		val, err := p.fromGo(in[k])
		if err == nil {
			err = p.check(val)
		}
		if err != nil {
			return nil, fmt.Errorf("crate %s, param %s: %w", c.Name, k, err)
		}
		args[k] = val
	}
	for _, p := range c.Params {
		if _, ok := args[p.Name]; ok {
			continue
		}
		if p.Required {
			return nil, fmt.Errorf("crate %s needs param %s", c.Name, p.Name)
		}
		if p.Default != nil {
			args[p.Name] = p.Default
		}
	}
	return args, nil
}

func paramList(c *Crate) string {
	if len(c.Params) == 0 {
		return "no params"
	}
	names := c.paramNames()
	sort.Strings(names)
	return strings.Join(names, ", ")
}
