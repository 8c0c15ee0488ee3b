package openstack

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"golang.org/x/crypto/ssh"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/openstack/openstacktest"
)

// sshBanner listens on loopback and greets like sshd, standing in for the
// servers the double pretends to boot.
func sshBanner(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2 test\r\n"))
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

type fixture struct {
	cloud      *openstacktest.Cloud
	cfg        Config
	opts       Options
	spec       provider.CreateSpec
	cloudsFile string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := openstacktest.New()
	t.Cleanup(c.Close)
	c.Addresses(func(openstacktest.ServerInfo) string { return "127.0.0.1" })
	c.FloatingAddresses(func(openstacktest.ServerInfo) string { return "127.0.0.1" })
	dir := t.TempDir()
	clouds := filepath.Join(dir, "clouds.yaml")
	writeFile(t, clouds, fmt.Sprintf(`clouds:
  test:
    auth:
      auth_url: %s
      username: %s
      project_name: %s
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
`, c.AuthURL, c.Username, c.Project))
	// The password lives in secure.yaml, as the openstack CLI recommends.
	writeFile(t, filepath.Join(dir, "secure.yaml"), fmt.Sprintf("clouds:\n  test:\n    auth:\n      password: %s\n", c.Password))
	return &fixture{
		cloud:      c,
		cfg:        Config{Cloud: "test", SSHPort: sshBanner(t), CreateTimeout: Duration(5 * time.Second)},
		opts:       Options{CloudsFile: clouds, PollInterval: 2 * time.Millisecond, RetryBackoff: time.Millisecond},
		spec:       provider.CreateSpec{AdminPublicKey: newKey(t, "alice@laptop"), AdminUser: "alice", ImageTemplate: provider.ImageTemplate{OSFamily: "debian"}},
		cloudsFile: clouds,
	}
}

func (f *fixture) provider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(context.Background(), &f.cfg, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newKey(t *testing.T, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment
}

// noPassword fails if any error text carries the cloud's password.
func noPassword(t *testing.T, f *fixture, errs ...error) {
	t.Helper()
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), f.cloud.Password) {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestCreateListMarkDestroy(t *testing.T) {
	f := newFixture(t)
	f.cloud.SetBuildPolls(3)
	p := f.provider(t)
	ctx := context.Background()

	made, err := p.Create(ctx, "web", 2, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 2 {
		t.Fatalf("Create returned %d nodes, want 2", len(made))
	}
	for _, n := range made {
		if n.Group != "web" || n.Host != "127.0.0.1" || n.Port != f.cfg.SSHPort || n.User != "debian" || n.OS != "debian-12" || n.Bootstrapped || !strings.HasPrefix(n.Name, "web-") {
			t.Errorf("created node %+v: want group web, 127.0.0.1:%d, user debian, os debian-12, not bootstrapped", n, f.cfg.SSHPort)
		}
	}
	for _, s := range f.cloud.Servers() {
		if s.KeyName != "pallet-alice" || s.ImageID != "img-debian-12" || s.Flavor != "2" || s.Metadata[MetaGroup] != "web" {
			t.Errorf("server %+v: want key pallet-alice, debian image, m1.small (smallest fitting min_disk 2), pallet-group web", s)
		}
	}

	nodes, err := p.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 || nodes[0].Group != "web" || nodes[0].ID == nodes[1].ID {
		t.Fatalf("Nodes = %+v, want the 2 web nodes", nodes)
	}

	if err := p.MarkBootstrapped(ctx, nodes[0]); err != nil {
		t.Fatal(err)
	}
	// A second provider, as a later pallet run would make, sees the mark:
	// it lives in the cloud, not in the process.
	nodes, err = f.provider(t).Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, n := range nodes {
		got[n.ID] = n.Bootstrapped
	}
	if !got[made[0].ID] && !got[made[1].ID] || got[made[0].ID] && got[made[1].ID] {
		t.Errorf("after marking one node, bootstrapped = %v; want exactly one", got)
	}

	if err := p.Destroy(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if s := f.cloud.Servers(); len(s) != 0 {
		t.Errorf("servers left after Destroy: %+v", s)
	}
	if err := p.Destroy(ctx, nodes); err != nil {
		t.Errorf("Destroy of gone nodes = %v, want nil (idempotent)", err)
	}
	if nodes, _ := p.Nodes(ctx); len(nodes) != 0 {
		t.Errorf("Nodes after Destroy = %+v", nodes)
	}
	if err := p.MarkBootstrapped(ctx, made[0]); err == nil || !strings.Contains(err.Error(), "no longer exists") {
		t.Errorf("MarkBootstrapped of a gone node = %v, want 'no longer exists'", err)
	}
}

func TestKeypairReusedOrRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Same key, another comment: Nova keeps what was imported, pallet
	// compares the key itself.
	fields := strings.Fields(f.spec.AdminPublicKey)
	f.cloud.AddKeypair("pallet-alice", fields[0]+" "+fields[1]+" alice@desktop")
	p := f.provider(t)
	if _, err := p.Create(ctx, "web", 1, f.spec); err != nil {
		t.Fatal(err)
	}
	if n := f.cloud.CountRequests("POST /compute/v2.1/os-keypairs"); n != 0 {
		t.Errorf("imported the keypair %d times though the same key existed", n)
	}

	spec := f.spec
	spec.AdminUser = "bob"
	for range 2 {
		if _, err := p.Create(ctx, "web", 1, spec); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.cloud.CountRequests("POST /compute/v2.1/os-keypairs"); n != 1 {
		t.Errorf("imported pallet-bob %d times, want once", n)
	}

	f.cloud.AddKeypair("pallet-carol", newKey(t, "someone-else"))
	spec.AdminUser = "carol"
	before := len(f.cloud.Servers())
	_, err := p.Create(ctx, "web", 1, spec)
	if err == nil || !strings.Contains(err.Error(), "different public key") || !strings.Contains(err.Error(), "openstack keypair delete pallet-carol") {
		t.Errorf("Create with a foreign key under pallet-carol = %v, want a refusal saying how to fix it", err)
	}
	if after := len(f.cloud.Servers()); after != before {
		t.Errorf("servers %d → %d: a refused keypair must not create anything", before, after)
	}
	noPassword(t, f, err)
}

func TestCreateFailuresLeakNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *fixture)
		want   []string
		status int
	}{
		{"error fault", func(f *fixture) {
			f.cloud.FailBuilds("No valid host was found. There are not enough hosts available.")
		}, []string{"went to ERROR", "No valid host was found"}, 0},
		{"quota 413", func(f *fixture) {
			f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Status: 413, Times: 1})
		}, []string{"quota exceeded", "Quota exceeded for instances", "openstack quota show"}, 413},
		{"quota 403", func(f *fixture) {
			f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Status: 403, Times: 1})
		}, []string{"quota exceeded", "Quota exceeded for cores"}, 403},
		{"timeout", func(f *fixture) {
			f.cloud.SetBuildPolls(1 << 30)
			f.cfg.CreateTimeout = Duration(100 * time.Millisecond)
		}, []string{"not ACTIVE after 100ms", "still BUILD", "create_timeout"}, 0},
		{"no ssh", func(f *fixture) {
			f.cfg.SSHPort = 1 // nothing listens there
			f.cfg.CreateTimeout = Duration(100 * time.Millisecond)
		}, []string{"no SSH at 127.0.0.1:1", "security groups"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.cfg.FloatingIPPool = "public"
			tc.setup(f)
			p := f.provider(t)
			nodes, err := p.Create(context.Background(), "web", 3, f.spec)
			if err == nil {
				t.Fatalf("Create succeeded with %d nodes, want an error", len(nodes))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not say %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "deleted the") {
				t.Errorf("error %q does not say what was cleaned up", err)
			}
			var apiErr *APIError
			if tc.status != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tc.status) {
				t.Errorf("errors.As(APIError) = %+v, want status %d", apiErr, tc.status)
			}
			if s := f.cloud.Servers(); len(s) != 0 {
				t.Errorf("leaked servers: %+v", s)
			}
			if n := f.cloud.FloatingIPs(); n != 0 {
				t.Errorf("leaked %d floating IPs", n)
			}
			noPassword(t, f, err)
		})
	}
}

func TestKeepFailedKeepsAndHides(t *testing.T) {
	f := newFixture(t)
	f.cfg.KeepFailed = true
	f.cloud.FailBuilds("Build of instance aborted: disk full")
	p := f.provider(t)
	_, err := p.Create(context.Background(), "db", 1, f.spec)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "kept servers") {
		t.Fatalf("Create = %v, want the fault and 'kept servers'", err)
	}
	s := f.cloud.Servers()
	if len(s) != 1 || s[0].Status != "ERROR" {
		t.Fatalf("servers = %+v, want the one ERROR server kept", s)
	}
	nodes, err := p.Nodes(context.Background())
	if err != nil || len(nodes) != 0 {
		t.Errorf("Nodes = %+v, %v; want ERROR servers left out", nodes, err)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Status: 500, Times: 2})
	f.cloud.FailNext(openstacktest.Fault{Method: "GET", Path: "/servers/", Status: 503, Times: 3})
	f.cloud.FailNext(openstacktest.Fault{Method: "GET", Path: "/images", Status: 502, Times: 1})
	nodes, err := p.Create(context.Background(), "web", 1, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || len(f.cloud.Servers()) != 1 {
		t.Errorf("got %d nodes, %d servers; want exactly one of each (retries must not duplicate)", len(nodes), len(f.cloud.Servers()))
	}
	if n := f.cloud.CountRequests("POST /compute/v2.1/servers"); n != 3 {
		t.Errorf("POST /servers %d times, want 3 (two 500s, then success)", n)
	}

	// Retries are bounded: a cloud that keeps failing is reported.
	f.cloud.FailNext(openstacktest.Fault{Method: "GET", Path: "/servers/detail", Status: 500, Times: 100})
	_, err = p.Nodes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("Nodes against a failing cloud = %v, want HTTP 500", err)
	}
}

func TestFloatingIPAllocatedAndReleased(t *testing.T) {
	f := newFixture(t)
	f.cfg.FloatingIPPool = "public"
	f.cfg.Network = "private"
	p := f.provider(t)
	nodes, err := p.Create(context.Background(), "web", 1, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	if f.cloud.FloatingIPs() != 1 {
		t.Fatalf("%d floating IPs, want 1", f.cloud.FloatingIPs())
	}
	if err := p.Destroy(context.Background(), nodes); err != nil {
		t.Fatal(err)
	}
	if f.cloud.FloatingIPs() != 0 || len(f.cloud.Servers()) != 0 {
		t.Errorf("after Destroy: %d floating IPs, %d servers; want none", f.cloud.FloatingIPs(), len(f.cloud.Servers()))
	}

	f.cfg.FloatingIPPool = "private"
	_, err = f.provider(t).Create(context.Background(), "web", 1, f.spec)
	if err == nil || !strings.Contains(err.Error(), "not an external network") {
		t.Errorf("pool on an internal network = %v, want 'not an external network'", err)
	}
	f.cfg.FloatingIPPool, f.cfg.Network = "", "nosuch"
	_, err = f.provider(t).Create(context.Background(), "web", 1, f.spec)
	if err == nil || !strings.Contains(err.Error(), `no network named "nosuch"`) {
		t.Errorf("unknown network = %v", err)
	}
}

func TestHostKeyHintsFromConsole(t *testing.T) {
	f := newFixture(t)
	key := newKey(t, "root@web")
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	f.cloud.Console(func(s openstacktest.ServerInfo) string {
		return consoleLog(ssh.FingerprintSHA256(pk), key)
	})
	p := f.provider(t)
	nodes, err := p.Create(context.Background(), "web", 1, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	h, err := p.HostKeyHints(context.Background(), nodes[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Verify(pk); err != nil {
		t.Errorf("Verify(announced key) = %v", err)
	}
	other, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(newKey(t, "mitm")))
	if err := h.Verify(other); !errors.Is(err, provider.ErrHostKeyMismatch) {
		t.Errorf("Verify(other key) = %v, want ErrHostKeyMismatch", err)
	}
}

func consoleLog(fp, key string) string {
	return `[   12.345] cloud-init[512]: Cloud-init v. 22.4.2 running 'modules:final'
ec2: 
ec2: #############################################################
ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
ec2: 256 ` + fp + ` root@web (ED25519)
ec2: -----END SSH HOST KEY FINGERPRINTS-----
ec2: #############################################################
-----BEGIN SSH HOST KEY KEYS-----
` + key + `
-----END SSH HOST KEY KEYS-----
[   13.000] cloud-init[512]: Cloud-init v. 22.4.2 finished
`
}

func TestParseConsoleHostKeys(t *testing.T) {
	key := newKey(t, "root@web")
	pk, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(key))
	fp := ssh.FingerprintSHA256(pk)

	h := ParseConsoleHostKeys(consoleLog(fp, key))
	if len(h.Fingerprints) != 1 || h.Fingerprints[0] != fp || len(h.Keys) != 1 {
		t.Fatalf("hints = %+v, want %s and one key", h, fp)
	}
	if got := string(h.KnownHosts("10.0.0.5", 2222)); !strings.HasPrefix(got, "[10.0.0.5]:2222 ssh-ed25519 ") {
		t.Errorf("KnownHosts = %q", got)
	}

	// Only fingerprints (no keys block) still verify.
	onlyFP := ParseConsoleHostKeys("-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 " + fp + " root@web (ED25519)\n-----END SSH HOST KEY FINGERPRINTS-----\n")
	if err := onlyFP.Verify(pk); err != nil {
		t.Errorf("fingerprint-only Verify = %v", err)
	}
	// A reboot that regenerated keys: the last block wins.
	key2 := newKey(t, "root@web")
	pk2, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(key2))
	twice := ParseConsoleHostKeys(consoleLog(fp, key) + consoleLog(ssh.FingerprintSHA256(pk2), key2))
	if twice.Verify(pk2) != nil || twice.Verify(pk) == nil {
		t.Errorf("after two boots, hints %+v should accept only the second key", twice)
	}
	// No block, or a truncated one: no hints, and Verify says so.
	for _, console := range []string{"", "boot\nlogin:", "-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 " + fp + " x\n"} {
		h := ParseConsoleHostKeys(console)
		if !h.Empty() || h.Verify(pk) == nil {
			t.Errorf("console %q gave hints %+v; want none, and Verify to refuse", console, h)
		}
	}
}

func TestCredentialsNeverInErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var errs []error

	// Wrong password: Keystone's 401.
	f.cloud.Password = "the-real-one"
	_, err := New(ctx, &f.cfg, f.opts)
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "openstack token issue") {
		t.Errorf("New with a wrong password = %v, want HTTP 401 and a hint", err)
	}
	errs = append(errs, err)
	f.cloud.Password = openstacktest.DefaultPassword

	// A misbehaving service that echoes secrets into its error body.
	p := f.provider(t)
	f.cloud.FailNext(openstacktest.Fault{Method: "GET", Path: "/servers/detail", Status: 400,
		Message: "bad request from password " + f.cloud.Password + " token " + p.client.Token()})
	_, err = p.Nodes(ctx)
	if err == nil || !strings.Contains(err.Error(), "[REDACTED]") || strings.Contains(err.Error(), p.client.Token()) {
		t.Errorf("Nodes with an echoing error = %v, want secrets redacted", err)
	}
	errs = append(errs, err)

	f.cloud.FailBuilds("fault")
	_, err = p.Create(ctx, "web", 1, f.spec)
	errs = append(errs, err)
	f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Status: 413})
	_, err = p.Create(ctx, "web", 1, f.spec)
	errs = append(errs, err)
	_, err = p.Create(ctx, "web", 1, provider.CreateSpec{AdminPublicKey: f.spec.AdminPublicKey, ImageTemplate: provider.ImageTemplate{OSFamily: "plan9"}})
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	noPassword(t, f, errs...)
}

func TestAuthFromEnvironment(t *testing.T) {
	f := newFixture(t)
	t.Setenv("OS_CLOUD", "")
	t.Setenv("OS_AUTH_URL", f.cloud.AuthURL)
	t.Setenv("OS_USERNAME", f.cloud.Username)
	t.Setenv("OS_PASSWORD", f.cloud.Password)
	t.Setenv("OS_PROJECT_NAME", f.cloud.Project)
	t.Setenv("OS_USER_DOMAIN_NAME", "Default")
	t.Setenv("OS_DOMAIN_NAME", "Default")
	t.Setenv("OS_REGION_NAME", "RegionOne")
	cfg := f.cfg
	cfg.Cloud = ""
	p, err := New(context.Background(), &cfg, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Nodes(context.Background()); err != nil {
		t.Fatal(err)
	}

	t.Setenv("OS_AUTH_URL", "")
	_, err = New(context.Background(), &cfg, f.opts)
	if err == nil || !strings.Contains(err.Error(), "no cloud configured") {
		t.Errorf("New without any credentials = %v, want 'no cloud configured'", err)
	}

	cfg.Cloud = "nosuch"
	_, err = New(context.Background(), &cfg, Options{CloudsFile: f.cloudsFile})
	if err == nil || !strings.Contains(err.Error(), `cloud "nosuch" not found`) {
		t.Errorf("New with an unknown cloud = %v", err)
	}
}

func TestDestroyRefusesForeignServers(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	nodes, err := p.Create(context.Background(), "web", 1, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	// Strip pallet's mark, as if the server were someone else's.
	f.cloud.SetMetadata(nodes[0].ID, map[string]string{})
	err = p.Destroy(context.Background(), nodes)
	if err == nil || !strings.Contains(err.Error(), "refusing to destroy") {
		t.Errorf("Destroy of an unmarked server = %v, want a refusal", err)
	}
	if len(f.cloud.Servers()) != 1 {
		t.Error("the unmarked server was deleted")
	}
}

// TestLive runs against a real cloud: PALLET_LIVE_CLOUD names a
// clouds.yaml entry; PALLET_LIVE_IMAGE_FAMILY (default debian),
// PALLET_LIVE_NETWORK and PALLET_LIVE_POOL are optional. It makes one
// server, lists it and destroys it.
func TestLive(t *testing.T) {
	cloud := os.Getenv("PALLET_LIVE_CLOUD")
	if cloud == "" {
		t.Skip("set PALLET_LIVE_CLOUD to a clouds.yaml entry to run against a real OpenStack cloud")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	family := os.Getenv("PALLET_LIVE_IMAGE_FAMILY")
	if family == "" {
		family = "debian"
	}
	cfg := &Config{Cloud: cloud, Network: os.Getenv("PALLET_LIVE_NETWORK"), FloatingIPPool: os.Getenv("PALLET_LIVE_POOL")}
	p, err := New(ctx, cfg, Options{Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	group := "pallet-live-" + randomSuffix()
	user := "live-" + randomSuffix()
	t.Cleanup(func() { _ = keypairs.Delete(context.WithoutCancel(ctx), p.compute, "pallet-"+user, nil).ExtractErr() })
	nodes, err := p.Create(ctx, group, 1, provider.CreateSpec{
		AdminPublicKey: newKey(t, "pallet-live-test"), AdminUser: user,
		ImageTemplate: provider.ImageTemplate{OSFamily: family}, Hardware: provider.Hardware{Smallest: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Destroy(context.WithoutCancel(ctx), nodes) })
	all, err := p.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range all {
		found = found || n.ID == nodes[0].ID && n.Group == group
	}
	if !found {
		t.Errorf("Nodes does not list the new node %s", nodes[0].ID)
	}
	if err := p.Destroy(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	all, _ = p.Nodes(ctx)
	for _, n := range all {
		if n.ID == nodes[0].ID {
			t.Errorf("node %s still listed after Destroy", n.ID)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// TestNodeAddressAndTags: a server reached at its floating IP has its
// fixed address as Address (what its peers use), and its metadata as
// Tags, less pallet's own keys.
func TestNodeAddressAndTags(t *testing.T) {
	f := newFixture(t)
	f.cfg.FloatingIPPool = "public"
	f.cfg.Network = "private"
	f.cloud.Addresses(func(openstacktest.ServerInfo) string { return "10.0.0.10" })
	p := f.provider(t)
	nodes, err := p.Create(context.Background(), "web", 1, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	md := map[string]string{"rack": "r1"}
	for k, v := range f.cloud.Servers()[0].Metadata {
		md[k] = v
	}
	f.cloud.SetMetadata(nodes[0].ID, md)
	listed, err := p.Nodes(context.Background())
	if err != nil || len(listed) != 1 {
		t.Fatalf("Nodes: %v, %v", listed, err)
	}
	n := listed[0]
	if n.Address != "10.0.0.10" || n.Host == n.Address {
		t.Errorf("Host %s, Address %s; want the floating IP and the fixed 10.0.0.10", n.Host, n.Address)
	}
	if len(n.Tags) != 1 || n.Tags["rack"] != "r1" {
		t.Errorf("Tags = %v, want only rack=r1", n.Tags)
	}
}

// TestInstanceQuota: a real instance quota of 1 (as the all-in-one's
// pallet-quota project has, see TestAIOQuotaExceeded) refuses the second
// of two parallel creates with Nova's 403, and Create deletes the first.
func TestInstanceQuota(t *testing.T) {
	f := newFixture(t)
	f.cloud.SetInstanceQuota(1)
	p := f.provider(t)
	_, err := p.Create(context.Background(), "web", 2, f.spec)
	if err == nil {
		t.Fatal("2 servers on a quota of 1: no error")
	}
	for _, want := range []string{"quota exceeded", "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances", "deleted the"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 {
		t.Errorf("APIError = %+v, want 403", apiErr)
	}
	if !errors.Is(err, ErrQuotaExceeded) {
		t.Errorf("errors.Is(%v, ErrQuotaExceeded) = false", err)
	}
	if s := f.cloud.Servers(); len(s) != 0 {
		t.Errorf("leaked servers: %+v", s)
	}
	if _, err := p.Create(context.Background(), "web", 1, f.spec); err != nil {
		t.Errorf("one server within the quota: %v", err)
	}
}
