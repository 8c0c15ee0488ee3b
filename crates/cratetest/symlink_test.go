package cratetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readlink(t *testing.T, path string) string {
	t.Helper()
	got, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSymlink: the link is made, retargeted and given its owner (the link
// itself, not its target); a file at the path is replaced only with
// force, a directory never; absent removes only a symlink.
func TestSymlink(t *testing.T) {
	app, uid, _ := namedUser(t, "pls")
	dir := publicDir(t)
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "current")
	linkScript := func(params map[string]any) string {
		params["path"] = link
		return compile(t, call{"symlink": params})
	}

	script := linkScript(map[string]any{"target": "target"})
	expect(t, "check mode", run(t, script, "check"), "would-change")
	expect(t, "apply", run(t, script, "apply"), "changed")
	if got := readlink(t, link); got != "target" {
		t.Errorf("link points at %q", got)
	}
	expect(t, "again", run(t, script, "apply"), "ok")
	expect(t, "retarget", run(t, linkScript(map[string]any{"target": target}), "apply"), "changed")
	if got := readlink(t, link); got != target {
		t.Errorf("link points at %q, want %q", got, target)
	}
	expect(t, "owner", run(t, linkScript(map[string]any{"target": target, "owner": app}), "apply"), "changed")
	if u, _ := owner(t, link); int(u) != uid {
		t.Errorf("link is uid %d's, want %s's", u, app)
	}
	if u, _ := owner(t, target); u != 0 {
		t.Errorf("the target became uid %d's: chown followed the link", u)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("left behind: %v", l)
	}

	// a regular file: refused, then replaced with force
	os.Remove(link)
	if err := os.WriteFile(link, []byte("file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, script, "apply")
	expect(t, "file without force", r, "failed")
	if !strings.Contains(r.output, "force: true replaces it") {
		t.Errorf("no hint at force:\n%s", r.output)
	}
	if got := readFile(t, link); got != "file\n" {
		t.Errorf("the file was touched: %q", got)
	}
	expect(t, "file with force", run(t, linkScript(map[string]any{"target": "target", "force": true}), "apply"), "changed")
	if got := readlink(t, link); got != "target" {
		t.Errorf("link points at %q", got)
	}

	// absent
	absent := linkScript(map[string]any{"action": "absent"})
	expect(t, "absent", run(t, absent, "apply"), "changed")
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("link still there: %v", err)
	}
	expect(t, "absent again", run(t, absent, "apply"), "ok")

	// a directory: refused, with force too; absent refuses it as well
	if err := os.Mkdir(link, 0o755); err != nil {
		t.Fatal(err)
	}
	r = run(t, linkScript(map[string]any{"target": "target", "force": true}), "apply")
	expect(t, "directory with force", r, "failed")
	if !strings.Contains(r.output, "is a directory: not replacing it with a symlink, even with force") {
		t.Errorf("no clear refusal:\n%s", r.output)
	}
	r = run(t, absent, "apply")
	expect(t, "absent on a directory", r, "failed")
	if !strings.Contains(r.output, "is not a symlink: not removing it") {
		t.Errorf("no clear refusal:\n%s", r.output)
	}
	if st, err := os.Lstat(link); err != nil || !st.IsDir() {
		t.Errorf("the directory is gone: %v", err)
	}
}

// TestSymlinkWhoWrites: in a directory of mallory's, root makes no link
// (she could swap the directory's entries meanwhile); in a directory of
// app's, app's link is made as app.
func TestSymlinkWhoWrites(t *testing.T) {
	mallory, muid, _ := namedUser(t, "plm")
	theirs := filepath.Join(publicDir(t), "theirs")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, muid, muid); err != nil {
		t.Fatal(err)
	}
	r := run(t, compile(t, call{"symlink": {"path": filepath.Join(theirs, "l"), "target": "/etc/shadow"}}), "apply")
	expect(t, "root's link in mallory's directory", r, "failed")
	if !strings.Contains(r.output, "refusing to write") {
		t.Errorf("want the walk's refusal:\n%s", r.output)
	}
	if _, err := os.Lstat(filepath.Join(theirs, "l")); !os.IsNotExist(err) {
		t.Errorf("a link was made: %v", err)
	}
	link := filepath.Join(theirs, "mine")
	expect(t, "mallory's own link", run(t, compile(t, call{"symlink": {"path": link, "target": "/etc/hostname", "owner": mallory}}), "apply"), "changed")
	if u, _ := owner(t, link); int(u) != muid {
		t.Errorf("link is uid %d's, want mallory's", u)
	}
}

// TestSymlinkRetargetOthersLinkInRootsDirectory: app's link in a directory
// only root controls is retargeted, kept app's. app cannot change a
// symlink (its text is fixed, and replacing it takes the directory), so
// root replaces it; the link's owner once made it run as app, who may not
// write in root's directory: "Permission denied" on every later run.
func TestSymlinkRetargetOthersLinkInRootsDirectory(t *testing.T) {
	app, uid, _ := namedUser(t, "plr")
	dir := publicDir(t)
	link := filepath.Join(dir, "current")
	for _, target := range []string{"releases/1", "releases/2"} {
		script := compile(t, call{"symlink": {"path": link, "target": target, "owner": app}})
		expect(t, "link to "+target, run(t, script, "apply"), "changed")
		if got := readlink(t, link); got != target {
			t.Errorf("link points at %q, want %q", got, target)
		}
		if u, _ := owner(t, link); int(u) != uid {
			t.Errorf("link is uid %d's, want %s's", u, app)
		}
		expect(t, "again", run(t, script, "apply"), "ok")
	}
	// a regular file of app's there: replaced with force, by root
	os.Remove(link)
	if err := os.WriteFile(link, []byte("file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(link, uid, uid); err != nil {
		t.Fatal(err)
	}
	expect(t, "app's file, force", run(t, compile(t, call{"symlink": {"path": link, "target": "releases/3", "owner": app, "force": true}}), "apply"), "changed")
	if got := readlink(t, link); got != "releases/3" {
		t.Errorf("link points at %q", got)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("left behind: %v", l)
	}
}
