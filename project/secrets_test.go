package project

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/palletops/pallet/secrets"
)

// TestSecretsFile: secrets_file is relative to pallet.yaml and is only
// decrypted when asked, so a project with one loads without an identity.
func TestSecretsFile(t *testing.T) {
	dir := t.TempDir()
	k, _ := age.GenerateX25519Identity()
	mate, _ := age.GenerateX25519Identity()
	yml := "secrets_file: secrets.age\nsecrets_recipients: [" + mate.Recipient().String() + "]\ngroups: {web: {}}\n"
	file := filepath.Join(dir, "pallet.yaml")

	p, err := Parse(file, []byte(yml), &Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	f := p.SecretsFile()
	if f == nil || f.Path != filepath.Join(dir, "secrets.age") || f.Name != "secrets.age" || len(f.Recipients) != 1 {
		t.Fatalf("SecretsFile() = %+v", f)
	}
	_, err = p.Secrets()
	if !errors.Is(err, secrets.ErrNoIdentity) || !strings.HasPrefix(err.Error(), file+":1:15: no age identity") {
		t.Errorf("Secrets() without an identity: %v", err)
	}

	p, _ = Parse(file, []byte(yml), &Env{Home: dir, AgeIdentity: k.String()})
	id, err := p.AgeIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SecretsFile().Set(id, "db_password", "s3cret-value"); err != nil {
		t.Fatal(err)
	}
	v, err := p.Secrets()
	if err != nil || v["db_password"] != "s3cret-value" {
		t.Errorf("Secrets() = %v, %v", v.Names(), err)
	}

	p, _ = Parse(file, []byte("groups: {web: {}}\n"), &Env{Home: dir})
	if v, err := p.Secrets(); p.SecretsFile() != nil || err != nil || len(v) != 0 {
		t.Errorf("no secrets_file: %v, %v, %v", p.SecretsFile(), v, err)
	}
}

func TestSecretsFileErrors(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"secrets_recipients: [age1x]\ngroups: {web: {}}\n", "pallet.yaml:1:21: secrets_recipients without secrets_file"},
		{"secrets_file: [a]\ngroups: {web: {}}\n", "pallet.yaml:1:15: secrets_file must be a file name"},
		{"secrets_file: s.age\nsecrets_recipients: [age1notakey]\ngroups: {web: {}}\n", `pallet.yaml:2:22: secrets_recipients: "age1notakey" is not an age public key`},
		{"secrets_file: s.age\nsecrets_recipients: [team.txt]\ngroups: {web: {}}\n", "pallet.yaml:2:22: secrets_recipients: recipients file team.txt: no such file"},
	} {
		_, err := Parse("pallet.yaml", []byte(tt.yaml), &Env{Home: t.TempDir()})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %s...", tt.yaml, err, tt.want)
		}
	}
}
