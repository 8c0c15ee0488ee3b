package runner_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// proxyEnv makes the test binary a tiny "nc HOST PORT" for ProxyCommand
// tests (Debian's minimal image and this machine have no nc); its value is
// a file the proxy writes its pid into.
const proxyEnv = "PALLET_RUNNER_TEST_PROXY"

func TestMain(m *testing.M) {
	if pidFile := os.Getenv(proxyEnv); pidFile != "" {
		os.Exit(proxyMain(pidFile, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func proxyMain(pidFile string, args []string) int {
	if len(args) != 2 {
		fmt.Fprintf(os.Stderr, "proxy: want HOST PORT, got %q\n", args)
		return 2
	}
	_ = os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o600)
	c, err := net.Dial("tcp", net.JoinHostPort(args[0], args[1]))
	if err != nil {
		fmt.Fprintf(os.Stderr, "proxy: %v\n", err)
		return 1
	}
	go func() { io.Copy(c, os.Stdin); c.(*net.TCPConn).CloseWrite() }()
	io.Copy(os.Stdout, c)
	return 0
}

// configNode is one real OpenSSH node and what the tests need to write SSH
// configs for it. HOME is a temporary directory, so nothing reads or writes
// the real ~/.ssh.
type configNode struct {
	node  provider.Node
	nodes []provider.Node
	kh    string // known_hosts with the node's real key
	key   string // private key the node accepts for root
	dir   string
}

func newConfigNode(t *testing.T) *configNode {
	nodes := nspawntest.Nodes(t, "bookworm", 1)
	return &configNode{node: nodes[0], nodes: nodes, kh: nspawntest.KnownHostsFile(t, nodes), key: nspawntest.KeyFile(t), dir: t.TempDir()}
}

func (n *configNode) write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// config writes an SSH config whose "Host node" block reaches the node,
// with extra lines added to the block.
func (n *configNode) config(t *testing.T, extra ...string) string {
	t.Helper()
	text := fmt.Sprintf("Host node\n  HostName %s\n  Port %d\n  User %s\n", n.node.Host, n.node.Port, n.node.User)
	for _, l := range extra {
		text += "  " + l + "\n"
	}
	return n.write(t, "config", text)
}

func (n *configNode) options(cfg string) runner.Options {
	return runner.Options{SSHConfigFile: cfg, AgentSocket: "none", IdentityFiles: []string{n.key}, KeepAliveInterval: -1, ConnectAttempts: 1}
}

// sshRoot runs a shell command on the node as root with ssh(1).
func (n *configNode) sshRoot(t *testing.T, command string, stdin []byte) {
	t.Helper()
	cmd := exec.Command("ssh", nspawntest.SSHArgs(t, n.nodes, n.node, command)...)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ssh %s: %v: %s", command, err, out)
	}
}

func mustDial(t *testing.T, host string, o runner.Options) {
	t.Helper()
	conn, err := runner.Dial(t.Context(), runner.Target{Host: host}, o)
	if err != nil {
		t.Fatal(err)
	}
	if conn.User() != "root" {
		t.Errorf("logged in as %q", conn.User())
	}
	conn.Close()
}

func hostKeyLine(t *testing.T, kh string) (name string, key ssh.PublicKey) {
	t.Helper()
	data, err := os.ReadFile(kh)
	if err != nil {
		t.Fatal(err)
	}
	_, hosts, key, _, _, err := ssh.ParseKnownHosts(data)
	if err != nil {
		t.Fatal(err)
	}
	return hosts[0], key
}

func otherKey(t *testing.T) ssh.PublicKey {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey()
}

func TestOpenSSHConfigHostKeys(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	n := newConfigNode(t)
	name, key := hostKeyLine(t, n.kh)

	t.Run("several UserKnownHostsFile, all read", func(t *testing.T) {
		other := n.write(t, "other_kh", "unrelated.example "+string(ssh.MarshalAuthorizedKey(otherKey(t))))
		cfg := n.config(t, "UserKnownHostsFile "+other+" /nonexistent/kh "+n.kh, "StrictHostKeyChecking yes")
		mustDial(t, "node", n.options(cfg))
	})

	t.Run("GlobalKnownHostsFile read, never written", func(t *testing.T) {
		before, _ := os.ReadFile(n.kh)
		cfg := n.config(t, "UserKnownHostsFile /nonexistent/kh", "GlobalKnownHostsFile "+n.kh)
		mustDial(t, "node", n.options(cfg))
		if after, _ := os.ReadFile(n.kh); !bytes.Equal(before, after) {
			t.Errorf("global file changed")
		}
	})

	t.Run("accept-new records into the first file", func(t *testing.T) {
		dir := t.TempDir()
		first, second := filepath.Join(dir, "sub", "first"), n.write(t, "second", "")
		cfg := n.config(t, "UserKnownHostsFile "+first+" "+second, "StrictHostKeyChecking accept-new")
		mustDial(t, "node", n.options(cfg))
		data, err := os.ReadFile(first)
		if err != nil || !strings.HasPrefix(string(data), name+" ") || strings.Count(string(data), "\n") != 1 {
			t.Errorf("first file %q, %v; want one line for %s", data, err, name)
		}
		if data, _ := os.ReadFile(second); len(data) != 0 {
			t.Errorf("second file written: %q", data)
		}
		// Now known: strict checking passes.
		mustDial(t, "node", n.options(n.config(t, "UserKnownHostsFile "+second+" "+first, "StrictHostKeyChecking yes")))
	})

	t.Run("HostKeyAlias looked up and recorded under the alias", func(t *testing.T) {
		aliased := n.write(t, "kh", "node-alias "+string(ssh.MarshalAuthorizedKey(key)))
		mustDial(t, "node", n.options(n.config(t, "UserKnownHostsFile "+aliased, "HostKeyAlias node-alias")))

		fresh := filepath.Join(t.TempDir(), "kh")
		mustDial(t, "node", n.options(n.config(t, "UserKnownHostsFile "+fresh, "HostKeyAlias other-alias", "StrictHostKeyChecking accept-new")))
		if data, _ := os.ReadFile(fresh); !strings.HasPrefix(string(data), "other-alias ssh-") {
			t.Errorf("recorded %q, want a line for other-alias", data)
		}
		// The real address alone is not enough when an alias is set.
		_, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, n.options(n.config(t, "UserKnownHostsFile "+n.kh, "HostKeyAlias unknown-alias")))
		var unknown *runner.UnknownHostKeyError
		if !errors.As(err, &unknown) || unknown.Host != "unknown-alias" {
			t.Errorf("err = %v, want the alias unknown", err)
		}
	})

	t.Run("StrictHostKeyChecking no: warned, unknown recorded, changed refused", func(t *testing.T) {
		var warnings []string
		o := func(cfg string) runner.Options {
			o := n.options(cfg)
			o.Warn = func(m string) { warnings = append(warnings, m) }
			return o
		}
		fresh := filepath.Join(t.TempDir(), "kh")
		mustDial(t, "node", o(n.config(t, "UserKnownHostsFile "+fresh, "StrictHostKeyChecking no")))
		if data, _ := os.ReadFile(fresh); !strings.HasPrefix(string(data), name+" ") {
			t.Errorf("unknown key not recorded: %q", data)
		}
		changed := n.write(t, "kh", name+" "+string(ssh.MarshalAuthorizedKey(otherKey(t))))
		_, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, o(n.config(t, "UserKnownHostsFile "+changed, "StrictHostKeyChecking no")))
		var ch *runner.ChangedHostKeyError
		if !errors.As(err, &ch) {
			t.Errorf("err = %v, want a changed host key refused despite StrictHostKeyChecking no", err)
		}
		if len(warnings) != 2 || !strings.Contains(warnings[1], "StrictHostKeyChecking=no") || !strings.Contains(warnings[1], "still refuses changed") {
			t.Errorf("warnings %q, want one per run", warnings)
		}
	})
}

func TestOpenSSHConfigIncludeAndMatch(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	n := newConfigNode(t)
	inc := n.config(t, "UserKnownHostsFile "+n.kh, "IdentityFile "+n.key)
	main := n.write(t, "config", "Host node\n  ConnectTimeout 10\n\nInclude "+inc+"\n")
	o := n.options(main)
	o.IdentityFiles = nil
	mustDial(t, "node", o)

	bad := n.write(t, "config", "Include "+inc+"\nMatch host node user root\n  Port 1\n")
	_, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, n.options(bad))
	if err == nil || !strings.Contains(err.Error(), bad+":2: Match host node user root") {
		t.Errorf("err = %v, want Match refused at %s:2", err, bad)
	}
}

func TestOpenSSHConfigProxyCommand(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	n := newConfigNode(t)
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	// ProxyJump as well, after ProxyCommand: the first obtained wins, so
	// the unreachable jump host is never tried.
	cfg := n.config(t, "UserKnownHostsFile "+n.kh,
		fmt.Sprintf("ProxyCommand %s=%s exec %s %%h %%p", proxyEnv, pidFile, bin),
		"ProxyJump nobody@192.0.2.1")
	conn, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, n.options(cfg))
	if err != nil {
		t.Fatal(err)
	}
	res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "p", Script: []byte(integrationScript)}, nil)
	if err != nil || !res.OK() {
		t.Fatalf("phase through ProxyCommand: %+v, %v", res, err)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal("the ProxyCommand did not run:", err)
	}
	pid, _ := strconv.Atoi(string(data))
	conn.Close()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("ProxyCommand pid %d still there after Close (%v)", pid, err)
	}

	// A failing ProxyCommand says what it printed.
	cfg = n.config(t, "UserKnownHostsFile "+n.kh, "ProxyCommand echo no route to %h >&2; exit 3")
	_, err = runner.Dial(t.Context(), runner.Target{Host: "node"}, n.options(cfg))
	if err == nil || !strings.Contains(err.Error(), "no route to "+n.node.Host) || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("err = %v, want the ProxyCommand's stderr and status", err)
	}
}

// certNode makes a node whose sshd trusts a user CA, and a key that is not
// in root's authorized_keys with a CA certificate for root.
func TestOpenSSHConfigCertificates(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	n := newConfigNode(t)
	caPub, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	ca, _ := ssh.NewSignerFromKey(caPriv)
	sshCA, _ := ssh.NewPublicKey(caPub)
	n.sshRoot(t, "cat >/etc/ssh/pallet_test_user_ca.pub && echo 'TrustedUserCAKeys /etc/ssh/pallet_test_user_ca.pub' >/etc/ssh/sshd_config.d/pallet-test-ca.conf && systemctl reload ssh",
		ssh.MarshalAuthorizedKey(sshCA))

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "id_user")
	_, userPriv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(userPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600)
	userSigner, _ := ssh.NewSignerFromKey(userPriv)
	cert := &ssh.Certificate{
		Key: userSigner.PublicKey(), CertType: ssh.UserCert, KeyId: "pallet-test", ValidPrincipals: []string{"root"},
		ValidAfter: uint64(time.Now().Add(-time.Hour).Unix()), ValidBefore: uint64(time.Now().Add(time.Hour).Unix()),
		Permissions: ssh.Permissions{Extensions: map[string]string{"permit-pty": ""}},
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "user.cert")
	os.WriteFile(certFile, ssh.MarshalAuthorizedKey(cert), 0o644)

	o := func(extra ...string) runner.Options {
		o := n.options(n.config(t, append([]string{"UserKnownHostsFile " + n.kh, "IdentityFile " + keyFile, "IdentitiesOnly yes"}, extra...)...))
		o.IdentityFiles = nil
		// sshd refuses connections for a moment while it reloads.
		o.ConnectAttempts, o.RetryBackoff = 10, 200*time.Millisecond
		return o
	}
	// The key alone is not authorized.
	_, err = runner.Dial(t.Context(), runner.Target{Host: "node"}, o())
	var auth *runner.AuthError
	if !errors.As(err, &auth) {
		t.Fatalf("key without certificate: err = %v, want an AuthError", err)
	}
	dial := func(o runner.Options) {
		t.Helper()
		var err error
		for range 20 { // systemctl reload returns before sshd re-reads its config
			var conn *runner.Conn
			if conn, err = runner.Dial(t.Context(), runner.Target{Host: "node"}, o); err == nil {
				conn.Close()
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatal(err)
	}
	t.Run("CertificateFile", func(t *testing.T) { dial(o("CertificateFile " + certFile)) })
	t.Run("KEY-cert.pub beside IdentityFile", func(t *testing.T) {
		os.WriteFile(keyFile+"-cert.pub", ssh.MarshalAuthorizedKey(cert), 0o644)
		defer os.Remove(keyFile + "-cert.pub")
		dial(o())
	})
}

// testAgent serves keys on a unix socket as ssh-agent does.
func testAgent(t *testing.T, keys ...ed25519.PrivateKey) string {
	kr := agent.NewKeyring()
	for _, k := range keys {
		if err := kr.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); agent.ServeAgent(kr, c) }()
		}
	}()
	return sock
}

func TestOpenSSHConfigIdentitiesOnlyAndAgent(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	n := newConfigNode(t)
	data, err := os.ReadFile(n.key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	right := *raw.(*ed25519.PrivateKey)
	var wrong []ed25519.PrivateKey
	for range 7 { // more than sshd's MaxAuthTries (6)
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		wrong = append(wrong, k)
	}
	sock := testAgent(t, append(wrong, right)...)

	// Only the public half on disk: the agent signs for the named key.
	pubOnly := filepath.Join(t.TempDir(), "id_node")
	pub, _ := os.ReadFile(n.key + ".pub")
	os.WriteFile(pubOnly+".pub", pub, 0o644)
	o := func(extra ...string) runner.Options {
		// extra first: the first value obtained wins.
		o := n.options(n.config(t, append(extra, "UserKnownHostsFile "+n.kh, "IdentityAgent "+sock)...))
		o.AgentSocket, o.IdentityFiles = "", nil
		return o
	}
	t.Run("named key from the agent, the agent's wrong keys not offered", func(t *testing.T) {
		mustDial(t, "node", o("IdentityFile "+pubOnly, "IdentitiesOnly yes"))
	})
	t.Run("agent keys tried without IdentitiesOnly", func(t *testing.T) {
		// Seven wrong keys ahead of the right one exceed MaxAuthTries:
		// that is the failure IdentitiesOnly exists to avoid.
		_, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, o())
		if err == nil {
			t.Errorf("all agent keys offered and still logged in: is MaxAuthTries above 7?")
		}
	})
	t.Run("IdentitiesOnly keeps the agent's right key out", func(t *testing.T) {
		wrongFile := filepath.Join(t.TempDir(), "id_wrong")
		block, _ := ssh.MarshalPrivateKey(wrong[0], "")
		os.WriteFile(wrongFile, pem.EncodeToMemory(block), 0o600)
		_, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, o("IdentityFile "+wrongFile, "IdentitiesOnly yes"))
		var auth *runner.AuthError
		if !errors.As(err, &auth) || !strings.Contains(err.Error(), "IdentitiesOnly: 8 other ssh-agent keys not offered") {
			t.Errorf("err = %v, want an AuthError noting the agent keys held back", err)
		}
	})
	t.Run("IdentityAgent none", func(t *testing.T) {
		_, err := runner.Dial(t.Context(), runner.Target{Host: "node"}, o("IdentityFile "+pubOnly, "IdentityAgent none"))
		if err == nil {
			t.Errorf("logged in with IdentityAgent none and no private key on disk")
		}
	})
}
