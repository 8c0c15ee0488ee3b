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
// ~/.ssh/config and what it names (else ~/.ssh/known_hosts, ssh-agent and
// the default keys). A field that is set wins over the SSH config, as a
// flag on the ssh command line does.
type Options struct {
	// KnownHostsFile is checked for host keys and receives new ones; ""
	// means the SSH config's UserKnownHostsFile, else ~/.ssh/known_hosts.
	KnownHostsFile string
	// AcceptNewHostKeys records keys of hosts not yet in KnownHostsFile
	// instead of refusing them (OpenSSH's StrictHostKeyChecking=accept-new).
	// A changed key is refused regardless. False leaves it to the SSH
	// config's StrictHostKeyChecking.
	AcceptNewHostKeys bool
	// IdentityFiles are private keys to offer, before those named in the
	// SSH config and those in ssh-agent. Passphrase-protected keys must be
	// loaded into ssh-agent instead.
	IdentityFiles []string
	// SSHConfigFile is the OpenSSH client config to honour; "" means
	// ~/.ssh/config (if present), "none" means none.
	SSHConfigFile string
	// AgentSocket is the ssh-agent socket; "" means the SSH config's
	// IdentityAgent, else $SSH_AUTH_SOCK; "none" means do not use an agent.
	AgentSocket string
	// SudoPassword is given to sudo on stdin when the login user is not
	// root. Empty means passwordless sudo (sudo -n).
	SudoPassword string
	// NoSudo runs scripts as the login user, without sudo (pallet-run
	// exec --sudo=false); SudoPassword is then not used.
	NoSudo bool
	// ConnectTimeout bounds each TCP connect plus SSH handshake, per hop;
	// 0 means the SSH config's ConnectTimeout, else 15s.
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
	// dead node fails its phase instead of hanging it; 0 means the SSH
	// config's ServerAliveInterval (where 0 disables), else 30s; negative
	// disables.
	KeepAliveInterval time.Duration
	// KeepAliveCountMax is how many intervals a probe may go unanswered
	// before the connection counts as lost; 0 means the SSH config's
	// ServerAliveCountMax, else 3.
	KeepAliveCountMax int
	// Warn receives warnings about the SSH config that do not stop the
	// connection (StrictHostKeyChecking=no); nil writes them to stderr.
	Warn func(msg string)
	// RemoteTmpDir is where the private script directory is made; default
	// /tmp.
	RemoteTmpDir string
	// KeepScripts leaves the uploaded script on the node for debugging.
	KeepScripts bool
	// TailLines is how many output lines a step result keeps; default 20.
	TailLines int
	// RedactOutput, when set, rewrites every line of a script's output
	// (stdout and stderr, status lines' messages included) before
	// anything sees it: events, step tails, results. pallet-run passes
	// its secrets' redactor, so a secret a step prints is in no log,
	// recap or JSON document. The runner holds no secrets of its own.
	RedactOutput func(line string) string
}

// withDefaults fills in what does not depend on the SSH config; the rest
// (known hosts, agent, timeouts, keepalives) resolve fills per endpoint.
func (o Options) withDefaults() (Options, error) {
	if o.SSHConfigFile == "" {
		if h, err := os.UserHomeDir(); err == nil {
			o.SSHConfigFile = filepath.Join(h, ".ssh", "config")
			if _, err := os.Stat(o.SSHConfigFile); errors.Is(err, os.ErrNotExist) {
				o.SSHConfigFile = "none"
			}
		} else {
			o.SSHConfigFile = "none"
		}
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
	if o.RemoteTmpDir == "" {
		o.RemoteTmpDir = "/tmp"
	}
	if o.TailLines <= 0 {
		o.TailLines = DefaultTailLines
	}
	if o.Warn == nil {
		o.Warn = func(msg string) { fmt.Fprintln(os.Stderr, "pallet: WARNING: "+msg) }
	}
	return o, nil
}

// endpoint is one SSH server to log in to, after the SSH config and the
// Options were applied.
type endpoint struct {
	alias            string // the host as given, before HostName
	host             string // HostName
	port             int
	user             string
	identityFiles    []string // from the SSH config, expanded
	certificateFiles []string // from the SSH config, expanded
	identitiesOnly   bool
	agentSocket      string   // a path, or "none"
	knownHosts       []string // checked, in order; new keys go into the first
	globalKnownHosts []string // checked, never written
	hashKnownHosts   bool     // record new keys under a hashed name
	strict           string   // "yes", "accept-new" or "no"
	strictFrom       string   // where strict "no" came from, for the warning
	hostKeyAlias     string   // looked up and recorded instead of host:port
	proxyCommand     string   // run with sh -c, tokens expanded; "" none
	connectTimeout   time.Duration
	keepAlive        time.Duration // <0: none
	keepAliveMax     int
	jumps            []endpoint // hops to go through first, in order
}

func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// hostKeyName is the name host keys are looked up and recorded under:
// HostKeyAlias as it is (OpenSSH adds no port to it), else host:port.
func (e endpoint) hostKeyName() string {
	if e.hostKeyAlias != "" {
		return net.JoinHostPort(e.hostKeyAlias, "22")
	}
	return e.addr()
}

// maxJumpDepth stops ProxyJump loops in a config (a jumps via b jumps via a).
const maxJumpDepth = 8

// refusedKeywords change how a connection is made or verified in ways
// pallet does not implement; quietly ignoring them would connect
// differently from ssh, so a host that sets one is refused.
var refusedKeywords = []struct{ key, why string }{
	{"KnownHostsCommand", "pallet verifies host keys only against known_hosts files"},
	{"RevokedHostKeys", "pallet cannot read key revocation lists; mark revoked keys @revoked in known_hosts instead"},
	{"BindAddress", "pallet connects from the default address"},
	{"BindInterface", "pallet connects from the default interface"},
	{"PKCS11Provider", "load the token's keys into ssh-agent instead"},
	{"ProxyUseFdpass", "pallet talks to ProxyCommand over its stdin and stdout only"},
}

// resolve applies the SSH config and o to alias. Explicit user and port
// (non-zero) and the set fields of o win over the config, as on the ssh
// command line; within the config the first value obtained wins.
func (c sshConfig) resolve(o Options, alias, login string, port int, depth int) (endpoint, error) {
	if depth > maxJumpDepth {
		return endpoint{}, fmt.Errorf("SSH config %s: ProxyJump chain for %s is longer than %d hops (a loop?)", c.path, alias, maxJumpDepth)
	}
	if alias == "" {
		return endpoint{}, errors.New("no host given")
	}
	e := endpoint{alias: alias, host: alias, port: port, user: login}
	bad := func(key, v string, err error) error {
		return fmt.Errorf("SSH config %s: host %s: %s %s: %w", c.path, alias, key, v, err)
	}
	for _, r := range refusedKeywords {
		v, err := c.get(alias, r.key)
		if err != nil {
			return e, err
		}
		if v != "" && !strings.EqualFold(v, "none") && !strings.EqualFold(v, "no") {
			return e, fmt.Errorf("SSH config %s: host %s sets %s, which pallet does not honour (%s); remove it for this host or give pallet another config (--ssh-config)", c.path, alias, r.key, r.why)
		}
	}
	if v, err := c.get(alias, "CanonicalizeHostname"); err != nil {
		return e, err
	} else if l := strings.ToLower(v); l != "" && l != "no" && l != "none" {
		return e, fmt.Errorf("SSH config %s: host %s: CanonicalizeHostname %s: pallet does not canonicalize host names (its Host blocks would match other names than ssh's); set HostName to the full name instead", c.path, alias, v)
	}
	if hn, err := c.get(alias, "HostName"); err != nil {
		return e, err
	} else if hn != "" {
		if e.host, err = expandPercent("HostName", hn, map[byte]string{'h': alias}, nil); err != nil {
			return e, fmt.Errorf("SSH config %s: host %s: %w", c.path, alias, err)
		}
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
	var err error
	if e.hostKeyAlias, err = c.get(alias, "HostKeyAlias"); err != nil {
		return e, err
	}
	tk := tokens{alias: alias, host: e.host, port: e.port, remoteUser: e.user, keyAlias: alias}
	if e.hostKeyAlias != "" {
		tk.keyAlias = e.hostKeyAlias
	}
	expandAll := func(key string) ([]string, error) {
		vals, err := c.getAll(alias, key)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, v := range vals {
			x, err := tk.expandPath(key, v)
			if err != nil {
				return nil, fmt.Errorf("SSH config %s: host %s: %w", c.path, alias, err)
			}
			out = append(out, x)
		}
		return out, nil
	}
	if e.identityFiles, err = expandAll("IdentityFile"); err != nil {
		return e, err
	}
	if e.certificateFiles, err = expandAll("CertificateFile"); err != nil {
		return e, err
	}
	v, err := c.get(alias, "IdentitiesOnly")
	if err != nil {
		return e, err
	}
	if e.identitiesOnly, err = configYesNo(v, false); err != nil {
		return e, bad("IdentitiesOnly", v, err)
	}
	if err := c.resolveAgent(o, &e, tk); err != nil {
		return e, err
	}
	if err := c.resolveHostKeys(o, &e, tk); err != nil {
		return e, err
	}
	if err := c.resolveTimers(o, &e); err != nil {
		return e, err
	}

	// OpenSSH takes whichever of ProxyCommand and ProxyJump comes first
	// (ProxyJump is a ProxyCommand to it); "none" for the first means
	// neither.
	key, val, err := c.first(alias, "ProxyCommand", "ProxyJump")
	if err != nil || val == "" || strings.EqualFold(val, "none") {
		return e, err
	}
	if key == "ProxyCommand" {
		if e.proxyCommand, err = tk.expandCommand("ProxyCommand", val); err != nil {
			return e, fmt.Errorf("SSH config %s: host %s: %w", c.path, alias, err)
		}
		return e, nil
	}
	for i, hop := range strings.Split(val, ",") {
		hopUser, hopHost, hopPort, err := parseJump(strings.TrimSpace(hop))
		if err != nil {
			return e, fmt.Errorf("SSH config %s: host %s: ProxyJump: %w", c.path, alias, err)
		}
		j, err := c.resolve(o, hopHost, hopUser, hopPort, depth+1)
		if err != nil {
			return e, err
		}
		// The first hop's own ProxyJump (or ProxyCommand) still applies
		// (that is how it is reached); later hops are reached through the
		// earlier ones.
		if i == 0 {
			e.jumps = append(e.jumps, j.jumps...)
		} else {
			j.proxyCommand = ""
		}
		j.jumps = nil
		e.jumps = append(e.jumps, j)
	}
	return e, nil
}

// resolveAgent picks the agent socket: Options.AgentSocket, else
// IdentityAgent (a path, "none", "SSH_AUTH_SOCK" or "$VAR"), else
// $SSH_AUTH_SOCK.
func (c sshConfig) resolveAgent(o Options, e *endpoint, tk tokens) error {
	e.agentSocket = o.AgentSocket
	if e.agentSocket == "" {
		v, err := c.get(e.alias, "IdentityAgent")
		if err != nil {
			return err
		}
		switch {
		case v == "" || v == "SSH_AUTH_SOCK":
			e.agentSocket = os.Getenv("SSH_AUTH_SOCK")
		case strings.EqualFold(v, "none"):
			e.agentSocket = "none"
		case strings.HasPrefix(v, "$"):
			e.agentSocket = os.Getenv(v[1:])
		default:
			if e.agentSocket, err = tk.expandPath("IdentityAgent", v); err != nil {
				return fmt.Errorf("SSH config %s: host %s: %w", c.path, e.alias, err)
			}
		}
	}
	if e.agentSocket == "" {
		e.agentSocket = "none"
	}
	return nil
}

// resolveHostKeys picks the known_hosts files and how unknown keys are
// treated.
func (c sshConfig) resolveHostKeys(o Options, e *endpoint, tk tokens) error {
	files := func(key string, expand bool) ([]string, bool, error) {
		v, err := c.get(e.alias, key)
		if err != nil || v == "" {
			return nil, false, err
		}
		words, err := splitConfigArgs(v)
		if err != nil {
			return nil, false, fmt.Errorf("SSH config %s: host %s: %s: %w", c.path, e.alias, key, err)
		}
		if len(words) == 1 && strings.EqualFold(words[0], "none") {
			return nil, true, nil
		}
		if expand {
			for i, w := range words {
				if words[i], err = tk.expandPath(key, w); err != nil {
					return nil, false, fmt.Errorf("SSH config %s: host %s: %w", c.path, e.alias, err)
				}
			}
		}
		return words, true, nil
	}
	if o.KnownHostsFile != "" {
		e.knownHosts = []string{o.KnownHostsFile}
	} else {
		fs, set, err := files("UserKnownHostsFile", true)
		if err != nil {
			return err
		}
		e.knownHosts = fs
		if !set {
			h, err := os.UserHomeDir()
			if err != nil {
				return fmt.Errorf("find home directory for ~/.ssh/known_hosts: %w (set HOME or pass --known-hosts)", err)
			}
			e.knownHosts = []string{filepath.Join(h, ".ssh", "known_hosts")}
		}
	}
	// OpenSSH's global files are only read when the config names them:
	// pallet has never read /etc/ssh/ssh_known_hosts on its own.
	gs, _, err := files("GlobalKnownHostsFile", false)
	if err != nil {
		return err
	}
	e.globalKnownHosts = gs
	v, err := c.get(e.alias, "HashKnownHosts")
	if err != nil {
		return err
	}
	if e.hashKnownHosts, err = configYesNo(v, false); err != nil {
		return fmt.Errorf("SSH config %s: host %s: HashKnownHosts: %w", c.path, e.alias, err)
	}
	v, err = c.get(e.alias, "StrictHostKeyChecking")
	if err != nil {
		return err
	}
	switch strings.ToLower(v) {
	case "", "yes", "true", "ask":
		// pallet cannot ask: ask is yes, as with BatchMode.
		e.strict = "yes"
	case "accept-new":
		e.strict = "accept-new"
	case "no", "false", "off":
		e.strict, e.strictFrom = "no", c.path
	default:
		return fmt.Errorf("SSH config %s: host %s: StrictHostKeyChecking %q: want yes, accept-new, no or ask", c.path, e.alias, v)
	}
	if o.AcceptNewHostKeys {
		e.strict, e.strictFrom = "accept-new", ""
	}
	return nil
}

// resolveTimers picks the connect timeout and keepalives: Options, else
// ConnectTimeout and ServerAliveInterval/ServerAliveCountMax, else
// pallet's defaults (15s; every 30s, 3 tries).
func (c sshConfig) resolveTimers(o Options, e *endpoint) error {
	get := func(key string) (time.Duration, bool, error) {
		v, err := c.get(e.alias, key)
		if err != nil || v == "" || strings.EqualFold(v, "none") {
			return 0, false, err
		}
		d, err := configTime(v)
		if err != nil {
			return 0, false, fmt.Errorf("SSH config %s: host %s: %s: %w", c.path, e.alias, key, err)
		}
		return d, true, nil
	}
	e.connectTimeout = o.ConnectTimeout
	if e.connectTimeout <= 0 {
		d, set, err := get("ConnectTimeout")
		if err != nil {
			return err
		}
		e.connectTimeout = 15 * time.Second
		if set && d > 0 {
			e.connectTimeout = d
		}
	}
	e.keepAlive = o.KeepAliveInterval
	if e.keepAlive == 0 {
		d, set, err := get("ServerAliveInterval")
		if err != nil {
			return err
		}
		switch {
		case !set:
			e.keepAlive = 30 * time.Second
		case d == 0:
			e.keepAlive = -1 // OpenSSH: 0 turns keepalives off
		default:
			e.keepAlive = d
		}
	}
	e.keepAliveMax = o.KeepAliveCountMax
	if e.keepAliveMax <= 0 {
		v, err := c.get(e.alias, "ServerAliveCountMax")
		if err != nil {
			return err
		}
		e.keepAliveMax = 3
		if v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("SSH config %s: host %s: ServerAliveCountMax %q: want a count of at least 1", c.path, e.alias, v)
			}
			e.keepAliveMax = n
		}
	}
	return nil
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
