package live

import (
	"strings"
	"testing"
)

// The case's admin is live.admin (a '.' in it: its sudoers drop-in is
// live_admin), with a key of its own; the node's login user (root, with
// the suite's key) must keep working throughout.
var _ = register(Case{Crate: "automated-admin-user", Apt: true, Run: func(t *testing.T, n *Node) {
	defer n.ShErr(t, "userdel -r live.admin 2>/dev/null; rm -f /etc/sudoers.d/live_admin")
	key, pub := newKey(t, "live-admin@test")
	calls := "- automated-admin-user: {user: live.admin, public_key: " + yamlString(pub) + "}"

	n.Converge(t, calls, func() {
		n.Want(t, "dpkg-query -W -f '${db:Status-Abbrev}' sudo", "ii")
		n.Want(t, "getent passwd live.admin | cut -d: -f6,7; id -nG live.admin | tr ' ' '\\n' | grep -x sudo", "/home/live.admin:/bin/bash\nsudo")
		n.Want(t, "stat -c %U /home/live.admin; cat /home/live.admin/.ssh/authorized_keys", "live.admin\n"+pub)
		n.Want(t, "stat -c '%U %G %a' /etc/sudoers.d/live_admin; grep -v '^#' /etc/sudoers.d/live_admin | grep .", "root root 440\nlive.admin ALL=(ALL:ALL) NOPASSWD: ALL")
		// The admin logs in with its key and is root through sudo, with
		// no password; root still logs in.
		out, err := n.ShAs(t, "live.admin", key, "id -un; sudo -n id -u")
		if err != nil || strings.TrimSpace(out) != "live.admin\n0" {
			t.Errorf("live.admin's login and sudo -n: %v\n%s", err, out)
		}
		n.Want(t, "id -un", "root")
	})

	// A key removed by hand is put back, and only its step changes.
	n.Sh(t, ": >/home/live.admin/.ssh/authorized_keys")
	WantStatuses(t, n.Apply(t, calls), "ok", "ok", "changed", "ok")
	if out, err := n.ShAs(t, "live.admin", key, "sudo -n true && echo ok"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Errorf("live.admin after its key was put back: %v\n%s", err, out)
	}

	// Without a key given or an admin key in the project, it is refused,
	// saying what it needs; a name with a space is refused.
	n.wantRefused(t, "- automated-admin-user: {user: live.admin}", "no admin public key: ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub not found")
	n.wantRefused(t, `- automated-admin-user: {user: "live admin", public_key: `+yamlString(pub)+`}`, "must be a user name")
}})
