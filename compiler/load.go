package compiler

import (
	"sync"
	"sync/atomic"
	"text/template"

	"github.com/palletops/pallet/crates"
	"github.com/palletops/pallet/internal/suggest"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/secrets"
)

// Project is a project (pallet.yaml, see package project) with every crate
// call bound to its crate and validated params: what the compiler
// compiles. It keeps what each crate call rendered, so that fleets
// repeating the same calls render them once.
type Project struct {
	*project.Project

	reg      *registry
	calls    map[*project.Phase][]*Call // each phase's calls, bound
	adminKey func() (Word, error)
	rendered renderCache // what each crate call rendered
	files    sync.Map    // file param path → *ProjectFile: each read once
	// resolvedArgs keeps the params of calls with node-free dyn params,
	// by call and vars (see renderer.args).
	resolvedArgs sync.Map
	// overrides are --var's; groupVars each group's vars with them on
	// top, for nodes without vars of their own.
	overrides  map[string]any
	groupVars  map[string]map[string]any
	paramFuncs template.FuncMap
	// templates are the project files the template crate renders, parsed,
	// by path and sha256 (see projectTemplate).
	templates sync.Map
	// secretMode says what .secrets holds in a template file: the real
	// values (lift, build) or their placeholders (render).
	secretMode SecretMode
	// oses are the OS each group compiles for, by group and --os (see
	// groupOS); helperPlans the helpers scripts hold, by the helpers their
	// steps call (see planHelpers).
	oses        sync.Map
	helperPlans sync.Map
	// stepBufs are the step slices of compiles done, for the next ones
	// (see Compile).
	stepBufs sync.Pool
	// redactor redacts the secrets once a template file has read them
	// (see Redactor); nil before.
	redactor atomic.Pointer[secrets.Redactor]
}

// SecretMode says what .secrets holds when the template crate renders a
// project file.
type SecretMode int

const (
	// SecretsReal: the decrypted values. Content that read them is a
	// secret payload, never script text. What lift and build use.
	SecretsReal SecretMode = iota
	// SecretsPlaceholder: <secret:NAME> for each value, with no
	// decryption; the content is not secret and shows inline. What
	// palletc render uses.
	SecretsPlaceholder
	// SecretsShown: the decrypted values, written inline like any text:
	// palletc render --show-secrets, for looking, never for running.
	SecretsShown
)

// SetSecretMode sets what .secrets holds; call it before compiling (what
// was rendered before is forgotten: it may hold the other kind).
func (p *Project) SetSecretMode(m SecretMode) {
	p.secretMode = m
	p.rendered.clear()
}

// Call is one crate call in a phase, with its validated params.
type Call struct {
	Crate *Crate
	Pos   project.Pos
	Args  Args // the literal params and defaults
	// dyn are the params rendered per node (!var, templates): see
	// renderer.args.
	dyn []*dynParam
	// readsNode: a dyn param's template reads node data, so the call's
	// params differ from node to node.
	readsNode bool
	// Notify and WhenNotified are the call's notify: and when_notified:
	// flags (see project.Call).
	Notify       []string
	WhenNotified []string
}

// Load reads and validates a project file (project.Load), its crate paths
// and every crate call, reporting every error found as one project.ErrorList.
func Load(file string) (*Project, error) { return LoadEnv(file, project.DefaultEnv()) }

// LoadEnv is Load with an explicit environment.
func LoadEnv(file string, env *project.Env) (*Project, error) {
	return bind(project.LoadEnv(file, env))
}

// Parse is Load from bytes already read.
func Parse(file string, data []byte, env *project.Env) (*Project, error) {
	return bind(project.Parse(file, data, env))
}

// bind loads the crates a project can call, its crate paths' then the
// built-ins, and binds each call to its crate. The project's own errors
// and the crates' come back together, in file order.
func bind(pp *project.Project, err error) (*Project, error) {
	if pp == nil {
		return nil, err
	}
	var errs project.ErrorList
	if err != nil {
		errs.AddErr(project.Pos{File: pp.File}, err)
	}
	p := newProject(pp, pp.CrateDirs, &errs)
	p.calls = map[*project.Phase][]*Call{}
	p.SetVars(nil)
	for _, g := range pp.Groups {
		for _, ph := range g.Phases {
			for _, c := range ph.Calls {
				if bc := p.bindCall(pp.File, c, &errs); bc != nil {
					p.calls[ph] = append(p.calls[ph], bc)
				}
			}
		}
	}
	return p, errs.Err()
}

// newProject loads the crates under crateDirs, then the built-in ones.
func newProject(pp *project.Project, crateDirs []string, errs *project.ErrorList) *Project {
	p := &Project{Project: pp, reg: &registry{crates: map[string]*Crate{}, qualified: map[string]*Crate{}, ambiguous: map[string][]*Crate{}}}
	p.adminKey = func() (Word, error) {
		key, err := pp.AdminPublicKey()
		return Word(key), err
	}
	funcs := templateFuncs()
	p.paramFuncs = paramFuncs()
	for _, dir := range crateDirs {
		loadCrateDir(dir, funcs, p.reg.crates, errs)
	}
	p.loadPacks(funcs, errs)
	loadCrates(crates.FS, ".", "crates", true, funcs, p.reg.crates, errs)
	return p
}

// bindCall finds a call's crate and validates its params against it.
func (p *Project) bindCall(file string, c *project.Call, errs *project.ErrorList) *Call {
	cr, err := p.reg.lookup(c.Crate)
	if err != nil {
		errs.AddErr(c.Pos, err)
		return nil
	}
	args, dyn, ok := cr.bindYAML(file, c.Pos, c.Params, p.projectFile, p.paramFuncs, errs)
	if !ok {
		return nil
	}
	bc := &Call{Crate: cr, Pos: c.Pos, Args: args, dyn: dyn, Notify: c.Notify}
	for _, f := range c.WhenNotified {
		bc.WhenNotified = append(bc.WhenNotified, f.Name)
	}
	for _, d := range dyn {
		bc.readsNode = bc.readsNode || d.readsNode
	}
	return bc
}

// SetVars sets the vars given on the command line (--var), which rank
// above every other; call it before compiling.
func (p *Project) SetVars(overrides map[string]any) {
	p.overrides = overrides
	p.groupVars = make(map[string]map[string]any, len(p.Groups))
	for _, g := range p.Groups {
		p.groupVars[g.Name] = p.VarsFor(g, nil, overrides)
	}
	p.resolvedArgs.Clear()
}

// Calls are a phase's crate calls, bound, in file order.
func (p *Project) Calls(ph *project.Phase) []*Call { return p.calls[ph] }

// Builtin is a project with no groups that knows only the built-in crates
// and those under cratePaths: what `palletc crates` lists outside a project.
func Builtin(env *project.Env, cratePaths ...string) (*Project, error) {
	var errs project.ErrorList
	p := newProject(project.Empty(env), cratePaths, &errs)
	return p, errs.Err()
}

// Crates lists every crate the project can call, sorted by name.
func (p *Project) Crates() []*Crate {
	out := make([]*Crate, 0, len(p.reg.crates))
	for _, n := range p.reg.names() {
		if amb := p.reg.ambiguous[n]; len(amb) > 0 {
			out = append(out, amb...) // each callable only qualified
			continue
		}
		out = append(out, p.reg.crates[n])
	}
	return out
}

// Crate looks a crate up by name.
func (p *Project) Crate(name string) (*Crate, error) {
	return p.reg.lookup(name)
}

// didYouMean returns ` (did you mean "x"?)` for the nearest of names, or "".
func didYouMean(name string, names []string) string { return suggest.DidYouMean(name, names) }

// Redactor redacts the project's secrets out of text, once a compile has
// read them (a template file reading .secrets); before that, and for a
// project whose templates read none, it is nil, which redacts nothing, so
// asking never decrypts the file or needs an identity. Ask again after
// each compile: nodes compiled late (their OS probed) may be the first.
func (p *Project) Redactor() *secrets.Redactor { return p.redactor.Load() }

// noteSecrets makes the Redactor, once, from the decrypted values.
func (p *Project) noteSecrets(v secrets.Values) {
	if len(v) > 0 && p.redactor.Load() == nil {
		p.redactor.CompareAndSwap(nil, secrets.NewRedactor(v))
	}
}
