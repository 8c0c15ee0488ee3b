package cratetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// namedGroup creates the group prefix+pid and removes it, and a user of
// the same name the test may have made, when the test ends.
func namedGroup(t *testing.T, prefix string) (name string, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates users and groups")
	}
	if _, err := exec.LookPath("groupadd"); err != nil {
		t.Skip("no groupadd")
	}
	name = fmt.Sprintf("%s%d", prefix, os.Getpid()%100000)
	if out, err := exec.Command("groupadd", name).CombinedOutput(); err != nil {
		t.Fatalf("groupadd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		exec.Command("userdel", name).Run() // made by the crate, or not
		// userdel removes a group of the user's name that is its primary group
		if exec.Command("getent", "group", name).Run() == nil {
			if out, err := exec.Command("groupdel", name).CombinedOutput(); err != nil {
				t.Errorf("groupdel %s: %v\n%s", name, err, out)
			}
		}
	})
	out, err := exec.Command("getent", "group", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Sscan(strings.Split(string(out), ":")[2], &gid)
	return name, gid
}

// passwd is a user's passwd entry, split; nil when there is none.
func passwd(t *testing.T, name string) []string {
	t.Helper()
	out, err := exec.Command("getent", "passwd", name).Output()
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(out)), ":")
}

// TestUserExistingGroup is the first converge: a group tomcat
// exists (a package made it), and user tomcat without group made useradd
// fail ("group tomcat exists"). Now the group becomes the user's primary
// group, as useradd -g would make it.
func TestUserExistingGroup(t *testing.T) {
	name, gid := namedGroup(t, "plt")
	script := compile(t, call{"user": {"name": name, "create_home": false, "shell": "/bin/sh"}})
	expect(t, "apply", run(t, script, "apply"), "changed")
	pw := passwd(t, name)
	if pw == nil {
		t.Fatal("no user made")
	}
	if pw[3] != fmt.Sprint(gid) {
		t.Errorf("primary gid %s, want the existing group's %d", pw[3], gid)
	}
	expect(t, "again", run(t, script, "apply"), "ok")

	expect(t, "absent", run(t, compile(t, call{"user": {"name": name, "action": "absent"}}), "apply"), "changed")
	if passwd(t, name) != nil {
		t.Error("the user is still there")
	}
	expect(t, "absent again", run(t, compile(t, call{"user": {"name": name, "action": "absent"}}), "apply"), "ok")
}

// TestUserGroupAndHomePath: a primary group that exists and a home
// outside /home: made with useradd -g and -d, the home made as
// pallet_user_make_home makes it; a later home_path changes passwd with
// usermod -d and makes the new home, leaving the old one where it is.
func TestUserGroupAndHomePath(t *testing.T) {
	group, gid := namedGroup(t, "plg")
	other, ogid := namedGroup(t, "plo")
	name := fmt.Sprintf("plu%d", os.Getpid()%100000)
	// after the groups' cleanups, which run later: a primary group is not removed
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	srv := filepath.Join(publicDir(t), "srv")
	home := filepath.Join(srv, "app")
	script := compile(t, call{"user": {"name": name, "group": group, "home_path": home, "create_home": true, "shell": "/bin/sh"}})
	expect(t, "check mode", run(t, script, "check"), "would-change")
	if passwd(t, name) != nil {
		t.Fatal("check mode made the user")
	}
	expect(t, "apply", run(t, script, "apply"), "changed")
	pw := passwd(t, name)
	if pw == nil || pw[3] != fmt.Sprint(gid) || pw[5] != home {
		t.Fatalf("passwd %q, want gid %d and home %s", pw, gid, home)
	}
	var uid int
	fmt.Sscan(pw[2], &uid)
	if u, m := owner(t, home); int(u) != uid || m != os.ModeDir|0o700 {
		t.Errorf("home: uid %d %v, want %d drwx------", u, m, uid)
	}
	expect(t, "again", run(t, script, "apply"), "ok")

	moved := filepath.Join(srv, "app2")
	expect(t, "new home_path", run(t, compile(t, call{"user": {"name": name, "group": group, "home_path": moved, "shell": "/bin/sh"}}), "apply"), "changed")
	if pw := passwd(t, name); pw[5] != moved {
		t.Errorf("home in passwd %s, want %s", pw[5], moved)
	}
	if u, _ := owner(t, moved); int(u) != uid {
		t.Errorf("new home is uid %d's, want the user's", u)
	}
	if _, err := os.Lstat(home); err != nil {
		t.Errorf("the old home went away: %v", err)
	}

	// another primary group
	expect(t, "other group", run(t, compile(t, call{"user": {"name": name, "group": other, "create_home": false, "shell": "/bin/sh"}}), "apply"), "changed")
	if pw := passwd(t, name); pw[3] != fmt.Sprint(ogid) {
		t.Errorf("gid %s after usermod -g, want %d", pw[3], ogid)
	}
}

// TestUserGroupMissing: a primary group that does not exist fails the
// step before useradd runs, saying what to do.
func TestUserGroupMissing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: would create a user")
	}
	name := fmt.Sprintf("plm%d", os.Getpid()%100000)
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	r := run(t, compile(t, call{"user": {"name": name, "group": "nosuchgroup", "create_home": false}}), "apply")
	expect(t, "missing group", r, "failed")
	if !strings.Contains(r.output, "the group nosuchgroup does not exist: make it first (the group crate)") {
		t.Errorf("no clear message:\n%s", r.output)
	}
	if passwd(t, name) != nil {
		t.Error("the user was made anyway")
	}
}
