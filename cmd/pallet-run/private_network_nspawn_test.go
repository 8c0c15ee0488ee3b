package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// privateNetworkProject is an nspawn provider with private_network: true.
const privateNetworkProject = `admin: {user: deploy, public_key_file: %q}
groups:
  fw: {}
providers:
  local:
    kind: nspawn
    state_dir: state
    cache_dir: %q
    # Apart from the other nspawn tests' blocks (100, 140, 150, 155, 156, 160).
    address_block: 165
    private_network: true
`

// TestPrivateNetworkFromPalletYAML: pallet.yaml's private_network reaches
// the provider. The node made is at its link-local address in a network
// of its own, where exec can change what needs CAP_NET_ADMIN, and nodes
// destroy removes that network.
func TestPrivateNetworkFromPalletYAML(t *testing.T) {
	key := nspawntest.KeyFile(t) // skips unless root with nspawn
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	text := fmt.Sprintf(privateNetworkProject, key+".pub", filepath.Join(nspawntest.CacheDir(), "rootfs"))
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	pr := func(args ...string) (string, int) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		return stdout.String() + stderr.String(), code
	}
	t.Cleanup(func() { pr("nodes", "destroy", "-f", file, "--group", "fw") })
	if out, code := pr("nodes", "create", "-f", file, "--group", "fw", "--count", "1"); code != exitOK {
		t.Fatalf("nodes create: exit %d\n%s", code, out)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"nodes", "-f", file, "--json"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("nodes: exit %d: %s", code, stderr.String())
	}
	var doc struct {
		Nodes []struct{ ID, Name, Host string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Nodes) != 1 || doc.Nodes[0].Host != "169.254.165.2" {
		t.Fatalf("nodes = %+v, want one at 169.254.165.2", doc.Nodes)
	}
	id := doc.Nodes[0].ID
	if _, err := os.Stat("/run/netns/pallet-" + id); err != nil {
		t.Errorf("no network namespace for the node: %v", err)
	}
	out, code := pr("exec", "-f", file, "fw", "-i", key, "--ssh-config", "none", "--shell", "ip addr add 10.255.165.1/32 dev lo && ip -o addr show dev lo")
	if code != exitOK || !strings.Contains(out, "10.255.165.1/32") {
		t.Errorf("exec ip addr add on the node: exit %d\n%s", code, out)
	}
	if out, code := pr("nodes", "destroy", "-f", file, "--group", "fw"); code != exitOK {
		t.Fatalf("nodes destroy: exit %d\n%s", code, out)
	}
	if _, err := os.Stat("/run/netns/pallet-" + id); !os.IsNotExist(err) {
		t.Errorf("network namespace pallet-%s left after nodes destroy: %v", id, err)
	}
}
