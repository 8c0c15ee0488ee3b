package runner

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// Target is one node to connect to.
type Target struct {
	// Name labels the node in results, events and errors; Host when empty.
	Name string
	// Host is an address or a Host alias from the SSH config.
	Host string
	// Port is the SSH port; 0 takes it from the SSH config, else 22.
	Port int
	// User is the login user; "" takes it from the SSH config, else the
	// local user. Scripts run through sudo unless it is root.
	User string
}

func (t Target) name() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Host
}

// Options says how to connect and run. The zero value works: it reads
// ~/.ssh/config and ~/.ssh/known_hosts, uses ssh-agent and the default keys.
type Options struct {
	// KnownHostsFile is checked for host keys; "" means ~/.ssh/known_hosts.
	KnownHostsFile string
	// AcceptNewHostKeys records keys of hosts not yet in KnownHostsFile
	// instead of refusing them (OpenSSH's StrictHostKeyChecking=accept-new).
	// A changed key is refused regardless.
	AcceptNewHostKeys bool
	// IdentityFiles are private keys to offer, before those named in the
	// SSH config and those in ssh-agent. Passphrase-protected keys must be
	// loaded into ssh-agent instead.
	IdentityFiles []string
	// SSHConfigFile is the OpenSSH client config to honour; "" means
	// ~/.ssh/config (if present), "none" means none.
	SSHConfigFile string
	// AgentSocket is the ssh-agent socket; "" means $SSH_AUTH_SOCK, "none"
	// means do not use an agent.
	AgentSocket string
	// SudoPassword is given to sudo on stdin when the login user is not
	// root. Empty means passwordless sudo (sudo -n).
	SudoPassword string
	// ConnectTimeout bounds each TCP connect plus SSH handshake, per hop;
	// default 15s.
	ConnectTimeout time.Duration
	// ConnectAttempts is how many times to try connecting before giving up
	// on a node that refuses or drops connections (it may still be
	// booting); default 3. Host key and authentication failures are never
	// retried.
	ConnectAttempts int
	// RetryBackoff is the wait after the first failed attempt, doubled
	// after each further one up to 30s; default 1s.
	RetryBackoff time.Duration
	// PhaseTimeout bounds one RunPhase; 0 means no bound beyond the context.
	PhaseTimeout time.Duration
	// CancelGrace is how long a cancelled or timed-out phase gets, after
	// SIGTERM, to stop and clean up before the session is closed;
	// default 5s.
	CancelGrace time.Duration
	// KeepAliveInterval is how often an idle connection is probed so a
	// dead node fails its phase instead of hanging it; default 30s,
	// negative disables.
	KeepAliveInterval time.Duration
	// RemoteTmpDir is where the private script directory is made; default
	// /tmp.
	RemoteTmpDir string
	// KeepScripts leaves the uploaded script on the node for debugging.
	KeepScripts bool
	// TailLines is how many output lines a step result keeps; default 20.
	TailLines int
}

func (o Options) withDefaults() (Options, error) {
	home := func() (string, error) {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find home directory for ~/.ssh: %w (set HOME or pass explicit paths)", err)
		}
		return h, nil
	}
	if o.KnownHostsFile == "" {
		h, err := home()
		if err != nil {
			return o, err
		}
		o.KnownHostsFile = filepath.Join(h, ".ssh", "known_hosts")
	}
	if o.SSHConfigFile == "" {
		if h, err := home(); err == nil {
			o.SSHConfigFile = filepath.Join(h, ".ssh", "config")
			if _, err := os.Stat(o.SSHConfigFile); errors.Is(err, os.ErrNotExist) {
				o.SSHConfigFile = "none"
			}
		} else {
			o.SSHConfigFile = "none"
		}
	}
	if o.AgentSocket == "" {
		o.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
		if o.AgentSocket == "" {
			o.AgentSocket = "none"
		}
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 15 * time.Second
	}
	if o.ConnectAttempts <= 0 {
		o.ConnectAttempts = 3
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Second
	}
	if o.CancelGrace <= 0 {
		o.CancelGrace = 5 * time.Second
	}
	if o.KeepAliveInterval == 0 {
		o.KeepAliveInterval = 30 * time.Second
	}
	if o.RemoteTmpDir == "" {
		o.RemoteTmpDir = "/tmp"
	}
	if o.TailLines <= 0 {
		o.TailLines = DefaultTailLines
	}
	return o, nil
}

// endpoint is one SSH server to log in to, after the SSH config was applied.
type endpoint struct {
	host           string // HostName
	port           int
	user           string
	identityFiles  []string // from the SSH config, expanded
	identitiesOnly bool
	jumps          []endpoint // hops to go through first, in order
}

func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// sshConfig wraps an optional parsed config file.
type sshConfig struct {
	path string
	cfg  *ssh_config.Config
}

func loadSSHConfig(path string) (sshConfig, error) {
	if path == "none" {
		return sshConfig{path: path}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return sshConfig{}, fmt.Errorf("read SSH config: %w (pass another file, or \"none\")", err)
	}
	defer f.Close()
	cfg, err := ssh_config.Decode(f)
	if err != nil {
		return sshConfig{}, fmt.Errorf("parse SSH config %s: %w", path, err)
	}
	return sshConfig{path: path, cfg: cfg}, nil
}

func (c sshConfig) get(alias, key string) (string, error) {
	if c.cfg == nil {
		return "", nil
	}
	v, err := c.cfg.Get(alias, key)
	if err != nil {
		return "", fmt.Errorf("SSH config %s, host %s, %s: %w", c.path, alias, key, err)
	}
	return v, nil
}

func (c sshConfig) getAll(alias, key string) ([]string, error) {
	if c.cfg == nil {
		return nil, nil
	}
	v, err := c.cfg.GetAll(alias, key)
	if err != nil {
		return nil, fmt.Errorf("SSH config %s, host %s, %s: %w", c.path, alias, key, err)
	}
	return v, nil
}

// maxJumpDepth stops ProxyJump loops in a config (a jumps via b jumps via a).
const maxJumpDepth = 8

// resolve applies the SSH config to alias. Explicit user and port (non-zero)
// win over the config, as on the ssh command line.
func (c sshConfig) resolve(alias, login string, port int, depth int) (endpoint, error) {
	if depth > maxJumpDepth {
		return endpoint{}, fmt.Errorf("SSH config %s: ProxyJump chain for %s is longer than %d hops (a loop?)", c.path, alias, maxJumpDepth)
	}
	if alias == "" {
		return endpoint{}, errors.New("no host given")
	}
	e := endpoint{host: alias, port: port, user: login}
	if pc, err := c.get(alias, "ProxyCommand"); err != nil {
		return e, err
	} else if pc != "" && pc != "none" {
		return e, fmt.Errorf("SSH config %s: host %s uses ProxyCommand, which pallet does not run; use ProxyJump instead", c.path, alias)
	}
	if hn, err := c.get(alias, "HostName"); err != nil {
		return e, err
	} else if hn != "" {
		e.host = strings.ReplaceAll(hn, "%h", alias)
	}
	if e.port == 0 {
		p, err := c.get(alias, "Port")
		if err != nil {
			return e, err
		}
		if p != "" {
			if e.port, err = strconv.Atoi(p); err != nil || e.port < 1 || e.port > 65535 {
				return e, fmt.Errorf("SSH config %s: host %s: bad Port %q", c.path, alias, p)
			}
		} else {
			e.port = 22
		}
	}
	if e.user == "" {
		u, err := c.get(alias, "User")
		if err != nil {
			return e, err
		}
		e.user = u
	}
	if e.user == "" {
		u, err := user.Current()
		if err != nil {
			return e, fmt.Errorf("no login user given and the local one is unknown: %w (set the node's user)", err)
		}
		e.user = u.Username
	}
	ids, err := c.getAll(alias, "IdentityFile")
	if err != nil {
		return e, err
	}
	for _, id := range ids {
		e.identityFiles = append(e.identityFiles, expandTokens(id, alias, e))
	}
	if v, err := c.get(alias, "IdentitiesOnly"); err != nil {
		return e, err
	} else {
		e.identitiesOnly = strings.EqualFold(v, "yes")
	}
	pj, err := c.get(alias, "ProxyJump")
	if err != nil {
		return e, err
	}
	if pj == "" || strings.EqualFold(pj, "none") {
		return e, nil
	}
	for i, hop := range strings.Split(pj, ",") {
		hopUser, hopHost, hopPort, err := parseJump(strings.TrimSpace(hop))
		if err != nil {
			return e, fmt.Errorf("SSH config %s: host %s: ProxyJump: %w", c.path, alias, err)
		}
		j, err := c.resolve(hopHost, hopUser, hopPort, depth+1)
		if err != nil {
			return e, err
		}
		// The first hop's own ProxyJump still applies (that is how it
		// is reached); later hops are reached through the earlier ones.
		if i == 0 {
			e.jumps = append(e.jumps, j.jumps...)
		}
		j.jumps = nil
		e.jumps = append(e.jumps, j)
	}
	return e, nil
}

// parseJump splits a ProxyJump hop, [user@]host[:port].
func parseJump(s string) (login, host string, port int, err error) {
	if s == "" {
		return "", "", 0, errors.New("empty hop")
	}
	s = strings.TrimPrefix(s, "ssh://")
	if at := strings.LastIndex(s, "@"); at >= 0 {
		login, s = s[:at], s[at+1:]
	}
	host = s
	if h, p, err := net.SplitHostPort(s); err == nil {
		host = h
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return "", "", 0, fmt.Errorf("bad port in hop %q", s)
		}
	}
	return login, strings.Trim(host, "[]"), port, nil
}

// expandTokens handles the IdentityFile tokens people actually use:
// ~, %d (home), %u (local user), %h (host), %r (remote user), %%.
func expandTokens(s, alias string, e endpoint) string {
	home, _ := os.UserHomeDir()
	if s == "~" || strings.HasPrefix(s, "~/") {
		s = home + s[1:]
	}
	local := ""
	if u, err := user.Current(); err == nil {
		local = u.Username
	}
	r := strings.NewReplacer("%%", "%", "%d", home, "%u", local, "%h", e.host, "%r", e.user, "%n", alias)
	return r.Replace(s)
}
