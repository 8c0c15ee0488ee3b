package provider

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// HostKeyHints is what a new node announced about its SSH host keys before
// anyone could have connected, such as the blocks cloud-init prints on a
// cloud server's console at first boot. They let pallet check a node's
// host key on first connect instead of trusting whatever answers:
//
//	-----BEGIN SSH HOST KEY FINGERPRINTS-----
//	256 SHA256:abc... root@web-1 (ED25519)
//	-----END SSH HOST KEY FINGERPRINTS-----
//	-----BEGIN SSH HOST KEY KEYS-----
//	ssh-ed25519 AAAA... root@web-1
//	-----END SSH HOST KEY KEYS-----
//
// Either block may be missing (images without cloud-init, consoles that
// were truncated or rotated); then the hints are empty and converge falls
// back to trusting the key on first use, for nodes it has just created.
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
