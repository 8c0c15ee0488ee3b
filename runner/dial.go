package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// Conn is one SSH connection to one node, kept for the whole run so every
// phase and the OS probe share a single TCP connection and handshake. A Conn
// may run phases one after another; it is safe to Close from another
// goroutine.
type Conn struct {
	target Target
	opts   Options
	user   string
	addr   string
	client *ssh.Client
	hops   []*ssh.Client // ProxyJump clients, closed after client

	closeOnce sync.Once
	closed    chan struct{}
	// lost is why the keepalive gave up on the connection, if it did.
	lost atomic.Pointer[error]
}

// Dial connects to t, verifying its host key and authenticating with the
// configured keys. Connection failures that may be temporary (refused, reset,
// timed out) are retried with backoff up to Options.ConnectAttempts; a
// host-key or authentication failure is returned at once. Any error is a
// *ConnectError.
func Dial(ctx context.Context, t Target, o Options) (*Conn, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, &ConnectError{Node: t.name(), Addr: t.Host, Err: err}
	}
	cfg, err := loadSSHConfig(o.SSHConfigFile)
	if err != nil {
		return nil, &ConnectError{Node: t.name(), Addr: t.Host, Err: err}
	}
	ep, err := cfg.resolve(o, t.Host, t.User, t.Port, 0)
	if err != nil {
		return nil, &ConnectError{Node: t.name(), Addr: t.Host, Err: err}
	}
	for _, hop := range append(append([]endpoint(nil), ep.jumps...), ep) {
		if hop.strict == "no" {
			o.Warn(fmt.Sprintf("SSH config %s asks for StrictHostKeyChecking=no for %s: pallet records unknown host keys as with accept-new, but still refuses changed ones; set accept-new (or yes) to silence this",
				hop.strictFrom, hop.alias))
		}
	}
	// What phases and keepalives use is what the config made of them.
	o.ConnectTimeout, o.KeepAliveInterval, o.KeepAliveCountMax = ep.connectTimeout, ep.keepAlive, ep.keepAliveMax
	keys := newKeySource(o)
	defer keys.close()

	backoff := o.RetryBackoff
	attempt := 0
	for {
		attempt++
		client, hops, err := connect(ctx, ep, keys)
		if err == nil {
			c := &Conn{target: t, opts: o, user: ep.user, addr: ep.addr(), client: client, hops: hops, closed: make(chan struct{})}
			c.startKeepalive()
			return c, nil
		}
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		if ctx.Err() != nil || permanent(err) || attempt >= o.ConnectAttempts {
			return nil, &ConnectError{Node: t.name(), Addr: ep.addr(), Attempts: attempt, Err: err}
		}
		select {
		case <-ctx.Done():
			return nil, &ConnectError{Node: t.name(), Addr: ep.addr(), Attempts: attempt, Err: fmt.Errorf("%w (gave up waiting to retry: %w)", err, ctx.Err())}
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// permanent reports errors that another attempt would only repeat.
func permanent(err error) bool {
	var unknown *UnknownHostKeyError
	var changed *ChangedHostKeyError
	var auth *AuthError
	return errors.As(err, &unknown) || errors.As(err, &changed) || errors.As(err, &auth) ||
		strings.Contains(err.Error(), "known_hosts") || strings.Contains(err.Error(), "@revoked")
}

// connect makes one attempt: through each ProxyJump hop (or the
// ProxyCommand) in turn, then to the node itself.
func connect(ctx context.Context, ep endpoint, keys *keySource) (*ssh.Client, []*ssh.Client, error) {
	var hops []*ssh.Client
	fail := func(err error) (*ssh.Client, []*ssh.Client, error) {
		for i := len(hops) - 1; i >= 0; i-- {
			hops[i].Close()
		}
		return nil, nil, err
	}
	chain := append(append([]endpoint(nil), ep.jumps...), ep)
	for i, hop := range chain {
		var raw net.Conn
		var err error
		dctx, cancel := context.WithTimeout(ctx, hop.connectTimeout)
		switch {
		case i > 0:
			raw, err = hops[i-1].DialContext(dctx, "tcp", hop.addr())
		case hop.proxyCommand != "":
			raw, err = startProxyCommand(hop.proxyCommand)
		default:
			raw, err = (&net.Dialer{}).DialContext(dctx, "tcp", hop.addr())
		}
		cancel()
		if err != nil {
			if i > 0 {
				err = fmt.Errorf("through jump host %s: %w", chain[i-1].addr(), err)
			}
			return fail(fmt.Errorf("connect to %s: %w", hop.addr(), err))
		}
		client, err := handshake(ctx, raw, hop, keys)
		if err != nil {
			if i < len(chain)-1 {
				err = fmt.Errorf("jump host %s: %w", hop.addr(), err)
			}
			return fail(err)
		}
		if i < len(chain)-1 {
			hops = append(hops, client)
		} else {
			return client, hops, nil
		}
	}
	panic("unreachable")
}

// handshake runs the SSH handshake on raw, bounded by the endpoint's
// connect timeout and ctx. The deadline is enforced by closing raw rather
// than SetDeadline, because connections tunnelled through a jump host or a
// ProxyCommand do not support deadlines.
func handshake(ctx context.Context, raw net.Conn, ep endpoint, keys *keySource) (*ssh.Client, error) {
	addr := ep.addr()
	hk := hostKeysFor(ep)
	name := ep.hostKeyName()
	algos, err := hk.algorithms(name)
	if err != nil {
		raw.Close()
		return nil, err
	}
	kr := keys.keysFor(ep)
	cfg := &ssh.ClientConfig{
		User: ep.user,
		Auth: kr.authMethods(),
		// Keys are looked up under HostKeyAlias when there is one, not
		// under the address dialled.
		HostKeyCallback:   func(_ string, remote net.Addr, key ssh.PublicKey) error { return hk.callback(name, remote, key) },
		HostKeyAlgorithms: algos,
		Timeout:           ep.connectTimeout,
	}
	var timedOut atomic.Bool
	timer := time.AfterFunc(ep.connectTimeout, func() { timedOut.Store(true); raw.Close() })
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	conn, chans, reqs, err := ssh.NewClientConn(raw, addr, cfg)
	timer.Stop()
	stop()
	if err != nil {
		proxyFailure := ""
		if p, ok := raw.(*proxyConn); ok && !timedOut.Load() && ctx.Err() == nil {
			proxyFailure = p.failure()
		}
		raw.Close()
		// The host key errors already say everything; drop the
		// "ssh: handshake failed" wrapping around them.
		var unknown *UnknownHostKeyError
		var changed *ChangedHostKeyError
		switch {
		case errors.As(err, &unknown):
			return nil, unknown
		case errors.As(err, &changed):
			return nil, changed
		case ctx.Err() != nil:
			return nil, fmt.Errorf("handshake with %s: %w", addr, ctx.Err())
		case timedOut.Load():
			return nil, fmt.Errorf("handshake with %s: no answer within %s (is it an SSH server? raise the connect timeout for slow links)", addr, ep.connectTimeout)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &AuthError{User: ep.user, Addr: addr, Tried: kr.sources, Notes: kr.notes, Err: err}
		case proxyFailure != "":
			return nil, fmt.Errorf("handshake with %s %s: %w", addr, proxyFailure, err)
		}
		return nil, fmt.Errorf("handshake with %s: %w", addr, err)
	}
	return ssh.NewClient(conn, chans, reqs), nil
}

// startKeepalive probes the connection so a node that vanished (no RST, just
// silence) fails its running phase instead of hanging it forever.
func (c *Conn) startKeepalive() {
	if c.opts.KeepAliveInterval < 0 {
		return
	}
	go func() {
		t := time.NewTicker(c.opts.KeepAliveInterval)
		defer t.Stop()
		for {
			select {
			case <-c.closed:
				return
			case <-t.C:
			}
			reply := make(chan error, 1)
			go func() {
				_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
				reply <- err
			}()
			select {
			case <-c.closed:
				return
			case err := <-reply:
				if err != nil {
					c.lose(fmt.Errorf("keepalive failed: %w", err))
					return
				}
			case <-time.After(time.Duration(c.opts.KeepAliveCountMax) * c.opts.KeepAliveInterval):
				c.lose(fmt.Errorf("no answer to an SSH keepalive within %s (%d keepalives %s apart)",
					time.Duration(c.opts.KeepAliveCountMax)*c.opts.KeepAliveInterval, c.opts.KeepAliveCountMax, c.opts.KeepAliveInterval))
				return
			}
		}
	}()
}

// lose closes the connection, remembering why for the phase it cuts short.
func (c *Conn) lose(why error) {
	c.lost.CompareAndSwap(nil, &why)
	c.Close()
}

// lostReason is why the keepalive closed the connection, or nil.
func (c *Conn) lostReason() error {
	if p := c.lost.Load(); p != nil {
		return *p
	}
	return nil
}

// Target is what c was dialled with.
func (c *Conn) Target() Target { return c.target }

// User is the login user after the SSH config was applied.
func (c *Conn) User() string { return c.user }

// Addr is the node's host:port after the SSH config was applied.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection and any jump-host connections under it.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closed)
		err = c.client.Close()
		for i := len(c.hops) - 1; i >= 0; i-- {
			c.hops[i].Close()
		}
	})
	return err
}
