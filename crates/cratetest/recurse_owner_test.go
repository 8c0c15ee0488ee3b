package cratetest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
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

// groupNotOf makes a group (prefix+pid) that no user is in and removes it
// when the test ends.
func groupNotOf(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s%d", prefix, os.Getpid()%100000)
	if out, err := exec.Command("groupadd", name).CombinedOutput(); err != nil {
		t.Fatalf("groupadd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("groupdel", name).CombinedOutput(); err != nil {
			t.Errorf("groupdel %s: %v\n%s", name, err, out)
		}
	})
	return name
}

// TestDirectorySetgidGroupOwnerIsNotIn: a tree given to app with
// recurse_owner, in a group app is not in, mode 2750. Once the tree is
// app's, app's own chmod would lose the setgid bit (the kernel drops it
// for a non-member) and the step never converged; where only root
// controls the way to the directory, root sets its mode. Where app
// controls the way, app sets it, and the step fails saying why.
func TestDirectorySetgidGroupOwnerIsNotIn(t *testing.T) {
	app, uid, _ := namedUser(t, "plsg")
	group := groupNotOf(t, "plsgg")
	c := plantCanaries(t)
	base := publicDir(t)
	dir := filepath.Join(base, "shared")
	rootTree(t, dir, c.secret)
	script := compile(t, call{"directory": {"path": dir, "owner": app, "group": group, "mode": "2750", "recurse_owner": true}})
	expect(t, "apply", run(t, script, "apply"), "changed")
	if got := mode(t, dir); got != os.ModeDir|os.ModeSetgid|0o750 {
		t.Errorf("mode %v, want drwxr-s---", got)
	}
	if u, _ := owner(t, filepath.Join(dir, "a", "b", "file")); int(u) != uid {
		t.Errorf("the tree's file is uid %d's, want %s's", u, app)
	}
	c.untouched(t)
	expect(t, "again", run(t, script, "apply"), "ok")
	// changed by hand, put back as root too
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	expect(t, "setgid cleared by hand", run(t, script, "apply"), "changed")
	if got := mode(t, dir); got != os.ModeDir|os.ModeSetgid|0o750 {
		t.Errorf("mode %v after a fix, want drwxr-s---", got)
	}

	// app's own directory holding it: app sets the mode, and says why it
	// cannot keep the setgid bit
	home := filepath.Join(base, "home")
	sub := filepath.Join(home, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	if err := os.Chown(home, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(sub, uid, gid); err != nil {
		t.Fatal(err)
	}
	r := run(t, compile(t, call{"directory": {"path": sub, "owner": app, "group": group, "mode": "2750"}}), "apply")
	expect(t, "in app's own directory", r, "failed")
	if !strings.Contains(r.output, sub+" lost its setgid bit: "+app+", who sets its mode here (the way to it is not root's alone), is not in group "+group) {
		t.Errorf("no clear message:\n%s", r.output)
	}
}
