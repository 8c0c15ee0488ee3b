package cratetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// throwawayUser creates a user with a home directory for the test and
// removes both (userdel -r) when it ends.
func throwawayUser(t *testing.T) (name, home string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a user")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	name = fmt.Sprintf("plt%d", os.Getpid()%100000)
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", "-r", name).CombinedOutput(); err != nil {
			t.Errorf("userdel -r %s: %v\n%s", name, err, out)
		}
	})
	out, err := exec.Command("getent", "passwd", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	home = strings.Split(strings.TrimSpace(string(out)), ":")[5]
	return name, home
}

// publicDir is a root-owned directory everyone may enter (t.TempDir's
// parent is 0700), removed when the test ends.
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pallet-priv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func owner(t *testing.T, path string) (uid uint32, mode os.FileMode) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Uid, st.Mode()
}

// TestSSHKeyRaceCannotReachRoot: the user swaps ~/.ssh for a symlink to a
// root-owned directory at the worst moment, just after it was created and
// checked. A stand-in mkdir does the swap, so the race is won every time.
// Run as root, the apply used to chown that directory to the user and
// write authorized_keys into it; run as the user, it can do neither.
func TestSSHKeyRaceCannotReachRoot(t *testing.T) {
	user, home := throwawayUser(t)
	pub := publicDir(t)
	target := filepath.Join(pub, "etc")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(pub, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	real, err := exec.LookPath("mkdir")
	if err != nil {
		t.Fatal(err)
	}
	ssh := filepath.Join(home, ".ssh")
	shim := fmt.Sprintf("#!/bin/sh\n%s \"$@\" || exit\nif [ -d %s ] && [ ! -L %s ]; then rmdir %s && ln -s %s %s; fi\n",
		real, ssh, ssh, ssh, target, ssh)
	if err := os.WriteFile(filepath.Join(bin, "mkdir"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}

	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl pallet-test"
	script := compile(t, call{"ssh-key": {"user": user, "key": key}})
	r := run(t, script, "apply", "PATH="+bin+":"+os.Getenv("PATH"))
	t.Logf("apply output:\n%s", r.output)
	if uid, mode := owner(t, target); uid != 0 || mode != os.ModeDir|0o755 {
		t.Errorf("the root-owned directory behind the symlink became uid %d, %v", uid, mode)
	}
	if _, err := os.Lstat(filepath.Join(target, "authorized_keys")); !os.IsNotExist(err) {
		t.Errorf("authorized_keys was written behind the symlink, in a root-owned directory (%v)", err)
	}
	if l := leftovers(t, target); len(l) > 0 {
		t.Errorf("temporary files written behind the symlink: %v", l)
	}
	expect(t, "apply through the swapped ~/.ssh", r, "failed")

	// Without the race it converges, as the user: 0700 ~/.ssh, 0600 file.
	if err := os.Remove(ssh); err != nil {
		t.Fatal(err)
	}
	expect(t, "apply", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")
	if got := readFile(t, filepath.Join(ssh, "authorized_keys")); got != key+"\n" {
		t.Errorf("authorized_keys %q", got)
	}
	for path, want := range map[string]os.FileMode{ssh: os.ModeDir | 0o700, filepath.Join(ssh, "authorized_keys"): 0o600} {
		if uid, mode := owner(t, path); uid == 0 || mode != want {
			t.Errorf("%s: uid %d, %v; want the user's, %v", path, uid, mode, want)
		}
	}
}

// TestSSHKeyCheckReadsAsUser: the check reads authorized_keys as the
// user, so a symlink the user swaps in cannot make root read a file the user
// could not. The bash that reads it (with read, no program of its own) runs
// stat on ~/.ssh and the file first: a stand-in stat records its own uid
// and that bash's, its parent's.
func TestSSHKeyCheckReadsAsUser(t *testing.T) {
	user, home := throwawayUser(t)
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl pallet-test"
	script := compile(t, call{"ssh-key": {"user": user, "key": key}})
	expect(t, "apply", run(t, script, "apply"), "changed")

	pub := publicDir(t)
	bin, log := filepath.Join(pub, "bin"), filepath.Join(pub, "uids")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(log, 0o666)
	real, err := exec.LookPath("stat")
	if err != nil {
		t.Fatal(err)
	}
	shim := fmt.Sprintf("#!/bin/sh\nid -u >>%[1]s\nwhile read -r k v _; do [ \"$k\" = Uid: ] && echo \"$v\" >>%[1]s; done </proc/$PPID/status\nexec %[2]s \"$@\"\n", log, real)
	if err := os.WriteFile(filepath.Join(bin, "stat"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	expect(t, "check", run(t, script, "check", "PATH="+bin+":"+os.Getenv("PATH")), "ok")
	uids := strings.Fields(readFile(t, log))
	if len(uids) == 0 {
		t.Fatal("the check did not look at authorized_keys with stat")
	}
	for _, u := range uids {
		if u == "0" {
			t.Errorf("the check read %s/.ssh/authorized_keys as root", home)
		}
	}
}

// TestFileRefusesWritableDirectory: root does not write into a directory
// others can change (group- or world-writable, not sticky): they could swap
// the temporary file for a symlink to /etc/shadow between mktemp, the write,
// chown and chmod. A sticky one (as /tmp) is fine.
func TestFileRefusesWritableDirectory(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(shared, "app.conf")
	for _, c := range []call{
		{"file": {"path": path, "content": "x\n"}},
		{"line-in-file": {"path": path, "line": "x"}},
		{"directory": {"path": path}},
	} {
		r := run(t, compile(t, c), "apply")
		expect(t, fmt.Sprint(c), r, "failed")
		if !strings.Contains(r.output, "refusing to write "+path+": "+shared+" is group- or world-writable") {
			t.Errorf("%v: want the refusal to name the directory and why:\n%s", c, r.output)
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%v: %s was written (%v)", c, path, err)
		}
		if l := leftovers(t, shared); len(l) > 0 {
			t.Errorf("%v: temporary files: %v", c, l)
		}
	}

	if err := os.Chmod(shared, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	expect(t, "sticky", run(t, compile(t, call{"file": {"path": path, "content": "x\n"}}), "apply"), "changed")
}

// TestFileInUsersHome: in a directory a user owns, a file owned by that
// user is written as the user; one owned by root (or anyone else) is
// refused, and so is a file behind a symlink the user planted.
func TestFileInUsersHome(t *testing.T) {
	user, home := throwawayUser(t)
	path := filepath.Join(home, "app.conf")
	script := compile(t, call{"file": {"path": path, "content": "mine\n", "owner": user, "group": user, "mode": "0640"}})
	expect(t, "as the user", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")
	if uid, mode := owner(t, path); uid == 0 || mode != 0o640 {
		t.Errorf("uid %d, %v; want the user's, 0640", uid, mode)
	}

	rootFile := filepath.Join(home, "root.conf")
	r := run(t, compile(t, call{"file": {"path": rootFile, "content": "x\n"}}), "apply")
	expect(t, "root's file in the user's home", r, "failed")
	if !strings.Contains(r.output, home+" belongs to "+user) {
		t.Errorf("want the refusal to name the home and its owner:\n%s", r.output)
	}

	// A symlink the user planted, to a root-owned file: line-in-file
	// follows it as the user, who cannot write there.
	victim := filepath.Join(publicDir(t), "victim")
	if err := os.WriteFile(victim, []byte("root only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, "link.conf")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uidOf(t, user), -1); err != nil {
		t.Fatal(err)
	}
	r = run(t, compile(t, call{"line-in-file": {"path": link, "line": "added"}}), "apply")
	expect(t, "through the user's symlink", r, "failed")
	if got := readFile(t, victim); got != "root only\n" {
		t.Errorf("the root-owned file behind the user's symlink was edited: %q", got)
	}
}

func uidOf(t *testing.T, user string) int {
	t.Helper()
	out, err := exec.Command("id", "-u", user).Output()
	if err != nil {
		t.Fatal(err)
	}
	var uid int
	fmt.Sscan(string(out), &uid)
	return uid
}
