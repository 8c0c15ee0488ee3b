package compiler

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
)

// Crate is one directory of crates/: its crate.yaml and one template per
// OS variant.
type Crate struct {
	Name        string
	Dir         string // where it was read from, for messages: crates/java
	Summary     string
	Families    []string          // root families it supports
	Unsupported map[string]string // root family → why the crate makes no sense there
	Params      []*Param          // in crate.yaml order
	Notes       string
	Examples    []Example // in crate.yaml order
	// Exclusive lists sets of params of which a call may give at most
	// one (file's content and source).
	Exclusive [][]string
	Variants  map[string]*Variant
	Builtin   bool
	// Pack is the pack the crate comes from (example.com/acme/pallet-web@v1.4.2),
	// "" for a crate path's or a built-in; Qualified is then its
	// qualified name, pallet-web:nginx.
	Pack      string
	Qualified string
}

// Example is one example call of a crate, shown by palletc crate NAME.
type Example struct {
	Summary string // what it shows; may be empty
	// YAML is a phase's list of calls, as written under a phase in
	// pallet.yaml ("- file: {path: ...}"), possibly with calls of other
	// crates the example needs.
	YAML string
}

// Variant is one template of a crate: default, a family, or an OS id.
type Variant struct {
	Name string // "default", "debian", "ubuntu-22.04"
	File string // crates/java/debian.sh.tmpl
	tmpl *template.Template
	// fast runs tmpl without text/template when it can (nil: its shape
	// is not one it runs).
	fast *fastTemplate
	// readsNode: the template may read the node or the cluster (.node,
	// .cluster: see readsNode), so what it renders can differ from node to
	// node. Crates it uses are judged when they render.
	readsNode bool
	// lastSize is how long the variant's last rendering was (at most
	// maxSizeHint): the next one's buffer is sized from it, once, rather
	// than grown and copied a few times.
	lastSize atomic.Int32
}

// maxSizeHint bounds a render buffer sized up front, so one large
// rendering does not make every later one take as much.
const maxSizeHint = 64 << 10

// sizeHint is the size to give the variant's next render buffer.
func (v *Variant) sizeHint() int {
	n := int(v.lastSize.Load())
	return n + n/8 + 64
}

// Param is one parameter a crate takes.
type Param struct {
	Name     string
	Type     string // string, int, bool, list, map
	Doc      string
	Required bool
	Default  any // validated, raw
	Enum     []string
	Pattern  string
	// PatternDoc says in words what Pattern allows, completing "must be
	// ...": "an absolute path (no line break, not ending in /)". A value the
	// pattern refuses is told with it; without it, with the regexp.
	PatternDoc string
	// Example is a value that passes every check, shown in messages that
	// say what to write (a wrong type, a missing required param). nil:
	// messages use the default or the first enum choice, if any.
	Example any
	// Raw marks a param that is bash on purpose (exec-script's script):
	// the template prints it with .raw, and the hostile-value tests leave it
	// out. Every other param must never reach the script unquoted.
	Raw bool
	// Min and Max bound an int param; MinItems bounds how many elements
	// a list (or entries a map) must have. nil: no bound.
	Min, Max *int
	MinItems *int
	pattern  *regexp.Regexp
	file     string // the crate.yaml that declares it, for messages
}

type crateFile struct {
	Summary     string            `yaml:"summary"`
	Families    []string          `yaml:"families"`
	Unsupported map[string]string `yaml:"unsupported"`
	Params      yaml.Node         `yaml:"params"`
	Notes       string            `yaml:"notes"`
	Examples    []exampleFile     `yaml:"examples"`
	Exclusive   [][]string        `yaml:"exclusive"`
}

type exampleFile struct {
	Summary string `yaml:"summary"`
	YAML    string `yaml:"yaml"`
}

type paramFile struct {
	Type     string    `yaml:"type"`
	Doc      string    `yaml:"doc"`
	Required bool      `yaml:"required"`
	Default  yaml.Node `yaml:"default"`
	Enum     []string  `yaml:"enum"`
	Pattern  string    `yaml:"pattern"`
	// PatternDoc: see Param.PatternDoc.
	PatternDoc string    `yaml:"pattern_doc"`
	Example    yaml.Node `yaml:"example"`
	Raw        bool      `yaml:"raw"`
	Min        *int      `yaml:"min"`
	Max        *int      `yaml:"max"`
	MinItems   *int      `yaml:"min_items"`
}

var paramTypes = []string{"string", "int", "bool", "list", "map", "file"}

// reserved names are the template data keys that are not params.
var reserved = []string{"raw", "os", "admin", "node", "cluster", "crate", "bytes"}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$`)

// LoadCrate reads the crate in directory dir of fsys. display is the path
// shown in messages.
func LoadCrate(fsys fs.FS, dir, display string, funcs template.FuncMap) (*Crate, error) {
	var errs project.ErrorList
	name := path.Base(dir)
	c := &Crate{Name: name, Dir: display, Variants: map[string]*Variant{}, Unsupported: map[string]string{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, &project.Error{Pos: project.Pos{File: display}, Msg: fmt.Sprintf("cannot read crate directory: %v", err), Err: err}
	}
	if !nameRE.MatchString(name) {
		errs.Add(project.Pos{File: display}, "crate name %q must be lower case letters, digits and dashes", name)
	}
	var hasYAML bool
	for _, e := range entries {
		if e.Name() == "crate.yaml" {
			hasYAML = true
		}
	}
	if len(entries) == 0 || !hasYAML {
		errs.Add(project.Pos{File: display}, "crate directory has no crate.yaml: add crate.yaml (summary, params, families) and at least one <os>.sh.tmpl, or remove the directory")
		return nil, errs.Err()
	}
	yamlFile := path.Join(display, "crate.yaml")
	data, err := readCrateFile(fsys, path.Join(dir, "crate.yaml"), maxCrateYAMLBytes)
	if err != nil {
		return nil, &project.Error{Pos: project.Pos{File: yamlFile}, Msg: fmt.Sprintf("cannot read crate.yaml: %v", err), Err: err}
	}
	doc, yerrs := project.ParseDocument(yamlFile, data)
	if yerrs != nil {
		return nil, yerrs.Err()
	}
	var cf crateFile
	decoded := true
	if doc != nil {
		decoded = project.DecodeStrict(yamlFile, doc.Content[0], &cf, &errs)
	}
	c.Summary = cf.Summary
	c.Notes = cf.Notes
	for i, ex := range cf.Examples {
		var list []yaml.Node
		if err := yaml.Unmarshal([]byte(ex.YAML), &list); err != nil || len(list) == 0 {
			errs.Add(project.Pos{File: yamlFile}, "examples[%d]: yaml must be a phase's list of calls, as under a phase in pallet.yaml (- %s: {...})", i, name)
			continue
		}
		c.Examples = append(c.Examples, Example{Summary: ex.Summary, YAML: ex.YAML})
	}
	// When crate.yaml did not decode (an unknown key, a wrong type), its
	// own errors say why; "needs a summary" would only hide them.
	if c.Summary == "" && decoded {
		errs.Add(project.Pos{File: yamlFile}, "crate.yaml needs a summary: one line saying what the crate does")
	}
	for _, f := range cf.Families {
		if !slices.Contains(osfamily.Roots(), f) {
			errs.Add(project.Pos{File: yamlFile}, "families: %q is not a root family (%s)%s", project.Shorten(f), strings.Join(osfamily.Roots(), ", "), didYouMean(f, osfamily.Roots()))
			continue
		}
		c.Families = append(c.Families, f)
	}
	for _, f := range sortedKeys(cf.Unsupported) {
		if !slices.Contains(osfamily.Roots(), f) {
			errs.Add(project.Pos{File: yamlFile}, "unsupported: %q is not a root family (%s)", project.Shorten(f), strings.Join(osfamily.Roots(), ", "))
			continue
		}
		c.Unsupported[f] = cf.Unsupported[f]
	}
	c.Params = loadParams(yamlFile, &cf.Params, &errs)
	for _, set := range cf.Exclusive {
		okSet := len(set) >= 2
		for _, name := range set {
			okSet = okSet && c.Param(name) != nil
		}
		if !okSet {
			errs.Add(project.Pos{File: yamlFile}, "exclusive: [%s]: list two or more of the crate's params", strings.Join(set, ", "))
			continue
		}
		c.Exclusive = append(c.Exclusive, set)
	}

	for _, e := range entries {
		fname := e.Name()
		if e.IsDir() || fname == "crate.yaml" || strings.HasPrefix(fname, ".") || strings.HasSuffix(fname, ".md") {
			continue
		}
		file := path.Join(display, fname)
		vname, ok := strings.CutSuffix(fname, ".sh.tmpl")
		if !ok {
			errs.Add(project.Pos{File: file}, "unexpected file in a crate: templates are named <os-id>.sh.tmpl, <family>.sh.tmpl or default.sh.tmpl")
			continue
		}
		if vname != "default" {
			if _, err := osfamily.Parse(vname); err != nil {
				errs.Add(project.Pos{File: file}, "variant name: %v", err)
				continue
			}
		}
		src, err := readCrateFile(fsys, path.Join(dir, fname), maxTemplateBytes)
		if err != nil {
			errs.Add(project.Pos{File: file}, "cannot read template: %v", err)
			continue
		}
		if strings.IndexByte(string(src), 0) >= 0 {
			errs.Add(project.Pos{File: file}, "template contains a NUL byte")
			continue
		}
		t, err := template.New(file).Option("missingkey=zero").Funcs(funcs).Parse(string(src))
		if err != nil {
			e := templateErrorAt(file, err)
			e.Msg = "template syntax: " + e.Msg
			errs = append(errs, e)
			continue
		}
		foldMarkers(t)
		c.Variants[vname] = &Variant{Name: vname, File: file, tmpl: t, fast: compileFast(t, funcs), readsNode: readsKeys(t, "node", "cluster")}
	}
	if len(c.Variants) == 0 && len(errs) == 0 {
		errs.Add(project.Pos{File: display}, "crate has no templates: add default.sh.tmpl or one <family>.sh.tmpl per OS family")
	}
	if len(errs) == 0 && len(c.Families) == 0 {
		// Without a families list, a crate supports the root families its
		// variants cover.
		for _, f := range osfamily.Roots() {
			if os, err := osfamily.Parse(f); err == nil {
				if _, err := c.Variant(os); err == nil {
					c.Families = append(c.Families, f)
				}
			}
		}
	}
	for _, f := range c.Families {
		os, err := osfamily.Parse(f) // a root family: checked above
		if err != nil {
			continue
		}
		if _, err := c.Variant(os); err != nil && len(errs) == 0 {
			errs.Add(project.Pos{File: yamlFile}, "families lists %s but no template covers it: add %s.sh.tmpl or default.sh.tmpl", f, f)
		}
	}
	return c, errs.Err()
}

func loadParams(file string, node *yaml.Node, errs *project.ErrorList) []*Param {
	if node.Kind == 0 || project.IsNull(node) {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		errs.Add(project.PosOf(file, node), "params must be a mapping of name → {type, default, required, enum, doc}")
		return nil
	}
	var out []*Param
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		var pf paramFile
		if !project.DecodeStrict(file, v, &pf, errs) {
			continue
		}
		p := &Param{Name: k.Value, Type: pf.Type, Doc: pf.Doc, Required: pf.Required, Enum: pf.Enum, Pattern: pf.Pattern, Raw: pf.Raw,
			PatternDoc: strings.TrimSpace(pf.PatternDoc), Min: pf.Min, Max: pf.Max, MinItems: pf.MinItems, file: file}
		if p.Type == "" {
			p.Type = "string"
		}
		if !nameRE.MatchString(p.Name) || slices.Contains(reserved, p.Name) {
			errs.Add(project.PosOf(file, k), "param name %q: use lower case letters, digits, - and _, and none of %s", p.Name, strings.Join(reserved, ", "))
			continue
		}
		if !slices.Contains(paramTypes, p.Type) {
			errs.Add(project.PosOf(file, v), "param %s: unknown type %q (types: %s)", p.Name, p.Type, strings.Join(paramTypes, ", "))
			continue
		}
		if (p.Min != nil || p.Max != nil) && p.Type != "int" {
			errs.Add(project.PosOf(file, v), "param %s: min and max bound int params; %s is a %s: remove min and max, or make it type: int", p.Name, p.Name, p.Type)
			continue
		}
		if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
			errs.Add(project.PosOf(file, v), "param %s: min %d is above max %d: swap them, min: %d, max: %d", p.Name, *p.Min, *p.Max, *p.Max, *p.Min)
			continue
		}
		if p.MinItems != nil && p.Type != "list" && p.Type != "map" {
			errs.Add(project.PosOf(file, v), "param %s: min_items bounds list and map params; %s is a %s: remove min_items, or make it type: list", p.Name, p.Name, p.Type)
			continue
		}
		if p.Pattern != "" {
			re, err := regexp.Compile("^(?:" + p.Pattern + ")$")
			if err != nil {
				errs.Add(project.PosOf(file, v), "param %s: pattern: %v (a pattern is a Go (RE2) regexp the whole value must match)", p.Name, err)
				continue
			}
			p.pattern = re
		}
		if p.Type == "file" && pf.Default.Kind != 0 {
			errs.Add(project.PosOf(file, &pf.Default), "param %s: a file param has no default: the project names its own file", p.Name)
			continue
		}
		if p.PatternDoc != "" && p.Pattern == "" {
			errs.Add(project.PosOf(file, v), "param %s: pattern_doc says in words what pattern allows, and there is no pattern: add pattern: or remove pattern_doc", p.Name)
			continue
		}
		def, ok := p.loadValue(file, "default", &pf.Default, errs)
		if !ok {
			continue
		}
		p.Default = def
		if p.Example, ok = p.loadValue(file, "example", &pf.Example, errs); !ok {
			continue
		}
		out = append(out, p)
	}
	return out
}

// loadValue converts and checks a param's default or example as written
// in crate.yaml: nil when it is left out.
func (p *Param) loadValue(file, key string, n *yaml.Node, errs *project.ErrorList) (any, bool) {
	if n.Kind == 0 || project.IsNull(n) {
		return nil, true
	}
	val, err := p.fromYAML(n)
	if err == nil {
		err = p.check(val)
	}
	if err != nil {
		errs.Add(project.PosOf(file, itemNode(n, err)), "param %s: %s: %v", p.Name, key, err)
		return nil, false
	}
	return val, true
}

// Param looks a param up by name.
func (c *Crate) Param(name string) *Param {
	for _, p := range c.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (c *Crate) paramNames() []string {
	names := make([]string, len(c.Params))
	for i, p := range c.Params {
		names[i] = p.Name
	}
	return names
}

// VariantNames lists the crate's variants, sorted.
func (c *Crate) VariantNames() []string { return sortedKeys(c.Variants) }

// Variant picks the template for an OS, most specific first:
// ubuntu-22.04 → ubuntu → debian → default.
func (c *Crate) Variant(os osfamily.OS) (*Variant, error) {
	if why, ok := c.Unsupported[os.Family]; ok {
		return nil, fmt.Errorf("crate %s does not support %s: %s", c.Name, os.ID, why)
	}
	for _, name := range os.Chain() {
		if v, ok := c.Variants[name]; ok {
			return v, nil
		}
	}
	if v, ok := c.Variants["default"]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("crate %s has no variant for %s (looked for %s and default; it has %s): add %s.sh.tmpl to %s, or render for another OS",
		c.Name, os.ID, strings.Join(os.Chain(), ", "), strings.Join(c.VariantNames(), ", "), os.Family, c.Dir)
}

var tmplErrRE = regexp.MustCompile(`^template: (.*?:\d+(?::\d+)?): (?:executing "[^"]*" at <[^>]*>: )?(.*)$`)

// templateError turns text/template's "template: f:3:5: executing ..."
// into "f:3:5: ...".
func templateError(err error) string {
	msg := err.Error()
	if m := tmplErrRE.FindStringSubmatch(msg); m != nil {
		return m[1] + ": " + m[2]
	}
	return strings.TrimPrefix(msg, "template: ")
}

var tmplPosRE = regexp.MustCompile(`^(.*?):(\d+)(?::(\d+))?: (.*)$`)

// templateErrorAt places a template error at the file:line it names.
func templateErrorAt(file string, err error) *project.Error {
	msg := templateError(err)
	if m := tmplPosRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		return &project.Error{Pos: project.Pos{File: m[1], Line: line, Col: col}, Msg: m[4], Err: err}
	}
	return &project.Error{Pos: project.Pos{File: file}, Msg: msg, Err: err}
}

// registry is every crate a project can call: its own crate_paths first,
// then its crate_packs in order, then the built-ins (see lookup).
type registry struct {
	crates map[string]*Crate // by name, the first place that has it
	// qualified are the pack crates as PACK:NAME, by the pack's short
	// name and by its module path.
	qualified map[string]*Crate
	// ambiguous are the names two or more packs have (and no crate
	// path): callable only qualified.
	ambiguous map[string][]*Crate
}

// lookup finds a crate by name (nginx) or qualified by its pack
// (pallet-web:nginx, example.com/acme/pallet-web:nginx).
func (r *registry) lookup(name string) (*Crate, error) {
	if in := r.ambiguous[name]; len(in) > 0 {
		var packs, calls []string
		for _, c := range in {
			packs = append(packs, c.Pack)
			calls = append(calls, c.Qualified)
		}
		return nil, fmt.Errorf("crate %q is in more than one pack (%s): call it as %s", name, strings.Join(packs, ", "), strings.Join(calls, " or "))
	}
	if c, ok := r.crates[name]; ok {
		return c, nil
	}
	if c, ok := r.qualified[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("crate %q not found%s (run `palletc crates` to list them)", project.Shorten(name), didYouMean(name, r.names()))
}

func (r *registry) names() []string { return sortedKeys(r.crates) }

func loadCrates(fsys fs.FS, root, display string, builtin bool, funcs template.FuncMap, into map[string]*Crate, errs *project.ErrorList) {
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		errs.Add(project.Pos{File: display}, "crate path: %v", err)
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			// crateDirFS resolved every symlink that stays inside the
			// crate path; this one leads out, or nowhere.
			errs.Add(project.Pos{File: path.Join(display, e.Name())}, "a symlink that leads outside its crate path (or to nothing): pallet follows symlinks only inside a crate path; move or copy the crate in, or add the directory it is in to crate_paths")
			continue
		}
		if !e.IsDir() {
			continue
		}
		if _, dup := into[e.Name()]; dup {
			continue // an earlier crate path wins
		}
		c, err := LoadCrate(fsys, path.Join(root, e.Name()), path.Join(display, e.Name()), funcs)
		if err != nil {
			errs.AddErr(project.Pos{File: display}, err)
			continue
		}
		c.Builtin = builtin
		into[c.Name] = c
	}
}

// loadCrateDir loads the crates of one crate path on disk, through
// crateDirFS: symlinks are followed only inside it, files are read with a
// size limit, and only regular files are read.
func loadCrateDir(dir string, funcs template.FuncMap, into map[string]*Crate, errs *project.ErrorList) {
	fsys, err := openCrateDir(dir)
	if err != nil {
		errs.Add(project.Pos{File: dir}, "crate path: %v", unwrapPathError(err))
		return
	}
	defer fsys.Close()
	loadCrates(fsys, ".", dir, false, funcs, into, errs)
}
