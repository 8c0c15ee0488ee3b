package live

import "testing"

var _ = register(Case{Crate: "directory", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "getent group live-dir >/dev/null || groupadd live-dir")
	n.Converge(t, `
- directory: {path: /srv/live-dir/a/b, group: live-dir, mode: "2750"}
`, func() {
		n.Want(t, "stat -c '%U %G %a %F' /srv/live-dir/a/b", "root live-dir 2750 directory")
	})

	// A mode changed by hand is put back, and only that step changes.
	n.Sh(t, "chmod 0777 /srv/live-dir/a/b")
	r := n.Apply(t, `- directory: {path: /srv/live-dir/a/b, group: live-dir, mode: "2750"}`)
	WantStatuses(t, r, "changed")
	n.Want(t, "stat -c %a /srv/live-dir/a/b", "2750")

	// recurse_owner hands everything inside to the owner, not the mode.
	n.Sh(t, "touch /srv/live-dir/a/b/f && chmod 0600 /srv/live-dir/a/b/f")
	n.Converge(t, `- directory: {path: /srv/live-dir/a/b, owner: nobody, group: nogroup, mode: "2750", recurse_owner: true}`, func() {
		n.Want(t, "stat -c '%U %G %a' /srv/live-dir/a/b/f", "nobody nogroup 600")
	})

	// A root tree given to nobody in a group nobody is not in (live-dir),
	// setgid: once the tree is nobody's, nobody's own chmod would lose
	// the setgid bit, and the step never converged; only root controls
	// the way to it, so root sets the mode.
	n.Sh(t, "mkdir -p /srv/live-dir/t/sub && touch /srv/live-dir/t/sub/f")
	n.Converge(t, `- directory: {path: /srv/live-dir/t, owner: nobody, group: live-dir, mode: "2750", recurse_owner: true}`, func() {
		n.Want(t, "stat -c '%U %G %a' /srv/live-dir/t /srv/live-dir/t/sub /srv/live-dir/t/sub/f", "nobody live-dir 2750\nnobody live-dir 755\nnobody live-dir 644")
	})

	// Without recursive, a missing parent is an error that says so.
	_, msg := n.ApplyFails(t, `- directory: {path: /srv/live-dir/missing/c, recursive: false}`)
	if msg == "" {
		t.Error("a failed directory step said nothing")
	}
	n.Want(t, "test -e /srv/live-dir/missing && echo there || echo gone", "gone")

	// absent removes it with everything in it.
	n.Converge(t, `- directory: {path: /srv/live-dir, action: absent}`, func() {
		n.Want(t, "test -e /srv/live-dir && echo there || echo gone", "gone")
	})
}})
