package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/palletops/pallet/compiler"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// representative is the OS id each root family is pinned with.
var representative = map[string]string{
	"debian": "debian-12",
	"rhel":   "rocky-9",
	"alpine": "alpine-3.20",
	"arch":   "arch",
}

// testEnv is a machine whose user is deploy, with the golden admin key as
// ~/.ssh/id_ed25519.pub, so that output depends on nobody's real home.
func testEnv(t testing.TB) *compiler.Env {
	home := t.TempDir()
	key, err := os.ReadFile("testdata/admin.pub")
	if err == nil {
		err = os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519.pub"), key, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &compiler.Env{User: "deploy", Home: home}
}

// crateProject builds a one-call project for crate with the example params
// in golden/crates/<crate>/params.yaml.
func crateProject(t *testing.T, name string) *compiler.Project {
	t.Helper()
	params, err := os.ReadFile(filepath.Join("crates", name, "params.yaml"))
	if err != nil {
		t.Fatalf("crate %s has no example params: add golden/crates/%s/params.yaml (%v)", name, name, err)
	}
	key, _ := filepath.Abs("testdata/admin.pub")
	var b strings.Builder
	fmt.Fprintf(&b, "admin: {user: deploy, public_key_file: %q}\ngroups:\n  golden:\n    phases:\n      test:\n        - %s:\n", key, name)
	for _, line := range strings.Split(strings.TrimRight(string(params), "\n"), "\n") {
		b.WriteString("            " + line + "\n")
	}
	p, err := compiler.Parse("golden/crates/"+name+"/params.yaml", []byte(b.String()), testEnv(t))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return p
}

// crateOSes is every OS a crate is pinned for: one representative per
// family it supports, and each OS-specific variant it has.
func crateOSes(c *compiler.Crate) []string {
	set := map[string]bool{}
	for _, f := range c.Families {
		set[representative[f]] = true
	}
	for _, v := range c.VariantNames() {
		if v != "default" && representative[v] == "" {
			set[compiler.Concrete(v)] = true
		}
	}
	var out []string
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func TestCrates(t *testing.T) {
	p, err := compiler.Parse("empty.yaml", []byte("groups: {x: {}}\n"), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range p.Crates() {
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			cp := crateProject(t, c.Name)
			for _, osID := range crateOSes(c) {
				s, err := cp.Compile(compiler.Target{Group: "golden", Phase: "test", OS: osID})
				if err != nil {
					t.Errorf("%s: %v", osID, err)
					continue
				}
				compare(t, filepath.Join("crates", c.Name, osID+".sh"), s.Text)
			}
		})
	}
	// A golden directory whose crate is gone is stale.
	dirs, _ := os.ReadDir("crates")
	for _, d := range dirs {
		if !seen[d.Name()] {
			t.Errorf("golden/crates/%s has no crate: remove it", d.Name())
		}
	}
}

func TestExamples(t *testing.T) {
	projects, _ := filepath.Glob("../examples/*/pallet.yaml")
	if len(projects) == 0 {
		t.Fatal("no examples found under ../examples")
	}
	for _, file := range projects {
		name := filepath.Base(filepath.Dir(file))
		t.Run(name, func(t *testing.T) {
			env := testEnv(t)
			wd, _ := os.Getwd()
			if err := os.Chdir(filepath.Dir(file)); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			p, err := compiler.LoadEnv("pallet.yaml", env)
			if err != nil {
				t.Fatal(err)
			}
			scripts, err := p.CompileAll("", "", "")
			if err != nil {
				t.Fatal(err)
			}
			os.Chdir(wd)
			for _, s := range scripts {
				compare(t, filepath.Join("examples", name, s.Group, s.Phase+".sh"), s.Text)
			}
		})
	}
}

func compare(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: %v (run go test ./golden -update)", path, err)
		return
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-golden +rendered); run go test ./golden -update if intended:\n%s", path, diff)
	}
}

func goldenFiles(t *testing.T) []string {
	var files []string
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".sh") {
			files = append(files, path)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no golden scripts")
	}
	return files
}

// TestGoldenParse: every golden script is valid bash to bash itself and to
// mvdan.cc/sh's parser.
func TestGoldenParse(t *testing.T) {
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	for _, f := range goldenFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(bytes.NewReader(data), f); err != nil {
			t.Errorf("mvdan.cc/sh: %v", err)
		}
		if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", f, err, out)
		}
	}
}

// TestShellcheck: every golden script passes shellcheck with no finding.
func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck); CI runs this test")
	}
	files := goldenFiles(t)
	out, err := exec.Command("shellcheck", append([]string{"-f", "gcc", "-s", "bash"}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck found problems:\n%s", out)
	}
}
