package live

import (
	"strconv"
	"strings"
	"testing"
)

var _ = register(Case{Crate: "group", Run: func(t *testing.T, n *Node) {
	defer n.ShErr(t, "userdel live-group-u 2>/dev/null; for g in live-group live-group-sys live-group-gid; do groupdel $g 2>/dev/null; done; true")
	gidOf := func(name string) int {
		t.Helper()
		f := strings.Split(strings.TrimSpace(n.Sh(t, "getent group "+name)), ":")
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("getent group %s: %v", name, err)
		}
		return gid
	}

	// A plain group gets a gid from the users' range, system: true one
	// from the system range (login.defs: below 1000), gid: exactly that.
	n.Converge(t, `
- group: {name: live-group}
- group: {name: live-group-sys, system: true}
- group: {name: live-group-gid, gid: 23701}
`, func() {
		if g := gidOf("live-group"); g < 1000 {
			t.Errorf("live-group has gid %d, want one of the users' range (1000 and up)", g)
		}
		if g := gidOf("live-group-sys"); g >= 1000 || g == 0 {
			t.Errorf("live-group-sys has gid %d, want one of the system range (1-999)", g)
		}
		n.Want(t, "getent group live-group-gid", "live-group-gid:x:23701:")
	})

	// An existing group with another gid is changed to the gid asked for.
	n.Converge(t, `- group: {name: live-group-gid, gid: 23702}`, func() {
		n.Want(t, "getent group live-group-gid", "live-group-gid:x:23702:")
	})

	// A gid another group has is refused, and groupmod's reason is shown.
	_, msg := n.ApplyFails(t, `- group: {name: live-group-gid, gid: 0}`)
	if !strings.Contains(msg, "GID '0' already exists") {
		t.Errorf("a taken gid failed without saying so:\n%s", msg)
	}
	n.Want(t, "getent group live-group-gid", "live-group-gid:x:23702:")

	// absent removes them; a group that is a user's primary group cannot
	// go, and the step says whose.
	n.Converge(t, `
- group: {name: live-group, action: absent}
- group: {name: live-group-sys, action: absent}
`, func() {
		n.Want(t, "getent group live-group live-group-sys || echo none", "none")
	})
	n.Sh(t, "useradd -M -N -g live-group-gid live-group-u")
	defer n.ShErr(t, "userdel live-group-u")
	_, msg = n.ApplyFails(t, `- group: {name: live-group-gid, action: absent}`)
	if !strings.Contains(msg, "cannot remove the primary group of user 'live-group-u'") {
		t.Errorf("removing nobody's primary group failed without saying why:\n%s", msg)
	}
	n.Want(t, "getent group live-group-gid", "live-group-gid:x:23702:")
}})
