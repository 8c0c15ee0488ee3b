package live

import (
	"strconv"
	"strings"
	"testing"
)

var _ = register(Case{Crate: "user", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/user-live")
	n.Apply(t, `
- group: {name: user-live-g}
- group: {name: user-live-s1}
- group: {name: user-live-s2}
- directory: {path: /srv/user-live}
`)
	// Every param that shapes the account: uid, primary group, home path
	// (made, 0700, from /etc/skel), shell, supplementary groups.
	n.Converge(t, `
- user:
    name: user-live
    uid: 4321
    group: user-live-g
    home_path: /srv/user-live/home
    shell: /bin/sh
    groups: [user-live-s1, user-live-s2]
`, func() {
		n.Want(t, "getent passwd user-live | cut -d: -f3,5-", "4321::/srv/user-live/home:/bin/sh")
		n.Want(t, "id -gn user-live; id -nG user-live | tr ' ' '\\n' | sort | tr '\\n' ' '", "user-live-g\nuser-live-g user-live-s1 user-live-s2")
		n.Want(t, "stat -c '%U %G %a' /srv/user-live/home", "user-live user-live-g 700")
		n.Sh(t, "cd /etc/skel && for f in $(ls -A); do cmp -- \"$f\" /srv/user-live/home/\"$f\"; done")
		n.Want(t, "stat -c %U /srv/user-live/home/.bashrc", "user-live")
		n.Want(t, "runuser -u user-live -- sh -c 'echo $0'", "sh")
	})

	// A changed uid, shell and home path are changed (usermod); groups it
	// joined by hand are left alone, the new one joined.
	n.Sh(t, "groupadd user-live-s3 && usermod -a -G user-live-s3 user-live")
	n.Converge(t, `
- user:
    name: user-live
    uid: 4322
    group: user-live-g
    home_path: /srv/user-live/home2
    shell: /bin/bash
    groups: [user-live-s2]
    create_home: false
`, func() {
		n.Want(t, "getent passwd user-live | cut -d: -f3,6-", "4322:/srv/user-live/home2:/bin/bash")
		n.Want(t, "id -nG user-live | tr ' ' '\\n' | sort | tr '\\n' ' '", "user-live-g user-live-s1 user-live-s2 user-live-s3")
		// create_home false: no new home; the old one stays where it was
		n.Want(t, "test -e /srv/user-live/home2 && echo there || echo none", "none")
		n.Want(t, "test -d /srv/user-live/home && echo there || echo none", "there")
	})

	// A system account (uid from the system range), its name's group
	// already there: that is its primary group; the default home.
	n.Sh(t, "groupadd user-live-sys")
	n.Converge(t, `- user: {name: user-live-sys, system: true, shell: /usr/sbin/nologin, create_home: false}`, func() {
		// useradd -r takes uids below UID_MIN (1000 on Debian)
		uid, err := strconv.Atoi(strings.TrimSpace(n.Sh(t, "id -u user-live-sys")))
		if err != nil || uid <= 0 || uid >= 1000 {
			t.Errorf("the system user has uid %d (%v), want one of the system range 1..999", uid, err)
		}
		n.Want(t, "id -gn user-live-sys; getent passwd user-live-sys | cut -d: -f7", "user-live-sys\n/usr/sbin/nologin")
	})

	// Failures that say why, and change nothing.
	_, msg := n.ApplyFails(t, `- user: {name: user-live-2, group: user-live-nogroup}`)
	if !strings.Contains(msg, "the group user-live-nogroup does not exist: make it first (the group crate), then user user-live-2") {
		t.Errorf("a missing primary group: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "getent passwd user-live-2 || echo none", "none")
	_, msg = n.ApplyFails(t, `- user: {name: user-live, uid: 4322, group: user-live-g, home_path: /srv/user-live/home2, create_home: false, groups: [user-live-nogroup]}`)
	if !strings.Contains(msg, "user-live-nogroup") {
		t.Errorf("a missing supplementary group: the failure does not name it:\n%s", msg)
	}
	// A uid taken by another user: useradd's own reason comes through.
	_, msg = n.ApplyFails(t, `- user: {name: user-live-2, uid: 4322}`)
	if !strings.Contains(msg, "not unique") {
		t.Errorf("a taken uid: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "getent passwd user-live-2 || echo none", "none")

	// absent removes the accounts, keeping their homes.
	n.Converge(t, `
- user: {name: user-live, action: absent}
- user: {name: user-live-sys, action: absent}
`, func() {
		n.Want(t, "getent passwd user-live user-live-sys || echo none", "none")
		n.Want(t, "test -d /srv/user-live/home && echo kept || echo gone", "kept")
	})
	n.Sh(t, "rm -rf /srv/user-live; for g in user-live-g user-live-s1 user-live-s2 user-live-s3 user-live-sys; do groupdel $g 2>/dev/null || true; done")
}})
