package runner

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
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

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
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
		if err := RecordHostKey(file, "10.0.0.5:22", fresh, false); err != nil {
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
	err := RecordHostKey(stale, "10.0.0.5:2222", fresh, false)
	if err == nil || !strings.Contains(err.Error(), "ssh-keygen -R '[10.0.0.5]:2222'") {
		t.Fatalf("stale key, unverified: got %v, want a refusal saying how to remove it", err)
	}
	// ... replaced when the provider vouched for the new key.
	if err := RecordHostKey(stale, "10.0.0.5:2222", fresh, true); err != nil {
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
		if _, err := ForgetHostKey(file, addr); err != nil {
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

// TestForgetMissingFile: forgetting in a file that does not exist neither
// fails nor creates it.
func TestForgetMissingFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "known_hosts")
	if n, err := ForgetHostKey(file, "10.0.0.5:22"); err != nil || n != 0 {
		t.Fatalf("ForgetHostKey on no file = %d, %v; want 0, nil", n, err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ForgetHostKey created %s", file)
	}
}

// TestScanHostKey reads the key a server offers without logging in.
func TestScanHostKey(t *testing.T) {
	s := newTestServer(t, nil)
	key, err := ScanHostKey(t.Context(), s.addr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key.Marshal(), s.hostKey.PublicKey().Marshal()) {
		t.Errorf("scanned %s, server has %s", ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(s.hostKey.PublicKey()))
	}
}

// TestOneWriterForAcceptNewAndForget: the dial's accept-new recording and
// converge's forgetting edit the same file through the same writer, so a
// forgotten address is unknown again and accept-new records the node's new
// key instead of calling it changed, and other lines survive both.
func TestOneWriterForAcceptNewAndForget(t *testing.T) {
	c := newClient(t)
	other := knownhosts.Line([]string{"10.0.0.9"}, newHostKey(t))
	writeTestFile(t, c.knownHosts, other) // no trailing newline
	opts := c.options(t)
	opts.AcceptNewHostKeys = true

	first := newTestServer(t, c.pub)
	conn, err := Dial(t.Context(), first.target("root"), opts)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	want := other + "\n" + knownhosts.Line([]string{knownhosts.Normalize(first.addr)}, first.hostKey.PublicKey()) + "\n"
	if got := readFile(t, c.knownHosts); got != want {
		t.Fatalf("after accept-new:\n%s\nwant:\n%s", got, want)
	}
	if n, err := ForgetHostKey(c.knownHosts, first.addr); err != nil || n != 1 {
		t.Fatalf("ForgetHostKey = %d, %v; want 1, nil", n, err)
	}
	if got := readFile(t, c.knownHosts); got != other+"\n" {
		t.Fatalf("after forgetting %s: %q, want only the other line", first.addr, got)
	}

	// Another machine at the same address: new to known_hosts again.
	addr := first.addr
	first.ln.Close()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	second := newTestServerWithKey(t, c.pub, signer, addr)
	conn, err = Dial(t.Context(), second.target("root"), opts)
	if err != nil {
		t.Fatalf("the address's new machine after forgetting: %v", err)
	}
	conn.Close()
	if got, want := readFile(t, c.knownHosts), other+"\n"+knownhosts.Line([]string{knownhosts.Normalize(addr)}, signer.PublicKey())+"\n"; got != want {
		t.Errorf("after accept-new of the new machine:\n%s\nwant:\n%s", got, want)
	}
}
