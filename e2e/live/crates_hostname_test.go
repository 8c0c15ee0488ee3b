package live

import (
	"strings"
	"testing"
)

// The node's host name and /etc/hosts are the nspawn provider's; other
// cases of the release share the node, so both are put back at the end.
var _ = register(Case{Crate: "hostname", Run: func(t *testing.T, n *Node) {
	orig := strings.TrimSpace(n.Sh(t, "cat /proc/sys/kernel/hostname"))
	n.Sh(t, "cp -a /etc/hosts /root/live-hostname.hosts && cp -a /etc/hostname /root/live-hostname.hostname")
	defer n.Sh(t, "{ rmdir /etc/hosts 2>/dev/null; true; } && cp /root/live-hostname.hosts /etc/hosts && hostnamectl set-hostname "+orig+" && cp /root/live-hostname.hostname /etc/hostname && rm /root/live-hostname.*")
	hosts := strings.TrimSpace(n.Sh(t, "cat /etc/hosts"))
	if !strings.HasPrefix(hosts, "127.0.0.1\tlocalhost\n") || strings.Contains(hosts, "127.0.1.1") {
		t.Fatalf("the node's /etc/hosts is not what the case expects:\n%s", hosts)
	}
	rest := strings.TrimPrefix(hosts, "127.0.0.1\tlocalhost\n")

	// A fully qualified name: the kernel's, /etc/hostname and a 127.0.1.1
	// line with the short name, after 127.0.0.1; every other line kept.
	n.Converge(t, `- hostname: {name: live-host.example.com}`, func() {
		n.Want(t, "cat /proc/sys/kernel/hostname /etc/hostname; hostname -f", "live-host.example.com\nlive-host.example.com\nlive-host.example.com")
		n.Want(t, "cat /etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tlive-host.example.com live-host\n"+rest)
		n.Want(t, "stat -c '%U %G %a' /etc/hosts", "root root 644")
	})

	// A short name replaces the 127.0.1.1 line in place.
	n.Converge(t, `- hostname: {name: live-host2}`, func() {
		n.Want(t, "cat /proc/sys/kernel/hostname /etc/hostname", "live-host2\nlive-host2")
		n.Want(t, "cat /etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tlive-host2\n"+rest)
	})

	// No name: the node's own name.
	n.Converge(t, `- hostname`, func() {
		n.Want(t, "cat /proc/sys/kernel/hostname /etc/hostname", n.Name+"\n"+n.Name)
		n.Want(t, "cat /etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\t"+n.Name+"\n"+rest)
	})

	// An upper-case name is refused before anything runs; a directory at
	// /etc/hosts is not replaced, and the step says what is there.
	n.wantRefused(t, `- hostname: {name: Web1}`, "must be a lower-case host name")
	n.Sh(t, "rm /etc/hosts && mkdir /etc/hosts")
	_, msg := n.ApplyFails(t, `- hostname: {name: live-host3}`)
	if !strings.Contains(msg, "/etc/hosts is not a regular file (directory)") {
		t.Errorf("a directory at /etc/hosts failed without saying so:\n%s", msg)
	}
}})
