package runner

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestHostKeyUnknownIsRefusedWithFingerprint(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	_, err := Dial(t.Context(), s.target("root"), c.options(t))
	var unknown *UnknownHostKeyError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v (%T), want *UnknownHostKeyError", err, err)
	}
	fp := ssh.FingerprintSHA256(s.hostKey.PublicKey())
	for _, want := range []string{fp, "--accept-new-host-keys", fmt.Sprintf("ssh-keyscan -p %d 127.0.0.1 >> %s", s.port, c.knownHosts)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !IsUnreachable(err) {
		t.Errorf("a refused host key should count the node as not connected")
	}
	if _, statErr := os.Stat(c.knownHosts); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("known_hosts was written without AcceptNewHostKeys")
	}
}

func TestHostKeyAcceptNewThenStrict(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	o := c.options(t)
	o.KnownHostsFile = filepath.Join(c.dir, "sub", "known_hosts") // dir made on demand
	o.AcceptNewHostKeys = true
	conn, err := Dial(t.Context(), s.target("root"), o)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	data, err := os.ReadFile(o.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("[127.0.0.1]:%d ssh-ed25519 ", s.port); !strings.HasPrefix(string(data), want) || strings.Count(string(data), "\n") != 1 {
		t.Errorf("known_hosts = %q, want one line starting %q", data, want)
	}
	// Now known: a strict dial works and does not write again.
	o.AcceptNewHostKeys = false
	conn, err = Dial(t.Context(), s.target("root"), o)
	if err != nil {
		t.Fatalf("strict dial after accept-new: %v", err)
	}
	conn.Close()
	if again, _ := os.ReadFile(o.KnownHostsFile); string(again) != string(data) {
		t.Errorf("known_hosts changed on a known host: %q", again)
	}
}

func TestHostKeyChangedIsAlwaysRefused(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	// The node is "rebuilt": same address, new key.
	addr := s.addr
	s.ln.Close()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	newKey, _ := ssh.NewSignerFromKey(priv)
	s2 := newTestServerWithKey(t, c.pub, newKey, addr)
	before, _ := os.ReadFile(c.knownHosts)
	for _, accept := range []bool{false, true} {
		o := c.options(t)
		o.AcceptNewHostKeys = accept
		_, err := Dial(t.Context(), s2.target("root"), o)
		var changed *ChangedHostKeyError
		if !errors.As(err, &changed) {
			t.Fatalf("accept-new=%v: err = %v (%T), want *ChangedHostKeyError", accept, err, err)
		}
		msg := err.Error()
		for _, want := range []string{"HOST KEY CHANGED", ssh.FingerprintSHA256(newKey.PublicKey()), ssh.FingerprintSHA256(s.hostKey.PublicKey()), "ssh-keygen -R"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q lacks %q", msg, want)
			}
		}
	}
	if after, _ := os.ReadFile(c.knownHosts); string(after) != string(before) {
		t.Errorf("known_hosts was modified for a changed key")
	}
}

// Nodes dialled in parallel with accept-new must each get exactly one whole
// line, and a file without trailing newline must not glue two lines.
func TestHostKeyAcceptNewConcurrent(t *testing.T) {
	c := newClient(t)
	if err := os.WriteFile(c.knownHosts, []byte("# no trailing newline"), 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 8
	servers := make([]*testServer, n)
	for i := range servers {
		servers[i] = newTestServer(t, c.pub)
	}
	o := c.options(t)
	o.AcceptNewHostKeys = true
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range 2 * n { // each server twice, to race on the same host too
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := Dial(t.Context(), servers[i%n].target("root"), o)
			if err == nil {
				conn.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("dial %d: %v", i, err)
		}
	}
	data, _ := os.ReadFile(c.knownHosts)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != n+1 || lines[0] != "# no trailing newline" {
		t.Fatalf("known_hosts has %d lines, want comment + %d:\n%s", len(lines), n, data)
	}
	for _, s := range servers {
		if strings.Count(string(data), fmt.Sprintf("[127.0.0.1]:%d ", s.port)) != 1 {
			t.Errorf("server %d recorded other than once", s.port)
		}
	}
}

func TestDialUnreachableRetriesBounded(t *testing.T) {
	c := newClient(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: connection refused
	o := c.options(t)
	o.ConnectAttempts = 3
	o.RetryBackoff = 20 * time.Millisecond
	start := time.Now()
	_, err = Dial(t.Context(), Target{Name: "web-1", Host: "127.0.0.1", Port: port, User: "root"}, o)
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Attempts != 3 || !IsUnreachable(err) {
		t.Fatalf("err = %v, want a *ConnectError after 3 attempts", err)
	}
	if !strings.Contains(err.Error(), "web-1") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %q should name the node and the cause", err)
	}
	if d := time.Since(start); d < 60*time.Millisecond || d > 3*time.Second {
		t.Errorf("3 attempts with 20ms+40ms backoff took %v", d)
	}
}

func TestDialSilentServerTimesOut(t *testing.T) {
	c := newClient(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, nc) // accept, never speak
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, nc := range held {
			nc.Close()
		}
		mu.Unlock()
	}()
	o := c.options(t)
	o.ConnectTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err = Dial(t.Context(), Target{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: "root"}, o)
	if err == nil || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("err = %v, want a handshake timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout of 300ms took %v", d)
	}
}

func TestDialContextCancelled(t *testing.T) {
	c := newClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Dial(ctx, Target{Host: "127.0.0.1", Port: 1, User: "root"}, c.options(t))
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("err = %v, want cancelled", err)
	}
}

func TestDialWrongKeyIsAuthErrorNotRetried(t *testing.T) {
	c := newClient(t)
	other := newClient(t)
	s := newTestServer(t, other.pub) // authorises someone else's key
	c.trust(t, s)
	o := c.options(t)
	o.ConnectAttempts = 3
	_, err := Dial(t.Context(), s.target("root"), o)
	var ae *AuthError
	var ce *ConnectError
	if !errors.As(err, &ae) || !errors.As(err, &ce) || ce.Attempts != 1 {
		t.Fatalf("err = %v, want an AuthError after 1 attempt", err)
	}
	if !strings.Contains(err.Error(), c.keyFile) {
		t.Errorf("error %q should say which keys were offered", err)
	}
}

func TestDialSSHConfigAliasAndProxyJump(t *testing.T) {
	c := newClient(t)
	node := newTestServer(t, c.pub)
	bastion := newTestServer(t, c.pub)
	c.trust(t, node)
	c.trust(t, bastion)
	cfg := filepath.Join(c.dir, "config")
	text := fmt.Sprintf(`Host bastion
  HostName 127.0.0.1
  Port %d
  User jumper

Host web-*
  HostName 127.0.0.1
  Port %d
  User deploy
  IdentityFile %s
  ProxyJump bastion

Host *
  User nobody-default
  IdentityFile %s
`, bastion.port, node.port, c.keyFile, c.keyFile)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	o := c.options(t)
	o.SSHConfigFile = cfg
	o.IdentityFiles = nil // the config names the key
	conn, err := Dial(t.Context(), Target{Host: "web-1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.User() != "deploy" || conn.Addr() != node.addr || conn.Target().name() != "web-1" {
		t.Errorf("conn = user %q addr %q, want deploy at %s", conn.User(), conn.Addr(), node.addr)
	}
	if _, err := conn.RunPhase(t.Context(), Phase{Name: "p", Script: script(step{crate: "a", name: "b"})}, nil); err != nil {
		t.Fatalf("phase through the jump host: %v", err)
	}
	bastion.mu.Lock()
	bUsers := append([]string(nil), bastion.users...)
	bastion.mu.Unlock()
	if len(bUsers) != 1 || bUsers[0] != "jumper" {
		t.Errorf("bastion saw logins %q, want one as jumper", bUsers)
	}
	if len(bastion.execCommands()) != 0 {
		t.Errorf("commands ran on the bastion: %q", bastion.execCommands())
	}
}

func TestResolveSSHConfig(t *testing.T) {
	cfgText := `Host a
  HostName 10.0.0.5
  ProxyJump u1@b:2200,c

Host b
  HostName bastion.example
  ProxyJump first

Host c
  User cuser

Host loop1
  ProxyJump loop2
Host loop2
  ProxyJump loop1

Host pc
  ProxyCommand nc %h %p
`
	path := filepath.Join(t.TempDir(), "config")
	os.WriteFile(path, []byte(cfgText), 0o600)
	cfg, err := loadSSHConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := cfg.resolve(Options{}, "a", "me", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var hops []string
	for _, j := range ep.jumps {
		hops = append(hops, j.user+"@"+j.addr())
	}
	local, err := user.Current()
	if err != nil {
		t.Skip("no local user:", err)
	}
	// Jump hosts log in as their own config User or the local user, never
	// as the target's user.
	want := []string{local.Username + "@first:22", "u1@bastion.example:2200", "cuser@c:22"}
	if strings.Join(hops, " ") != strings.Join(want, " ") || ep.addr() != "10.0.0.5:22" {
		t.Errorf("a resolves to %s via %q, want 10.0.0.5:22 via %q", ep.addr(), hops, want)
	}
	if _, err := cfg.resolve(Options{}, "loop1", "me", 0, 0); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("ProxyJump loop: err = %v", err)
	}
	if ep, err := cfg.resolve(Options{}, "pc", "me", 0, 0); err != nil || ep.proxyCommand != "nc pc 22" || len(ep.jumps) != 0 {
		t.Errorf("ProxyCommand: %q, %v; want nc pc 22", ep.proxyCommand, err)
	}
}
