package compiler

import (
	"context"
	"text/template"

	"github.com/palletops/pallet/packs"
	"github.com/palletops/pallet/project"
)

// loadPacks loads the crates of the project's crate_packs, in order,
// after its crate paths': each from the pack cache, fetched when missing
// (unless offline), and only at the hash pallet.sum records. A name that
// a crate path has stays the crate path's; one that two packs have is
// callable only qualified (PACK:NAME).
func (p *Project) loadPacks(funcs template.FuncMap, errs *project.ErrorList) {
	if len(p.CratePacks) == 0 {
		return
	}
	cfg, err := p.PackConfig()
	if err != nil {
		errs.Add(p.CratePacks[0].Pos, "crate_packs: %v", err)
		return
	}
	sums, err := packs.ReadSums(p.SumFile())
	if err != nil {
		errs.Add(project.Pos{File: p.SumFile()}, "%v", err)
		return
	}
	client := packs.NewClient(cfg)
	fromPaths := map[string]bool{}
	for n := range p.reg.crates {
		fromPaths[n] = true
	}
	for _, cp := range p.CratePacks {
		sum := sums[cp.Ref]
		if sum == "" {
			errs.Add(cp.Pos, "crate_packs: %s has no line in %s: run `palletc packs get %s` to fetch it and record its hash", cp.Ref, packs.SumFile, cp.Ref)
			continue
		}
		pk, err := client.Get(context.Background(), cp.Ref, sum)
		if err != nil {
			errs.Add(cp.Pos, "crate_packs: %v", err)
			continue
		}
		dir, err := pk.CratesDir()
		if err != nil {
			errs.Add(cp.Pos, "crate_packs: %v", err)
			continue
		}
		fsys, err := openCrateDir(dir)
		if err != nil {
			errs.Add(cp.Pos, "crate_packs: %s: %v", cp.Ref, unwrapPathError(err))
			continue
		}
		mine := map[string]*Crate{}
		loadCrates(fsys, ".", cp.Ref.String()+"/crates", false, funcs, mine, errs)
		fsys.Close()
		for _, name := range sortedKeys(mine) {
			c := mine[name]
			c.Pack = cp.Ref.String()
			c.Qualified = cp.Name() + ":" + name
			if _, taken := p.reg.qualified[c.Qualified]; taken {
				c.Qualified = cp.Path + ":" + name // two packs of one short name
			} else {
				p.reg.qualified[c.Qualified] = c
			}
			p.reg.qualified[cp.Path+":"+name] = c
			if fromPaths[name] {
				continue // the project's own crate wins
			}
			if first, ok := p.reg.crates[name]; ok {
				if len(p.reg.ambiguous[name]) == 0 {
					p.reg.ambiguous[name] = []*Crate{first}
				}
				p.reg.ambiguous[name] = append(p.reg.ambiguous[name], c)
				continue
			}
			p.reg.crates[name] = c
		}
	}
}
