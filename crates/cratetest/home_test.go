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

// namedUser creates the user prefix+pid with useradd args (no home unless
// they make one) and removes it when the test ends; its home is left to
// the test's directories.
func namedUser(t *testing.T, prefix string, args ...string) (name string, uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates users")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	name = fmt.Sprintf("%s%d", prefix, os.Getpid()%100000)
	args = append(append([]string{"-s", "/bin/sh"}, args...), name)
	if out, err := exec.Command("useradd", args...).CombinedOutput(); err != nil {
		t.Fatalf("useradd %v: %v\n%s", args, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
	})
	out, err := exec.Command("getent", "passwd", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ":")
	fmt.Sscan(f[2], &uid)
	fmt.Sscan(f[3], &gid)
	return name, uid, gid
}

// canaries are root's files standing in for /etc/passwd and /etc/shadow:
// a 0644 one and a 0600 one, in a root-owned directory.
type canaries struct{ public, secret string }

func plantCanaries(t *testing.T) canaries {
	t.Helper()
	dir := filepath.Join(publicDir(t), "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := canaries{filepath.Join(dir, "canary"), filepath.Join(dir, "canary2")}
	if err := os.WriteFile(c.public, []byte("public canary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.secret, []byte("secret canary\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// untouched fails the test unless the canaries still hold what they held,
// root's and with their modes.
func (c canaries) untouched(t *testing.T) {
	t.Helper()
	for path, want := range map[string]string{c.public: "public canary\n", c.secret: "secret canary\n"} {
		if got := readFile(t, path); got != want {
			t.Errorf("%s was overwritten: %.40q", path, got)
		}
	}
	for path, want := range map[string]os.FileMode{c.public: 0o644, c.secret: 0o600} {
		if uid, mode := owner(t, path); uid != 0 || mode != want {
			t.Errorf("%s became uid %d, %v; want root's, %v", path, uid, mode, want)
		}
	}
}

// skelFiles is what /etc/skel holds at its top (the test's symlinks go
// in place of these).
func skelFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/etc/skel")
	if err != nil || len(entries) == 0 {
		t.Skip("no /etc/skel files to copy: nothing for a planted symlink to redirect")
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Skip("no regular files in /etc/skel")
	}
	return names
}

// TestUserHomeInSomeoneElsesDirectory is the attack: mallory owns
// /srv/apps and app's home is /srv/apps/app. The moment root has made that
// directory, mallory renames it away and puts in its place a directory of
// hers whose skel names are symlinks to root's files. A stand-in mkdir
// makes the swap right after root's mkdir, so the race is won every time.
// Root used to copy /etc/skel through those symlinks, overwriting the 0644
// canary and making the 0600 one 0644. Now the walk refuses the home:
// mallory's directory is on the way and the home is not hers.
func TestUserHomeInSomeoneElsesDirectory(t *testing.T) {
	skel := skelFiles(t)
	c := plantCanaries(t)
	mallory, muid, _ := namedUser(t, "plm")
	apps := filepath.Join(publicDir(t), "apps")
	if err := os.Mkdir(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(apps, muid, muid); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(apps, "app")
	app, _, _ := namedUser(t, "pla", "-M", "-d", home)

	real, err := exec.LookPath("mkdir")
	if err != nil {
		t.Fatal(err)
	}
	// mallory's move, done as root for her: only when root just made the
	// home (owned by root), rename it away, put her own directory there.
	var links strings.Builder
	for i, name := range skel {
		target := c.public
		if i%2 == 1 || name == ".profile" {
			target = c.secret
		}
		fmt.Fprintf(&links, "ln -s %s %s/%s && chown -h %d %s/%s\n", target, home, name, muid, home, name)
	}
	body := fmt.Sprintf(`%s "$@" || exit
if [ -d %[2]s ] && [ "$(stat -c %%u %[2]s)" = 0 ]; then
  mv %[2]s %[2]s.away && %[1]s %[2]s && chown %[3]d %[2]s
%[4]s
fi
`, real, home, muid, links.String())
	path := shim(t, "mkdir", body)

	r := run(t, compile(t, call{"user": {"name": app, "home": true, "shell": "/bin/sh"}}), "apply", path)
	t.Logf("apply output:\n%s", r.output)
	c.untouched(t)
	expect(t, "home in "+mallory+"'s directory", r, "failed")
	if !strings.Contains(r.output, apps+" belongs to "+mallory) {
		t.Errorf("want the refusal to name %s's directory:\n%s", mallory, r.output)
	}
}

// TestUserHome: where only root controls the way, root makes the home (and
// its missing parent) and gives it to the user, and the skel copy is the
// user's: 0700, theirs, the skel files theirs. A stand-in chown plays the
// user winning the race right after root's chown, planting symlinks to
// root's files where the skel files go: the copy, done as the user, cannot
// write through them, and root does nothing in the home after its chown.
func TestUserHome(t *testing.T) {
	skel := skelFiles(t)
	home := filepath.Join(publicDir(t), "home", "app")
	app, uid, gid := namedUser(t, "pla", "-M", "-d", home)
	script := compile(t, call{"user": {"name": app, "home": true, "shell": "/bin/sh"}})
	expect(t, "apply", run(t, script, "apply"), "changed")
	expect(t, "again", run(t, script, "apply"), "ok")
	st, err := os.Lstat(home)
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Sys().(*syscall.Stat_t); int(s.Uid) != uid || int(s.Gid) != gid || st.Mode() != os.ModeDir|0o700 {
		t.Errorf("home: uid %d gid %d %v; want %d %d drwx------", s.Uid, s.Gid, st.Mode(), uid, gid)
	}
	for _, name := range skel {
		if u, _ := owner(t, filepath.Join(home, name)); int(u) != uid {
			t.Errorf("%s is uid %d's, want the user's", name, u)
		}
		if got, want := readFile(t, filepath.Join(home, name)), readFile(t, filepath.Join("/etc/skel", name)); got != want {
			t.Errorf("%s is not /etc/skel's copy", name)
		}
	}
	if err := os.RemoveAll(home); err != nil {
		t.Fatal(err)
	}

	c := plantCanaries(t)
	real, err := exec.LookPath("chown")
	if err != nil {
		t.Fatal(err)
	}
	var links strings.Builder
	for i, name := range skel {
		target := c.public
		if i%2 == 1 {
			target = c.secret
		}
		fmt.Fprintf(&links, "  ln -s %s %s/%s && %s -h %d %s/%s\n", target, home, name, real, uid, home, name)
	}
	body := fmt.Sprintf(`%s "$@" || exit
if [ -d %[2]s ] && [ "$(stat -c %%u %[2]s)" = %[3]d ] && [ ! -e %[2]s/.planted ]; then
  : >%[2]s/.planted
%[4]sfi
`, real, home, uid, links.String())
	r := run(t, script, "apply", shim(t, "chown", body))
	t.Logf("apply with the user's symlinks planted:\n%s", r.output)
	c.untouched(t)
	if _, err := os.Lstat(filepath.Join(home, ".planted")); err != nil {
		t.Fatalf("the stand-in chown never planted the symlinks: %v", err)
	}
}

// TestUserHomeInUsersDirectory: where the way goes through a directory of
// the user's own, the whole home is made as the user.
func TestUserHomeInUsersDirectory(t *testing.T) {
	skelFiles(t)
	base := filepath.Join(publicDir(t), "apps")
	if err := os.Mkdir(base, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "app")
	app, uid, _ := namedUser(t, "pla", "-M", "-d", home)
	if err := os.Chown(base, uid, -1); err != nil {
		t.Fatal(err)
	}
	expect(t, "apply", run(t, compile(t, call{"user": {"name": app, "home": true, "shell": "/bin/sh"}}), "apply"), "changed")
	if u, mode := owner(t, home); int(u) != uid || mode != os.ModeDir|0o700 {
		t.Errorf("home: uid %d %v; want %d drwx------", u, mode, uid)
	}
}
