// Package providers opens the provider a pallet.yaml names: it maps each
// `providers:` entry's kind to the package that implements it, so lift,
// converge and the CLI never switch on kinds themselves.
package providers

import (
	"context"
	"fmt"
	"github.com/palletops/pallet/internal/suggest"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nodelist"
	"github.com/palletops/pallet/provider/nspawn"
	"github.com/palletops/pallet/provider/openstack"
)

// Kinds returns the provider kinds pallet.yaml may use.
func Kinds() []string { return []string{nodelist.Kind, "nspawn", "openstack"} }

// Options are what a provider may need from the caller rather than from
// pallet.yaml.
type Options struct {
	// Progress receives one line per step of long work (building a root
	// filesystem, nodes booting). Nil discards it.
	Progress io.Writer
	// KeepFailed keeps nodes whose creation failed, for inspection, where
	// the provider supports it (openstack; its keep_failed: setting).
	KeepFailed bool
}

// StateDir is where pallet keeps per-project state next to pallet.yaml:
// .pallet/state.
func StateDir(p *project.Project) string { return filepath.Join(p.Dir, ".pallet", "state") }

// Open returns the provider named name in the project's providers: block.
// An unknown name lists the names there are and suggests the nearest.
func Open(ctx context.Context, p *project.Project, name string, opts Options) (provider.Provider, error) {
	spec, err := Spec(p, name)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("%s:%d:%d: provider %s", p.File, spec.Pos.Line, spec.Pos.Col, spec.Name)
	switch spec.Kind {
	case nodelist.Kind:
		cfg, err := nodelist.FromProject(p, spec)
		if err != nil {
			return nil, err
		}
		return nodelist.New(cfg, nodelist.Options{StateFile: filepath.Join(StateDir(p), spec.Name+".json")})
	case "nspawn":
		cfg, err := nspawnFromYAML(p, spec)
		if err != nil {
			return nil, err
		}
		np, err := nspawn.New(nspawn.Options{
			StateDir:       cfg.StateDir,
			CacheDir:       cfg.CacheDir,
			Release:        cfg.Release,
			Mirror:         cfg.Mirror,
			AddressBlock:   cfg.AddressBlock,
			PrivateNetwork: cfg.PrivateNetwork,
			Progress:       opts.Progress,
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return &nspawnProvider{Provider: np, loginUser: cfg.LoginUser}, nil
	case "openstack":
		cfg, err := openstack.FromYAML(spec.Node)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		cfg.KeepFailed = cfg.KeepFailed || opts.KeepFailed
		// Credentials come from clouds.yaml or OS_* variables, never
		// from pallet.yaml; New authenticates, so errors surface here.
		op, err := openstack.New(ctx, cfg, openstack.Options{Progress: opts.Progress})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return op, nil
	}
	return nil, fmt.Errorf("%s: unknown kind %q%s (kinds: %s)", where, spec.Kind, suggest.DidYouMean(spec.Kind, Kinds()), strings.Join(Kinds(), ", "))
}

// Spec returns the providers: entry named name, or an error naming the
// ones there are.
func Spec(p *project.Project, name string) (*project.ProviderSpec, error) {
	var names []string
	for _, s := range p.Providers {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no providers declared: add one, e.g. providers: {local: {kind: nspawn}} or a node-list", p.File)
	}
	return nil, fmt.Errorf("%s: no provider %q%s (providers: %s)", p.File, name, suggest.DidYouMean(name, names), strings.Join(names, ", "))
}

// nspawnConfig is an nspawn provider's block in pallet.yaml.
type nspawnConfig struct {
	Kind string `yaml:"kind"`
	// Release is the default Debian release: bullseye, bookworm, trixie.
	Release string `yaml:"release"`
	// StateDir and CacheDir are relative to pallet.yaml; empty means the
	// nspawn default (~/.local/state/pallet/nspawn).
	StateDir     string `yaml:"state_dir"`
	CacheDir     string `yaml:"cache_dir"`
	LoginUser    string `yaml:"login_user"`
	AddressBlock int    `yaml:"address_block"`
	Mirror       string `yaml:"mirror"`
	// PrivateNetwork gives each node a network namespace of its own
	// (nspawn.Options.PrivateNetwork), for firewall rules and the like.
	PrivateNetwork bool `yaml:"private_network"`
}

func nspawnFromYAML(p *project.Project, spec *project.ProviderSpec) (nspawnConfig, error) {
	var cfg nspawnConfig
	var errs project.ErrorList
	if !project.DecodeStrict(p.File, spec.Node, &cfg, &errs) {
		return cfg, errs
	}
	for _, d := range []*string{&cfg.StateDir, &cfg.CacheDir} {
		if *d != "" && !filepath.IsAbs(*d) {
			*d = filepath.Join(p.Dir, *d)
		}
	}
	return cfg, nil
}

// An nspawnProvider keeps what nspawn can do: lift, converge and the CLI
// ask for these.
var (
	_ provider.Creator       = (*nspawnProvider)(nil)
	_ provider.HostKeyKnower = (*nspawnProvider)(nil)
)

// nspawnProvider adds pallet.yaml's login_user to the nodes it creates.
type nspawnProvider struct {
	*nspawn.Provider
	loginUser string
}

// Create makes nodes whose login user is the configured one unless spec
// names another.
func (p *nspawnProvider) Create(ctx context.Context, group string, count int, spec provider.CreateSpec) ([]provider.Node, error) {
	if spec.LoginUser == "" {
		spec.LoginUser = p.loginUser
	}
	return p.Provider.Create(ctx, group, count, spec)
}
