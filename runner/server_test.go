package runner

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
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

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testServer is an in-process SSH server on 127.0.0.1 that runs exec
// requests with the real /bin/sh (dash on Debian, which keeps the runner's
// command POSIX) and serves SFTP from the real file system. It plays sshd
// closely enough for the runner: exit-status, direct-tcpip for ProxyJump,
// and like OpenSSH it ignores signal requests. Everything runs as the test's own user; a fake sudo on PATH
// stands in for the real one.
type testServer struct {
	t        *testing.T
	addr     string
	port     int
	hostKey  ssh.Signer
	ln       net.Listener
	authKeys []ssh.PublicKey
	// sudoPassword makes the fake sudo demand this password.
	sudoPassword string
	mu           sync.Mutex
	commands     []string // every exec command received, to check no secret is in argv
	users        []string
	wg           sync.WaitGroup
}

// fakeSudo behaves like sudo for the options the runner uses: -n fails
// when a password is needed, -S reads it from stdin (one byte at a time, so
// the rest of stdin is left for the command, as real sudo does), a wrong one
// re-prompts and an EOF gives up.
const fakeSudo = `#!/bin/bash
mode=; prompt='Password: '
while [ $# -gt 0 ]; do
  case $1 in
    -n) mode=n ;;
    -S) mode=S ;;
    -k) ;;
    -p) shift; prompt=$1 ;;
    --) shift; break ;;
    -*) ;;
    *) break ;;
  esac
  shift
done
if [ -n "$FAKE_SUDO_PASSWORD" ]; then
  if [ "$mode" != S ]; then echo "sudo: a password is required" >&2; exit 1; fi
  for try in 1 2 3; do
    printf '%s' "$prompt" >&2
    if ! IFS= read -r pw; then echo "sudo: no password was provided" >&2; exit 1; fi
    [ "$pw" = "$FAKE_SUDO_PASSWORD" ] && break
    echo "Sorry, try again." >&2
    if [ $try = 3 ]; then echo "sudo: 3 incorrect password attempts" >&2; exit 1; fi
  done
fi
exec "$@"
`

func newTestServer(t *testing.T, clientKey ssh.PublicKey) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return newTestServerWithKey(t, clientKey, hostKey, "127.0.0.1:0")
}

func newTestServerWithKey(t *testing.T, clientKey ssh.PublicKey, hostKey ssh.Signer, listen string) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, hostKey: hostKey, addr: ln.Addr().String(), port: ln.Addr().(*net.TCPAddr).Port}
	if clientKey != nil {
		s.authKeys = append(s.authKeys, clientKey)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "sudo"), []byte(fakeSudo), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range s.authKeys {
				if string(k.Marshal()) == string(key.Marshal()) {
					return &ssh.Permissions{}, nil
				}
			}
			return nil, fmt.Errorf("unknown key")
		},
	}
	cfg.AddHostKey(hostKey)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serveConn(nc, cfg, bin)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *testServer) serveConn(nc net.Conn, cfg *ssh.ServerConfig, bin string) {
	defer nc.Close()
	conn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer conn.Close()
	s.mu.Lock()
	s.users = append(s.users, conn.User())
	s.mu.Unlock()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for nch := range chans {
		switch nch.ChannelType() {
		case "session":
			ch, chReqs, err := nch.Accept()
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serveSession(ch, chReqs, bin)
			}()
		case "direct-tcpip":
			var p struct {
				Host       string
				Port       uint32
				OriginHost string
				OriginPort uint32
			}
			if err := ssh.Unmarshal(nch.ExtraData(), &p); err != nil {
				nch.Reject(ssh.ConnectionFailed, "bad payload")
				continue
			}
			target, err := net.Dial("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
			if err != nil {
				nch.Reject(ssh.ConnectionFailed, err.Error())
				continue
			}
			ch, chReqs, err := nch.Accept()
			if err != nil {
				target.Close()
				continue
			}
			go ssh.DiscardRequests(chReqs)
			wg.Add(1)
			go func() {
				defer wg.Done()
				go func() { io.Copy(target, ch); target.(*net.TCPConn).CloseWrite() }()
				io.Copy(ch, target)
				ch.Close()
				target.Close()
			}()
		default:
			nch.Reject(ssh.UnknownChannelType, "not here")
		}
	}
}

func (s *testServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, bin string) {
	defer ch.Close()
	var cmd *exec.Cmd
	var started sync.WaitGroup
	exited := make(chan struct{})
	for req := range reqs {
		switch req.Type {
		case "exec":
			var p struct{ Command string }
			if cmd != nil || ssh.Unmarshal(req.Payload, &p) != nil {
				req.Reply(false, nil)
				continue
			}
			s.mu.Lock()
			s.commands = append(s.commands, p.Command)
			s.mu.Unlock()
			cmd = exec.Command("/bin/sh", "-c", p.Command)
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
			if s.sudoPassword != "" {
				cmd.Env = append(cmd.Env, "FAKE_SUDO_PASSWORD="+s.sudoPassword)
			}
			cmd.Stdout = ch
			cmd.Stderr = ch.Stderr()
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			stdin, err := cmd.StdinPipe()
			if err != nil {
				req.Reply(false, nil)
				continue
			}
			if err := cmd.Start(); err != nil {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			// Not waited for: a client that never sends EOF must not
			// keep the session open after the command exits.
			go func() { io.Copy(stdin, ch); stdin.Close() }()
			started.Add(1)
			go func() {
				defer started.Done()
				err := cmd.Wait()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
					if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
						code = 128 + int(ws.Signal())
					}
				}
				ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(code)}))
				close(exited)
				ch.Close()
			}()
		case "subsystem":
			var p struct{ Name string }
			if ssh.Unmarshal(req.Payload, &p) != nil || p.Name != "sftp" {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			srv, err := sftp.NewServer(ch)
			if err != nil {
				return
			}
			go func() {
				srv.Serve()
				srv.Close()
			}()
		case "signal":
			// Ignored, as OpenSSH does: the runner must stop scripts
			// by closing stdin.
		default:
			if req.WantReply {
				req.Reply(false, nil)
			}
		}
	}
	// The client closed the channel: like sshd, leave nothing running.
	if cmd != nil && cmd.Process != nil {
		select {
		case <-exited:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		started.Wait()
	}
}

func (s *testServer) execCommands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// clientSetup is a client key and known_hosts file for talking to test servers.
type clientSetup struct {
	dir        string
	keyFile    string
	pub        ssh.PublicKey
	knownHosts string
}

func newClient(t *testing.T) clientSetup {
	t.Helper()
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "pallet test")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return clientSetup{dir: dir, keyFile: keyFile, pub: sshPub, knownHosts: filepath.Join(dir, "known_hosts")}
}

// trust writes s's host key into the client's known_hosts.
func (c clientSetup) trust(t *testing.T, s *testServer) {
	t.Helper()
	f, err := os.OpenFile(c.knownHosts, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintln(f, knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, s.hostKey.PublicKey()))
}

// options are hermetic: no ~/.ssh, no agent, fast retries, scripts in a
// temp dir the test can inspect.
func (c clientSetup) options(t *testing.T) Options {
	return Options{
		KnownHostsFile:    c.knownHosts,
		IdentityFiles:     []string{c.keyFile},
		SSHConfigFile:     "none",
		AgentSocket:       "none",
		ConnectTimeout:    5 * time.Second,
		ConnectAttempts:   1,
		RetryBackoff:      10 * time.Millisecond,
		CancelGrace:       2 * time.Second,
		KeepAliveInterval: -1,
		RemoteTmpDir:      t.TempDir(),
	}
}

func (s *testServer) target(user string) Target {
	return Target{Name: "node-" + strconv.Itoa(s.port), Host: "127.0.0.1", Port: s.port, User: user}
}

// startNode is the common case: a trusted server and a connection as user.
func startNode(t *testing.T, user string) (*testServer, clientSetup, *Conn) {
	t.Helper()
	c := newClient(t)
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	conn, err := Dial(t.Context(), s.target(user), c.options(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return s, c, conn
}

// step renders one step of a script in the contract's format, the way the
// compiler does, with body as its apply. fail makes the step report failed.
type step struct {
	crate, name, body string
	status            string // ok, changed, failed, ... ; "" means body decides via exit
}

// script builds a contract-following bash script from steps. Its status
// lines carry PALLET_NONCE, as the compiled scripts' do.
func script(steps ...step) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/bash\nset -u\nok=0 changed=0 would=0 ran=0 failed=0\n")
	b.WriteString(statusMark)
	n := len(steps)
	for i, st := range steps {
		fmt.Fprintf(&b, "echo \"$m begin %d/%d %s %s\"\n", i+1, n, st.crate, st.name)
		fmt.Fprintf(&b, "if ( %s\n ); then s=%s; else s=failed; fi\n", orTrue(st.body), orDefault(st.status, "ran"))
		fmt.Fprintf(&b, "echo \"$m end %d/%d $s 5\"\n", i+1, n)
		b.WriteString(`case $s in ok) ok=$((ok+1));; changed) changed=$((changed+1));; would-change) would=$((would+1));; ran) ran=$((ran+1));; failed) failed=$((failed+1)); exit 1;; esac` + "\n")
	}
	b.WriteString("echo \"$m done $ok $changed $would $ran $failed\"\n")
	return []byte(b.String())
}

// statusMark sets $m to the status line marker with the run's nonce, as
// templates/runtime.sh does, for hand-written test scripts.
const statusMark = "m=\"::pallet::v1${PALLET_NONCE:+ $PALLET_NONCE}\"\n"

func orTrue(s string) string { return orDefault(s, "true") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
