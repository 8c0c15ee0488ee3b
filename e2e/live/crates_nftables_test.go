package live

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// The case runs on a node of its own network namespace (PrivateNetwork):
// nft there changes the node's ruleset, never the host's, which the case
// checks from the host with the node's own nft binary (chroot keeps the
// host's namespaces).
var _ = register(Case{Crate: "nftables", Apt: true, PrivateNetwork: true, Run: func(t *testing.T, n *Node) {
	const conf = "/etc/nftables.conf"
	// ssh to the node must keep working: every chain accepts by default.
	rules := func(extra string) string {
		return "flush ruleset\n" +
			"table inet live_nft {\n" +
			"  chain input {\n" +
			"    type filter hook input priority 0; policy accept;\n" +
			"    tcp dport 22 counter accept\n" + extra +
			"  }\n" +
			"}\n"
	}
	call := func(content string) string {
		return "- nftables:\n    content: |\n" + indent(content, "      ")
	}
	// The live ruleset without counters, which every ssh login moves.
	live := func() string { return n.Sh(t, "nft -s list ruleset") }

	first := rules("")
	n.Converge(t, call(first), func() {
		n.Want(t, "dpkg-query -W -f '${Status}' nftables", "install ok installed")
		wantIn(t, n.Sh(t, "nft list ruleset"), "table inet live_nft", "tcp dport 22 counter packets")
		n.Want(t, "sha256sum <"+conf+" | cut -d' ' -f1", sha256hex(first))
		n.Want(t, "stat -c '%U %G %a' "+conf, "root root 644")
	})
	if host := hostRuleset(t, n); strings.Contains(host, "live_nft") {
		t.Fatalf("the host's ruleset holds the node's table:\n%s", host)
	}

	// An unchanged file is not loaded again: a rule added by hand stays.
	n.Sh(t, "nft add rule inet live_nft input udp dport 5353 counter accept")
	WantStatuses(t, n.Apply(t, call(first)), "ok", "ok")
	wantIn(t, live(), "udp dport 5353")

	// A changed file is loaded (replacing the hand-made rule, as its flush
	// ruleset says) and raises the call's flag.
	second := rules("    tcp dport 8080 counter drop\n")
	r := n.Apply(t, call(second)+"  notify: live-nft\n"+
		"- exec-script: {name: live-nft notified, script: \"date >/root/live-nft-notified\"}\n  when_notified: live-nft\n")
	WantStatuses(t, r, "ok", "changed", "ran")
	got := live()
	wantIn(t, got, "tcp dport 8080 counter drop")
	if strings.Contains(got, "5353") {
		t.Errorf("the rule added by hand survived the load of the changed file:\n%s", got)
	}
	n.Want(t, "test -s /root/live-nft-notified && echo notified", "notified")
	n.Want(t, "sha256sum <"+conf+" | cut -d' ' -f1", sha256hex(second))

	// Broken rulesets are refused with nft's own message; the live ruleset
	// and the file stay as they were, and no temporary file is left. A
	// syntax error is the parser's, a jump to no chain the kernel's (nft
	// -c asks the kernel without committing).
	before := live()
	for _, bad := range []struct{ extra, says string }{
		{"    tcp dport 9090 counter acept\n", "syntax error"},
		{"    tcp dport 9091 jump live_nosuch\n", "Could not process rule"},
	} {
		_, msg := n.ApplyFails(t, call(rules(bad.extra)))
		wantIn(t, msg, "Error:", bad.says, conf+" (new):", "nft rejected the new ruleset for "+conf)
		if got := live(); got != before {
			t.Errorf("a refused ruleset changed the live one:\n got: %s\nwant: %s", got, before)
		}
		n.Want(t, "sha256sum <"+conf+" | cut -d' ' -f1", sha256hex(second))
		n.Want(t, "ls -A /etc | grep -c '^\\.pallet\\.' || true", "0")
	}

	// A drop-in rendered from a template of the project, with the service
	// enabled: started before the ruleset step, it loads the boot file
	// (the second ruleset, its flush ruleset first), then the step loads
	// the drop-in's table beside it.
	dropin := Project{
		Calls: `
- directory: {path: /etc/nftables.d}
- nftables:
    path: /etc/nftables.d/live.nft
    template: templates/live.nft.tmpl
    mode: "0600"
    enabled: true
`,
		Files: map[string]string{"templates/live.nft.tmpl": "table inet live_drop\n" +
			"flush table inet live_drop\n" +
			"table inet live_drop {\n" +
			"  chain output {\n" +
			"    type filter hook output priority 0; policy accept;\n" +
			"    ip daddr {{ .node.address }} tcp sport 22 counter accept\n" +
			"  }\n" +
			"}\n"},
	}
	n.ConvergeProject(t, dropin, func() {
		n.Want(t, "systemctl is-enabled nftables; systemctl is-active nftables", "enabled\nactive")
		got := live()
		wantIn(t, got, "table inet live_drop", "ip daddr "+n.Address+" tcp sport 22 counter accept", "table inet live_nft", "tcp dport 8080 counter drop")
		n.Want(t, "stat -c '%U %G %a' /etc/nftables.d/live.nft", "root root 600")
	})
	if host := hostRuleset(t, n); strings.Contains(host, "live_nft") || strings.Contains(host, "live_drop") {
		t.Fatalf("the host's ruleset holds the node's tables:\n%s", host)
	}
}})

// hostRuleset is the host's ruleset as the node's nft binary lists it,
// run from the host with chroot: the host's own network namespace.
func hostRuleset(t *testing.T, n *Node) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "chroot", nspawntest.RootDir(t, n.Node), "nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("list the host's ruleset: %v\n%s", err, out)
	}
	return string(out)
}
