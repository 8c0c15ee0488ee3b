package live

import (
	"strings"
	"testing"
)

var _ = register(Case{Crate: "sudoers", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -f /etc/sudoers.d/sudoers-live*")
	n.Apply(t, `
- group: {name: sudoers-live-g}
- user: {name: sudoers-live, groups: [sudoers-live-g]}
- user: {name: sudoers-live-2}
`)
	// A rule for one user, without a password, for two commands: sudo
	// itself lists it, and lets the user run those and nothing else.
	n.Converge(t, `
- sudoers: {name: sudoers-live, user: sudoers-live, nopasswd: true, commands: [/usr/bin/id -u, /usr/bin/true]}
`, func() {
		n.Want(t, "stat -c '%U %G %a' /etc/sudoers.d/sudoers-live; cat /etc/sudoers.d/sudoers-live",
			"root root 440\nsudoers-live ALL=(ALL:ALL) NOPASSWD: /usr/bin/id -u, /usr/bin/true")
		if l := n.Sh(t, "sudo -l -U sudoers-live"); !strings.Contains(l, "(ALL : ALL) NOPASSWD: /usr/bin/id -u, /usr/bin/true") {
			t.Errorf("sudo -l -U sudoers-live does not list the rule:\n%s", l)
		}
		n.Want(t, "runuser -u sudoers-live -- sudo -n /usr/bin/id -u", "0")
		if out, err := n.ShErr(t, "runuser -u sudoers-live -- sudo -n /usr/bin/id -g"); err == nil {
			t.Errorf("sudoers-live ran a command the rule does not give:\n%s", out)
		}
	})

	// Without nopasswd sudo asks for the password; %group is a group's
	// members' rule, ALL by default.
	n.Converge(t, `
- sudoers: {name: sudoers-live, user: "%sudoers-live-g"}
`, func() {
		n.Want(t, "cat /etc/sudoers.d/sudoers-live", "%sudoers-live-g ALL=(ALL:ALL) ALL")
		if l := n.Sh(t, "sudo -l -U sudoers-live"); !strings.Contains(l, "(ALL : ALL) ALL") || strings.Contains(l, "NOPASSWD") {
			t.Errorf("sudo -l -U sudoers-live does not list the group's rule:\n%s", l)
		}
		if l := n.Sh(t, "sudo -l -U sudoers-live-2"); !strings.Contains(l, "not allowed to run sudo") {
			t.Errorf("sudoers-live-2, not in the group, may sudo:\n%s", l)
		}
		out, err := n.ShErr(t, "runuser -u sudoers-live -- sudo -n /usr/bin/id -u")
		if err == nil || !strings.Contains(out, "password is required") {
			t.Errorf("sudo did not ask for a password: %v\n%s", err, out)
		}
	})

	// content is the whole file, byte for byte (with its final newline).
	content := "Defaults:sudoers-live-2 !lecture\nsudoers-live-2 ALL=(root) NOPASSWD: /usr/bin/whoami\n"
	n.Converge(t, "- sudoers:\n    name: sudoers-live-2\n    content: |\n      "+strings.ReplaceAll(strings.TrimSuffix(content, "\n"), "\n", "\n      ")+"\n", func() {
		if got := n.Sh(t, "cat /etc/sudoers.d/sudoers-live-2"); got != content {
			t.Errorf("the drop-in holds %q, want %q", got, content)
		}
		n.Want(t, "runuser -u sudoers-live-2 -- sudo -n /usr/bin/whoami", "root")
	})

	// A drop-in visudo rejects is not installed: the live one stays as it
	// was, and nothing is left beside it (no temporary file sudo might
	// read).
	before := n.Sh(t, "cat /etc/sudoers.d/sudoers-live-2")
	_, msg := n.ApplyFails(t, `
- sudoers: {name: sudoers-live-2, content: "sudoers-live-2 ALL=(root) NOPASWD /usr/bin/whoami"}
- sudoers: {name: sudoers-live-bad, content: "sudoers-live ALL = = ALL"}
`)
	if !strings.Contains(msg, "visudo rejected the drop-in for /etc/sudoers.d/sudoers-live-2; it was not installed") {
		t.Errorf("a bad drop-in: the failure does not say why:\n%s", msg)
	}
	if got := n.Sh(t, "cat /etc/sudoers.d/sudoers-live-2"); got != before {
		t.Errorf("a rejected drop-in changed the live one: %q", got)
	}
	_, msg = n.ApplyFails(t, `- sudoers: {name: sudoers-live-bad, content: "sudoers-live ALL = = ALL"}`)
	if !strings.Contains(msg, "visudo rejected the drop-in for /etc/sudoers.d/sudoers-live-bad") {
		t.Errorf("a bad drop-in: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "ls -A /etc/sudoers.d | grep sudoers-live", "sudoers-live\nsudoers-live-2")
	n.Want(t, "ls -A /etc/sudoers.d | grep -c pallet || true", "0")
	n.Sh(t, "visudo -c")

	// Where /etc/sudoers does not read /etc/sudoers.d, the step fails
	// saying so.
	n.Sh(t, "cp -p /etc/sudoers /root/sudoers-live.orig && sed -i 's|^@includedir /etc/sudoers.d$|# &|' /etc/sudoers")
	_, msg = n.ApplyFails(t, `- sudoers: {name: sudoers-live-3, user: sudoers-live}`)
	n.Sh(t, "mv /root/sudoers-live.orig /etc/sudoers && rm -f /etc/sudoers.d/sudoers-live-3")
	if !strings.Contains(msg, "sudo does not read /etc/sudoers.d: add @includedir /etc/sudoers.d to /etc/sudoers") {
		t.Errorf("sudoers.d not included: the failure does not say why:\n%s", msg)
	}

	// absent removes the drop-ins, and with them the rights.
	n.Converge(t, `
- sudoers: {name: sudoers-live, action: absent}
- sudoers: {name: sudoers-live-2, action: absent}
`, func() {
		n.Want(t, "ls -A /etc/sudoers.d | grep -c sudoers-live || true", "0")
		if l := n.Sh(t, "sudo -l -U sudoers-live"); !strings.Contains(l, "not allowed to run sudo") {
			t.Errorf("sudoers-live may still sudo:\n%s", l)
		}
	})
	n.Apply(t, `
- user: {name: sudoers-live, action: absent}
- user: {name: sudoers-live-2, action: absent}
- group: {name: sudoers-live-g, action: absent}
`)
}})
