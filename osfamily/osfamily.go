// Package osfamily is pallet's OS model: OS ids (debian-12, ubuntu-22.04,
// arch), the family tree they fall back through, the tools each family
// comes with, and how a node's os-release maps to an id. The compiler,
// the project model, the runner and the node list all ask it, so that
// there is one table.
package osfamily

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/palletops/pallet/internal/suggest"
)

// Family describes one OS family: where it sits in the family tree and the
// tools that come with it. Crates ask the family, never the exact OS, for the
// package manager, the init system and the admin group.
type Family struct {
	Name    string
	Parent  string // "" for a root: debian, rhel, alpine, arch
	Pkg     string // apt, dnf, apk, pacman
	Init    string // systemd or openrc
	Admin   string // the group whose members may sudo: sudo or wheel
	Known   []string
	Default string // the version rendered when a template names no version
	// ReleaseParts is how many dot-separated parts of os-release's
	// VERSION_ID the OS id keeps: 1 for debian-12 from 12.5, 2 for
	// alpine-3.20 from 3.20.3, 0 for all of it (ubuntu-22.04).
	ReleaseParts int
}

// families is the OS family tree. rhel is the root of its tree: centos,
// rocky, almalinux, fedora and amzn are its children and fall back to
// rhel.sh.tmpl when a crate has nothing more specific.
var families = map[string]Family{
	"debian":    {Name: "debian", Pkg: "apt", Init: "systemd", Admin: "sudo", Known: []string{"11", "12", "13"}, Default: "12", ReleaseParts: 1},
	"ubuntu":    {Name: "ubuntu", Parent: "debian", Pkg: "apt", Init: "systemd", Admin: "sudo", Known: []string{"20.04", "22.04", "24.04"}, Default: "24.04"},
	"rhel":      {Name: "rhel", Pkg: "dnf", Init: "systemd", Admin: "wheel", Known: []string{"8", "9"}, Default: "9", ReleaseParts: 1},
	"centos":    {Name: "centos", Parent: "rhel", Pkg: "dnf", Init: "systemd", Admin: "wheel", Known: []string{"8", "9"}, Default: "9", ReleaseParts: 1},
	"rocky":     {Name: "rocky", Parent: "rhel", Pkg: "dnf", Init: "systemd", Admin: "wheel", Known: []string{"8", "9"}, Default: "9", ReleaseParts: 1},
	"almalinux": {Name: "almalinux", Parent: "rhel", Pkg: "dnf", Init: "systemd", Admin: "wheel", Known: []string{"8", "9"}, Default: "9", ReleaseParts: 1},
	"fedora":    {Name: "fedora", Parent: "rhel", Pkg: "dnf", Init: "systemd", Admin: "wheel", Known: []string{"39", "40", "41"}, Default: "41", ReleaseParts: 1},
	"amzn":      {Name: "amzn", Parent: "rhel", Pkg: "dnf", Init: "systemd", Admin: "wheel", Known: []string{"2", "2023"}, Default: "2023", ReleaseParts: 1},
	"alpine":    {Name: "alpine", Pkg: "apk", Init: "openrc", Admin: "wheel", Known: []string{"3.19", "3.20", "3.21"}, Default: "3.20", ReleaseParts: 2},
	"arch":      {Name: "arch", Pkg: "pacman", Init: "systemd", Admin: "wheel"},
}

// OS is a parsed OS id such as debian-12 or ubuntu-22.04, with its family's
// facts. Templates see it as .os.
type OS struct {
	ID      string // debian-12
	Name    string // debian
	Version string // 12, or "" for a rolling release such as arch
	Family  string // the root of the family tree: debian, rhel, alpine, arch
	Pkg     string
	Init    string
	Admin   string
	chain   []string
}

// Default is the OS id a group renders for when neither --os nor its image
// names one: what the local test nodes run.
const Default = "debian-12"

var osIDPattern = regexp.MustCompile(`^([a-z]+)(?:-([0-9][0-9a-z.]*))?$`)

// Parse parses an OS id. The version is optional (arch has none; "ubuntu"
// alone means any ubuntu), but the family must be one pallet knows.
func Parse(id string) (OS, error) {
	m := osIDPattern.FindStringSubmatch(id)
	if m == nil {
		return OS{}, fmt.Errorf("unknown OS id %q: want <family>-<version> such as debian-12 or ubuntu-22.04 (families: %s)", id, strings.Join(Names(), ", "))
	}
	fam, ok := families[m[1]]
	if !ok {
		return OS{}, fmt.Errorf("unknown OS family %q in OS id %q%s (families: %s)", m[1], id, suggest.DidYouMean(m[1], Names()), strings.Join(Names(), ", "))
	}
	if fam.Known == nil && m[2] != "" {
		return OS{}, fmt.Errorf("OS id %q: %s is a rolling release, write just %q", id, fam.Name, fam.Name)
	}
	os := OS{ID: id, Name: fam.Name, Version: m[2], Pkg: fam.Pkg, Init: fam.Init, Admin: fam.Admin}
	if os.Name == "amzn" && os.Version == "2" {
		os.Pkg = "yum" // Amazon Linux 2 predates dnf
	}
	if m[2] != "" {
		os.chain = append(os.chain, id)
	}
	for f := fam; ; f = families[f.Parent] {
		os.chain = append(os.chain, f.Name)
		os.Family = f.Name
		if f.Parent == "" {
			break
		}
	}
	return os, nil
}

// ParseKnown is Parse for an OS id someone typed (palletc --os): a
// version, when given, must be one pallet knows, so that debian-99 is an
// error instead of a script for an OS that does not exist. A family alone
// (ubuntu) stays allowed: it means any version.
func ParseKnown(id string) (OS, error) {
	os, err := Parse(id)
	if err != nil {
		return OS{}, err
	}
	fam := families[os.Name]
	if os.Version != "" && !slices.Contains(fam.Known, os.Version) {
		return OS{}, fmt.Errorf("unknown %s version %q in OS id %q (known: %s; or write just %q for any version)",
			fam.Name, os.Version, id, strings.Join(fam.Known, ", "), fam.Name)
	}
	return os, nil
}

// Chain is the variant resolution order, most specific first, without
// "default": ubuntu-22.04 → ubuntu → debian.
func (o OS) Chain() []string { return o.chain }

// Names lists every OS family pallet knows, sorted.
func Names() []string {
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Roots lists the roots of the family trees: the values a crate's
// families list may name.
func Roots() []string {
	var roots []string
	for _, n := range Names() {
		if families[n].Parent == "" {
			roots = append(roots, n)
		}
	}
	return roots
}

// ForImage picks the OS id a group's image template (its os_family and
// os_version_matches) renders for: the newest known version of the family
// matching versionMatches, or the family's default version when no pattern
// is given.
func ForImage(family, versionMatches string) (string, error) {
	fam, ok := families[family]
	if !ok {
		return "", fmt.Errorf("unknown os_family %q%s (families: %s)", family, suggest.DidYouMean(family, Names()), strings.Join(Names(), ", "))
	}
	if fam.Known == nil {
		return fam.Name, nil
	}
	if versionMatches == "" {
		return fam.Name + "-" + fam.Default, nil
	}
	re, err := regexp.Compile(versionMatches)
	if err != nil {
		return "", fmt.Errorf("os_version_matches: %v", err)
	}
	for i := len(fam.Known) - 1; i >= 0; i-- {
		if re.MatchString(fam.Known[i]) {
			return fam.Name + "-" + fam.Known[i], nil
		}
	}
	// A version pallet has not heard of: render for the family, which
	// every crate variant chain covers.
	return fam.Name, nil
}

// Concrete returns an OS id with a version for a variant or family name:
// the name itself when it has a version (or the family has none, as arch),
// else the family at its default version: ubuntu → ubuntu-24.04.
func Concrete(name string) string {
	os, err := Parse(name)
	if err != nil || os.Version != "" {
		return name
	}
	fam := families[os.Name]
	if fam.Known == nil {
		return name
	}
	return name + "-" + fam.Default
}

// FromRelease maps os-release ID and VERSION_ID to a pallet OS id, keeping
// as much of the version as the family's ids have (ReleaseParts): ubuntu
// keeps its dotted version, debian, the rhel family and amzn only the
// major version, alpine major.minor; arch is rolling and has none.
func FromRelease(id, versionID string) (string, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "archarm" { // Arch Linux ARM
		id = "arch"
	}
	fam, known := families[id]
	switch {
	case known && fam.Known == nil:
		return fam.Name, nil
	case id == "":
		return "", fmt.Errorf("os-release has no ID; pallet cannot tell which OS this is (set the node's OS explicitly)")
	case versionID == "":
		return "", fmt.Errorf("os-release ID %q has no VERSION_ID (a testing or rolling release?); set the node's OS explicitly", id)
	case !known:
		return "", fmt.Errorf("os-release ID %q (version %s) is not an OS pallet knows; set the node's OS explicitly", id, versionID)
	}
	version := versionID
	if fam.ReleaseParts > 0 {
		parts := strings.SplitN(versionID, ".", fam.ReleaseParts+1)
		version = strings.Join(parts[:min(len(parts), fam.ReleaseParts)], ".")
	}
	return fam.Name + "-" + version, nil
}
