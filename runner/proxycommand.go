package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// proxyConn is a connection through an SSH config ProxyCommand: the command
// runs locally under sh -c, and its stdin and stdout are the connection to
// the node, as with OpenSSH. Its stderr is kept (the last few KiB) for the
// error when the connection fails. Closing the connection kills the
// command's whole process group, so "sh -c 'ssh -W ...'" leaves nothing
// behind.
type proxyConn struct {
	command string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stdout  io.ReadCloser
	stderr  *tailBuffer

	closeOnce sync.Once
	exited    chan struct{} // closed once the command was waited for
	waitErr   error
}

func startProxyCommand(command string) (*proxyConn, error) {
	cmd := exec.Command("/bin/sh", "-c", command)
	setProcessGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &proxyConn{command: command, cmd: cmd, stdin: stdin, stdout: stdout, stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ProxyCommand %q: %w", command, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *proxyConn) Read(b []byte) (int, error)  { return p.stdout.Read(b) }
func (p *proxyConn) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close ends the command: its stdin first (a polite proxy exits on EOF),
// then its process group.
func (p *proxyConn) Close() error {
	p.closeOnce.Do(func() {
		p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(100 * time.Millisecond):
		}
		killProcessGroup(p.cmd)
		<-p.exited
	})
	return nil
}

// failure describes why the command ended, for a failed handshake: its
// exit status and what it said on stderr.
func (p *proxyConn) failure() string {
	select {
	case <-p.exited:
	case <-time.After(500 * time.Millisecond):
	}
	var parts []string
	select {
	case <-p.exited:
		if p.waitErr != nil {
			parts = append(parts, "it exited: "+p.waitErr.Error())
		} else {
			parts = append(parts, "it exited")
		}
	default:
	}
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		parts = append(parts, "its stderr: "+s)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("through ProxyCommand %q", p.command)
	}
	return fmt.Sprintf("through ProxyCommand %q: %s", p.command, strings.Join(parts, "; "))
}

var errProxyDeadline = errors.New("ProxyCommand connections have no deadlines")

// proxyAddr stands for both ends: a TCP address with nothing in it, since
// code that checks remote addresses (knownhosts) wants TCP.
var proxyAddr = &net.TCPAddr{}

func (p *proxyConn) LocalAddr() net.Addr              { return proxyAddr }
func (p *proxyConn) RemoteAddr() net.Addr             { return proxyAddr }
func (p *proxyConn) SetDeadline(time.Time) error      { return errProxyDeadline }
func (p *proxyConn) SetReadDeadline(time.Time) error  { return errProxyDeadline }
func (p *proxyConn) SetWriteDeadline(time.Time) error { return errProxyDeadline }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(b)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
