package converge

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/palletops/pallet/provider/openstack"
	"github.com/palletops/pallet/runner"
)

// TestLiveCloud is converge against a real OpenStack cloud, 0 → 1 → 0:
// PALLET_LIVE_CLOUD names a clouds.yaml entry; PALLET_LIVE_IMAGE_FAMILY
// (default debian), PALLET_LIVE_NETWORK and PALLET_LIVE_POOL (a floating
// IP pool) are optional. The node is bootstrapped (admin user, key,
// sudo), configured as that user, then destroyed.
func TestLiveCloud(t *testing.T) {
	cloud := os.Getenv("PALLET_LIVE_CLOUD")
	if cloud == "" {
		t.Skip("set PALLET_LIVE_CLOUD to a clouds.yaml entry to converge 0 → 1 → 0 on a real OpenStack cloud")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	family := os.Getenv("PALLET_LIVE_IMAGE_FAMILY")
	if family == "" {
		family = "debian"
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir) // converge records and forgets host keys in ~/.ssh/known_hosts
	key := filepath.Join(dir, "id_ed25519")
	writeKeyPair(t, key)

	p := loadProject(t, fmt.Sprintf(`
admin: {user: palletlive, public_key_file: %q}
groups:
  live:
    image: {os_family: %s}
    hardware: {smallest: true}
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - file: {path: /etc/pallet-live, content: "converged\n"}
`, key+".pub", family))
	cfg := &openstack.Config{Cloud: cloud, Network: os.Getenv("PALLET_LIVE_NETWORK"), FloatingIPPool: os.Getenv("PALLET_LIVE_POOL")}
	prov, err := openstack.New(ctx, cfg, openstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Runner: runner.Options{IdentityFiles: []string{key}, SSHConfigFile: "none", AgentSocket: "none"}}
	for _, want := range []int{1, 0} {
		pl, err := NewPlan(ctx, p, prov, "live", map[string]int{"live": want}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Apply(ctx, pl, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("converge live=%d failed:\n%s", want, describeReport(rep))
		}
		nodes, err := prov.Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		have := 0
		for _, n := range nodes {
			if n.Group == "live" {
				have++
				if !n.Bootstrapped {
					t.Errorf("node %s is not marked bootstrapped", n.Name)
				}
			}
		}
		if have != want {
			t.Fatalf("after converge live=%d the cloud has %d nodes in the group", want, have)
		}
	}
}

// writeKeyPair writes an unencrypted ed25519 key pair, OpenSSH format.
func writeKeyPair(t *testing.T, path string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "pallet live test")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(sshPub), 0o644); err != nil {
		t.Fatal(err)
	}
}
