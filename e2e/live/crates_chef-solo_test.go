package live

import (
	"strings"
	"testing"
)

// No release of the suite packages chef: apt-cache policy chef finds no
// candidate on Debian 11, 12 or 13 (11 lost it before its release; 12 and
// 13 keep only ohai and ruby-chef-config/-utils), and the nodes reach no
// other source (no Cinc or Chef omnitruck). So the case proves what the
// crate promises there: a step that fails saying chef-solo is missing and
// how to get it, having changed nothing, and check mode that never runs
// it. What the step hands chef-solo is proved by cratetest's TestChefSolo.
var _ = register(Case{Crate: "chef-solo", Apt: true, Run: func(t *testing.T, n *Node) {
	n.Sh(t, "apt-get update -q >/dev/null")
	if out := n.Sh(t, "apt-cache madison chef 2>/dev/null"); strings.TrimSpace(out) != "" {
		t.Fatalf("Debian %s packages chef now: run a real chef-solo recipe here\n%s", n.Release, out)
	}
	n.Sh(t, "rm -rf /srv/live-chef && mkdir -p /srv/live-chef/cookbooks/live/recipes && echo 'file \"/srv/live-chef/done\" do content node[\"live\"][\"word\"] end' >/srv/live-chef/cookbooks/live/recipes/default.rb")
	defer n.ShErr(t, "rm -rf /srv/live-chef")
	calls := `
- chef-solo:
    cookbook_path: [/srv/live-chef/cookbooks]
    run_list: ["recipe[live]"]
    json: '{"live": {"word": "hello"}}'
`
	WantStatuses(t, n.Check(t, calls), "would-change")
	r, msg := n.ApplyFails(t, calls)
	WantStatuses(t, r, "failed")
	if !strings.Contains(msg, "chef-solo is not installed and this OS has no chef package: install Cinc") {
		t.Errorf("chef-solo without chef failed without saying why:\n%s", msg)
	}
	n.Want(t, "test -e /srv/live-chef/done && echo ran || echo not-run; command -v chef-solo || echo no-chef-solo", "not-run\nno-chef-solo")

	// A cookbook path Ruby's quoting cannot hold is refused up front.
	n.wantRefused(t, `- chef-solo: {cookbook_path: ["/srv/chef's"], run_list: [live]}`, "must be an absolute directory, starting with / (no ', \\ or line break)")
}})
