package runner

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys checks host keys against one known_hosts file. It re-reads the
// file on every check instead of caching it, because with AcceptNewHostKeys
// other goroutines and other pallet processes append to it during a run.
type hostKeys struct {
	file      string
	acceptNew bool
}

func (h hostKeys) load() (ssh.HostKeyCallback, error) {
	cb, err := knownhosts.New(h.file)
	if errors.Is(err, os.ErrNotExist) {
		// No file yet is the same as an empty one: every host is
		// unknown, and accept-new creates the file.
		return knownhosts.New()
	}
	if err != nil {
		return nil, fmt.Errorf("read known hosts %s: %w (fix or move the file)", h.file, err)
	}
	return cb, nil
}

// callback is the ssh.HostKeyCallback for one connection. hostname is the
// "host:port" pallet dialled, which is what known_hosts lines are matched on.
func (h hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	db, err := h.load()
	if err != nil {
		return err
	}
	err = db(hostname, remote, key)
	if err == nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if errors.As(err, &keyErr) {
		if len(keyErr.Want) > 0 {
			return h.changed(hostname, key, keyErr.Want)
		}
		if h.acceptNew {
			return h.record(hostname, remote, key)
		}
		return &UnknownHostKeyError{
			Host:           knownhosts.Normalize(hostname),
			KeyType:        key.Type(),
			Fingerprint:    ssh.FingerprintSHA256(key),
			KnownHostsFile: h.file,
		}
	}
	var revoked *knownhosts.RevokedError
	if errors.As(err, &revoked) {
		return fmt.Errorf("host key %s of %s is marked @revoked in %s:%d; the node must get a new key",
			ssh.FingerprintSHA256(key), knownhosts.Normalize(hostname), revoked.Revoked.Filename, revoked.Revoked.Line)
	}
	return fmt.Errorf("check host key of %s against %s: %w", hostname, h.file, err)
}

func (h hostKeys) changed(hostname string, key ssh.PublicKey, want []knownhosts.KnownKey) error {
	e := &ChangedHostKeyError{
		Host:           knownhosts.Normalize(hostname),
		KeyType:        key.Type(),
		Fingerprint:    ssh.FingerprintSHA256(key),
		KnownHostsFile: h.file,
	}
	for _, k := range want {
		e.Known = append(e.Known, k.Filename+":"+strconv.Itoa(k.Line)+" "+k.Key.Type()+" "+ssh.FingerprintSHA256(k.Key))
	}
	return e
}

// record appends a new host key. The file is locked and re-checked under the
// lock (updateKnownHosts) so that nodes dialled in parallel (or two pallet
// runs) neither duplicate nor interleave lines, and a key that another writer
// recorded meanwhile is still compared rather than overwritten.
func (h hostKeys) record(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(h.file), 0o700); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	var refused error // the check under the lock said no: not an I/O error
	err := updateKnownHosts(h.file, func([]byte) (knownHostsChange, error) {
		db, err := h.load()
		if err != nil {
			refused = err
			return knownHostsChange{}, err
		}
		err = db(hostname, remote, key)
		var keyErr *knownhosts.KeyError
		switch {
		case err == nil:
			return knownHostsChange{}, nil // someone else recorded this very key
		case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
			refused = h.changed(hostname, key, keyErr.Want)
		case !errors.As(err, &keyErr):
			refused = fmt.Errorf("check host key of %s against %s: %w", hostname, h.file, err)
		default:
			return knownHostsChange{appendLine: knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key)}, nil
		}
		return knownHostsChange{}, refused
	})
	if err != nil && err != refused {
		return fmt.Errorf("record host key in %s: %w", h.file, err)
	}
	return err
}

// algorithms lists the host key algorithms to ask the node for: those of the
// keys known_hosts already has for it. Without this the server may pick an
// algorithm for which we hold no key and a known host would look changed.
func (h hostKeys) algorithms(hostname string) ([]string, error) {
	db, err := h.load()
	if err != nil {
		return nil, err
	}
	// Probe with a key no host has: the KeyError lists every known key.
	probe, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public())
	if err != nil {
		return nil, err
	}
	var keyErr *knownhosts.KeyError
	if err := db(hostname, &net.TCPAddr{}, probe); !errors.As(err, &keyErr) {
		return nil, nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range keyErr.Want {
		for _, a := range algorithmsForKeyType(k.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos, nil
}

func algorithmsForKeyType(t string) []string {
	if t == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	return []string{t}
}
