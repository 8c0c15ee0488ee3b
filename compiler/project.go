package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/crates"
)

// Project is a loaded and validated pallet.yaml: Pallet's defnode forms,
// the admin user, and the crates its phases may call.
type Project struct {
	File       string // path of pallet.yaml as given
	Dir        string // its directory: crate_paths are relative to it
	Admin      Admin
	CratePaths []string
	Groups     []*Group // in file order
	Providers  []*ProviderSpec

	reg      *registry
	env      *Env
	byName   map[string]*Group
	adminKey func() (Word, error) // read once, when a template first asks
	rendered sync.Map             // cacheKey → []step: what each crate call rendered
}

// Admin is the user bootstrap creates on every node and later phases log
// in as.
type Admin struct {
	User            string `yaml:"user"`
	PublicKeyFile   string `yaml:"public_key_file"`
	SudoPasswordEnv string `yaml:"sudo_password_env"`
}

// Image is a group's image template: which OS its nodes run.
type Image struct {
	OSFamily             string `yaml:"os_family"`
	OSVersionMatches     string `yaml:"os_version_matches"`
	OSDescriptionMatches string `yaml:"os_description_matches"`
	OS64Bit              *bool  `yaml:"os_64bit"`
	ImageID              string `yaml:"image_id"`
	ImageName            string `yaml:"image_name"`
	LoginUser            string `yaml:"login_user"`
}

// Hardware is a group's hardware template, for providers that create nodes.
type Hardware struct {
	Smallest  bool   `yaml:"smallest"`
	MinCores  int    `yaml:"min_cores"`
	MinRAMMB  int    `yaml:"min_ram_mb"`
	MinDiskGB int    `yaml:"min_disk_gb"`
	Flavor    string `yaml:"flavor"`
}

// Group is one defnode: a kind of node, its image, hardware and phases.
type Group struct {
	Name     string
	Pos      Pos
	Image    Image
	Hardware Hardware
	Phases   []*Phase // in file order
}

// Phase is an ordered list of crate calls.
type Phase struct {
	Name  string
	Pos   Pos
	Calls []*Call
}

// Call is one crate call in a phase, with its validated params.
type Call struct {
	Crate *Crate
	Pos   Pos
	Args  Args
}

// ProviderSpec is one entry of providers:, kept as YAML for the runner,
// which knows each kind's fields.
type ProviderSpec struct {
	Name string
	Kind string
	Pos  Pos
	Node *yaml.Node
}

type projectFile struct {
	Admin      yaml.Node `yaml:"admin"`
	CratePaths []string  `yaml:"crate_paths"`
	Groups     yaml.Node `yaml:"groups"`
	Providers  yaml.Node `yaml:"providers"`
}

type groupFile struct {
	Image    yaml.Node `yaml:"image"`
	Hardware yaml.Node `yaml:"hardware"`
	Phases   yaml.Node `yaml:"phases"`
}

var groupNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// maxNameLen bounds group and phase names: they become directory and
// file names (build writes DIR/<group>/<phase>.sh) and node names.
const maxNameLen = 64

// Env is what the project takes from the machine it is compiled on. Tests
// set it so that output does not depend on who runs them.
type Env struct {
	User string // default admin user
	Home string // for ~ and the default public key
}

// DefaultEnv reads $USER and $HOME.
func DefaultEnv() *Env {
	home, _ := os.UserHomeDir()
	return &Env{User: os.Getenv("USER"), Home: home}
}

// Load reads and validates a project file, its crate paths and every crate
// call, reporting every error found as an ErrorList.
func Load(file string) (*Project, error) { return LoadEnv(file, DefaultEnv()) }

// LoadEnv is Load with an explicit environment.
func LoadEnv(file string, env *Env) (*Project, error) {
	data, err := readRegular(file, maxProjectBytes)
	if err != nil {
		return nil, &Error{Pos: Pos{File: file}, Msg: fmt.Sprintf("cannot read project file: %v (pass -f path/to/pallet.yaml)", unwrapPathError(err)), Err: err}
	}
	return Parse(file, data, env)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Parse is Load from bytes already read.
func Parse(file string, data []byte, env *Env) (*Project, error) {
	p := &Project{File: file, Dir: filepath.Dir(file), env: env}
	doc, errs := parseDocument(file, data)
	if errs != nil {
		return nil, errs.err()
	}
	if doc == nil {
		return nil, ErrorList{{Pos: Pos{File: file}, Msg: "project file is empty: declare at least one group under groups:"}}
	}
	root := doc.Content[0]
	var pf projectFile
	if !DecodeStrict(file, root, &pf, &errs) {
		return nil, errs.err()
	}
	if pf.Admin.Kind != 0 {
		DecodeStrict(file, &pf.Admin, &p.Admin, &errs)
	}
	p.CratePaths = pf.CratePaths
	p.adminKey = sync.OnceValues(func() (Word, error) { return readPublicKey(p.Admin.PublicKeyFile, p.Dir, env) })

	p.reg = &registry{crates: map[string]*Crate{}}
	funcs := templateFuncs()
	for _, cp := range p.CratePaths {
		dir := cp
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(p.Dir, cp)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			errs.add(posOf(file, root), "crate_paths: %s is not a directory (paths are relative to %s)", cp, file)
			continue
		}
		loadCrateDir(dir, funcs, p.reg.crates, &errs)
	}
	loadCrates(crates.FS, ".", "crates", true, funcs, p.reg.crates, &errs)

	p.loadGroups(file, &pf.Groups, &errs)
	p.loadProviders(file, &pf.Providers, &errs)
	return p, errs.err()
}

func (p *Project) loadGroups(file string, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || isNull(node) {
		errs.add(Pos{File: file, Line: 1}, "no groups: declare at least one, e.g. groups: {mynode: {}}")
		return
	}
	if node.Kind != yaml.MappingNode {
		errs.add(posOf(file, node), "groups must be a mapping of group name → {image, hardware, phases}, got %s", describe(node))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if seen[k.Value] {
			errs.add(posOf(file, k), "group %q is declared twice: rename or merge one", k.Value)
			continue
		}
		seen[k.Value] = true
		if len(k.Value) > maxNameLen {
			errs.add(posOf(file, k), "group name %q is %d characters long: at most %d", shorten(k.Value), len(k.Value), maxNameLen)
			continue
		}
		if !groupNameRE.MatchString(k.Value) {
			errs.add(posOf(file, k), "group name %q: use letters, digits, '.', '-' and '_'", k.Value)
			continue
		}
		g := &Group{Name: k.Value, Pos: posOf(file, k)}
		var gf groupFile
		if !DecodeStrict(file, v, &gf, errs) {
			continue
		}
		DecodeStrict(file, &gf.Image, &g.Image, errs)
		DecodeStrict(file, &gf.Hardware, &g.Hardware, errs)
		if g.Image.OSFamily != "" {
			if _, err := osForImage(g.Image); err != nil {
				errs.add(posOf(file, &gf.Image), "group %s: image: %v", g.Name, err)
			}
		}
		p.loadPhases(file, g, &gf.Phases, errs)
		p.Groups = append(p.Groups, g)
		if p.byName == nil {
			p.byName = map[string]*Group{}
		}
		p.byName[g.Name] = g
	}
}

func (p *Project) loadPhases(file string, g *Group, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || isNull(node) {
		return
	}
	if node.Kind != yaml.MappingNode {
		errs.add(posOf(file, node), "group %s: phases must be a mapping of phase name → list of crate calls, got %s", g.Name, describe(node))
		return
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if len(k.Value) > maxNameLen {
			errs.add(posOf(file, k), "phase name %q is %d characters long: at most %d", shorten(k.Value), len(k.Value), maxNameLen)
			continue
		}
		if !groupNameRE.MatchString(k.Value) {
			errs.add(posOf(file, k), "phase name %q: use letters, digits, '.', '-' and '_'", k.Value)
			continue
		}
		ph := &Phase{Name: k.Value, Pos: posOf(file, k)}
		if isNull(v) {
			g.Phases = append(g.Phases, ph)
			continue
		}
		if v.Kind != yaml.SequenceNode {
			errs.add(posOf(file, v), "group %s: phase %s must be a list of crate calls (- name, or - name: {params}), got %s", g.Name, k.Value, describe(v))
			continue
		}
		for _, item := range v.Content {
			if c := p.loadCall(file, item, errs); c != nil {
				ph.Calls = append(ph.Calls, c)
			}
		}
		g.Phases = append(g.Phases, ph)
	}
}

func (p *Project) loadCall(file string, item *yaml.Node, errs *ErrorList) *Call {
	var nameNode, params *yaml.Node
	switch {
	case item.Kind == yaml.ScalarNode && !isNull(item):
		nameNode = item
	case item.Kind == yaml.MappingNode && len(item.Content) == 2:
		nameNode, params = item.Content[0], item.Content[1]
		if !isNull(params) && params.Kind != yaml.MappingNode {
			errs.add(posOf(file, params), "params of %s must be a mapping (name: value), got %s", nameNode.Value, describe(params))
			return nil
		}
	default:
		errs.add(posOf(file, item), "a crate call is a crate name, or a one-key mapping of crate name → params; got %s", describe(item))
		return nil
	}
	c, ok := p.reg.crates[nameNode.Value]
	if !ok {
		errs.add(posOf(file, nameNode), "crate %q not found%s (run `palletc crates` to list them)", shorten(nameNode.Value), didYouMean(nameNode.Value, p.reg.names()))
		return nil
	}
	args, ok := c.bindYAML(file, nameNode, params, errs)
	if !ok {
		return nil
	}
	return &Call{Crate: c, Pos: posOf(file, nameNode), Args: args}
}

func (p *Project) loadProviders(file string, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || isNull(node) {
		return
	}
	if node.Kind != yaml.MappingNode {
		errs.add(posOf(file, node), "providers must be a mapping of name → {kind: ...}, got %s", describe(node))
		return
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		spec := &ProviderSpec{Name: k.Value, Pos: posOf(file, k), Node: v}
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].Value == "kind" {
					spec.Kind = v.Content[j+1].Value
				}
			}
		}
		if spec.Kind == "" {
			errs.add(posOf(file, v), "provider %s needs a kind (node-list, nspawn or openstack)", k.Value)
			continue
		}
		p.Providers = append(p.Providers, spec)
	}
}

// Group returns the named group, or an error listing the groups there are.
func (p *Project) Group(name string) (*Group, error) {
	if g, ok := p.byName[name]; ok {
		return g, nil
	}
	var names []string
	for _, g := range p.Groups {
		if g.Name == name {
			return g, nil
		}
		names = append(names, g.Name)
	}
	return nil, &Error{Pos: Pos{File: p.File}, Msg: fmt.Sprintf("no group %q%s (groups: %s)", name, didYouMean(name, names), strings.Join(names, ", "))}
}

// Phase returns the group's phase by name, or nil.
func (g *Group) Phase(name string) *Phase {
	for _, ph := range g.Phases {
		if ph.Name == name {
			return ph
		}
	}
	return nil
}

// PhaseNames lists the group's phases in file order.
func (g *Group) PhaseNames() []string {
	names := make([]string, len(g.Phases))
	for i, ph := range g.Phases {
		names[i] = ph.Name
	}
	return names
}

// OSFor is the OS a group renders for: the override if given (--os), else
// its image template, else DefaultOS.
func (p *Project) OSFor(g *Group, override string) (OS, error) {
	id := override
	if id == "" && g.Image.OSFamily != "" {
		var err error
		if id, err = osForImage(g.Image); err != nil {
			return OS{}, err
		}
	}
	if id == "" {
		id = DefaultOS
	}
	return ParseOS(id)
}

// Crates lists every crate the project can call, sorted by name.
func (p *Project) Crates() []*Crate {
	out := make([]*Crate, 0, len(p.reg.crates))
	for _, n := range p.reg.names() {
		out = append(out, p.reg.crates[n])
	}
	return out
}

// Crate looks a crate up by name.
func (p *Project) Crate(name string) (*Crate, error) {
	if c, ok := p.reg.crates[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("crate %q not found%s (run `palletc crates` to list them)", name, didYouMean(name, p.reg.names()))
}

// expandHome resolves a leading ~/ against the environment's home.
func (e *Env) expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(e.Home, rest)
	}
	return path
}

// Builtin is a project with no groups that knows only the built-in crates
// and those under cratePaths: what `palletc crates` lists outside a project.
func Builtin(env *Env, cratePaths ...string) (*Project, error) {
	var errs ErrorList
	p := &Project{File: "(no project)", Dir: ".", env: env, reg: &registry{crates: map[string]*Crate{}}}
	p.adminKey = sync.OnceValues(func() (Word, error) { return readPublicKey("", ".", env) })
	funcs := templateFuncs()
	for _, dir := range cratePaths {
		loadCrateDir(dir, funcs, p.reg.crates, &errs)
	}
	loadCrates(crates.FS, ".", "crates", true, funcs, p.reg.crates, &errs)
	return p, errs.err()
}

// AdminPublicKey is the admin public key (one authorized_keys line): what
// bootstrap authorizes and what providers give new nodes.
func (p *Project) AdminPublicKey() (string, error) {
	key, err := p.adminKey()
	return string(key), err
}

// AdminPublicKeyFiles lists where the admin public key is looked for,
// resolved to paths, in order; their private halves are the keys to log in
// with.
func (p *Project) AdminPublicKeyFiles() []string {
	paths, _ := publicKeyFiles(p.Admin.PublicKeyFile, p.Dir, p.env)
	return paths
}
