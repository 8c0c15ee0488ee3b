package runner

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyring is the set of keys offered for one endpoint, with notes on keys
// that were skipped so an authentication failure can say why.
type keyring struct {
	signers []ssh.Signer
	sources []string // "~/.ssh/id_ed25519", "ssh-agent (2 keys)"
	notes   []string
}

// keySource loads key files once per Dial and holds the agent connection for
// the length of the handshakes.
type keySource struct {
	explicit []string
	agent    agent.ExtendedAgent
	agentErr error
	closer   func()
	cache    map[string]ssh.Signer
	skipped  map[string]string
}

func newKeySource(o Options) *keySource {
	ks := &keySource{explicit: o.IdentityFiles, closer: func() {}, cache: map[string]ssh.Signer{}, skipped: map[string]string{}}
	if o.AgentSocket != "none" {
		c, err := net.Dial("unix", o.AgentSocket)
		if err != nil {
			ks.agentErr = fmt.Errorf("ssh-agent at %s: %w", o.AgentSocket, err)
		} else {
			ks.agent = agent.NewClient(c)
			ks.closer = func() { c.Close() }
		}
	}
	return ks
}

func (ks *keySource) close() { ks.closer() }

// load parses one private key file, remembering failures. Missing files are
// only an error when the user named them explicitly.
func (ks *keySource) load(path string, explicit bool) (ssh.Signer, string) {
	if s, ok := ks.cache[path]; ok {
		return s, ""
	}
	if why, ok := ks.skipped[path]; ok {
		return nil, why
	}
	signer, why := parseKeyFile(path, explicit)
	if signer != nil {
		ks.cache[path] = signer
	} else {
		ks.skipped[path] = why
	}
	return signer, why
}

func parseKeyFile(path string, explicit bool) (ssh.Signer, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return nil, ""
		}
		return nil, fmt.Sprintf("identity %s unreadable: %v", path, err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	var pp *ssh.PassphraseMissingError
	if errors.As(err, &pp) {
		return nil, fmt.Sprintf("identity %s has a passphrase: load it with ssh-add", path)
	}
	if err != nil {
		return nil, fmt.Sprintf("identity %s: %v", path, err)
	}
	return signer, ""
}

// keysFor gathers keys in the order OpenSSH would offer them: files first
// (explicit, then config), agent keys last, because servers count every
// offered key against MaxAuthTries and the named keys are the likely ones.
func (ks *keySource) keysFor(e endpoint) keyring {
	var kr keyring
	files := append(append([]string(nil), ks.explicit...), e.identityFiles...)
	explicit := len(files) > 0
	if !explicit {
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				files = append(files, filepath.Join(home, ".ssh", n))
			}
		}
	}
	seen := map[string]bool{}
	for i, f := range files {
		if seen[f] {
			continue
		}
		seen[f] = true
		named := i < len(ks.explicit)
		s, why := ks.load(f, named)
		if s != nil {
			kr.signers = append(kr.signers, s)
			kr.sources = append(kr.sources, f)
		} else if why != "" {
			kr.notes = append(kr.notes, why)
		}
	}
	if e.identitiesOnly {
		return kr
	}
	if ks.agentErr != nil {
		kr.notes = append(kr.notes, ks.agentErr.Error())
	}
	if ks.agent != nil {
		signers, err := ks.agent.Signers()
		if err != nil {
			kr.notes = append(kr.notes, fmt.Sprintf("ssh-agent: %v", err))
		} else if len(signers) > 0 {
			kr.signers = append(kr.signers, signers...)
			kr.sources = append(kr.sources, fmt.Sprintf("ssh-agent (%d keys)", len(signers)))
		}
	}
	return kr
}

// authMethods is a single public-key method: x/crypto/ssh tries each method
// name once, so several PublicKeys methods would never get past the first.
func (kr keyring) authMethods() []ssh.AuthMethod {
	return []ssh.AuthMethod{ssh.PublicKeys(kr.signers...)}
}
