package runner

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys checks host keys against the known_hosts files of one endpoint:
// UserKnownHostsFile's (several may be listed; new keys go into the first)
// and GlobalKnownHostsFile's (read only). It re-reads the files on every
// check instead of caching them, because with accept-new other goroutines
// and other pallet processes append to them during a run.
type hostKeys struct {
	files     []string // user files; files[0] receives new keys
	global    []string
	acceptNew bool // StrictHostKeyChecking accept-new (or no, which pallet treats alike)
	hash      bool // HashKnownHosts: record under a hashed name
}

func hostKeysFor(ep endpoint) hostKeys {
	return hostKeys{files: ep.knownHosts, global: ep.globalKnownHosts, acceptNew: ep.strict != "yes", hash: ep.hashKnownHosts}
}

// recordFile is where new keys go and what messages name.
func (h hostKeys) recordFile() string {
	if len(h.files) == 0 {
		return "(UserKnownHostsFile none)"
	}
	return h.files[0]
}

func (h hostKeys) load() (ssh.HostKeyCallback, error) {
	// A missing file is the same as an empty one: every host is unknown
	// to it, and accept-new creates the first.
	var files []string
	for _, f := range append(append([]string(nil), h.files...), h.global...) {
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
			continue
		}
		files = append(files, f)
	}
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, fmt.Errorf("read known hosts: %w (fix or move the file)", err)
	}
	return cb, nil
}

// callback is the ssh.HostKeyCallback for one connection. hostname is the
// name keys are looked up under: "host:port" as dialled, or HostKeyAlias.
func (h hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if _, ok := remote.(*net.TCPAddr); !ok {
		// knownhosts insists on a TCP address, though it matches on
		// hostname alone; jump and ProxyCommand connections have none.
		remote = &net.TCPAddr{}
	}
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
		if h.acceptNew && len(h.files) > 0 {
			return h.record(hostname, remote, key)
		}
		return &UnknownHostKeyError{
			Host:           knownhosts.Normalize(hostname),
			KeyType:        key.Type(),
			Fingerprint:    ssh.FingerprintSHA256(key),
			KnownHostsFile: h.recordFile(),
		}
	}
	var revoked *knownhosts.RevokedError
	if errors.As(err, &revoked) {
		return fmt.Errorf("host key %s of %s is marked @revoked in %s:%d; the node must get a new key",
			ssh.FingerprintSHA256(key), knownhosts.Normalize(hostname), revoked.Revoked.Filename, revoked.Revoked.Line)
	}
	return fmt.Errorf("check host key of %s against %s: %w", hostname, strings.Join(append(append([]string(nil), h.files...), h.global...), ", "), err)
}

func (h hostKeys) changed(hostname string, key ssh.PublicKey, want []knownhosts.KnownKey) error {
	e := &ChangedHostKeyError{
		Host:           knownhosts.Normalize(hostname),
		KeyType:        key.Type(),
		Fingerprint:    ssh.FingerprintSHA256(key),
		KnownHostsFile: want[0].Filename,
	}
	for _, k := range want {
		e.Known = append(e.Known, k.Filename+":"+strconv.Itoa(k.Line)+" "+k.Key.Type()+" "+ssh.FingerprintSHA256(k.Key))
	}
	return e
}

// record appends a new host key to the first user file. The file is locked
// and all files re-checked under the lock (updateKnownHosts) so that nodes
// dialled in parallel (or two pallet runs) neither duplicate nor interleave
// lines, and a key that another writer recorded meanwhile is still
// compared rather than overwritten.
func (h hostKeys) record(hostname string, remote net.Addr, key ssh.PublicKey) error {
	file := h.files[0]
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	var refused error // the check under the lock said no: not an I/O error
	err := updateKnownHosts(file, func([]byte) (knownHostsChange, error) {
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
			refused = fmt.Errorf("check host key of %s: %w", hostname, err)
		default:
			name := knownhosts.Normalize(hostname)
			if h.hash {
				name = knownhosts.HashHostname(name)
			}
			return knownHostsChange{appendLine: knownhosts.Line([]string{name}, key)}, nil
		}
		return knownHostsChange{}, refused
	})
	if err != nil && err != refused {
		return fmt.Errorf("record host key in %s: %w", file, err)
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

// KnownHostsFor says where Dial looks up and records t's host key: the
// file new keys go into (Options.KnownHostsFile, else the first
// UserKnownHostsFile of the SSH config, else ~/.ssh/known_hosts) and the
// "host:port" they are recorded under (HostKeyAlias when the config sets
// one, after HostName and Port otherwise). Code that records keys for
// nodes it created (converge) uses it so that Dial finds them. file is ""
// when the config says UserKnownHostsFile none.
func KnownHostsFor(t Target, o Options) (file, hostPort string, err error) {
	o, err = o.withDefaults()
	if err != nil {
		return "", "", err
	}
	cfg, err := loadSSHConfig(o.SSHConfigFile)
	if err != nil {
		return "", "", err
	}
	ep, err := cfg.resolve(o, t.Host, t.User, t.Port, 0)
	if err != nil {
		return "", "", err
	}
	if len(ep.knownHosts) > 0 {
		file = ep.knownHosts[0]
	}
	return file, ep.hostKeyName(), nil
}
