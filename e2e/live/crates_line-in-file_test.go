package live

import (
	"strings"
	"testing"
)

var _ = register(Case{Crate: "line-in-file", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/live-lif && mkdir -p /srv/live-lif && printf '%s\\n' '# sshd' '#PermitRootLogin yes' 'PermitRootLogin prohibit-password' 'UsePAM yes' >/srv/live-lif/sshd_config && chown nobody:nogroup /srv/live-lif/sshd_config && chmod 0600 /srv/live-lif/sshd_config && ln -s sshd_config /srv/live-lif/link")
	defer n.ShErr(t, "rm -rf /srv/live-lif")

	// match: the first matching line is replaced, the file keeps its
	// owner, group and mode (mode is only for a file this makes) and a
	// symlink is followed. No match: the line is appended; a missing
	// file is made with mode.
	n.Converge(t, `
- line-in-file: {path: /srv/live-lif/link, line: PermitRootLogin no, match: "^#?PermitRootLogin ", mode: "0644"}
- line-in-file: {path: /srv/live-lif/sshd_config, line: "X11Forwarding no"}
- line-in-file: {path: /srv/live-lif/new.conf, line: "a = 1", mode: "0640"}
`, func() {
		n.Want(t, "cat /srv/live-lif/sshd_config", "# sshd\nPermitRootLogin no\nPermitRootLogin prohibit-password\nUsePAM yes\nX11Forwarding no")
		n.Want(t, "stat -c '%U %G %a %F' /srv/live-lif/sshd_config /srv/live-lif/new.conf; readlink /srv/live-lif/link",
			"nobody nogroup 600 regular file\nroot root 640 regular file\nsshd_config")
		n.Want(t, "cat /srv/live-lif/new.conf", "a = 1")
	})

	// A line changed by hand is put back in place.
	n.Sh(t, "sed -i 's/^PermitRootLogin no$/PermitRootLogin yes/' /srv/live-lif/sshd_config")
	r := n.Apply(t, `- line-in-file: {path: /srv/live-lif/sshd_config, line: PermitRootLogin no, match: "^#?PermitRootLogin "}`)
	WantStatuses(t, r, "changed")
	n.Want(t, "sed -n 2p /srv/live-lif/sshd_config", "PermitRootLogin no")

	// absent with match deletes every matching line; without match, the
	// lines equal to line.
	n.Converge(t, `
- line-in-file: {path: /srv/live-lif/sshd_config, line: PermitRootLogin no, match: "^PermitRootLogin ", action: absent}
- line-in-file: {path: /srv/live-lif/sshd_config, line: "UsePAM yes", action: absent}
`, func() {
		n.Want(t, "cat /srv/live-lif/sshd_config", "# sshd\nX11Forwarding no")
		n.Want(t, "stat -c '%U %G %a' /srv/live-lif/sshd_config", "nobody nogroup 600")
	})

	// A FIFO is not edited, and the step says what it is.
	n.Sh(t, "mkfifo /srv/live-lif/fifo")
	_, msg := n.ApplyFails(t, `- line-in-file: {path: /srv/live-lif/fifo, line: x}`)
	if !strings.Contains(msg, "/srv/live-lif/fifo is not a regular file (fifo)") {
		t.Errorf("a FIFO failed without saying so:\n%s", msg)
	}
	_, msg = n.ApplyFails(t, `- line-in-file: {path: /srv/live-lif/missing/f, line: x}`)
	if !strings.Contains(msg, "/srv/live-lif/missing does not exist") {
		t.Errorf("a missing directory failed without saying so:\n%s", msg)
	}
}})
