package converge

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRecordHostKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ssh", "known_hosts")
	old, fresh := newHostKey(t), newHostKey(t)
	other := knownhosts.Line([]string{"10.0.0.9"}, old) + "\n"
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, file, other)

	// A new address: appended once, however often it is recorded.
	for range 2 {
		if err := recordHostKey(file, "10.0.0.5:22", fresh, false); err != nil {
			t.Fatal(err)
		}
	}
	want := other + knownhosts.Line([]string{"10.0.0.5"}, fresh) + "\n"
	if got := readFile(t, file); got != want {
		t.Fatalf("after recording:\n%s\nwant:\n%s", got, want)
	}

	// A stale key at that address: refused on trust-on-first-use ...
	stale := filepath.Join(t.TempDir(), "known_hosts")
	writeTestFile(t, stale, knownhosts.Line([]string{"[10.0.0.5]:2222"}, old)+"\n")
	err := recordHostKey(stale, "10.0.0.5:2222", fresh, false)
	if err == nil || !strings.Contains(err.Error(), "ssh-keygen -R '[10.0.0.5]:2222'") {
		t.Fatalf("stale key, unverified: got %v, want a refusal saying how to remove it", err)
	}
	// ... replaced when the provider vouched for the new key.
	if err := recordHostKey(stale, "10.0.0.5:2222", fresh, true); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, stale), knownhosts.Line([]string{"[10.0.0.5]:2222"}, fresh)+"\n"; got != want {
		t.Errorf("after replacing: %q, want %q", got, want)
	}
}

func TestForgetHostKeys(t *testing.T) {
	k := newHostKey(t)
	hashed := knownhosts.HashHostname("10.0.0.7")
	lines := []string{
		"# a comment stays",
		knownhosts.Line([]string{"10.0.0.5"}, k),
		knownhosts.Line([]string{"10.0.0.5", "web.example"}, k),
		knownhosts.Line([]string{"10.0.0.55"}, k),
		"@revoked 10.0.0.5 " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))),
		hashed + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))),
	}
	file := filepath.Join(t.TempDir(), "known_hosts")
	writeTestFile(t, file, strings.Join(lines, "\n")+"\n")
	for _, addr := range []string{"10.0.0.5:22", "10.0.0.7:22", "10.0.0.8:22"} {
		if _, err := editKnownHosts(file, addr, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Join([]string{
		lines[0],
		knownhosts.Line([]string{"web.example"}, k),
		lines[3],
		lines[4], // markers are the user's business
	}, "\n") + "\n"
	if got := readFile(t, file); got != want {
		t.Errorf("after forgetting 10.0.0.5 and 10.0.0.7:\n%s\nwant:\n%s", got, want)
	}
}
