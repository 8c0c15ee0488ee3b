package project

import (
	"path/filepath"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/secrets"
)

// loadSecrets reads secrets_file and secrets_recipients. The file itself
// is not read here: most commands never need the secrets, and decrypting
// needs the user's identity (see Secrets).
func (p *Project) loadSecrets(file string, fileNode, recipNode *yaml.Node, errs *ErrorList) {
	p.secretValues = sync.OnceValues(p.decryptSecrets)
	if recipNode.Kind != 0 && fileNode.Kind == 0 {
		errs.Add(PosOf(file, recipNode), "secrets_recipients without secrets_file: add secrets_file: secrets.age")
		return
	}
	if fileNode.Kind == 0 || IsNull(fileNode) {
		return
	}
	if fileNode.Kind != yaml.ScalarNode || fileNode.Value == "" {
		errs.Add(PosOf(file, fileNode), "secrets_file must be a file name (e.g. secrets.age), got %s", Describe(fileNode))
		return
	}
	path := p.env.expandHome(fileNode.Value)
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Dir, path)
	}
	f := &secrets.File{Path: path, Name: fileNode.Value}
	if recipNode.Kind != 0 && !IsNull(recipNode) {
		if recipNode.Kind != yaml.SequenceNode {
			errs.Add(PosOf(file, recipNode), "secrets_recipients must be a list of age public keys (age1...) or files of them, got %s", Describe(recipNode))
			return
		}
		for _, e := range recipNode.Content {
			if e.Kind != yaml.ScalarNode {
				errs.Add(PosOf(file, e), "secrets_recipients: want an age public key (age1...) or a file of them, got %s", Describe(e))
				continue
			}
			rs, err := secrets.ParseRecipients(e.Value, p.Dir)
			if err != nil {
				errs.Add(PosOf(file, e), "secrets_recipients: %v", err)
				continue
			}
			f.Recipients = append(f.Recipients, rs...)
		}
	}
	p.secretsFile = f
	p.secretsPos = PosOf(file, fileNode)
}

// SecretsFile is the project's secrets_file, or nil when it has none.
func (p *Project) SecretsFile() *secrets.File { return p.secretsFile }

// SecretsPos is where pallet.yaml names the secrets file, for messages.
func (p *Project) SecretsPos() Pos { return p.secretsPos }

// AgeIdentity is the identity that reads the secrets file:
// $PALLET_AGE_IDENTITY, else ~/.config/pallet/age/identity.txt.
func (p *Project) AgeIdentity() (*secrets.Identity, error) {
	return secrets.FindIdentity(p.env.AgeIdentity, p.env.Home)
}

// Secrets are the decrypted secrets (.secrets in templates): none without
// a secrets_file. The file is decrypted on the first call only, so a
// command that never asks needs no identity.
func (p *Project) Secrets() (secrets.Values, error) {
	if p.secretValues == nil { // a project not made by Parse
		return secrets.Values{}, nil
	}
	return p.secretValues()
}

func (p *Project) decryptSecrets() (secrets.Values, error) {
	if p.secretsFile == nil {
		return secrets.Values{}, nil
	}
	id, err := p.AgeIdentity()
	if err != nil {
		return nil, &Error{Pos: p.secretsPos, Msg: err.Error(), Err: err}
	}
	v, err := p.secretsFile.Decrypt(id)
	if err != nil {
		return nil, &Error{Pos: p.secretsPos, Msg: err.Error(), Err: err}
	}
	return v, nil
}
