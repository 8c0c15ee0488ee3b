package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

const canary = "canary-7f3a9c-do-not-print"

// newIdentity writes a fresh identity file in a test directory.
func newIdentity(t *testing.T) (*Identity, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "identity.txt")
	if _, err := InitIdentity(path); err != nil {
		t.Fatal(err)
	}
	id, err := FindIdentity(path, "/nonexistent")
	if err != nil {
		t.Fatal(err)
	}
	return id, path
}

func TestRoundTrip(t *testing.T) {
	id, _ := newIdentity(t)
	dir := t.TempDir()
	f := &File{Path: filepath.Join(dir, "secrets.age"), Name: "secrets.age"}
	multi := "-----BEGIN KEY-----\n  indented " + canary + "\n\n-----END KEY-----\n"
	for name, v := range map[string]string{"db_password": canary, "tls_key": multi, "quoted": `it's "x": y # z`} {
		if err := f.Set(id, name, v); err != nil {
			t.Fatal(err)
		}
	}
	names, err := f.Names(id)
	if err != nil || strings.Join(names, " ") != "db_password quoted tls_key" {
		t.Fatalf("Names = %v, %v", names, err)
	}
	v, err := f.Decrypt(id)
	if err != nil {
		t.Fatal(err)
	}
	if v["db_password"] != canary || v["tls_key"] != multi || v["quoted"] != `it's "x": y # z` {
		t.Errorf("decrypted %q", v)
	}
	st, err := os.Stat(f.Path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v, %v; want 0600", st.Mode(), err)
	}
	assertNoCanary(t, dir)
}

// assertNoCanary: no file under dir holds the canary.
func assertNoCanary(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(canary)) {
				t.Errorf("%s holds the secret in plain text", path)
			}
			return nil
		})
	}
}

func TestWrongIdentity(t *testing.T) {
	id, _ := newIdentity(t)
	other, otherPath := newIdentity(t)
	f := &File{Path: filepath.Join(t.TempDir(), "secrets.age"), Name: "secrets.age"}
	if err := f.Set(id, "db_password", canary); err != nil {
		t.Fatal(err)
	}
	_, err := f.Decrypt(other)
	if err == nil {
		t.Fatal("decrypted with the wrong identity")
	}
	msg := err.Error()
	pub := other.Recipients()[0].(*age.X25519Recipient).String()
	for _, want := range []string{"secrets.age", otherPath, pub, "secrets_recipients"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, canary) || strings.Contains(msg, "AGE-SECRET-KEY") {
		t.Errorf("error %q leaks a secret", msg)
	}
}

// TestRecipients: a file written with secrets_recipients is readable by
// each recipient's identity as well as the writer's.
func TestRecipients(t *testing.T) {
	me, _ := newIdentity(t)
	mate, _ := newIdentity(t)
	matePub := mate.Recipients()[0].(*age.X25519Recipient).String()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "team.txt"), []byte("# the team\n"+matePub+"\n"), 0o644)
	rs, err := ParseRecipients("team.txt", dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Path: filepath.Join(dir, "secrets.age"), Name: "secrets.age", Recipients: rs}
	if err := f.Set(me, "db_password", canary); err != nil {
		t.Fatal(err)
	}
	for _, id := range []*Identity{me, mate} {
		if v, err := f.Decrypt(id); err != nil || v["db_password"] != canary {
			t.Errorf("%s: %v", id.Source, err)
		}
	}
	if _, err := ParseRecipients("age1notakey", dir); err == nil {
		t.Error("ParseRecipients accepted age1notakey")
	}
}

func TestFindIdentity(t *testing.T) {
	home := t.TempDir()
	_, err := FindIdentity("", home)
	if !errors.Is(err, ErrNoIdentity) || !strings.Contains(err.Error(), "age-keygen -o "+DefaultIdentityPath(home)) {
		t.Errorf("no identity: %v", err)
	}
	pub, err := InitIdentity(DefaultIdentityPath(home))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(DefaultIdentityPath(home)); st.Mode().Perm() != 0o600 {
		t.Errorf("identity mode %v", st.Mode())
	}
	if _, err := InitIdentity(DefaultIdentityPath(home)); err == nil {
		t.Error("InitIdentity overwrote an identity")
	}
	id, err := FindIdentity("", home)
	if err != nil || id.Source != DefaultIdentityPath(home) || id.describe() != id.Source+" (recipient "+pub+")" {
		t.Errorf("default identity: %v, %v", id, err)
	}
	k, _ := age.GenerateX25519Identity()
	id, err = FindIdentity(k.String(), home)
	if err != nil || id.Source != "$PALLET_AGE_IDENTITY" {
		t.Errorf("key in env: %v, %v", id, err)
	}
	_, err = FindIdentity("AGE-SECRET-KEY-1XYZ", home)
	if err == nil || strings.Contains(err.Error(), "XYZ") {
		t.Errorf("bad key in env: %v", err)
	}
	_, err = FindIdentity(filepath.Join(home, "missing.txt"), home)
	if !errors.Is(err, ErrNoIdentity) || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file in env: %v", err)
	}
}

func TestBadPlaintext(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"Bad-Name: " + canary, "line 1: secret name \"Bad-Name\""},
		{"a: " + canary + "\na: " + canary, "line 2"},
		{"a: [" + canary + "]", "line 1: secret a must be a string"},
		{"a: abc", "at least 4"},
		{"a: \"" + canary, "malformed"},
		{"- " + canary, "want a map"},
	} {
		_, err := parsePlaintext([]byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Errorf("%q: error %q holds the value", tc.text, err)
		}
	}
}

func TestEdit(t *testing.T) {
	if !isMemoryFS("/dev/shm") {
		t.Skip("no tmpfs at /dev/shm")
	}
	id, _ := newIdentity(t)
	dir := t.TempDir()
	f := &File{Path: filepath.Join(dir, "secrets.age"), Name: "secrets.age"}
	if err := f.Set(id, "old", "old-value"); err != nil {
		t.Fatal(err)
	}
	var seen string
	err := f.Edit(id, "", func(path string) error {
		seen = path
		st, _ := os.Stat(path)
		dst, _ := os.Stat(filepath.Dir(path))
		if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
			t.Errorf("plaintext mode %v in a dir of mode %v", st.Mode(), dst.Mode())
		}
		if !strings.HasPrefix(path, "/dev/shm/") {
			t.Errorf("plaintext at %s, not on tmpfs", path)
		}
		data, _ := os.ReadFile(path)
		if string(data) != "old: old-value\n" {
			t.Errorf("editor sees %q", data)
		}
		return os.WriteFile(path, []byte("new: "+canary+"\n"), 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(seen)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("plaintext dir %s left behind: %v", filepath.Dir(seen), err)
	}
	v, err := f.Decrypt(id)
	if err != nil || len(v) != 1 || v["new"] != canary {
		t.Errorf("after edit: %v, %v", v.Names(), err)
	}
	// A bad edit writes nothing.
	err = f.Edit(id, "", func(path string) error { return os.WriteFile(path, []byte("BAD: x\n"), 0o600) })
	if err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("bad edit: %v", err)
	}
	if v, _ := f.Decrypt(id); v["new"] != canary {
		t.Error("a bad edit changed the file")
	}
	assertNoCanary(t, dir, "/dev/shm")
}

func TestEditRefusesWithoutMemoryFS(t *testing.T) {
	disk := t.TempDir()
	if isMemoryFS(disk) {
		t.Skipf("the test temp dir %s is on tmpfs: no disk directory to try", disk)
	}
	_, err := memoryDir([]string{disk})
	if !errors.Is(err, ErrNoMemoryFS) || !strings.Contains(err.Error(), "secrets set") {
		t.Errorf("memoryDir(%s) = %v, want ErrNoMemoryFS", disk, err)
	}
}
