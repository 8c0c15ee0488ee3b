package project

import (
	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/packs"
)

// CratePack is one entry of crate_packs: a module path at a version,
// whose crates/ directory the compiler reads (see package packs).
type CratePack struct {
	packs.Ref
	Pos Pos
}

// SumFile is pallet.sum beside the project file: each pack's hash.
func (p *Project) SumFile() string { return packs.SumFileFor(p.File) }

// PackConfig is where the project's packs come from and are cached.
func (p *Project) PackConfig() (*packs.Config, error) {
	if p.env != nil && p.env.Packs != nil {
		return p.env.Packs, nil
	}
	return packs.DefaultConfig()
}

func loadCratePacks(file string, node *yaml.Node, errs *ErrorList) []CratePack {
	if node.Kind == 0 || IsNull(node) {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		errs.Add(PosOf(file, node), "crate_packs must be a list of MODULE@VERSION (example.com/acme/pallet-web@v1.4.2), got %s", Describe(node))
		return nil
	}
	var out []CratePack
	seen := map[string]Pos{}
	for _, item := range node.Content {
		pos := PosOf(file, item)
		if item.Kind != yaml.ScalarNode {
			errs.Add(pos, "crate_packs: want MODULE@VERSION (example.com/acme/pallet-web@v1.4.2), got %s", Describe(item))
			continue
		}
		ref, err := packs.ParseRef(item.Value, false)
		if err != nil {
			errs.Add(pos, "crate_packs: %v", err)
			continue
		}
		if first, dup := seen[ref.Path]; dup {
			errs.Add(pos, "crate_packs: %s is listed twice (first at %s): keep one version", ref.Path, first)
			continue
		}
		seen[ref.Path] = pos
		out = append(out, CratePack{Ref: ref, Pos: pos})
	}
	return out
}
