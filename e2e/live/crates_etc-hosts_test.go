package live

import (
	"slices"
	"strings"
	"testing"

	"github.com/palletops/pallet/provider"
)

// etc-hosts: both nodes of group live in a block of /etc/hosts, lines
// outside it kept; a node leaving and joining the group changes the
// block; a block with no END is refused, leaving the file; absent takes
// the block out.
var _ = register(Case{Crate: "etc-hosts", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "cp -p /etc/hosts /root/etc-hosts.live-saved")
	t.Cleanup(func() { _, _ = n.ShErr(t, "mv -f /root/etc-hosts.live-saved /etc/hosts") })
	n.Sh(t, "printf '10.99.0.1\\tetc-hosts-keep\\n' >>/etc/hosts")

	block := func(nodes []provider.Node, extra ...string) string {
		// The crate lists a group's nodes by name, as .groups has them.
		nodes = slices.SortedFunc(slices.Values(nodes), func(a, b provider.Node) int { return strings.Compare(a.Name, b.Name) })
		var lines []string
		for _, nd := range nodes {
			addr := nd.Address
			if addr == "" {
				addr = nd.Host
			}
			lines = append(lines, addr+"\t"+nd.Name)
		}
		lines = append(lines, extra...)
		return "# BEGIN pallet etc-hosts live\n" + strings.Join(lines, "\n") + "\n# END pallet etc-hosts live"
	}
	showBlock := "sed -n '/^# BEGIN pallet etc-hosts live$/,/^# END pallet etc-hosts live$/p' /etc/hosts"
	kept := func() {
		t.Helper()
		n.Want(t, "grep -c -x '10.99.0.1\tetc-hosts-keep' /etc/hosts", "1")
		n.Want(t, "grep -c -x '127.0.0.1\tlocalhost' /etc/hosts", "1")
		n.Want(t, "stat -c '%U %G %a' /etc/hosts", "root root 644")
	}

	calls := `- etc-hosts: {groups: [live], entries: ["10.99.0.2  etc-hosts-extra  etc-hosts-alias"]}`
	n.Converge(t, calls, func() {
		n.Want(t, showBlock, block(n.All, "10.99.0.2\tetc-hosts-extra etc-hosts-alias"))
		kept()
		peer := n.All[0]
		if peer.Name == n.Name {
			peer = n.All[1]
		}
		addr := peer.Address
		if addr == "" {
			addr = peer.Host
		}
		n.Want(t, "getent hosts "+peer.Name+" | awk '{print $1}'", addr)
		n.Want(t, "getent hosts etc-hosts-alias | awk '{print $1}'", "10.99.0.2")
	})

	// The peer leaves group live: the block loses it; it joins again.
	var self []provider.Node
	for _, nd := range n.All {
		if nd.Name == n.Name {
			self = append(self, nd)
		}
	}
	r := n.ApplyCluster(t, Project{Calls: calls}, self)
	WantStatuses(t, r, "changed")
	n.Want(t, showBlock, block(self, "10.99.0.2\tetc-hosts-extra etc-hosts-alias"))
	kept()
	r = n.ApplyCluster(t, Project{Calls: calls}, n.All)
	WantStatuses(t, r, "changed")
	n.Want(t, showBlock, block(n.All, "10.99.0.2\tetc-hosts-extra etc-hosts-alias"))

	// A line added inside the block by hand is taken out again.
	n.Sh(t, "sed -i '/^# END pallet etc-hosts live$/i 10.99.0.3\\tetc-hosts-stray' /etc/hosts")
	WantStatuses(t, n.Apply(t, calls), "changed")
	n.Want(t, "grep -c etc-hosts-stray /etc/hosts || true", "0")

	// absent: the block goes, everything else stays.
	n.Converge(t, `- etc-hosts: {groups: [live], action: absent}`, func() {
		n.Want(t, "grep -c 'pallet etc-hosts' /etc/hosts || true", "0")
		n.Want(t, "grep -c etc-hosts-extra /etc/hosts || true", "0")
		kept()
	})

	// A BEGIN line with no END: refused, naming the line; the file as it was.
	n.Sh(t, "printf '# BEGIN pallet etc-hosts live\\n10.99.0.4\\tetc-hosts-half\\n' >>/etc/hosts")
	before := n.Sh(t, "sha256sum /etc/hosts")
	_, msg := n.ApplyFails(t, calls)
	if !strings.Contains(msg, `has no "# END pallet etc-hosts live" after it`) {
		t.Errorf("a block with no END failed without saying so: %q", msg)
	}
	if after := n.Sh(t, "sha256sum /etc/hosts"); after != before {
		t.Errorf("the refused run changed /etc/hosts")
	}
}})
