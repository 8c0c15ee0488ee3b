package project

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/internal/regularfile"
)

// VarTag is the YAML tag that makes a whole param value a var's typed
// value: `packages: !var app_packages`, or a dotted path into a map var,
// `!var app.packages`. It is the one tag pallet.yaml may carry, and only
// where a param value stands.
const VarTag = "!var"

// maxVarsFileBytes bounds one vars_files entry, as maxProjectBytes does
// pallet.yaml.
const maxVarsFileBytes = 16 << 20

// varNameRE is what a var's name must look like: a template reads it as
// .vars.NAME, which text/template parses only for identifiers.
var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidVarName reports whether name can name a var.
func ValidVarName(name string) bool { return varNameRE.MatchString(name) }

// DecodeVars reads a vars: mapping (pallet.yaml's top level, a group's, a
// node-list node's, or a vars file) into var name → value, each value of
// its YAML type: string, int, float, bool, list ([]any) or map
// (map[string]any). Errors are added at their place; nil or an empty
// node is no vars.
func DecodeVars(file string, n *yaml.Node, errs *ErrorList) map[string]any {
	if n == nil || n.Kind == 0 || IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		errs.Add(PosOf(file, n), "vars must be a mapping of name → value, got %s", Describe(n))
		return nil
	}
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !ValidVarName(k.Value) {
			errs.Add(PosOf(file, k), "var name %q: use letters, digits and _, not starting with a digit (templates read it as .vars.NAME)", Shorten(k.Value))
			continue
		}
		var val any
		if err := v.Decode(&val); err != nil {
			errs.Add(PosOf(file, v), "var %s: %v", k.Value, err)
			continue
		}
		out[k.Value] = val
	}
	return out
}

// MergeVars merges var levels, lowest first: a name set at a higher level
// replaces the whole value set below (maps are not merged key by key), so
// what a var holds is always what one place wrote.
func MergeVars(levels ...map[string]any) map[string]any {
	n := 0
	for _, l := range levels {
		n += len(l)
	}
	out := make(map[string]any, n)
	for _, l := range levels {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

// VarsFor is the vars a node of group g sees, by precedence, lowest first:
// the project's vars:, its vars_files (in order), the group's vars:, the
// node's (a node-list node's vars:), then overrides (--var).
func (p *Project) VarsFor(g *Group, node, overrides map[string]any) map[string]any {
	var gv map[string]any
	if g != nil {
		gv = g.Vars
	}
	return MergeVars(p.Vars, gv, node, overrides)
}

// ParseVarFlag reads one --var key=value. The value is read as YAML, so
// --var port=8080 is an int, --var debug=true a bool and
// --var 'pkgs=[curl, git]' a list; an empty value is the empty string.
// Only top-level vars can be set: a key may not be dotted.
func ParseVarFlag(s string) (string, any, error) {
	key, val, ok := strings.Cut(s, "=")
	if !ok {
		return "", nil, fmt.Errorf("--var %s: want key=value (e.g. --var port=8080)", Shorten(s))
	}
	if strings.Contains(key, ".") {
		return "", nil, fmt.Errorf("--var %s: sets top-level vars only; give the whole value, e.g. --var '%s={...}'", Shorten(s), strings.SplitN(key, ".", 2)[0])
	}
	if !ValidVarName(key) {
		return "", nil, fmt.Errorf("--var %s: var name %q: use letters, digits and _, not starting with a digit", Shorten(s), Shorten(key))
	}
	if strings.TrimSpace(val) == "" {
		return key, "", nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(val), &doc); err != nil || len(doc.Content) != 1 {
		return "", nil, fmt.Errorf("--var %s: the value is read as YAML and this is not one value: quote it (--var '%s=\"...\"')", Shorten(s), key)
	}
	var errs ErrorList
	checkNodes("--var", doc.Content[0], false, &errs)
	if len(errs) > 0 {
		return "", nil, fmt.Errorf("--var %s: %s", Shorten(s), errs[0].Msg)
	}
	var v any
	if err := doc.Content[0].Decode(&v); err != nil {
		return "", nil, fmt.Errorf("--var %s: %v", Shorten(s), err)
	}
	return key, v, nil
}

// ParseVarFlags reads every --var, later ones winning.
func ParseVarFlags(flags []string) (map[string]any, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for _, f := range flags {
		k, v, err := ParseVarFlag(f)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// VarNames lists the names vars set, sorted, for messages.
func VarNames(vars map[string]any) []string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// loadVarsFiles reads vars_files, relative to pallet.yaml, each a mapping
// of vars like vars:, and merges them in order.
func (p *Project) loadVarsFiles(file string, at *yaml.Node, files []string, errs *ErrorList) map[string]any {
	var levels []map[string]any
	for i, f := range files {
		pos := PosOf(file, at)
		if at != nil && at.Kind == yaml.SequenceNode && i < len(at.Content) {
			pos = PosOf(file, at.Content[i])
		}
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, f)
		}
		data, err := regularfile.Read(path, maxVarsFileBytes)
		if err != nil {
			errs.Add(pos, "vars_files: cannot read %s: %v (paths are relative to %s)", f, unwrapPathError(err), file)
			continue
		}
		doc, derrs := ParseDocument(path, data)
		if derrs != nil {
			*errs = append(*errs, derrs...)
			continue
		}
		if doc == nil {
			continue // an empty vars file sets nothing
		}
		levels = append(levels, DecodeVars(path, doc.Content[0], errs))
	}
	return MergeVars(levels...)
}

// varPlaces are the nodes of a project document where !var may stand: the
// value of each param of each crate call. They are found by shape, before
// anything is decoded, so that a !var anywhere else is refused by name.
func varPlaces(root *yaml.Node) map[*yaml.Node]bool {
	places := map[*yaml.Node]bool{}
	for _, g := range mappingValues(valueOf(root, "groups")) {
		for _, ph := range mappingValues(valueOf(g, "phases")) {
			if ph.Kind != yaml.SequenceNode {
				continue
			}
			for _, item := range ph.Content {
				if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
					continue
				}
				for _, v := range mappingValues(item.Content[1]) {
					places[v] = true
				}
			}
		}
	}
	return places
}

func valueOf(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mappingValues(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content)/2)
	for i := 1; i < len(n.Content); i += 2 {
		out = append(out, n.Content[i])
	}
	return out
}

// checkVarTags refuses !var where no param value stands, and a !var that
// is not a plain var path.
func checkVarTags(file string, n *yaml.Node, places map[*yaml.Node]bool, errs *ErrorList) {
	if n.Tag == VarTag {
		switch {
		case !places[n]:
			errs.Add(PosOf(file, n), "!var stands only for a whole param value (packages: !var app_packages); elsewhere write the value, or {{ .vars.NAME }} inside a param's string")
		case n.Kind != yaml.ScalarNode:
			errs.Add(PosOf(file, n), "!var takes a var's name (!var app_packages or !var app.packages), got %s", Describe(n))
		case !validVarPath(n.Value):
			errs.Add(PosOf(file, n), "!var %q: want a var's name, or a dotted path into a map var (app.packages)", Shorten(n.Value))
		}
	}
	for _, c := range n.Content {
		checkVarTags(file, c, places, errs)
	}
}

func validVarPath(s string) bool {
	parts := strings.Split(s, ".")
	if !ValidVarName(parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" {
			return false
		}
	}
	return true
}
