package runner

import (
	"bytes"
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

// keySource loads key files once per Dial and holds the agent connections
// (one per IdentityAgent socket) for the length of the handshakes.
type keySource struct {
	explicit []string
	agents   map[string]*agentConn
	cache    map[string]ssh.Signer
	skipped  map[string]string
}

type agentConn struct {
	agent agent.ExtendedAgent
	err   error
	conn  net.Conn
}

func newKeySource(o Options) *keySource {
	return &keySource{explicit: o.IdentityFiles, agents: map[string]*agentConn{}, cache: map[string]ssh.Signer{}, skipped: map[string]string{}}
}

// agent connects to the agent at socket on first use.
func (ks *keySource) agent(socket string) *agentConn {
	if a, ok := ks.agents[socket]; ok {
		return a
	}
	a := &agentConn{}
	c, err := net.Dial("unix", socket)
	if err != nil {
		a.err = fmt.Errorf("ssh-agent at %s: %w", socket, err)
	} else {
		a.agent, a.conn = agent.NewClient(c), c
	}
	ks.agents[socket] = a
	return a
}

func (ks *keySource) close() {
	for _, a := range ks.agents {
		if a.conn != nil {
			a.conn.Close()
		}
	}
}

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
// A named key whose private half is not readable (a passphrase, or only
// the .pub there) is still offered if the agent holds it, as OpenSSH does.
// With IdentitiesOnly only named keys are offered, from the agent or not.
// A certificate (CertificateFile, or KEY-cert.pub beside an identity) is
// offered just before the key it certifies.
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
	var agentSigners []ssh.Signer
	if e.agentSocket != "none" {
		a := ks.agent(e.agentSocket)
		if a.err != nil {
			kr.notes = append(kr.notes, a.err.Error())
		} else if signers, err := a.agent.Signers(); err != nil {
			kr.notes = append(kr.notes, fmt.Sprintf("ssh-agent: %v", err))
		} else {
			agentSigners = signers
		}
	}
	usedAgent := map[int]bool{}
	fromAgent := func(pub ssh.PublicKey) (ssh.Signer, bool) {
		for i, s := range agentSigners {
			if !usedAgent[i] && bytes.Equal(s.PublicKey().Marshal(), pub.Marshal()) {
				usedAgent[i] = true
				return s, true
			}
		}
		return nil, false
	}
	certs := ks.certificates(e, files, &kr)
	add := func(s ssh.Signer, source string) {
		for _, c := range certs {
			if bytes.Equal(c.cert.Key.Marshal(), s.PublicKey().Marshal()) {
				if cs, err := ssh.NewCertSigner(c.cert, s); err != nil {
					kr.notes = append(kr.notes, fmt.Sprintf("certificate %s: %v", c.path, err))
				} else {
					kr.signers = append(kr.signers, cs)
					kr.sources = append(kr.sources, c.path)
				}
			}
		}
		kr.signers = append(kr.signers, s)
		kr.sources = append(kr.sources, source)
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
			add(s, f)
			continue
		}
		if pub := readPublicKey(f + ".pub"); pub != nil {
			if as, ok := fromAgent(pub); ok {
				add(as, f+" (in ssh-agent)")
				continue
			}
		}
		if why != "" || (explicit && !named) {
			if why == "" {
				why = fmt.Sprintf("identity %s not found", f)
			}
			kr.notes = append(kr.notes, why)
		}
	}
	var rest int
	for i, s := range agentSigners {
		if usedAgent[i] {
			continue
		}
		if e.identitiesOnly {
			rest++
			continue
		}
		add(s, "ssh-agent key "+ssh.FingerprintSHA256(s.PublicKey()))
	}
	if rest > 0 {
		kr.notes = append(kr.notes, fmt.Sprintf("IdentitiesOnly: %d other ssh-agent keys not offered", rest))
	}
	return kr
}

type certFile struct {
	path string
	cert *ssh.Certificate
}

// certificates reads the endpoint's CertificateFiles and any KEY-cert.pub
// next to the identity files.
func (ks *keySource) certificates(e endpoint, files []string, kr *keyring) []certFile {
	var out []certFile
	seen := map[string]bool{}
	try := func(path string, named bool) {
		if seen[path] {
			return
		}
		seen[path] = true
		data, err := os.ReadFile(path)
		if err != nil {
			if named || !errors.Is(err, os.ErrNotExist) {
				kr.notes = append(kr.notes, fmt.Sprintf("certificate %s unreadable: %v", path, unwrapPathError(err)))
			}
			return
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
		cert, ok := pub.(*ssh.Certificate)
		if err != nil || !ok {
			kr.notes = append(kr.notes, fmt.Sprintf("certificate %s is not an OpenSSH certificate", path))
			return
		}
		out = append(out, certFile{path: path, cert: cert})
	}
	for _, c := range e.certificateFiles {
		try(c, true)
	}
	for _, f := range files {
		try(f+"-cert.pub", false)
	}
	return out
}

func readPublicKey(path string) ssh.PublicKey {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil
	}
	return pub
}

// authMethods is a single public-key method: x/crypto/ssh tries each method
// name once, so several PublicKeys methods would never get past the first.
func (kr keyring) authMethods() []ssh.AuthMethod {
	return []ssh.AuthMethod{ssh.PublicKeys(kr.signers...)}
}
