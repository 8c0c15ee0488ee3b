package cratetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rootTree makes dir/a/b/file and dir/a/link -> the secret canary, all
// root's, 0755 directories.
func rootTree(t *testing.T, dir, secret string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "file"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "a", "link")); err != nil {
		t.Fatal(err)
	}
}

// TestDirectoryRecurseOwner: a tree root unpacked is given to app, every
// entry (the symlink itself, never its target); a tree holding a directory
// of someone else's is refused as root; in a directory that is app's
// already, root's files are not app's to take.
func TestDirectoryRecurseOwner(t *testing.T) {
	app, uid, _ := namedUser(t, "plr")
	c := plantCanaries(t)
	base := publicDir(t)
	dir := filepath.Join(base, "app")
	rootTree(t, dir, c.secret)
	dir1 := call{"directory": {"path": dir, "owner": app, "group": app, "recurse_owner": true}}
	script := compile(t, dir1)
	expect(t, "check mode", run(t, script, "check"), "would-change")
	if u, _ := owner(t, filepath.Join(dir, "a", "b", "file")); u != 0 {
		t.Fatal("check mode changed an owner")
	}
	expect(t, "apply", run(t, script, "apply"), "changed")
	for _, p := range []string{dir, filepath.Join(dir, "a"), filepath.Join(dir, "a", "b"), filepath.Join(dir, "a", "b", "file"), filepath.Join(dir, "a", "link")} {
		if u, _ := owner(t, p); int(u) != uid {
			t.Errorf("%s is uid %d's, want %s's", p, u, app)
		}
	}
	c.untouched(t)
	expect(t, "again", run(t, script, "apply"), "ok")

	// root's file dropped into app's directory: app cannot take it
	rootFile := filepath.Join(dir, "a", "root.conf")
	if err := os.WriteFile(rootFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, script, "apply")
	expect(t, "root's file in app's tree", r, "failed")
	if !strings.Contains(r.output, "a user can give away only what they own") {
		t.Errorf("no clear message:\n%s", r.output)
	}
	if u, _ := owner(t, rootFile); u != 0 {
		t.Errorf("root's file became uid %d's", u)
	}

	// a root tree holding mallory's directory: root does not go through it
	_, muid, _ := namedUser(t, "plm")
	other := filepath.Join(base, "other")
	rootTree(t, other, c.secret)
	if err := os.Chown(filepath.Join(other, "a", "b"), muid, muid); err != nil {
		t.Fatal(err)
	}
	r = run(t, compile(t, call{"directory": {"path": other, "owner": app, "group": app, "recurse_owner": true}}), "apply")
	expect(t, "mallory's directory inside", r, "failed")
	if !strings.Contains(r.output, "not changing owners under "+other+" as root") {
		t.Errorf("no clear refusal:\n%s", r.output)
	}
	if u, _ := owner(t, filepath.Join(other, "a", "b", "file")); u != 0 {
		t.Errorf("a file in mallory's directory became uid %d's", u)
	}
}
