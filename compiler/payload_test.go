package compiler

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/project"
)

// payloadProject is a project with a crate c whose template is tmpl, in a
// temp directory, and the call c: {s: s}.
func payloadProject(t *testing.T, tmpl, s string) *Project {
	t.Helper()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "crates/c/crate.yaml"), "summary: test\nparams:\n  s: {type: string}\n")
	writeTestFile(t, filepath.Join(dir, "crates/c/default.sh.tmpl"), tmpl)
	yaml := fmt.Sprintf("crate_paths: [crates]\ngroups:\n  g:\n    phases:\n      p:\n        - c: {s: %q}\n", s)
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(yaml), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestContentInlineOrPayload: content up to InlineLimit is in the script;
// above it, it is a payload the script names by sha256 only, and the
// script's sha256 (which covers its text) changes with the payload's.
func TestContentInlineOrPayload(t *testing.T) {
	tmpl := "{{ $c := .bytes.Of .raw.s }}{{ step \"w\" }}{{ apply }}cat >/dev/null {{ $c.Stdin }}\n"
	small := strings.Repeat("a", InlineLimit)
	s, err := payloadProject(t, tmpl, small).Compile(Target{Group: "g", Phase: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Payloads) != 0 || !strings.Contains(string(s.Text.Bytes()), small) {
		t.Errorf("%d bytes: want inline, got payloads %+v", len(small), s.Payloads)
	}
	var shas []string
	for _, big := range []string{small + "b", small + "c"} {
		s, err := payloadProject(t, tmpl, big).Compile(Target{Group: "g", Phase: "p"})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%x", sha256.Sum256([]byte(big)))
		if len(s.Payloads) != 1 || s.Payloads[0].SHA256 != want || string(s.Payloads[0].Data) != big || s.Payloads[0].Size != int64(len(big)) {
			t.Fatalf("%d bytes: want one payload of sha256 %s, got %+v", len(big), want, s.Payloads)
		}
		if strings.Contains(string(s.Text.Bytes()), small) || !strings.Contains(string(s.Text.Bytes()), `<"$(pallet_payload `+want+`)"`) {
			t.Errorf("the script should name the payload by sha256 and not hold it")
		}
		shas = append(shas, s.Sum())
	}
	if shas[0] == shas[1] {
		t.Error("two scripts with different payloads have the same sha256")
	}
}

// TestPayloadOnlyInApply: a check cannot read a payload (check mode
// uploads none), and says how to compare instead.
func TestPayloadOnlyInApply(t *testing.T) {
	tmpl := "{{ $c := .bytes.Of .raw.s }}{{ step \"w\" }}{{ check }}cmp - x {{ $c.Stdin }}\n{{ apply }}true\n"
	_, err := payloadProject(t, tmpl, strings.Repeat("a", InlineLimit+1)).Compile(Target{Group: "g", Phase: "p"})
	if err == nil || !strings.Contains(err.Error(), "can be read only after {{ apply }}") {
		t.Fatalf("err = %v, want the payload refused in a check", err)
	}
}

// TestSecretIsAlwaysPayload: secret content never goes inline, however
// small, and the payload says it is secret.
func TestSecretIsAlwaysPayload(t *testing.T) {
	r := &renderer{}
	d, err := (&bytesData{r: r}).Of(&Content{Data: []byte("hunter2"), Secret: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Inline() {
		t.Fatal("secret content is inline")
	}
	if ref := d.Stdin(); strings.Contains(ref, "hunter2") {
		t.Fatalf("Stdin holds the secret: %q", ref)
	}
	p := r.payloads[d.SHA256()]
	if p == nil || !p.Secret || string(p.Data) != "hunter2" {
		t.Errorf("payload = %+v, want the secret, marked secret", p)
	}
	for _, b := range [][]byte{[]byte("a\x00b"), {0xff, 0xfe}} {
		d, _ := (&bytesData{r: r}).Of(&Content{Data: b})
		if d.Inline() {
			t.Errorf("%q is inline: bash cannot hold it as text", b)
		}
	}
}

// TestProjectFileInside: a source may be named by an absolute path inside
// the project directory, or through a symlink that stays inside it.
func TestProjectFileInside(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "files/a"), "A")
	if err := os.Symlink("a", filepath.Join(dir, "files/link")); err != nil {
		t.Fatal(err)
	}
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte("groups: {g: {}}\n"), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"files/a", filepath.Join(dir, "files/a"), "files/link", "./files/../files/a"} {
		f, err := p.projectFile(name)
		if err != nil || string(f.Data) != "A" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDataDiff: .bytes.Of's Diff is a unified diff of the content when it
// is inline, a size and sha256 when it is a payload, and for secret
// content only that, marked secret: the secret is in no diff command.
func TestDataDiff(t *testing.T) {
	r := &renderer{}
	b := &bytesData{r: r}
	small, _ := b.Of("port=80\n")
	if got, want := small.Diff(Word("/etc/a b")), "pallet_diff '/etc/a b' <<<'port=80'"; got != want {
		t.Errorf("inline: %q, want %q", got, want)
	}
	// a here-string adds a newline: content without one goes through printf
	bare, _ := b.Of("port=80")
	if got, want := bare.Diff(Word("/etc/a b")), "pallet_diff '/etc/a b' < <(printf '%s' 'port=80')"; got != want {
		t.Errorf("inline, no final newline: %q, want %q", got, want)
	}
	big, _ := b.Of(strings.Repeat("a", InlineLimit+1))
	if got, want := big.Diff("/x"), "pallet_diff /x sum "+big.SHA256()+" 16385"; got != want {
		t.Errorf("payload: %q, want %q", got, want)
	}
	secret, _ := b.Of(&Content{Data: []byte("hunter2"), Secret: true})
	got := secret.Diff("/x")
	if want := "pallet_diff /x sum " + secret.SHA256() + " 7 secret"; got != want {
		t.Errorf("secret: %q, want %q", got, want)
	}
	if strings.Contains(got, "hunter2") || !secret.Secret() {
		t.Errorf("secret: %q holds the secret, or Secret() = %v", got, secret.Secret())
	}
}
