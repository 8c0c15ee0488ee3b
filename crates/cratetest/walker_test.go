package cratetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stickyDir is a root-owned 1777 directory, as /tmp is, removed when the
// test ends.
func stickyDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(publicDir(t), "tmp")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// userSymlink makes link -> target owned by user, as if user had made it.
func userSymlink(t *testing.T, user, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uidOf(t, user), -1); err != nil {
		t.Fatal(err)
	}
}

// rootOnlyDir is a root-owned 0700 directory holding a root-owned 0640
// file "secret".
func rootOnlyDir(t *testing.T) (dir, secret string) {
	t.Helper()
	dir = filepath.Join(publicDir(t), "victimdir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	secret = filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("root only\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	return dir, secret
}

// shimDir puts an executable NAME with body into a fresh directory and
// returns the PATH= entry that puts it first.
func shim(t *testing.T, name, body string) string {
	t.Helper()
	bin := filepath.Join(publicDir(t), "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return "PATH=" + bin + ":" + os.Getenv("PATH")
}

// helperSource is the bash source of the named helpers
// (templates/helpers/NAME.sh), one after the other, for a test that runs
// helpers alone.
func helperSource(t *testing.T, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, h := range names {
		src, err := os.ReadFile("../../templates/helpers/" + h + ".sh")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(src)
	}
	return b.String()
}

// TestWriterWalksSymlinksAsGiven: a symlink a user planted in a sticky
// directory, on the way to the path, is the user's: root neither writes
// through it into a root-only directory nor edits, through a final one, a
// root-only file. Checking only where the links lead (readlink -f) let
// both through.
func TestWriterWalksSymlinksAsGiven(t *testing.T) {
	user, _ := throwawayUser(t)
	tmp := stickyDir(t)
	victim, _ := rootOnlyDir(t)

	app := filepath.Join(tmp, "rvapp")
	userSymlink(t, user, victim, app)
	job := filepath.Join(app, "job")
	r := run(t, compile(t, call{"file": {"path": job, "content": "x\n"}}), "apply")
	expect(t, "file through the user's symlinked directory", r, "failed")
	if _, err := os.Lstat(filepath.Join(victim, "job")); !os.IsNotExist(err) {
		t.Errorf("root wrote into the root-only directory behind %s's symlink (%v)", user, err)
	}
	if !strings.Contains(r.output, app+" belongs to "+user) {
		t.Errorf("want the refusal to name the symlink and its owner:\n%s", r.output)
	}
	if l := leftovers(t, victim); len(l) > 0 {
		t.Errorf("temporary files behind the symlink: %v", l)
	}

}

// TestLineInFileFinalSymlinkInStickyDir: line-in-file does not follow, as
// root, a final symlink another user planted in a sticky directory.
func TestLineInFileFinalSymlinkInStickyDir(t *testing.T) {
	user, _ := throwawayUser(t)
	tmp := stickyDir(t)
	_, secret := rootOnlyDir(t)
	conf := filepath.Join(tmp, "foo.conf")
	userSymlink(t, user, secret, conf)
	r := run(t, compile(t, call{"line-in-file": {"path": conf, "line": "added"}}), "apply")
	expect(t, "line-in-file through the user's final symlink", r, "failed")
	if got := readFile(t, secret); got != "root only\n" {
		t.Errorf("root edited the root-only file behind %s's symlink: %q", user, got)
	}
}

// TestWriterFollowsRootSymlinks: a symlink root made, in a directory only
// root controls, is followed (sticky or not).
func TestWriterFollowsRootSymlinks(t *testing.T) {
	tmp := stickyDir(t)

	// A symlink root made, in a directory only root controls, is followed.
	real := filepath.Join(publicDir(t), "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "rootlink")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	script := compile(t, call{"file": {"path": filepath.Join(link, "app.conf"), "content": "x\n"}})
	expect(t, "through root's symlink", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")
	if got := readFile(t, filepath.Join(real, "app.conf")); got != "x\n" {
		t.Errorf("app.conf %q", got)
	}
}

// TestDirectoryNotAdoptedInStickyDir: a directory another user made first
// in a sticky directory is theirs: root does not chown it to itself nor
// chmod it, so the user cannot swap it for a symlink between root's check
// and its chmod. A stand-in chmod does the swap, so the race is won every
// time it is reached.
func TestDirectoryNotAdoptedInStickyDir(t *testing.T) {
	user, _ := throwawayUser(t)
	tmp := stickyDir(t)
	victim, _ := rootOnlyDir(t)
	shared := filepath.Join(tmp, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(shared, uidOf(t, user), -1); err != nil {
		t.Fatal(err)
	}
	real, err := exec.LookPath("chmod")
	if err != nil {
		t.Fatal(err)
	}
	path := shim(t, "chmod", fmt.Sprintf("for a; do :; done\nif [ \"$a\" = %s ] && [ ! -L %s ]; then rmdir %s && ln -s %s %s; fi\nexec %s \"$@\"\n",
		shared, shared, shared, victim, shared, real))
	r := run(t, compile(t, call{"directory": {"path": shared, "mode": "1777"}}), "apply", path)
	expect(t, "directory the user made first", r, "failed")
	if uid, mode := owner(t, victim); uid != 0 || mode != os.ModeDir|0o700 {
		t.Errorf("the root-only directory became uid %d, %v", uid, mode)
	}
	if st, err := os.Lstat(shared); err == nil && st.IsDir() {
		if uid, _ := owner(t, shared); uid == 0 {
			t.Errorf("root adopted %s's directory %s", user, shared)
		}
	}

	// Its owner's directory there is made and kept as its owner.
	own := filepath.Join(tmp, "own")
	script := compile(t, call{"directory": {"path": own, "owner": user, "group": user, "mode": "0750"}})
	if err := os.Mkdir(own, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(own, uidOf(t, user), -1); err != nil {
		t.Fatal(err)
	}
	expect(t, "the owner's own directory", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")

	// One root makes there itself is root's, and converges.
	mine := filepath.Join(tmp, "mine", "sub")
	script = compile(t, call{"directory": {"path": mine, "mode": "1777", "recursive": true}})
	expect(t, "root's own", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")
}

// TestWriterFailsClosed: when stat fails (or prints nonsense), the walk
// refuses instead of reading an empty uid as root's.
func TestWriterFailsClosed(t *testing.T) {
	_, home := throwawayUser(t)
	path := filepath.Join(home, "root.conf")
	for _, body := range []string{"exit 1\n", "echo\n", "echo x y z w\n"} {
		r := run(t, compile(t, call{"file": {"path": path, "content": "x\n"}}), "apply", shim(t, "stat", body))
		expect(t, "stat: "+body, r, "failed")
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("stat %q: root wrote %s in the user's home (%v)", body, path, err)
			os.Remove(path)
		}
	}
}

// TestAbsentGoesThroughTheWalk: action absent removes only what the
// walk allows: not root's files behind a symlink the user made in their
// home; the user's own file in their home is removed as the user.
func TestAbsentGoesThroughTheWalk(t *testing.T) {
	user, home := throwawayUser(t)
	victim, secret := rootOnlyDir(t)
	sub := filepath.Join(victim, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	userSymlink(t, user, victim, filepath.Join(home, "app"))

	r := run(t, compile(t, call{"file": {"path": filepath.Join(home, "app", "secret"), "action": "absent"}}), "apply")
	expect(t, "file absent through the user's symlink", r, "failed")
	if _, err := os.Lstat(secret); err != nil {
		t.Errorf("root removed its file behind %s's symlink: %v", user, err)
	}
	r = run(t, compile(t, call{"directory": {"path": filepath.Join(home, "app", "sub"), "action": "absent"}}), "apply")
	expect(t, "directory absent through the user's symlink", r, "failed")
	if _, err := os.Lstat(sub); err != nil {
		t.Errorf("root removed its directory behind %s's symlink: %v", user, err)
	}

	own := filepath.Join(home, "own.conf")
	if err := os.WriteFile(own, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(own, uidOf(t, user), -1); err != nil {
		t.Fatal(err)
	}
	script := compile(t, call{"file": {"path": own, "action": "absent"}})
	expect(t, "the user's own file", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")
}
