package cratetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
)

// flagsDir is where the runtime keeps raised flags on a node.
const flagsDir = "/var/lib/pallet/flags"

// compileCalls compiles one phase written as YAML (the list of calls) into
// a script file and returns its path.
func compileCalls(t *testing.T, calls string) string {
	t.Helper()
	doc := "groups:\n  t:\n    phases:\n      test:\n" + calls
	p, err := compiler.Parse("pallet.yaml", []byte(doc), &project.Env{User: "deploy", Home: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	s, err := p.Compile(compiler.Target{Group: "t", Phase: "test"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "test.sh")
	if err := os.WriteFile(file, s.Text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// testFlag is a flag name of this test's own, lowered when it ends: the
// flags live in the host's /var/lib/pallet/flags, as on a node.
func testFlag(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "cratetest-" + hex.EncodeToString(b)
	t.Cleanup(func() { os.Remove(filepath.Join(flagsDir, name)) })
	return name
}

func raised(name string) bool {
	_, err := os.Lstat(filepath.Join(flagsDir, name))
	return err == nil
}

// TestFlagsRaiseSkipLower: a notifying step that changes raises its flag on
// the node at once, so a later failure keeps it; the notified call runs
// only while the flag is raised, and lowers it only when it succeeded;
// not notified, it reports skipped; check mode writes no flag.
func TestFlagsRaiseSkipLower(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: flags live in /var/lib/pallet, root's")
	}
	dir := t.TempDir()
	flag := testFlag(t)
	conf, gate, gate2, log := filepath.Join(dir, "app.conf"), filepath.Join(dir, "gate"), filepath.Join(dir, "gate2"), filepath.Join(dir, "reloads")
	script := compileCalls(t, fmt.Sprintf(`        - file: {path: %q, content: "v1\n"}
          notify: %s
        - exec-script: {name: gate, script: "test ! -e %s"}
        - exec-script: {name: reload, script: "test ! -e %s; echo reload >> %s"}
          when_notified: %s
`, conf, flag, gate, gate2, log, flag))
	reloads := func() int {
		data, _ := os.ReadFile(log)
		return strings.Count(string(data), "reload\n")
	}

	r := run(t, script, "check")
	expect(t, "check, nothing yet", r, "would-change", "would-change", "would-change")
	if raised(flag) {
		t.Fatal("check mode raised the flag on the node")
	}

	os.WriteFile(gate, nil, 0o644)
	r = run(t, script, "apply")
	expect(t, "changed, then a step fails", r, "changed", "failed")
	if !r.failed || !raised(flag) {
		t.Fatalf("failed=%v raised=%v: want the run failed and the flag kept\n%s", r.failed, raised(flag), r.output)
	}
	st, err := os.Stat(flagsDir)
	if err != nil || st.Mode().Perm() != 0o700 || st.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("%s: %v %v: want a root-owned 0700 directory", flagsDir, st.Mode(), err)
	}

	expect(t, "check with the flag raised", run(t, script, "check"), "ok", "would-change", "would-change")

	os.Remove(gate)
	os.WriteFile(gate2, nil, 0o644)
	r = run(t, script, "apply")
	expect(t, "the notified step fails", r, "ok", "ran", "failed")
	if !raised(flag) || reloads() != 0 {
		t.Fatalf("raised=%v reloads=%d: a failed notified step lowers nothing", raised(flag), reloads())
	}

	os.Remove(gate2)
	r = run(t, script, "apply")
	expect(t, "fixed: reloads though nothing changed", r, "ok", "ran", "ran")
	if raised(flag) || reloads() != 1 {
		t.Fatalf("raised=%v reloads=%d: want lowered after one reload", raised(flag), reloads())
	}

	r = run(t, script, "apply")
	expect(t, "rerun", r, "ok", "ran", "skipped")
	if reloads() != 1 {
		t.Fatalf("reloads=%d after a rerun with no change", reloads())
	}
	if m := endMessages(r); m[2] != "not notified: "+flag {
		t.Errorf("skipped message %q", m[2])
	}
	if !strings.Contains(r.output, "::pallet::v1 done 1 0 0 1 0 1\n") {
		t.Errorf("done line does not count the skipped step:\n%s", r.output)
	}
	expect(t, "check, nothing to do", run(t, script, "check"), "ok", "would-change", "skipped")
}

// TestFlagsRefuseUnsafeDir: the runtime raises flags as root, so it
// refuses a flags directory it did not make safely (here: one a user owns),
// failing the step before it changes anything, instead of writing there.
func TestFlagsRefuseUnsafeDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: flags live in /var/lib/pallet, root's")
	}
	if _, err := os.Stat(flagsDir); err != nil {
		t.Skipf("no %s yet to borrow: %v", flagsDir, err)
	}
	// Hand the directory to a user for the test's length, then back.
	if err := os.Chown(flagsDir, 65534, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chown(flagsDir, 0, 0)
	flag := testFlag(t)
	conf := filepath.Join(t.TempDir(), "app.conf")
	script := compileCalls(t, fmt.Sprintf(`        - file: {path: %q, content: "v1\n"}
          notify: %s
`, conf, flag))
	r := run(t, script, "apply")
	expect(t, "user-owned flags directory", r, "failed")
	if raised(flag) || !strings.Contains(r.output, "must be a directory owned by root") {
		t.Errorf("raised=%v\n%s", raised(flag), r.output)
	}
	// Refused before the apply: no change was made whose flag is lost.
	if _, err := os.Lstat(conf); err == nil {
		t.Errorf("%s was written, yet its flag could not be raised", conf)
	}
}

// TestFlagsCheckModeChain: in check mode a notified step that would change
// would raise its own flags in turn, so a chain of notifications reports
// would-change all the way down, and nothing is written.
func TestFlagsCheckModeChain(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: flags live in /var/lib/pallet, root's")
	}
	dir := t.TempDir()
	a, b := testFlag(t), testFlag(t)
	script := compileCalls(t, fmt.Sprintf(`        - file: {path: %q, content: "v1\n"}
          notify: %s
        - file: {path: %q, content: "v1\n"}
          when_notified: %s
          notify: %s
        - exec-script: {script: "true"}
          when_notified: %s
`, filepath.Join(dir, "a"), a, filepath.Join(dir, "b"), a, b, b))
	expect(t, "check", run(t, script, "check"), "would-change", "would-change", "would-change")
	if raised(a) || raised(b) {
		t.Error("check mode raised a flag on the node")
	}
	expect(t, "apply", run(t, script, "apply"), "changed", "changed", "ran")
	if raised(a) || raised(b) {
		t.Errorf("flags left raised after their calls succeeded: %v %v", raised(a), raised(b))
	}
	expect(t, "rerun", run(t, script, "apply"), "ok", "skipped", "skipped")
}
