// Package project is the pallet.yaml model: groups (Pallet's defnode
// forms) with their images, hardware and phases, the admin user and key,
// the providers, and the crate calls as written, not yet bound to crates
// (the compiler does that). It also holds what every input file shares:
// places (Pos), errors reported together (ErrorList) and strict YAML
// decoding.
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/internal/regularfile"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/packs"
	"github.com/palletops/pallet/secrets"
)

// Size limits for the files a project reads. Each is far above what a
// real file holds; they are there so that a path naming /dev/zero, or a
// huge file by mistake, is an error instead of memory growing until the
// machine gives up.
const (
	maxProjectBytes   = 16 << 20 // pallet.yaml: 1,000 groups take under 1 MiB
	maxPublicKeyBytes = 64 << 10 // one authorized_keys line
)

// Project is a loaded and validated pallet.yaml: Pallet's defnode forms,
// the admin user and key, the providers, and the crate calls of each
// phase as written.
type Project struct {
	File       string // path of pallet.yaml as given
	Dir        string // its directory: crate_paths are relative to it
	Admin      Admin
	CratePaths []string
	// CrateDirs are the crate_paths that are directories, resolved
	// against Dir, in order: where the compiler looks for crates before
	// the built-in ones.
	CrateDirs []string
	// CratePacks are crate_packs: as written, in order: where the
	// compiler looks for crates after CrateDirs and before the built-ins.
	CratePacks []CratePack
	Groups     []*Group // in file order
	Providers  []*ProviderSpec
	// Vars are the project's vars: its vars:, then its vars_files merged
	// over them (see VarsFor for the whole precedence).
	Vars map[string]any
	// Order is order: as written: groups that run one after another.
	// With each group's After it makes the relation RunsAfter answers.
	Order []string

	env      *Env
	byName   map[string]*Group
	after    map[string][]string    // group → groups it runs after (order: and after:)
	adminKey func() (string, error) // read once, when first asked

	secretsFile  *secrets.File                  // nil without secrets_file
	secretsPos   Pos                            // where secrets_file is
	secretValues func() (secrets.Values, error) // decrypted once, when first asked
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
	// Vars are the group's vars:, over the project's.
	Vars map[string]any
	// After are the groups this one runs after (after: as written; see
	// Project.RunsAfter for order: and after: together).
	After []string
	// Rollout is how the group's nodes go through a run (rollout:).
	Rollout Rollout

	afterRefs []groupRef
}

// Phase is an ordered list of crate calls.
type Phase struct {
	Name  string
	Pos   Pos
	Calls []*Call
}

// Call is one crate call in a phase as pallet.yaml writes it: the crate's
// name, where the name is, and the params (nil when the call has none),
// which only the crate can check.
type Call struct {
	Crate  string
	Pos    Pos
	Params *yaml.Node
	// Notify are the flags the call raises when one of its steps reports
	// changed (notify:); WhenNotified the flags it runs on (when_notified:):
	// the call's steps run only when one of them is raised, and lower them
	// all once every step has succeeded. Both in file order, each once.
	Notify       []string
	WhenNotified []Flag
}

// Flag is a flag name as a call's when_notified: writes it, with where.
type Flag struct {
	Name string
	Pos  Pos
}

// flagNameRE is what a flag name may be: it names a file on the node
// (/var/lib/pallet/flags/NAME), so no dots, slashes or upper case.
var flagNameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

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
	CratePacks yaml.Node `yaml:"crate_packs"`
	Groups     yaml.Node `yaml:"groups"`
	Providers  yaml.Node `yaml:"providers"`
	Order      yaml.Node `yaml:"order"`

	SecretsFile       yaml.Node `yaml:"secrets_file"`
	SecretsRecipients yaml.Node `yaml:"secrets_recipients"`
	Vars              yaml.Node `yaml:"vars"`
	VarsFiles         yaml.Node `yaml:"vars_files"`
}

type groupFile struct {
	Image    yaml.Node `yaml:"image"`
	Hardware yaml.Node `yaml:"hardware"`
	Phases   yaml.Node `yaml:"phases"`
	Vars     yaml.Node `yaml:"vars"`
	After    yaml.Node `yaml:"after"`
	Rollout  yaml.Node `yaml:"rollout"`
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
	// AgeIdentity is $PALLET_AGE_IDENTITY: the secrets' identity (a key or
	// a file); "" for the default under Home.
	AgeIdentity string
	// Packs is where crate packs come from and are cached; nil: from the
	// process environment (packs.DefaultConfig).
	Packs *packs.Config
}

// DefaultEnv reads $USER, $HOME and $PALLET_AGE_IDENTITY.
func DefaultEnv() *Env {
	home, _ := os.UserHomeDir()
	return &Env{User: os.Getenv("USER"), Home: home, AgeIdentity: os.Getenv(secrets.IdentityEnv)}
}

// Load reads and validates a project file, reporting every error found as
// an ErrorList. With errors it may still return the project, as far as it
// could be read (nil when not even that), so that a caller checking more
// (the compiler, binding calls to crates) can report its errors too.
func Load(file string) (*Project, error) { return LoadEnv(file, DefaultEnv()) }

// LoadEnv is Load with an explicit environment.
func LoadEnv(file string, env *Env) (*Project, error) {
	data, err := regularfile.Read(file, maxProjectBytes)
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
	p := newProject(file, filepath.Dir(file), env)
	doc, errs := parseDocument(file, data, true)
	if errs != nil {
		return nil, errs.Err()
	}
	if doc == nil {
		return nil, ErrorList{{Pos: Pos{File: file}, Msg: "project file is empty: declare at least one group under groups:"}}
	}
	root := doc.Content[0]
	if checkVarTags(file, root, varPlaces(root), &errs); errs != nil {
		return nil, errs.Err()
	}
	var pf projectFile
	if !DecodeStrict(file, root, &pf, &errs) {
		return nil, errs.Err()
	}
	if pf.Admin.Kind != 0 {
		DecodeStrict(file, &pf.Admin, &p.Admin, &errs)
	}
	p.CratePaths = pf.CratePaths
	for _, cp := range p.CratePaths {
		dir := cp
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(p.Dir, cp)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			errs.Add(PosOf(file, root), "crate_paths: %s is not a directory (paths are relative to %s)", cp, file)
			continue
		}
		p.CrateDirs = append(p.CrateDirs, dir)
	}
	p.CratePacks = loadCratePacks(file, &pf.CratePacks, &errs)

	p.Vars = DecodeVars(file, &pf.Vars, &errs)
	var varsFiles []string
	if pf.VarsFiles.Kind != 0 && !IsNull(&pf.VarsFiles) {
		if err := pf.VarsFiles.Decode(&varsFiles); err != nil {
			errs.Add(PosOf(file, &pf.VarsFiles), "vars_files must be a list of YAML files (relative to %s), got %s", file, Describe(&pf.VarsFiles))
		}
	}
	if len(varsFiles) > 0 {
		p.Vars = MergeVars(p.Vars, p.loadVarsFiles(file, &pf.VarsFiles, varsFiles, &errs))
	}
	p.loadGroups(file, &pf.Groups, &errs)
	p.loadOrder(file, &pf.Order, &errs)
	p.checkFlags(&errs)
	p.loadProviders(file, &pf.Providers, &errs)
	p.loadSecrets(file, &pf.SecretsFile, &pf.SecretsRecipients, &errs)
	return p, errs.Err()
}

// newProject is a project with nothing declared yet; the admin key is read
// on first use, from admin.public_key_file as it then is.
func newProject(file, dir string, env *Env) *Project {
	p := &Project{File: file, Dir: dir, env: env}
	p.adminKey = sync.OnceValues(func() (string, error) { return readPublicKey(p.Admin.PublicKeyFile, p.Dir, env) })
	return p
}

// Empty is a project with no file and no groups, in the current
// directory: what `palletc crates` lists the crates of outside a project.
func Empty(env *Env) *Project { return newProject("(no project)", ".", env) }

func (p *Project) loadGroups(file string, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || IsNull(node) {
		errs.Add(Pos{File: file, Line: 1}, "no groups: declare at least one, e.g. groups: {mynode: {}}")
		return
	}
	if node.Kind != yaml.MappingNode {
		errs.Add(PosOf(file, node), "groups must be a mapping of group name → {image, hardware, phases}, got %s", Describe(node))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if seen[k.Value] {
			errs.Add(PosOf(file, k), "group %q is declared twice: rename or merge one", k.Value)
			continue
		}
		seen[k.Value] = true
		if len(k.Value) > maxNameLen {
			errs.Add(PosOf(file, k), "group name %q is %d characters long: at most %d", Shorten(k.Value), len(k.Value), maxNameLen)
			continue
		}
		if !groupNameRE.MatchString(k.Value) {
			errs.Add(PosOf(file, k), "group name %q: use letters, digits, '.', '-' and '_'", k.Value)
			continue
		}
		g := &Group{Name: k.Value, Pos: PosOf(file, k)}
		var gf groupFile
		if !DecodeStrict(file, v, &gf, errs) {
			continue
		}
		DecodeStrict(file, &gf.Image, &g.Image, errs)
		DecodeStrict(file, &gf.Hardware, &g.Hardware, errs)
		g.Vars = DecodeVars(file, &gf.Vars, errs)
		if g.Image.OSFamily != "" {
			if _, err := osfamily.ForImage(g.Image.OSFamily, g.Image.OSVersionMatches); err != nil {
				errs.Add(PosOf(file, &gf.Image), "group %s: image: %v", g.Name, err)
			}
		}
		p.loadPhases(file, g, &gf.Phases, errs)
		g.afterRefs = loadNames(file, "group "+g.Name+": after", &gf.After, errs)
		loadRollout(file, g, &gf.Rollout, errs)
		p.Groups = append(p.Groups, g)
		if p.byName == nil {
			p.byName = map[string]*Group{}
		}
		p.byName[g.Name] = g
	}
}

func (p *Project) loadPhases(file string, g *Group, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || IsNull(node) {
		return
	}
	if node.Kind != yaml.MappingNode {
		errs.Add(PosOf(file, node), "group %s: phases must be a mapping of phase name → list of crate calls, got %s", g.Name, Describe(node))
		return
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if len(k.Value) > maxNameLen {
			errs.Add(PosOf(file, k), "phase name %q is %d characters long: at most %d", Shorten(k.Value), len(k.Value), maxNameLen)
			continue
		}
		if !groupNameRE.MatchString(k.Value) {
			errs.Add(PosOf(file, k), "phase name %q: use letters, digits, '.', '-' and '_'", k.Value)
			continue
		}
		ph := &Phase{Name: k.Value, Pos: PosOf(file, k)}
		if IsNull(v) {
			g.Phases = append(g.Phases, ph)
			continue
		}
		if v.Kind != yaml.SequenceNode {
			errs.Add(PosOf(file, v), "group %s: phase %s must be a list of crate calls (- name, or - name: {params}), got %s", g.Name, k.Value, Describe(v))
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

// loadCall reads one item of a phase as a crate name and its params; the
// crate itself is the compiler's to find.
func (p *Project) loadCall(file string, item *yaml.Node, errs *ErrorList) *Call {
	var nameNode, params *yaml.Node
	var notify, when *yaml.Node
	switch {
	case item.Kind == yaml.ScalarNode && !IsNull(item):
		nameNode = item
	case item.Kind == yaml.MappingNode && len(item.Content) >= 2:
		// A call is a one-key mapping of crate name → params, and may carry
		// the call keywords notify: and when_notified: beside the crate.
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "notify":
				notify = v
			case "when_notified":
				when = v
			default:
				if nameNode != nil {
					if hint := didYouMean(k.Value, []string{"notify", "when_notified"}); hint != "" {
						errs.Add(PosOf(file, k), "%q is not a call keyword%s (beside the crate %s: notify, when_notified)", Shorten(k.Value), hint, nameNode.Value)
						return nil
					}
					errs.Add(PosOf(file, item), "a crate call is a crate name, or a one-key mapping of crate name → params; got %s", Describe(item))
					return nil
				}
				nameNode, params = k, v
			}
		}
		if nameNode == nil {
			errs.Add(PosOf(file, item), "a crate call names a crate beside notify: and when_notified:; got only %s", Describe(item))
			return nil
		}
		if !IsNull(params) && params.Kind != yaml.MappingNode {
			errs.Add(PosOf(file, params), "params of %s must be a mapping (name: value), got %s", nameNode.Value, Describe(params))
			return nil
		}
	default:
		errs.Add(PosOf(file, item), "a crate call is a crate name, or a one-key mapping of crate name → params; got %s", Describe(item))
		return nil
	}
	c := &Call{Crate: nameNode.Value, Pos: PosOf(file, nameNode), Params: params}
	for _, f := range loadFlags(file, "notify", notify, errs) {
		if !slices.Contains(c.Notify, f.Name) {
			c.Notify = append(c.Notify, f.Name)
		}
	}
	for _, f := range loadFlags(file, "when_notified", when, errs) {
		if !slices.ContainsFunc(c.WhenNotified, func(g Flag) bool { return g.Name == f.Name }) {
			c.WhenNotified = append(c.WhenNotified, f)
		}
	}
	return c
}

// loadFlags reads notify: or when_notified:, a flag name or a list of them.
func loadFlags(file, key string, node *yaml.Node, errs *ErrorList) []Flag {
	if node == nil {
		return nil
	}
	items := []*yaml.Node{node}
	if node.Kind == yaml.SequenceNode {
		items = node.Content
	}
	var out []Flag
	for _, it := range items {
		if it.Kind != yaml.ScalarNode || IsNull(it) || it.Tag != "!!str" && it.Tag != "!!int" {
			errs.Add(PosOf(file, it), "%s: a flag name or a list of them, e.g. %s: nginx, got %s", key, key, Describe(it))
			continue
		}
		if len(it.Value) > maxNameLen || !flagNameRE.MatchString(it.Value) {
			errs.Add(PosOf(file, it), "%s: flag name %q: use lower-case letters, digits, '-' and '_' (at most %d)", key, Shorten(it.Value), maxNameLen)
			continue
		}
		out = append(out, Flag{Name: it.Value, Pos: PosOf(file, it)})
	}
	return out
}

// checkFlags refuses a when_notified: naming a flag no call in the
// project notifies: it would never run, which is most likely a typo.
func (p *Project) checkFlags(errs *ErrorList) {
	raised := map[string]bool{}
	var names []string
	for _, g := range p.Groups {
		for _, ph := range g.Phases {
			for _, c := range ph.Calls {
				for _, n := range c.Notify {
					if !raised[n] {
						raised[n] = true
						names = append(names, n)
					}
				}
			}
		}
	}
	for _, g := range p.Groups {
		for _, ph := range g.Phases {
			for _, c := range ph.Calls {
				for _, f := range c.WhenNotified {
					if raised[f.Name] {
						continue
					}
					known := "no call notifies any flag"
					if len(names) > 0 {
						known = "flags notified: " + strings.Join(names, ", ")
					}
					errs.Add(f.Pos, "when_notified: no call notifies %q%s (%s), so %s would never run", f.Name, didYouMean(f.Name, names), known, c.Crate)
				}
			}
		}
	}
}

func (p *Project) loadProviders(file string, node *yaml.Node, errs *ErrorList) {
	if node.Kind == 0 || IsNull(node) {
		return
	}
	if node.Kind != yaml.MappingNode {
		errs.Add(PosOf(file, node), "providers must be a mapping of name → {kind: ...}, got %s", Describe(node))
		return
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		spec := &ProviderSpec{Name: k.Value, Pos: PosOf(file, k), Node: v}
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].Value == "kind" {
					spec.Kind = v.Content[j+1].Value
				}
			}
		}
		if spec.Kind == "" {
			errs.Add(PosOf(file, v), "provider %s needs a kind (node-list, nspawn or openstack)", k.Value)
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
// its image template, else osfamily.Default.
func (p *Project) OSFor(g *Group, override string) (osfamily.OS, error) {
	id := override
	if id == "" && g.Image.OSFamily != "" {
		var err error
		if id, err = osfamily.ForImage(g.Image.OSFamily, g.Image.OSVersionMatches); err != nil {
			return osfamily.OS{}, err
		}
	}
	if id == "" {
		id = osfamily.Default
	}
	return osfamily.Parse(id)
}

// expandHome resolves a leading ~/ against the environment's home.
func (e *Env) expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(e.Home, rest)
	}
	return path
}

// AdminUser is the user bootstrap creates on every node and later phases
// log in as: admin.user, else the user running pallet ($USER). It is
// decided here only; "" when neither is set.
func (p *Project) AdminUser() string {
	if p.Admin.User != "" {
		return p.Admin.User
	}
	return p.env.User
}

// AdminPublicKey is the admin public key (one authorized_keys line): what
// bootstrap authorizes and what providers give new nodes. It is read once,
// when first asked, so projects that never bootstrap need no key file.
func (p *Project) AdminPublicKey() (string, error) { return p.adminKey() }

// AdminPublicKeyFiles lists where the admin public key is looked for,
// resolved to paths, in order; their private halves are the keys to log in
// with.
func (p *Project) AdminPublicKeyFiles() []string {
	paths, _ := publicKeyFiles(p.Admin.PublicKeyFile, p.Dir, p.env)
	return paths
}

// publicKeyFiles is where the admin public key is looked for, in order:
// the file named in pallet.yaml (relative to it), else
// ~/.ssh/id_ed25519.pub, else ~/.ssh/id_rsa.pub. Each comes with the name
// it was given, for messages.
func publicKeyFiles(keyFile, dir string, env *Env) (paths, names []string) {
	names = []string{keyFile}
	if keyFile == "" {
		names = []string{"~/.ssh/id_ed25519.pub", "~/.ssh/id_rsa.pub"}
	}
	for _, f := range names {
		path := env.expandHome(f)
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		paths = append(paths, path)
	}
	return paths, names
}

// readPublicKey reads the first admin public key that exists.
func readPublicKey(keyFile, dir string, env *Env) (string, error) {
	paths, names := publicKeyFiles(keyFile, dir, env)
	for i, path := range paths {
		data, err := regularfile.Read(path, maxPublicKeyBytes)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			// Said without the file's content: it may be anything.
			return "", fmt.Errorf("admin public key %s: %v: name a .pub file in admin.public_key_file", names[i], unwrapPathError(err))
		}
		key := strings.TrimSpace(string(data))
		if key == "" || strings.ContainsAny(key, "\n\x00") {
			return "", fmt.Errorf("admin public key %s must hold one key on one line", names[i])
		}
		return key, nil
	}
	return "", fmt.Errorf("no admin public key: %s not found; set admin.public_key_file in pallet.yaml or run ssh-keygen -t ed25519", strings.Join(names, " or "))
}
