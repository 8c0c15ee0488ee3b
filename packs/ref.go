package packs

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Ref is one pack: a module path at a version (example.com/acme/pallet-web@v1.4.2).
type Ref struct {
	Path    string
	Version string
}

func (r Ref) String() string { return r.Path + "@" + r.Version }

// Name is the pack's short name, the last element of its path without a
// major version suffix (pallet-web for example.com/acme/pallet-web/v2):
// what a qualified crate call spells, pallet-web:nginx.
func (r Ref) Name() string {
	p, _, ok := module.SplitPathVersion(r.Path)
	if !ok || p == "" {
		p = r.Path
	}
	return path.Base(p)
}

// ParseRef reads PATH@VERSION. The version must be a full semantic
// version (v1.4.2); allowQuery also accepts @latest and a missing
// version (the newest), reported as Version "latest".
func ParseRef(s string, allowQuery bool) (Ref, error) {
	p, v, found := strings.Cut(s, "@")
	if !found || v == "" {
		if !allowQuery {
			return Ref{}, fmt.Errorf("pack %q: want MODULE-PATH@VERSION (example.com/acme/pallet-web@v1.4.2)", s)
		}
		v = "latest"
	}
	if err := module.CheckPath(p); err != nil {
		return Ref{}, fmt.Errorf("pack %q: %v", s, err)
	}
	if v == "latest" && allowQuery {
		return Ref{Path: p, Version: v}, nil
	}
	if !semver.IsValid(v) || semver.Canonical(v) != v {
		return Ref{}, fmt.Errorf("pack %q: version %q is not a full semantic version (v1.4.2)%s", s, v, map[bool]string{true: " or latest", false: ""}[allowQuery])
	}
	if err := module.Check(p, v); err != nil {
		return Ref{}, fmt.Errorf("pack %q: %v", s, err)
	}
	return Ref{Path: p, Version: v}, nil
}
