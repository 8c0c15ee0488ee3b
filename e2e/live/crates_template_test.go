package live

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palletops/pallet/provider"
)

// templateLiveSource reads .vars, .node and .groups (every node of group
// live, both nodes of the release); the last line holds no newline.
const templateLiveSource = `# {{ .vars.title }}
name = {{ .node.name }}
address = {{ .node.address }}
os = {{ .node.os }}
index = {{ .node.index }}
group = {{ .group.name }}
{{- range .groups.live }}
peer {{ .index }} = {{ .name }} {{ .address }}
{{- end }}
ports = {{ .vars.ports | join "," }}
data = {{ .vars.data }}`

// templateLiveWant is templateLiveSource rendered for n, by hand.
func templateLiveWant(n *Node, title, data string) string {
	peers := slices.Clone(n.All)
	slices.SortFunc(peers, func(a, b provider.Node) int { return strings.Compare(a.Name, b.Name) })
	addr := func(p provider.Node) string {
		if p.Address != "" {
			return p.Address
		}
		return p.Host
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\nname = %s\naddress = %s\nos = %s\n", title, n.Name, addr(n.Node), n.OS)
	idx := slices.IndexFunc(peers, func(p provider.Node) bool { return p.Name == n.Name })
	fmt.Fprintf(&b, "index = %d\ngroup = live\n", idx)
	for i, p := range peers {
		fmt.Fprintf(&b, "peer %d = %s %s\n", i, p.Name, addr(p))
	}
	fmt.Fprintf(&b, "ports = 80,443\ndata = %s", data)
	return b.String()
}

// fileOnNode is the exact content of path on the node.
func (n *Node) fileOnNode(t *testing.T, path string) string {
	t.Helper()
	out := n.Sh(t, "base64 -w0 "+path)
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("base64 of %s: %v\n%s", path, err, out)
	}
	return string(b)
}

var _ = register(Case{Crate: "template", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/template-live /tmp/template-live-ran")
	// data holds what a shell would run: the rendered text is data.
	data := `$(touch /tmp/template-live-ran) ` + "`touch /tmp/template-live-ran`" + ` '"; \n`
	vars := func(title string) string {
		return fmt.Sprintf("title: %q\nports: [80, 443]\ndata: %q\n", title, data)
	}
	// A big template (over the inline limit) goes as a payload, pinned
	// by its sha256, not in the script's text.
	big := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 400) + "{{ .node.name }}\n"
	p := Project{
		Calls: `
- group: {name: template-live-g}
- directory: {path: /srv/template-live}
- template: {path: /srv/template-live/live.conf, source: templates/live.conf.tmpl, owner: nobody, group: template-live-g, mode: "0640"}
- template: {path: /srv/template-live/big.txt, source: templates/big.tmpl}
`,
		Vars:  vars("first"),
		Files: map[string]string{"templates/live.conf.tmpl": templateLiveSource, "templates/big.tmpl": big},
	}
	n.ConvergeProject(t, p, func() {
		if got, want := n.fileOnNode(t, "/srv/template-live/live.conf"), templateLiveWant(n, "first", data); got != want {
			t.Errorf("live.conf on the node:\n%s\nwant:\n%s", got, want)
		}
		n.Want(t, "stat -c '%U %G %a' /srv/template-live/live.conf /srv/template-live/big.txt",
			"nobody template-live-g 640\nroot root 644")
		if got, want := n.fileOnNode(t, "/srv/template-live/big.txt"), strings.Replace(big, "{{ .node.name }}", n.Name, 1); got != want {
			t.Errorf("big.txt on the node differs from its rendering (%d bytes, want %d)", len(got), len(want))
		}
		n.Want(t, "test -e /tmp/template-live-ran && echo ran || echo data", "data")
	})

	// A changed var changes the one file that reads it.
	p.Vars = vars("second")
	r := n.ApplyProject(t, p)
	WantStatuses(t, r, "ok", "ok", "changed", "ok")
	if got, want := n.fileOnNode(t, "/srv/template-live/live.conf"), templateLiveWant(n, "second", data); got != want {
		t.Errorf("live.conf after the var changed:\n%s\nwant:\n%s", got, want)
	}

	// A file changed by hand is put back, byte for byte; so is its mode.
	n.Sh(t, "echo tampered >>/srv/template-live/big.txt && chmod 0600 /srv/template-live/live.conf")
	r = n.ApplyProject(t, p)
	WantStatuses(t, r, "ok", "ok", "changed", "changed")
	n.Want(t, "stat -c %a /srv/template-live/live.conf", "640")
	if got := n.fileOnNode(t, "/srv/template-live/big.txt"); strings.Contains(got, "tampered") {
		t.Error("big.txt changed by hand was not put back")
	}

	// No directory for the file: the step says to make it first, and
	// nothing is written.
	_, msg := n.ApplyProjectFails(t, Project{Calls: "- template: {path: /srv/template-live/none/x.conf, source: templates/live.conf.tmpl}", Vars: p.Vars, Files: p.Files})
	if !strings.Contains(msg, "directory /srv/template-live/none does not exist; create it in an earlier step (directory crate)") {
		t.Errorf("a missing directory: the failure does not say why:\n%s", msg)
	}
	// An owner that does not exist: chown's reason, and the old file
	// stays as it was.
	before := n.fileOnNode(t, "/srv/template-live/live.conf")
	r, msg = n.ApplyProjectFails(t, Project{Calls: "- template: {path: /srv/template-live/live.conf, source: templates/big.tmpl, owner: template-live-nouser}", Files: p.Files})
	if !strings.Contains(msg, "template-live-nouser") {
		t.Errorf("an unknown owner: the failure does not name it:\n%s\n%s", msg, r)
	}
	if got := n.fileOnNode(t, "/srv/template-live/live.conf"); got != before {
		t.Error("a failed template step changed the file")
	}
	n.Want(t, "ls -A /srv/template-live", "big.txt\nlive.conf")
	n.Sh(t, "rm -rf /srv/template-live && groupdel template-live-g")
}})
