package openstack

// Tests against the real OpenStack all-in-one of e2e/openstack/aio.sh
// (Keystone, Glance, Placement, Nova with the fake virt driver, Neutron,
// from Debian 12's packages). They skip when it is not up; see aiotest.
// The servers it "boots" are fake, so their addresses (from Neutron's
// IPAM, loopback ones) are answered by a banner this test listens with.

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/openstack/aiotest"
)

// anyLoopbackBanner greets like sshd on every loopback address (0.0.0.0
// takes 127.0.250.x too), so any fixed address Neutron hands a server
// answers SSH. It returns the port.
func anyLoopbackBanner(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "0.0.0.0:0")
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
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2 aio test\r\n"))
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

type aio struct {
	clouds string
	cfg    Config
	opts   Options
	spec   provider.CreateSpec
}

func newAIO(t *testing.T) *aio {
	t.Helper()
	clouds := aiotest.CloudsFile(t)
	t.Setenv("OS_CLOUD", "")
	a := &aio{
		clouds: clouds,
		cfg:    Config{Cloud: aiotest.Cloud, Network: aiotest.Network, SSHPort: anyLoopbackBanner(t), CreateTimeout: Duration(3 * time.Minute)},
		opts:   Options{CloudsFile: clouds, PollInterval: 500 * time.Millisecond, Progress: testWriter{t}},
		// A user of its own per test: the keypair pallet-<user> is this test's.
		spec: provider.CreateSpec{
			AdminPublicKey: newKey(t, "aio@test"), AdminUser: "aio-" + randomSuffix(),
			ImageTemplate: provider.ImageTemplate{OSFamily: "debian", OSDescriptionMatches: "bookworm"},
			Hardware:      provider.Hardware{Smallest: true},
		},
	}
	return a
}

func (a *aio) provider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(t.Context(), &a.cfg, a.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = keypairs.Delete(context.WithoutCancel(t.Context()), p.compute, "pallet-"+a.spec.AdminUser, nil).ExtractErr()
	})
	return p
}

// inGroup is p.Nodes limited to group (other tests share the project).
func inGroup(t *testing.T, p *Provider, group string) []provider.Node {
	t.Helper()
	all, err := p.Nodes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []provider.Node
	for _, n := range all {
		if n.Group == group {
			out = append(out, n)
		}
	}
	return out
}

// serversNamed lists every server (any status) whose name starts with group-.
func serversNamed(t *testing.T, p *Provider, group string) []servers.Server {
	t.Helper()
	list, err := p.listServers(t.Context(), servers.ListOpts{Name: "^" + regexp.QuoteMeta(group) + "-"})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestAIOAuthFromCloudsYAMLAndEnvironment(t *testing.T) {
	a := newAIO(t)
	if _, err := New(t.Context(), &a.cfg, a.opts); err != nil {
		t.Fatalf("clouds.yaml with secure.yaml: %v", err)
	}

	// The same credentials as an openrc file would give them.
	var c, s struct {
		Clouds map[string]struct {
			Auth map[string]string `yaml:"auth"`
		} `yaml:"clouds"`
	}
	for file, into := range map[string]any{a.clouds: &c, filepath.Join(filepath.Dir(a.clouds), "secure.yaml"): &s} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
	auth, password := c.Clouds[aiotest.Cloud].Auth, s.Clouds[aiotest.Cloud].Auth["password"]
	t.Setenv("OS_AUTH_URL", auth["auth_url"])
	t.Setenv("OS_USERNAME", auth["username"])
	t.Setenv("OS_PASSWORD", password)
	t.Setenv("OS_PROJECT_NAME", auth["project_name"])
	t.Setenv("OS_USER_DOMAIN_NAME", "Default")
	t.Setenv("OS_PROJECT_DOMAIN_NAME", "Default")
	t.Setenv("OS_REGION_NAME", "RegionOne")
	cfg := a.cfg
	cfg.Cloud = ""
	p, err := New(t.Context(), &cfg, Options{})
	if err != nil {
		t.Fatalf("OS_* variables: %v", err)
	}
	if _, err := p.Nodes(t.Context()); err != nil {
		t.Fatalf("Nodes with OS_* credentials: %v", err)
	}

	// Keystone's real 401, without the password in the error.
	t.Setenv("OS_PASSWORD", password+"-wrong")
	_, err = New(t.Context(), &cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "openstack token issue") {
		t.Errorf("a wrong password = %v, want HTTP 401 and the hint", err)
	}
	if err != nil && strings.Contains(err.Error(), password) {
		t.Errorf("the error leaks the password: %v", err)
	}
}

func TestAIOImageAndFlavorSelection(t *testing.T) {
	a := newAIO(t)
	p := a.provider(t)
	imgs, err := p.images(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Image{}
	for _, i := range imgs {
		byName[i.Name] = i
	}
	if d := byName[aiotest.ImageDebian]; d.Distro != "debian" || d.Version != "12" || d.Arch != "x86_64" || !strings.Contains(d.Description, "bookworm") {
		t.Errorf("Glance's %s read as %+v, want os_distro, os_version, architecture, description", aiotest.ImageDebian, d)
	}
	if u := byName[aiotest.ImageUbuntu]; u.Distro != "ubuntu" || u.Version != "22.04" || u.LoginUser != "ubuntu" {
		t.Errorf("Glance's %s read as %+v, want ubuntu 22.04, default_user ubuntu", aiotest.ImageUbuntu, u)
	}

	pick := func(tmpl provider.ImageTemplate) (Image, error) { return SelectImage(imgs, tmpl) }
	if _, err := pick(provider.ImageTemplate{OSFamily: "debian"}); err == nil || !strings.Contains(err.Error(), aiotest.ImageDebianArm) {
		t.Errorf("debian alone (x86_64 and aarch64 images) = %v, want an ambiguity naming both", err)
	}
	if i, err := pick(provider.ImageTemplate{OSFamily: "debian", OSDescriptionMatches: "bookworm"}); err != nil || i.Name != aiotest.ImageDebian {
		t.Errorf("debian + bookworm = %v, %v", i, err)
	}
	if i, err := pick(provider.ImageTemplate{OSFamily: "ubuntu", OSVersionMatches: `22\.04`}); err != nil || i.Name != aiotest.ImageUbuntu {
		t.Errorf("ubuntu 22.04 = %v, %v", i, err)
	}
	if _, err := pick(provider.ImageTemplate{OSFamily: "rocky"}); err == nil {
		t.Error("rocky matched an image")
	}

	fls, err := p.flavors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	img := byName[aiotest.ImageDebian]
	for _, tc := range []struct {
		hw   provider.Hardware
		want string
	}{
		{provider.Hardware{Smallest: true}, aiotest.FlavorTiny},
		{provider.Hardware{MinRAMMB: 1024}, aiotest.FlavorSmall},
		{provider.Hardware{MinCores: 2, MinDiskGB: 5}, aiotest.FlavorSmall},
		{provider.Hardware{Flavor: aiotest.FlavorUnplacable}, aiotest.FlavorUnplacable},
	} {
		f, err := SelectFlavor(fls, tc.hw, img)
		if err != nil || f.Name != tc.want {
			t.Errorf("flavor for %+v = %v, %v; want %s", tc.hw, f, err, tc.want)
		}
	}
}

func TestAIOKeypairImportReuseRefuse(t *testing.T) {
	a := newAIO(t)
	p := a.provider(t)
	name := "pallet-" + a.spec.AdminUser
	if got, err := p.ensureKeypair(t.Context(), name, a.spec.AdminPublicKey); err != nil || got != name {
		t.Fatalf("import: %q, %v", got, err)
	}
	kp, err := keypairs.Get(t.Context(), p.compute, name, nil).Extract()
	if err != nil || !strings.HasPrefix(kp.PublicKey, strings.Join(strings.Fields(a.spec.AdminPublicKey)[:2], " ")) {
		t.Fatalf("Nova's keypair %s: %+v, %v", name, kp, err)
	}
	// Same key, another comment; and a second provider (another run).
	fields := strings.Fields(a.spec.AdminPublicKey)
	if _, err := a.provider(t).ensureKeypair(t.Context(), name, fields[0]+" "+fields[1]+" aio@elsewhere"); err != nil {
		t.Errorf("reuse: %v", err)
	}
	_, err = p.ensureKeypair(t.Context(), name, newKey(t, "someone-else"))
	if err == nil || !strings.Contains(err.Error(), "different public key") || !strings.Contains(err.Error(), kp.Fingerprint) {
		t.Errorf("another key under %s = %v, want a refusal with Nova's fingerprint %s", name, err, kp.Fingerprint)
	}
}

func TestAIOCreateListMarkDestroy(t *testing.T) {
	a := newAIO(t)
	p := a.provider(t)
	group := "aio-web-" + randomSuffix()
	made, err := p.Create(t.Context(), group, 2, a.spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Destroy(context.WithoutCancel(t.Context()), made) })
	start, end := net.ParseIP(aiotest.PoolStart).To4(), net.ParseIP(aiotest.PoolEnd).To4()
	for _, n := range made {
		ip := net.ParseIP(n.Host).To4()
		if ip == nil || ip[2] != start[2] || ip[3] < start[3] || ip[3] > end[3] {
			t.Errorf("%s: host %q, want Neutron's fixed address from %s-%s", n.Name, n.Host, aiotest.PoolStart, aiotest.PoolEnd)
		}
		if n.Address != n.Host || n.User != "debian" || n.OS != "debian-12" || n.Bootstrapped || n.Port != a.cfg.SSHPort {
			t.Errorf("created %+v", n)
		}
	}
	if made[0].Host == made[1].Host {
		t.Errorf("both servers at %s", made[0].Host)
	}

	listed := inGroup(t, p, group)
	if len(listed) != 2 {
		t.Fatalf("Nodes lists %d of group %s, want 2: %+v", len(listed), group, listed)
	}
	for _, s := range serversNamed(t, p, group) {
		md := s.Metadata
		if md[MetaGroup] != group || md[MetaUser] != "debian" || md[MetaOS] != "debian-12" || s.KeyName != "pallet-"+a.spec.AdminUser {
			t.Errorf("server %s: metadata %v, key %q", s.Name, md, s.KeyName)
		}
		if s.Flavor["original_name"] != nil && s.Flavor["original_name"] != aiotest.FlavorTiny {
			t.Errorf("server %s: flavor %v, want %s", s.Name, s.Flavor, aiotest.FlavorTiny)
		}
	}

	if err := p.MarkBootstrapped(t.Context(), listed[0]); err != nil {
		t.Fatal(err)
	}
	again := inGroup(t, a.provider(t), group)
	marked := 0
	for _, n := range again {
		if n.Bootstrapped {
			marked++
			if n.ID != listed[0].ID {
				t.Errorf("%s marked, want %s", n.ID, listed[0].ID)
			}
		}
	}
	if marked != 1 {
		t.Errorf("%d bootstrapped after marking one: %+v", marked, again)
	}

	// The fake driver's console: real os-getConsoleOutput, no host keys.
	out, err := servers.ShowConsoleOutput(t.Context(), p.compute, made[0].ID, servers.ShowConsoleOutputOpts{Length: 50}).Extract()
	if err != nil || !strings.Contains(out, "FAKE CONSOLE OUTPUT") {
		t.Errorf("console output = %q, %v; want the fake driver's", out, err)
	}
	if h, err := p.HostKeyHints(t.Context(), made[0]); err != nil || !h.Empty() {
		t.Errorf("HostKeyHints = %+v, %v; want none and no error", h, err)
	}

	if err := p.Destroy(t.Context(), listed); err != nil {
		t.Fatal(err)
	}
	if left := serversNamed(t, p, group); len(left) != 0 {
		t.Errorf("servers left after Destroy: %d", len(left))
	}
	if err := p.Destroy(t.Context(), listed); err != nil {
		t.Errorf("Destroy of gone servers = %v, want nil", err)
	}
	if err := p.MarkBootstrapped(t.Context(), made[0]); err == nil || !strings.Contains(err.Error(), "no longer exists") {
		t.Errorf("MarkBootstrapped of a gone server = %v", err)
	}
}

func TestAIOQuotaExceeded(t *testing.T) {
	a := newAIO(t)
	a.cfg.Cloud = aiotest.QuotaCloud
	a.cfg.Network = "" // the one network the project sees: Nova picks it
	p := a.provider(t)
	group := "aio-quota-" + randomSuffix()
	_, err := p.Create(t.Context(), group, 2, a.spec)
	if err == nil {
		t.Fatal("2 servers in a project whose instance quota is 1: no error")
	}
	for _, want := range []string{"quota exceeded", "Quota exceeded for instances", "deleted the"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Nova refuses the second create up front (403), or, when both pass
	// its API check together, fails one on conductor's re-check (ERROR,
	// "Quota exceeded for instances"): either way quota exceeded.
	if !errors.Is(err, ErrQuotaExceeded) {
		t.Errorf("errors.Is(%v, ErrQuotaExceeded) = false", err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status != 403 {
		t.Errorf("APIError = %+v, want Nova's 403", apiErr)
	}
	if left := serversNamed(t, p, group); len(left) != 0 {
		t.Errorf("servers left after a quota failure: %d", len(left))
	}
}

func TestAIOServerGoesToError(t *testing.T) {
	a := newAIO(t)
	a.spec.Hardware = provider.Hardware{Flavor: aiotest.FlavorUnplacable}
	p := a.provider(t)
	group := "aio-err-" + randomSuffix()
	_, err := p.Create(t.Context(), group, 1, a.spec)
	if err == nil || !strings.Contains(err.Error(), "went to ERROR") || !strings.Contains(err.Error(), "No valid host was found") || !strings.Contains(err.Error(), "deleted the 1 servers") {
		t.Fatalf("Create on an unplaceable flavor = %v, want ERROR with Nova's fault, cleaned up", err)
	}
	if left := serversNamed(t, p, group); len(left) != 0 {
		t.Errorf("servers left: %d", len(left))
	}

	// keep_failed keeps it, and Nodes leaves the ERROR server out.
	a.cfg.KeepFailed = true
	p = a.provider(t)
	_, err = p.Create(t.Context(), group, 1, a.spec)
	if err == nil || !strings.Contains(err.Error(), "kept servers") {
		t.Fatalf("keep_failed Create = %v", err)
	}
	kept := serversNamed(t, p, group)
	t.Cleanup(func() {
		for _, s := range kept {
			_ = p.deleteServer(context.WithoutCancel(t.Context()), s.ID)
		}
	})
	if len(kept) != 1 || kept[0].Status != "ERROR" {
		t.Fatalf("kept %+v, want one ERROR server", kept)
	}
	if n := inGroup(t, p, group); len(n) != 0 {
		t.Errorf("Nodes lists the ERROR server: %+v", n)
	}
}
