package live

import (
	"strings"
	"testing"
)

var _ = register(Case{Crate: "symlink", Run: func(t *testing.T, n *Node) {
	const dir = "/srv/symlink-live"
	n.Sh(t, "rm -rf "+dir)
	setup := `
- directory: {path: /srv/symlink-live/releases/1}
- directory: {path: /srv/symlink-live/releases/2}
`
	n.Apply(t, setup)

	// A relative target is written as given and resolves from the link's
	// directory; the link itself (not its target) belongs to owner.
	n.Converge(t, `- symlink: {path: /srv/symlink-live/current, target: releases/1, owner: nobody}`, func() {
		n.Want(t, "readlink /srv/symlink-live/current", "releases/1")
		n.Want(t, "readlink -f /srv/symlink-live/current", "/srv/symlink-live/releases/1")
		n.Want(t, "stat -c '%F %U' /srv/symlink-live/current", "symbolic link nobody")
		n.Want(t, "stat -L -c %U /srv/symlink-live/current", "root")
	})

	// A new target replaces the link; an absolute target is kept absolute.
	n.Converge(t, `- symlink: {path: /srv/symlink-live/current, target: /srv/symlink-live/releases/2, owner: nobody}`, func() {
		n.Want(t, "readlink /srv/symlink-live/current", "/srv/symlink-live/releases/2")
	})

	// An owner changed by hand is put back.
	n.Sh(t, "chown -h root /srv/symlink-live/current")
	r := n.Apply(t, `- symlink: {path: /srv/symlink-live/current, target: /srv/symlink-live/releases/2, owner: nobody}`)
	WantStatuses(t, r, "changed")
	n.Want(t, "stat -c %U /srv/symlink-live/current", "nobody")

	// A regular file is replaced only with force, and left as it was
	// without.
	n.Sh(t, "printf keep >/srv/symlink-live/file")
	_, msg := n.ApplyFails(t, `- symlink: {path: /srv/symlink-live/file, target: releases/1}`)
	if !strings.Contains(msg, "is a regular file, not a symlink") || !strings.Contains(msg, "force: true") {
		t.Errorf("a regular file in the way: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "stat -c %F /srv/symlink-live/file; cat /srv/symlink-live/file", "regular file\nkeep")
	n.Converge(t, `- symlink: {path: /srv/symlink-live/file, target: releases/1, force: true}`, func() {
		n.Want(t, "stat -c '%F %U' /srv/symlink-live/file; readlink /srv/symlink-live/file", "symbolic link root\nreleases/1")
	})

	// A directory is never replaced, even with force.
	_, msg = n.ApplyFails(t, `- symlink: {path: /srv/symlink-live/releases/2, target: 1, force: true}`)
	if !strings.Contains(msg, "is a directory") {
		t.Errorf("a directory in the way: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "stat -c %F /srv/symlink-live/releases/2", "directory")

	// A missing directory for the link fails, and makes nothing.
	_, msg = n.ApplyFails(t, `- symlink: {path: /srv/symlink-live/none/link, target: /tmp}`)
	if !strings.Contains(msg, "/srv/symlink-live/none") {
		t.Errorf("a missing directory: the failure does not name it:\n%s", msg)
	}
	n.Want(t, "test -e /srv/symlink-live/none && echo there || echo gone", "gone")
	n.Want(t, "ls -A /srv/symlink-live", "current\nfile\nreleases")

	// absent removes the link, never what it points at, and refuses
	// anything that is not a symlink.
	n.Converge(t, `- symlink: {path: /srv/symlink-live/current, action: absent}`, func() {
		n.Want(t, "test -L /srv/symlink-live/current || test -e /srv/symlink-live/current && echo there || echo gone", "gone")
		n.Want(t, "stat -c %F /srv/symlink-live/releases/2", "directory")
	})
	_, msg = n.ApplyFails(t, `- symlink: {path: /srv/symlink-live/releases/1, action: absent}`)
	if !strings.Contains(msg, "is not a symlink") {
		t.Errorf("absent on a directory: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "stat -c %F /srv/symlink-live/releases/1", "directory")
	n.Sh(t, "rm -rf "+dir)
}})
