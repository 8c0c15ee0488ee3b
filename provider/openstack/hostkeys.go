package openstack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"
)

// HostKeyHints is what a new server's console log says about its SSH host
// keys. cloud-init prints them at first boot, before anyone could have
// connected, so they let the runner check a node's host key on first
// connect instead of trusting whatever answers:
//
//	-----BEGIN SSH HOST KEY FINGERPRINTS-----
//	256 SHA256:abc... root@web-1 (ED25519)
//	-----END SSH HOST KEY FINGERPRINTS-----
//	-----BEGIN SSH HOST KEY KEYS-----
//	ssh-ed25519 AAAA... root@web-1
//	-----END SSH HOST KEY KEYS-----
//
// Either block may be missing (images without cloud-init, consoles that
// were truncated or rotated); then the hints are empty and the runner
// falls back to accept-new for nodes it has just created.
type HostKeyHints struct {
	// Fingerprints are SHA256 fingerprints as ssh-keygen -l prints them,
	// "SHA256:..." (MD5 ones from old cloud-init are kept as "MD5:...").
	Fingerprints []string
	// Keys are public keys in authorized_keys form ("ssh-ed25519 AAAA...").
	Keys []string
}

// Empty reports whether the console said nothing usable.
func (h HostKeyHints) Empty() bool { return len(h.Fingerprints) == 0 && len(h.Keys) == 0 }

// ErrHostKeyMismatch means a node presented a host key its console log did
// not announce: possibly someone in the middle, or a reused address.
var ErrHostKeyMismatch = errors.New("host key does not match the fingerprints the server printed on its console")

// Verify checks key against the hints: it must equal one of Keys or have
// one of Fingerprints. Use it in an ssh.HostKeyCallback. Empty hints
// verify nothing and return an error, so a caller cannot mistake "no
// information" for "checked".
func (h HostKeyHints) Verify(key ssh.PublicKey) error {
	if h.Empty() {
		return errors.New("no host key hints from the console log: fall back to accept-new")
	}
	wire := key.Marshal()
	for _, k := range h.Keys {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err == nil && bytes.Equal(pk.Marshal(), wire) {
			return nil
		}
	}
	sha, md5 := ssh.FingerprintSHA256(key), "MD5:"+ssh.FingerprintLegacyMD5(key)
	for _, f := range h.Fingerprints {
		if f == sha || f == md5 {
			return nil
		}
	}
	return fmt.Errorf("%w: got %s %s, console announced %s", ErrHostKeyMismatch, key.Type(), sha, strings.Join(h.Fingerprints, ", "))
}

// KnownHosts renders Keys as known_hosts lines for host:port.
func (h HostKeyHints) KnownHosts(host string, port int) []byte {
	if port != 22 && port != 0 {
		host = fmt.Sprintf("[%s]:%d", host, port)
	}
	var b strings.Builder
	for _, k := range h.Keys {
		f := strings.Fields(k)
		if len(f) >= 2 {
			fmt.Fprintf(&b, "%s %s %s\n", host, f[0], f[1])
		}
	}
	return []byte(b.String())
}

// Some distributions prefix console lines ("ec2: ", "ci-info: ") and
// kernels interleave timestamps; strip those before matching.
var consolePrefix = regexp.MustCompile(`^(\[\s*[0-9.]+\]\s*)?([a-z0-9-]+:\s)?`)

var fingerprintRE = regexp.MustCompile(`^\d+\s+((?:SHA256|MD5):\S+|(?:[0-9a-f]{2}:){15}[0-9a-f]{2})\s`)

// ParseConsoleHostKeys extracts cloud-init's host key blocks from a
// console log. When a block appears more than once (reboots), the last
// one wins, because the keys may have been regenerated.
func ParseConsoleHostKeys(console string) HostKeyHints {
	var h HostKeyHints
	var block string // "", "fp" or "keys"
	var fps, keys []string
	sc := bufio.NewScanner(strings.NewReader(console))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimRight(sc.Text(), "\r"))
		line = consolePrefix.ReplaceAllString(line, "")
		switch {
		case strings.Contains(line, "-----BEGIN SSH HOST KEY FINGERPRINTS-----"):
			block, fps = "fp", nil
		case strings.Contains(line, "-----END SSH HOST KEY FINGERPRINTS-----"):
			if block == "fp" {
				h.Fingerprints = fps
			}
			block = ""
		case strings.Contains(line, "-----BEGIN SSH HOST KEY KEYS-----"):
			block, keys = "keys", nil
		case strings.Contains(line, "-----END SSH HOST KEY KEYS-----"):
			if block == "keys" {
				h.Keys = keys
			}
			block = ""
		case block == "fp":
			if m := fingerprintRE.FindStringSubmatch(line + " "); m != nil {
				fp := m[1]
				if !strings.HasPrefix(fp, "SHA256:") && !strings.HasPrefix(fp, "MD5:") {
					fp = "MD5:" + fp
				}
				fps = append(fps, fp)
			}
		case block == "keys":
			if pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
				_ = comment
				keys = append(keys, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))))
			}
		}
	}
	return h
}
