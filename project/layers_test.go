package project

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layers is the module's package picture, bottom up: a package imports
// only packages of lower layers, so every arrow points down. It is here,
// beside the project model, because the project is what the compiler and
// the providers both stand on and must never reach back up.
var layers = [][]string{
	{"templates", "crates"}, // data
	{"internal/atomicfile", "internal/regularfile", "internal/scenario", "internal/suggest"},
	{"osfamily", "secrets", "packs", "packs/packstest"},
	{"project", "runner", "provider"},
	{"compiler", "provider/nodelist", "provider/nspawn", "provider/openstack", "provider/openstack/openstacktest", "provider/openstack/aiotest"},
	{"lift", "provider/providers", "provider/nspawn/nspawntest"},
	{"converge"},
	{"cmd/internal/cliflag"},
	{"cmd/palletc", "cmd/pallet-run", "bench/vs-ansible/nodes"},
	{"golden", "e2e", "e2e/live", "crates/cratetest"}, // tests only
}

// never are arrows the layers would allow but the design does not, and
// why: lift and converge work through the provider interfaces, and
// opening a provider needs the project, not the compiler.
var never = map[string]map[string]string{
	"lift":               concreteProviders,
	"converge":           concreteProviders,
	"provider/providers": {"compiler": "a provider reads pallet.yaml through project, never the compiler"},
}

var concreteProviders = map[string]string{
	"provider/nodelist":  "a concrete provider: go through the provider interfaces",
	"provider/nspawn":    "a concrete provider: go through the provider interfaces",
	"provider/openstack": "a concrete provider: go through the provider interfaces",
	"provider/providers": "a concrete provider: go through the provider interfaces",
}

// TestArrowsPointDown: no package imports one of its own layer or above.
// The compiler used to hold the project model, so the node list imported
// the compiler for its errors and OS ids.
func TestArrowsPointDown(t *testing.T) {
	const module = "github.com/palletops/pallet/"
	layer := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layer[p] = i
		}
	}
	root := ".."
	err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); dir != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		mine, known := layer[rel]
		if !known {
			t.Errorf("package %s has no layer: add it to layers in %s", rel, "project/layers_test.go")
			return nil
		}
		for _, imp := range pkg.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if l, ok := layer[dep]; !ok || l >= mine {
				t.Errorf("%s imports %s: arrows point down only (see layers)", rel, dep)
			}
			if why, ok := never[rel][dep]; ok {
				t.Errorf("%s imports %s, %s", rel, dep, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("%s is not the module root: %v", root, err)
	}
}
