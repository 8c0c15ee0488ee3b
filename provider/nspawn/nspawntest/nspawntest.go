// Package nspawntest gives tests real SSH nodes: Debian containers made by
// the nspawn provider, shared root filesystem cache, removed at test end.
//
//	nodes := nspawntest.Nodes(t, "bookworm", 2)
//	key := nspawntest.KeyFile(t)                  // private key for nodes[i].User
//	kh := nspawntest.KnownHostsFile(t, nodes)     // their host keys
//	ssh -i key -o UserKnownHostsFile=kh -o StrictHostKeyChecking=yes root@nodes[0].Host
//
// Nodes skips the test (one line saying why) under -short, when not root,
// or when systemd-nspawn, ssh-keygen or debootstrap are missing.
//
// Everything lives under /var/cache/pallet-test/nspawn, or $PALLET_NSPAWN_CACHE:
// one root filesystem per release shared by every test in every package
// (the first test to need one builds it, about a minute; the others wait on
// a lock), one test SSH key, and the nodes' state.
package nspawntest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn"
)

// DefaultCacheDir is used when PALLET_NSPAWN_CACHE is not set. It is fixed
// (not per test) so the root filesystems are built once per machine.
const DefaultCacheDir = "/var/cache/pallet-test/nspawn"

// addressBlock keeps test nodes (127.0.100.x on) apart from the nodes a
// developer made with the default state dir (127.0.10.x on).
const addressBlock = 100

// Option changes the nodes Nodes makes.
type Option func(*config)

type config struct {
	group    string
	user     string
	password string
	private  bool
}

// WithPrivateNetwork gives each node a network namespace of its own
// (nspawn.Options.PrivateNetwork): it keeps CAP_NET_ADMIN there, so nft
// and ip can run on it without reaching the host's. Such a node reaches
// only the host; nspawntest points its apt at a proxy of the test's own on
// the host end of its veth pair (deb.debian.org only), so the package
// crate works on it as on the others.
func WithPrivateNetwork() Option { return func(c *config) { c.private = true } }

// WithUser makes the nodes' login user a non-root user with sudo rights
// (passwordless unless WithSudoPassword is given too).
func WithUser(name string) Option { return func(c *config) { c.user = name } }

// WithSudoPassword makes sudo ask the login user (see WithUser) for
// password, to test sudo -S.
func WithSudoPassword(password string) Option { return func(c *config) { c.password = password } }

// WithGroup sets the nodes' group name; by default it is derived from the
// test name.
func WithGroup(group string) Option { return func(c *config) { c.group = group } }

// CacheDir is where nspawntest keeps root filesystems, key and node state.
func CacheDir() string {
	if d := os.Getenv("PALLET_NSPAWN_CACHE"); d != "" {
		return d
	}
	return DefaultCacheDir
}

// skipUnlessAvailable skips t when nspawn nodes cannot be made here.
func skipUnlessAvailable(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("nspawn nodes take seconds (and a debootstrap the first time); skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("nspawn nodes need root; run the tests with sudo to include them")
	}
	for _, bin := range []string{"systemd-nspawn", "debootstrap", "ssh-keygen", "ssh"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("nspawn nodes need %s (apt-get install systemd-container debootstrap openssh-client)", bin)
		}
	}
}

// Provider returns the provider nspawntest uses, after the same skips as
// Nodes. Progress of a first debootstrap goes to the test log.
func Provider(t testing.TB) *nspawn.Provider {
	t.Helper()
	return newProvider(t, false)
}

// newProvider is Provider, making private-network nodes when private is
// set. Both share one state dir: a node's record says which kind it is.
func newProvider(t testing.TB, private bool) *nspawn.Provider {
	t.Helper()
	skipUnlessAvailable(t)
	p, err := nspawn.New(nspawn.Options{
		StateDir:       filepath.Join(CacheDir(), "state"),
		CacheDir:       filepath.Join(CacheDir(), "rootfs"),
		AddressBlock:   addressBlock,
		Progress:       testLogWriter{t},
		PrivateNetwork: private,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testLogWriter sends progress lines to t.Log, so they show with -v or on
// failure.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// Nodes makes n running nodes of Debian release (bullseye, bookworm or
// trixie) that accept KeyFile's key, and destroys them when t ends.
func Nodes(t testing.TB, release string, n int, opts ...Option) []provider.Node {
	t.Helper()
	c := config{group: groupFor(t.Name())}
	for _, o := range opts {
		o(&c)
	}
	p := newProvider(t, c.private)
	pub, err := os.ReadFile(KeyFile(t) + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nodes, err := p.Create(ctx, c.group, n, provider.CreateSpec{
		Image:          release,
		AdminPublicKey: string(pub),
		LoginUser:      c.user,
		SudoPassword:   c.password,
	})
	if err != nil {
		t.Fatalf("nspawntest: %v", err)
	}
	t.Cleanup(func() {
		// t's own context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := p.Destroy(ctx, nodes); err != nil {
			t.Errorf("nspawntest: %v", err)
		}
	})
	if c.private {
		for _, n := range nodes {
			aptThroughProxy(t, nodes, n)
		}
	}
	return nodes
}

var nonGroupChars = regexp.MustCompile(`[^a-z0-9]+`)

// groupFor turns a test name into a group name that is also a valid
// hostname prefix.
func groupFor(testName string) string {
	g := strings.Trim(nonGroupChars.ReplaceAllString(strings.ToLower(testName), "-"), "-")
	if len(g) > 30 {
		g = strings.TrimRight(g[:30], "-")
	}
	if g == "" {
		g = "test"
	}
	return g
}

// KeyFile returns the path of the private key (ed25519, no passphrase)
// every nspawntest node accepts for its login user; the public key is next
// to it with ".pub". One key is shared by all tests, made on first use.
func KeyFile(t testing.TB) string {
	t.Helper()
	skipUnlessAvailable(t)
	path, err := ensureKey(CacheDir())
	if err != nil {
		t.Fatalf("nspawntest: %v", err)
	}
	return path
}

func ensureKey(dir string) (string, error) {
	key := filepath.Join(dir, "test-key")
	if _, err := os.Stat(key); err == nil {
		return key, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Made in a temporary dir and renamed, the private key last, so a
	// concurrent test sees either no key or a complete pair.
	tmp, err := os.MkdirTemp(dir, ".key-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pallet-test", "-f", filepath.Join(tmp, "k")).CombinedOutput(); err != nil {
		return "", fmt.Errorf("make test key: %w: %s", err, out)
	}
	if _, err := os.Stat(key); err == nil {
		return key, nil // another test made one meanwhile; keep that one
	}
	if err := os.Rename(filepath.Join(tmp, "k.pub"), key+".pub"); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "k"), key); err != nil {
		return "", err
	}
	return key, nil
}

// RootDir is the host path of node's root file system (nspawn's
// Provider.RootDir): a program of the node run there with chroot runs in
// the host's namespaces, as the host sees them.
func RootDir(t testing.TB, node provider.Node) string {
	t.Helper()
	return Provider(t).RootDir(node)
}

// KnownHostsFile writes an OpenSSH known_hosts file with the host keys of
// nodes into t's temp dir and returns its path.
func KnownHostsFile(t testing.TB, nodes []provider.Node) string {
	t.Helper()
	b, err := Provider(t).KnownHosts(nodes)
	if err != nil {
		t.Fatalf("nspawntest: %v", err)
	}
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// SSHArgs returns the ssh(1) arguments to run command on node as its login
// user, checking its host key strictly:
//
//	exec.Command("ssh", nspawntest.SSHArgs(t, nodes, nodes[0], "cat", "/etc/os-release")...)
func SSHArgs(t testing.TB, nodes []provider.Node, node provider.Node, command ...string) []string {
	t.Helper()
	args := []string{
		"-i", KeyFile(t),
		"-o", "UserKnownHostsFile=" + KnownHostsFile(t, nodes),
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=10",
		"-p", fmt.Sprint(node.Port),
		"-l", node.User,
		node.Host,
		"--",
	}
	return append(args, command...)
}

// AptReachable reports whether the Debian mirror the nodes' sources.list
// names answers for every release in use. The nodes share the host's
// network, so what the host reaches they reach (private-network nodes
// through the apt proxy WithPrivateNetwork gives them).
func AptReachable(releases ...string) bool {
	client := &http.Client{Timeout: 5 * time.Second}
	for _, r := range releases {
		resp, err := client.Head("http://deb.debian.org/debian/dists/" + r + "/InRelease")
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}
