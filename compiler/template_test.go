package compiler

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// secretProject is a project whose secrets file holds db_password, with a
// template crate call reading it, and a file call whose template does not.
func secretProject(t *testing.T, tmpl string) (*Project, string) {
	t.Helper()
	dir := t.TempDir()
	k, _ := age.GenerateX25519Identity()
	env := &project.Env{Home: dir, AgeIdentity: k.String()}
	yml := "secrets_file: secrets.age\ngroups:\n  web:\n    phases:\n      configure:\n        - template: {path: /etc/app.conf, mode: \"0600\", source: app.conf.tmpl}\n"
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(filepath.Join(dir, "app.conf.tmpl"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	pp, err := project.Parse(file, []byte(yml), env)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := pp.AgeIdentity()
	const value = "canary-Zq8vX2w1"
	if err := pp.SecretsFile().Set(id, "db_password", value); err != nil {
		t.Fatal(err)
	}
	p, err := Parse(file, []byte(yml), env)
	if err != nil {
		t.Fatal(err)
	}
	return p, value
}

// TestTemplateSecrets: content that read .secrets is a secret payload
// pinned by a salted sha256, and neither the value nor its own sha256 is
// in the script; render's placeholders show inline instead, with no
// value anywhere.
func TestTemplateSecrets(t *testing.T) {
	p, value := secretProject(t, "user = app\npassword = {{ .secrets.db_password }}\n")
	s, err := p.Compile(Target{Group: "web", Phase: "configure"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Payloads) != 1 || !s.Payloads[0].Secret || s.Payloads[0].Salt == "" {
		t.Fatalf("payloads = %+v, want one secret payload with a salt", s.Payloads)
	}
	pl := s.Payloads[0]
	want := "user = app\npassword = " + value + "\n"
	if string(pl.Data) != want || PayloadPin(pl.Salt, pl.Data) != pl.SHA256 {
		t.Errorf("payload %q pinned %s with salt %s", pl.Data, pl.SHA256, pl.Salt)
	}
	plain := PayloadPin("", []byte(want))
	for _, leak := range []string{value, plain} {
		if bytes.Contains(s.Text.Bytes(), []byte(leak)) {
			t.Errorf("the script holds %q", leak)
		}
	}
	if !bytes.Contains(s.Text.Bytes(), []byte("pallet_payload "+pl.SHA256+" "+pl.Salt)) || !bytes.Contains(s.Text.Bytes(), []byte("pallet_file_sha256_is /etc/app.conf "+pl.SHA256+" "+pl.Salt)) {
		t.Errorf("the script does not read and check the payload by its salted pin:\n%s", s.Text.Bytes()[bytes.LastIndex(s.Text.Bytes(), []byte("# step 1")):])
	}

	// A new compile, a new salt: two scripts holding the same secret do
	// not say so.
	p2, _ := secretProject(t, "user = app\npassword = {{ .secrets.db_password }}\n")
	s2, err := p2.Compile(Target{Group: "web", Phase: "configure"})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Payloads[0].SHA256 == pl.SHA256 {
		t.Error("two compiles pinned the same secret content with the same sha256")
	}

	p.SetSecretMode(SecretsPlaceholder)
	s, err = p.Compile(Target{Group: "web", Phase: "configure"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Payloads) != 0 || bytes.Contains(s.Text.Bytes(), []byte(value)) || !bytes.Contains(s.Text.Bytes(), []byte("password = <secret:db_password>")) {
		t.Errorf("placeholder render: payloads %+v, script:\n%s", s.Payloads, s.Text.Bytes()[bytes.LastIndex(s.Text.Bytes(), []byte("# step 1")):])
	}
}

// TestTemplateSecretsErrors: a secret the template reads that the file
// does not hold is named with the ones it does; no value is in the error.
func TestTemplateSecretsErrors(t *testing.T) {
	p, value := secretProject(t, "a\npassword = {{ .secrets.db_pasword }}\n")
	_, err := p.Compile(Target{Group: "web", Phase: "configure"})
	if err == nil || !strings.HasPrefix(err.Error(), "app.conf.tmpl:2:22: group web, phase configure, crate template: no secret \"db_pasword\" (did you mean \"db_password\"?) (secrets: db_password;") || strings.Contains(err.Error(), value) {
		t.Errorf("error: %v", err)
	}
}

// TestTemplateNoSecretsNoIdentity: a template that reads no secret needs
// no identity, even in a project with a secrets file.
func TestTemplateNoSecretsNoIdentity(t *testing.T) {
	dir := t.TempDir()
	yml := "secrets_file: secrets.age\ngroups:\n  web:\n    phases:\n      configure:\n        - template: {path: /etc/app.conf, source: app.conf.tmpl}\n"
	os.WriteFile(filepath.Join(dir, "app.conf.tmpl"), []byte("listen = {{ add 8000 80 }}\n"), 0o644)
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(yml), &project.Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Compile(Target{Group: "web", Phase: "configure"})
	if err != nil || !bytes.Contains(s.Text.Bytes(), []byte("listen = 8080")) {
		t.Fatalf("compile: %v", err)
	}
}

// TestTemplatePerNode: a template file reading .node renders per node
// (the render cache keys it by node), one reading only vars once.
func TestTemplatePerNode(t *testing.T) {
	dir := t.TempDir()
	yml := "vars: {port: 8080}\ngroups:\n  web:\n    phases:\n      configure:\n        - template: {path: /etc/node.conf, source: node.tmpl}\n        - template: {path: /etc/port.conf, source: port.tmpl}\n"
	os.WriteFile(filepath.Join(dir, "node.tmpl"), []byte("name = {{ .node.name }} of {{ len .group.nodes }}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "port.tmpl"), []byte("port = {{ .vars.port }}\n"), 0o644)
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(yml), &project.Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	cl := p.NewCluster([]provider.Node{{ID: "a", Name: "web-a", Group: "web", Host: "10.0.0.1"}, {ID: "b", Name: "web-b", Group: "web", Host: "10.0.0.2"}})
	for _, nd := range cl.Nodes("web") {
		s, err := p.Compile(Target{Group: "web", Phase: "configure", Data: nd, Cluster: cl})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(s.Text.Bytes(), []byte("name = "+nd.Name+" of 2")) || !bytes.Contains(s.Text.Bytes(), []byte("port = 8080")) {
			t.Errorf("%s's script:\n%s", nd.Name, s.Text.Bytes()[bytes.LastIndex(s.Text.Bytes(), []byte("# step 1")):])
		}
	}
}

// TestTemplateSecretsWithoutIdentity: with no age identity, or no secrets
// file yet, a placeholder render (palletc render, check, the golden files)
// still renders, each secret the template names as its placeholder, and
// the header says the secrets were not decrypted; a real compile (lift,
// build) fails at the template's line naming the secret and where the
// identity is looked for. A wrong identity stays an error in both.
func TestTemplateSecretsWithoutIdentity(t *testing.T) {
	tmpl := "user = {{ .vars.user }}\npassword = {{ .secrets.db_password }}\nkey = {{ index .secrets \"api_key\" | sha256sum }}\n"
	yml := "vars: {user: app}\nsecrets_file: secrets.age\ngroups:\n  web:\n    phases:\n      configure:\n        - template: {path: /etc/app.conf, mode: \"0600\", source: app.conf.tmpl}\n"
	setup := func(t *testing.T, env *project.Env) (*Project, string) {
		dir := t.TempDir()
		if env.Home == "" {
			env.Home = dir
		}
		os.WriteFile(filepath.Join(dir, "app.conf.tmpl"), []byte(tmpl), 0o644)
		p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(yml), env)
		if err != nil {
			t.Fatal(err)
		}
		return p, dir
	}
	k, _ := age.GenerateX25519Identity()
	for _, tc := range []struct {
		name, note string
		env        project.Env
		secretFile bool // write a secrets file, to another key
		wantErr    string
	}{
		{name: "no identity", note: noteSecretsNoID, secretFile: true,
			wantErr: `app.conf.tmpl:2:22: group web, phase configure, crate template: the template reads secrets "api_key", "db_password" of secrets_file (%DIR%/pallet.yaml:2:15), which cannot be read: no age identity: $PALLET_AGE_IDENTITY is not set and `},
		{name: "no secrets file", note: noteSecretsNoFile, env: project.Env{AgeIdentity: k.String()},
			wantErr: `app.conf.tmpl:2:22: group web, phase configure, crate template: the template reads secrets "api_key", "db_password" of secrets_file (%DIR%/pallet.yaml:2:15), which cannot be read: no secrets file: secrets.age does not exist; create it with ` + "`palletc secrets set NAME`"},
		{name: "identity of another key", env: project.Env{AgeIdentity: k.String()}, secretFile: true,
			wantErr: "it is encrypted to other keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			p, dir := setup(t, &env)
			if tc.secretFile {
				other, _ := age.GenerateX25519Identity()
				pp, err := project.Parse(filepath.Join(dir, "pallet.yaml"), []byte(yml), &project.Env{Home: dir, AgeIdentity: other.String()})
				if err != nil {
					t.Fatal(err)
				}
				id, _ := pp.AgeIdentity()
				if err := pp.SecretsFile().Set(id, "db_password", "canary-value-1"); err != nil {
					t.Fatal(err)
				}
			}
			tc.wantErr = strings.ReplaceAll(tc.wantErr, "%DIR%", dir)
			tg := Target{Group: "web", Phase: "configure"}
			_, err := p.Compile(tg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("real compile: error %v, want one holding %q", err, tc.wantErr)
			}
			if tc.name == "no identity" && (err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ".config/pallet/age/identity.txt")+" does not exist")) {
				t.Errorf("real compile: error %v does not say where the identity is looked for", err)
			}
			p.SetSecretMode(SecretsPlaceholder)
			s, err := p.Compile(tg)
			if tc.note == "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("placeholder compile: error %v, want one holding %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("placeholder compile: %v", err)
			}
			keySum := PayloadPin("", []byte("<secret:api_key>"))
			for _, want := range []string{"\n# secrets: " + tc.note + "\n", "password = <secret:db_password>\n", "key = " + keySum, "user = app\n"} {
				if !bytes.Contains(s.Text.Bytes(), []byte(want)) {
					t.Errorf("placeholder script lacks %q", want)
				}
			}
			if len(s.Payloads) != 0 {
				t.Errorf("placeholder script has payloads %+v", s.Payloads)
			}
		})
	}
}

// TestSecretsHeaderOnlyWhereRead: the header's secrets note is in the
// scripts whose steps read secrets as placeholders, and only there.
func TestSecretsHeaderOnlyWhereRead(t *testing.T) {
	p, _ := secretProject(t, "password = {{ .secrets.db_password }}\n")
	p.SetSecretMode(SecretsPlaceholder)
	s, err := p.Compile(Target{Group: "web", Phase: "configure"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(s.Text.Bytes(), []byte("\n# secrets: "+noteSecretsDecrypted+"\n")) {
		t.Errorf("placeholder script with decrypted secrets lacks its note:\n%s", s.Text.Bytes()[:400])
	}
	p.SetSecretMode(SecretsReal)
	if s, err = p.Compile(Target{Group: "web", Phase: "configure"}); err != nil || bytes.Contains(s.Text.Bytes(), []byte("\n# secrets: ")) {
		t.Errorf("a real compile's script has a secrets note (or failed: %v)", err)
	}
	q, _ := secretProject(t, "password = none\n")
	q.SetSecretMode(SecretsPlaceholder)
	if s, err = q.Compile(Target{Group: "web", Phase: "configure"}); err != nil || bytes.Contains(s.Text.Bytes(), []byte("\n# secrets: ")) {
		t.Errorf("a script reading no secret has a secrets note (or failed: %v)", err)
	}
}
