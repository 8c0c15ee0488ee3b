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
