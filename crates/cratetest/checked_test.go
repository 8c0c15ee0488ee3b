package cratetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
)

// compileCrate compiles a project whose one phase calls crate c, made of
// tmpl, and returns the script's path.
func compileCrate(t *testing.T, tmpl string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"crates/c/crate.yaml":      "summary: test\n",
		"crates/c/default.sh.tmpl": tmpl,
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	yaml := "crate_paths: [crates]\ngroups:\n  t: {phases: {test: [c]}}\n"
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(yaml), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Compile(compiler.Target{Group: "t", Phase: "test"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "test.sh")
	if err := os.WriteFile(file, s.Text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestApplyChecked: a step whose apply proves its check itself
// ({{ apply_checked }}) runs the check once, before the apply, and not
// again after it; its apply's 98 is "did not converge", any other failure
// its exit status, and a failing command in it still fails the step.
func TestApplyChecked(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "checks")
	flag := filepath.Join(dir, "flag")
	step := func(apply string) string {
		return "{{ step \"s\" }}\n{{ check }}\necho x >>" + count + "\ntest -e " + flag +
			"\n{{ apply_checked }}\n" + apply + "\n"
	}
	checks := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}

	good := compileCrate(t, step("touch "+flag+"\ntest -e "+flag+" || exit 98"))
	if !strings.Contains(readFile(t, good), "pallet_apply_1 checked ") {
		t.Fatalf("the step is not marked checked:\n%s", readFile(t, good))
	}
	// check mode: would-change, and no reason given (only a wait step
	// says it would wait)
	r := run(t, good, "check")
	expect(t, "check mode", r, "would-change")
	if m := endMessages(r); len(m) != 1 || m[0] != "" {
		t.Errorf("check mode end message %q, want none\n%s", m, r.output)
	}
	os.Remove(count)
	expect(t, "first", run(t, good, "apply"), "changed")
	if n := checks(); n != 1 {
		t.Errorf("the check ran %d times on the first run, want 1 (no re-check after an apply_checked)", n)
	}
	expect(t, "second", run(t, good, "apply"), "ok")
	if n := checks(); n != 2 {
		t.Errorf("the check ran %d times after two runs, want 2", n)
	}

	os.Remove(flag)
	bad := compileCrate(t, step("true\ntest -e "+flag+" || exit 98"))
	r = run(t, bad, "apply")
	expect(t, "no change", r, "failed")
	if m := endMessages(r); len(m) != 1 || m[0] != "did not converge" {
		t.Errorf("end message %q, want \"did not converge\"\n%s", m, r.output)
	}
	if !r.failed {
		t.Error("script exited 0 after a failed step")
	}

	// errexit holds in the apply: a failing command stops it there, with
	// its status, and what follows it does not run
	after := filepath.Join(dir, "after")
	fails := compileCrate(t, step("(exit 3)\ntouch "+after))
	r = run(t, fails, "apply")
	expect(t, "failing command", r, "failed")
	if m := endMessages(r); len(m) != 1 || m[0] != "exit status 3" {
		t.Errorf("end message %q, want \"exit status 3\"\n%s", m, r.output)
	}
	if _, err := os.Stat(after); err == nil {
		t.Error("the apply went on after a failing command")
	}
}
