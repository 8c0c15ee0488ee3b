package live

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/crypto/openpgp/armor" //nolint:staticcheck // only to armour a key for the test
)

// The sources are Debian's own archives (deb.debian.org, which the nodes
// reach) that the node's sources.list leaves out, so apt really fetches
// them; the key is the release's security archive key, armoured.
var _ = register(Case{Crate: "package-source", Apt: true, Run: func(t *testing.T, n *Node) {
	defer n.ShErr(t, "rm -f /etc/apt/sources.list.d/live-ps*.list /etc/apt/keyrings/live-ps*.asc && apt-get update -q >/dev/null 2>&1")
	code := strings.TrimSpace(n.Sh(t, ". /etc/os-release && echo $VERSION_CODENAME"))
	key := armoured(t, n, "/usr/share/keyrings/debian-archive-"+code+"-security-automatic.gpg")

	// With key: the key as /etc/apt/keyrings/NAME.asc and the source's
	// line signed by it (Debian's security archive, signed by the
	// release's security key); apt fetches it (update). Without key and
	// suite: the node's codename, components the node's sources.list
	// leaves out, trusted by apt's own keyring.
	calls := `
- package-source:
    name: live-ps
    url: http://deb.debian.org/debian-security
    suite: ` + code + `-security
    components: [main, contrib]
    key: ` + yamlString(key) + `
- package-source:
    name: live-ps-contrib
    url: http://deb.debian.org/debian
    components: [contrib, non-free]
`
	n.Converge(t, calls, func() {
		n.Want(t, "cat /etc/apt/sources.list.d/live-ps.list /etc/apt/sources.list.d/live-ps-contrib.list",
			"deb [signed-by=/etc/apt/keyrings/live-ps.asc] http://deb.debian.org/debian-security "+code+"-security main contrib\n"+
				"deb http://deb.debian.org/debian "+code+" contrib non-free")
		n.Want(t, "stat -c '%U %G %a' /etc/apt/keyrings/live-ps.asc /etc/apt/sources.list.d/live-ps.list", "root root 644\nroot root 644")
		n.Want(t, "cmp /etc/apt/keyrings/live-ps.asc - <<'EOF' && echo same\n"+strings.TrimSpace(key)+"\nEOF", "same")
		// apt fetched them: its policy lists them.
		n.Want(t, "apt-cache policy | grep -Eo ' ("+code+"-security/(main|contrib)|"+code+"/(contrib|non-free)) ' | sort -u | wc -l", "4")
	})

	// update: false writes the source and leaves the index alone.
	n.Converge(t, `- package-source: {name: live-ps-noupd, url: "http://deb.debian.org/debian", suite: `+code+`-updates, update: false}`, func() {
		n.Want(t, "cat /etc/apt/sources.list.d/live-ps-noupd.list", "deb http://deb.debian.org/debian "+code+"-updates main")
		n.Want(t, "apt-cache policy | grep -c ' "+code+"-updates/main ' || true", "0")
	})
	n.Sh(t, "rm /etc/apt/sources.list.d/live-ps-noupd.list")

	// A source given a key that is not its signer's (the security key,
	// for the main archive's updates suite) fails at apt-get update,
	// which says why.
	_, msg := n.ApplyFails(t, `
- package-source:
    name: live-ps-badkey
    url: http://deb.debian.org/debian
    suite: `+code+`-updates
    key: `+yamlString(armoured(t, n, "/usr/share/keyrings/debian-archive-"+code+"-security-automatic.gpg")))
	if !strings.Contains(msg, "http://deb.debian.org/debian "+code+"-updates InRelease' is not signed") {
		t.Errorf("a source with the wrong key failed without saying why:\n%s", msg)
	}
	n.Sh(t, "rm -f /etc/apt/sources.list.d/live-ps-badkey.list /etc/apt/keyrings/live-ps-badkey.asc")
}})

// armoured is the node's binary OpenPGP keyring at path as an
// ASCII-armoured public key block.
func armoured(t *testing.T, n *Node, path string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(n.Sh(t, "base64 -w0 "+path)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, err := armor.Encode(&b, "PGP PUBLIC KEY BLOCK", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String() + "\n"
}

// yamlString is s as a YAML double-quoted scalar (JSON's string syntax is
// YAML's), on one line, so that blank lines in s survive the harness's
// indenting.
func yamlString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
