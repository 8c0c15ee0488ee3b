package live

import (
	"strings"
	"testing"
)

var _ = register(Case{Crate: "package", Apt: true, Run: func(t *testing.T, n *Node) {
	defer n.ShErr(t, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q hello tree >/dev/null 2>&1")
	status := "dpkg-query -W -f '${Package} ${db:Status-Abbrev}\\n' hello tree 2>/dev/null | sort"

	// install, after refreshing the index (update: the node's lists may
	// be empty): both are installed and work.
	n.Converge(t, `- package: {packages: [hello, tree], update: true}`, func() {
		n.Want(t, status, "hello ii \ntree ii")
		n.Want(t, "hello -g live-package; tree -d /etc/apt | head -1", "live-package\n/etc/apt")
	})

	// One of them removed by hand: only the step changes, without update.
	n.Sh(t, "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q tree")
	WantStatuses(t, n.Check(t, `- package: {packages: [hello, tree]}`), "would-change")
	WantStatuses(t, n.Apply(t, `- package: {packages: [hello, tree]}`), "changed")
	n.Want(t, status, "hello ii \ntree ii")

	// remove: gone from dpkg (a package removed but not purged counts as
	// absent).
	n.Converge(t, `- package: {packages: [hello, tree], action: remove}`, func() {
		n.Want(t, status+" | grep -v '^.* .i' || echo none", "none")
		n.Want(t, "command -v hello tree || echo none", "none")
	})

	// A package the archive does not have fails, with apt's reason.
	_, msg := n.ApplyFails(t, `- package: {packages: [live-package-no-such-package]}`)
	if !strings.Contains(msg, "Unable to locate package live-package-no-such-package") {
		t.Errorf("a missing package failed without saying so:\n%s", msg)
	}
	// A version pin is refused before anything runs, saying how to pin.
	n.wantRefused(t, `- package: {packages: ["hello=2.10-3"]}`, "with no version or glob")
}})
