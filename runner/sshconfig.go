package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// This file is what pallet adds around github.com/kevinburke/ssh_config so
// that a config means to pallet what it means to OpenSSH: Match blocks
// refused with their file:line (the library would treat "Match host x user
// y" as "Host x user y"), token and ~ expansion, OpenSSH time values, and
// which of two keywords came first.

// sshConfig wraps an optional parsed config file.
type sshConfig struct {
	path string
	cfg  *ssh_config.Config
}

// maxIncludeDepth mirrors the library's limit on nested Include.
const maxIncludeDepth = 5

func loadSSHConfig(path string) (sshConfig, error) {
	if path == "none" {
		return sshConfig{path: path}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return sshConfig{}, fmt.Errorf("read SSH config: %w (pass another file, or \"none\")", err)
	}
	// Scan first: the library's own errors for Match (and for anything in
	// an included file) carry a line but no file name.
	if err := scanSSHConfig(path, data, isSystemSSHConfig(path), 0); err != nil {
		return sshConfig{}, err
	}
	cfg, err := ssh_config.DecodeBytes(data)
	if err != nil {
		return sshConfig{}, fmt.Errorf("parse SSH config %s: %s", path, positionRE.ReplaceAllString(err.Error(), "line $1, column $2"))
	}
	return sshConfig{path: path, cfg: cfg}, nil
}

var positionRE = regexp.MustCompile(`\((\d+), (\d+)\)`)

// isSystemSSHConfig is how the library decides where relative Include paths
// point: /etc/ssh for system files, ~/.ssh otherwise (as OpenSSH does).
func isSystemSSHConfig(path string) bool {
	return strings.HasPrefix(filepath.Clean(path), "/etc/ssh")
}

// scanSSHConfig walks a config file and the files it includes, resolved as
// the library resolves them, for Match lines. The library cannot evaluate
// Match (it takes "Match host" for "Host", ignoring any further criteria,
// and rejects the rest), and a Match block silently applied to the wrong
// hosts would connect somewhere the operator did not mean; so any Match
// other than "Match all" is an error naming the line.
func scanSSHConfig(path string, data []byte, system bool, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("SSH config %s: Include nested more than %d deep (a loop?)", path, maxIncludeDepth)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		key, val := splitConfigLine(sc.Text())
		switch strings.ToLower(key) {
		case "match":
			if strings.EqualFold(strings.TrimSpace(val), "all") {
				continue
			}
			return fmt.Errorf("%s:%d: Match %s: pallet cannot evaluate Match blocks (its SSH config reader, kevinburke/ssh_config, does not), and will not guess; "+
				"write the block as a Host block, or give pallet a config without it (--ssh-config FILE)", path, n, strings.TrimSpace(val))
		case "include":
			for _, pat := range strings.Fields(val) {
				matches, err := filepath.Glob(includePath(pat, system))
				if err != nil {
					return fmt.Errorf("%s:%d: Include %s: %w", path, n, pat, err)
				}
				for _, m := range matches {
					inc, err := os.ReadFile(m)
					if err != nil {
						return fmt.Errorf("%s:%d: Include: %w", path, n, err)
					}
					if err := scanSSHConfig(m, inc, system || isSystemSSHConfig(m), depth+1); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read SSH config %s: %w", path, err)
	}
	return nil
}

// includePath resolves an Include argument the way the library does.
func includePath(p string, system bool) string {
	switch {
	case filepath.IsAbs(p):
		return p
	case system:
		return filepath.Join("/etc/ssh", p)
	case strings.HasPrefix(p, "~/"):
		return filepath.Join(libraryHome(), p[2:])
	}
	return filepath.Join(libraryHome(), ".ssh", p)
}

// libraryHome is the home directory the library resolves Include with:
// the passwd entry's, not $HOME.
func libraryHome() string {
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return os.Getenv("HOME")
}

// splitConfigLine splits "Key value", "Key=value" or "Key = value".
func splitConfigLine(line string) (key, val string) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", ""
	}
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return line, ""
	}
	key, val = line[:i], strings.TrimLeft(line[i:], " \t")
	val = strings.TrimLeft(strings.TrimPrefix(val, "="), " \t")
	return key, val
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

// first returns which of keys the config sets first for alias, and its
// value: OpenSSH uses the first obtained of ProxyCommand and ProxyJump.
// Within one Include the library cannot say which came first; if both are
// there, that is an error rather than a guess.
func (c sshConfig) first(alias string, keys ...string) (key, val string, err error) {
	if c.cfg == nil {
		return "", "", nil
	}
	for _, h := range c.cfg.Hosts {
		if !h.Matches(alias) {
			continue
		}
		for _, n := range h.Nodes {
			switch n := n.(type) {
			case *ssh_config.KV:
				for _, k := range keys {
					if strings.EqualFold(n.Key, k) {
						return k, n.Value, nil
					}
				}
			case *ssh_config.Include:
				var found []string
				for _, k := range keys {
					if v := n.Get(alias, k); v != "" {
						found = append(found, k)
						key, val = k, v
					}
				}
				if len(found) > 1 {
					return "", "", fmt.Errorf("SSH config %s:%d: the files of this Include set both %s for host %s, and pallet cannot tell which comes first; set only one",
						c.path, n.Pos().Line, strings.Join(found, " and "), alias)
				}
				if len(found) == 1 {
					return key, val, nil
				}
			}
		}
	}
	return "", "", nil
}

// configYesNo parses a yes/no keyword; "" is def.
func configYesNo(v string, def bool) (bool, error) {
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("want yes or no, not %q", v)
}

// configTime parses an OpenSSH time value (sshd_config(5) TIME FORMATS):
// a number of seconds, or a sequence like 1m30s with s, m, h, d, w.
func configTime(v string) (time.Duration, error) {
	if v == "" {
		return 0, errors.New("empty time")
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative time %q", v)
		}
		return time.Duration(n) * time.Second, nil
	}
	var total time.Duration
	rest := strings.ToLower(v)
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("bad time %q (want e.g. 30, 30s, 1m30s)", v)
		}
		n, _ := strconv.Atoi(rest[:i])
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[rest[i]]
		if unit == 0 {
			return 0, fmt.Errorf("bad time %q (units are s, m, h, d, w)", v)
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	return total, nil
}

// splitConfigArgs splits a value that lists several words (UserKnownHostsFile
// a b), honouring double quotes as OpenSSH does.
func splitConfigArgs(v string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for _, r := range v {
		switch {
		case r == '"':
			inQuote = !inQuote
			inWord = true
		case !inQuote && (r == ' ' || r == '\t'):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quote in %q", v)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// tokens is what OpenSSH's % tokens stand for, for one endpoint.
type tokens struct {
	alias      string // %n: the host as given
	host       string // %h: after HostName
	port       int    // %p
	remoteUser string // %r
	keyAlias   string // %k: HostKeyAlias, else the host as given
}

// expandPath expands a leading ~ and the tokens OpenSSH expands in
// IdentityFile, CertificateFile, IdentityAgent and UserKnownHostsFile:
// %% %d %h %i %k %L %l %n %p %r %u. Tokens pallet does not know (%C, %j,
// %T...) are an error rather than a file name with a % in it.
func (tk tokens) expandPath(keyword, s string) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil && (strings.HasPrefix(s, "~") || strings.Contains(s, "%d")) {
		return "", fmt.Errorf("%s %s: %w", keyword, s, err)
	}
	switch {
	case s == "~" || strings.HasPrefix(s, "~/"):
		s = home + s[1:]
	case strings.HasPrefix(s, "~"):
		return "", fmt.Errorf("%s %s: ~user is not supported; write the path out", keyword, s)
	}
	local := ""
	if u, err := user.Current(); err == nil {
		local = u.Username
	}
	fqdn, _ := os.Hostname()
	short, _, _ := strings.Cut(fqdn, ".")
	return expandPercent(keyword, s, map[byte]string{
		'd': home, 'h': tk.host, 'i': strconv.Itoa(os.Getuid()), 'k': tk.keyAlias,
		'L': short, 'l': fqdn, 'n': tk.alias, 'p': strconv.Itoa(tk.port), 'r': tk.remoteUser, 'u': local,
	}, nil)
}

// expandCommand expands the tokens OpenSSH expands in ProxyCommand (%% %h
// %n %p %r), each value shell-quoted: a host name from an inventory must
// not become shell syntax.
func (tk tokens) expandCommand(keyword, s string) (string, error) {
	return expandPercent(keyword, s, map[byte]string{
		'h': tk.host, 'n': tk.alias, 'p': strconv.Itoa(tk.port), 'r': tk.remoteUser,
	}, shellWord)
}

func expandPercent(keyword, s string, vals map[byte]string, quote func(string) string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("%s %s: lone %% at the end (write %%%% for a %%)", keyword, s)
		}
		i++
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		v, ok := vals[s[i]]
		if !ok {
			return "", fmt.Errorf("%s %s: pallet does not expand %%%c here", keyword, s, s[i])
		}
		if quote != nil {
			v = quote(v)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// shellWord quotes s for sh unless it is plainly safe; leaving safe words
// bare keeps "ssh -W '%h:%p' jump" working as it does with OpenSSH.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:@/+,=") == "" {
		return s
	}
	return shellQuote(s)
}
