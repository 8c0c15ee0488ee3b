package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/project"
)

// TestCrateSymlinkInside: a crate directory, or a template, that is a
// symlink staying inside its crate path loads like the real thing (it used
// to be skipped: "crate not found"). One leading out is refused: see
// crate-dir-symlink-outside and template-symlink-outside in
// testdata/badinput.
func TestCrateSymlinkInside(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "crates/real/crate.yaml"), "summary: the real one\n")
	writeTestFile(t, filepath.Join(dir, "crates/real/default.sh.tmpl"), "{{ step \"real\" }}\necho real\n")
	writeTestFile(t, filepath.Join(dir, "crates/shared/debian.sh.tmpl"), "{{ step \"shared\" }}\necho shared\n")
	writeTestFile(t, filepath.Join(dir, "crates/other/crate.yaml"), "summary: links its template\n")
	for link, target := range map[string]string{
		"crates/alias":                 "real",
		"crates/other/default.sh.tmpl": "../shared/debian.sh.tmpl",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	// shared has no crate.yaml: give it one so that the crate path loads.
	writeTestFile(t, filepath.Join(dir, "crates/shared/crate.yaml"), "summary: shared\n")
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte("crate_paths: [crates]\ngroups:\n  g: {phases: {p: [alias, other]}}\n"), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Compile(Target{Group: "g", Phase: "p"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"echo real", "echo shared"} {
		if !strings.Contains(string(s.Text.Bytes()), want) {
			t.Errorf("script lacks %q:\n%s", want, stepsOf(s.Text.Bytes()))
		}
	}
}
