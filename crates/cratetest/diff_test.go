package cratetest

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/palletops/pallet/runner"
)

// diffs decodes the diff status lines of a run (PALLET_DIFF=1): step
// number → diff text.
func diffs(t *testing.T, r result) map[int]string {
	t.Helper()
	chunks := map[int]string{}
	out := map[int]string{}
	for _, line := range strings.Split(r.output, "\n") {
		_, st, ok := runner.ParseStatusLine(line, "")
		if !ok {
			continue
		}
		switch st.Kind {
		case runner.KindDiff:
			chunks[st.N] += st.Chunk
		case runner.KindDiffEnd:
			b, err := base64.StdEncoding.DecodeString(chunks[st.N])
			if err != nil {
				t.Fatalf("step %d: diff is not base64: %v\n%s", st.N, err, r.output)
			}
			out[st.N] = string(b)
		}
	}
	return out
}

// TestDiffLineInFile: with PALLET_DIFF=1 a line-in-file step that would
// change prints a unified diff of the one line, in check mode without
// changing the file, and again when it applies; a step that is ok prints
// none, and without PALLET_DIFF nothing is printed.
func TestDiffLineInFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.conf")
	if err := os.WriteFile(path, []byte("a=1\nport=80\nz=9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := compile(t,
		call{"line-in-file": {"path": path, "line": "port=8080", "match": "^port="}},
		call{"line-in-file": {"path": path, "line": "a=1"}})
	want := "--- " + path + "\n+++ " + path + "\n@@ -1,3 +1,3 @@\n a=1\n-port=80\n+port=8080\n z=9\n"

	r := run(t, script, "check", "PALLET_DIFF=1")
	expect(t, "check --diff", r, "would-change", "ok")
	d := diffs(t, r)
	if d[1] != want {
		t.Errorf("check --diff: step 1 diff\n%q\nwant\n%q", d[1], want)
	}
	if _, ok := d[2]; ok {
		t.Errorf("check --diff: a step that is ok printed a diff: %q", d[2])
	}
	if got := readFile(t, path); got != "a=1\nport=80\nz=9\n" {
		t.Fatalf("check mode changed the file: %q", got)
	}
	if r := run(t, script, "check"); len(diffs(t, r)) != 0 {
		t.Errorf("without PALLET_DIFF a diff was printed:\n%s", r.output)
	}

	r = run(t, script, "apply", "PALLET_DIFF=1")
	expect(t, "apply --diff", r, "changed", "ok")
	if d := diffs(t, r); d[1] != want {
		t.Errorf("apply --diff: step 1 diff\n%q\nwant\n%q", d[1], want)
	}
	if got := readFile(t, path); got != "a=1\nport=8080\nz=9\n" {
		t.Fatalf("apply: file is %q", got)
	}
}

// TestDiffFile: a file step diffs from /dev/null when the file is
// missing, summarises binary content by size and sha256, and content
// that travels as a payload (here: larger than the inline limit) by size
// and sha256 too, since check mode does not upload payloads. Secret
// content says only that it changed.
func TestDiffFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "new.txt")
	binary := filepath.Join(dir, "blob")
	large := filepath.Join(dir, "large")
	old := "\x00\x01\xffold"
	if err := os.WriteFile(binary, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, []byte("small\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 17<<10) + "\n"
	script := compile(t,
		call{"file": {"path": missing, "content": "hello\n"}},
		call{"file": {"path": binary, "content": "text now\n"}},
		call{"file": {"path": large, "content": big}})

	r := run(t, script, "check", "PALLET_DIFF=1")
	expect(t, "check --diff", r, "would-change", "would-change", "would-change")
	d := diffs(t, r)
	if want := "--- /dev/null\n+++ " + missing + "\n@@ -0,0 +1 @@\n+hello\n"; d[1] != want {
		t.Errorf("missing file: diff\n%q\nwant\n%q", d[1], want)
	}
	if want := "binary: old " + strconv.Itoa(len(old)) + " bytes sha256 " + sha256hex(old) + " -> new 9 bytes sha256 " + sha256hex("text now\n") + "\n"; d[2] != want {
		t.Errorf("binary file: diff\n%q\nwant\n%q", d[2], want)
	}
	if want := "content not diffed (not in the script, nor its payload beside it): old 6 bytes sha256 " + sha256hex("small\n") + " -> new " + strconv.Itoa(len(big)) + " bytes sha256 " + sha256hex(big) + "\n"; d[3] != want {
		t.Errorf("payload content: diff\n%q\nwant\n%q", d[3], want)
	}

	// With the payload beside the script (apply mode; check mode with
	// --diff uploads payloads too) large text is diffed.
	payload := filepath.Join(filepath.Dir(script), sha256hex(big)+".payload")
	if err := os.WriteFile(payload, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, script, "check", "PALLET_DIFF=1")
	if want := "--- " + large + "\n+++ " + large + "\n@@ -1 +1 @@\n-small\n+" + big; diffs(t, r)[3] != want {
		t.Errorf("payload content beside the script: diff\n%.200q\nwant\n%.200q", diffs(t, r)[3], want)
	}

	// Secret content is a payload marked secret (.bytes.Of of a secret):
	// its step's diff is the payload's, with "secret" added. No crate of
	// this tree makes secret content yet, so the script is edited.
	text := readFile(t, script)
	sum := "sum " + sha256hex(big) + " " + strconv.Itoa(len(big))
	if !strings.Contains(text, sum+"\n") {
		t.Fatalf("the large file's diff is not %q:\n%s", sum, text)
	}
	if err := os.WriteFile(script, []byte(strings.Replace(text, sum+"\n", sum+" secret\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, script, "check", "PALLET_DIFF=1")
	if d := diffs(t, r); d[3] != "secret content changed (diff hidden)\n" { // the payload is there: not read
		t.Errorf("secret content: diff %q, want only that it changed", d[3])
	}
	if strings.Contains(r.output, sha256hex("small\n")) {
		t.Errorf("secret content's diff tells the old file's sha256:\n%s", r.output)
	}
}

// TestDiffReadsAsTheCheckDoes: a diff reads the file the way the check
// does, as whoever controls the way to it. Through alice's symlink to a
// root-only file, root's content must not show in the diff (it would be
// a way to read /etc/shadow); alice's own 0600 file is read, as alice.
func TestDiffReadsAsTheCheckDoes(t *testing.T) {
	user, home := throwawayUser(t)
	_, secret := rootOnlyDir(t)
	link := filepath.Join(home, "x")
	userSymlink(t, user, secret, link)
	r := run(t, compile(t, call{"line-in-file": {"path": link, "line": "guess"}}), "check", "PALLET_DIFF=1")
	expect(t, "line-in-file through the user's symlink", r, "would-change")
	if strings.Contains(diffs(t, r)[1], "root only") {
		t.Fatalf("the diff read root's file through %s's symlink:\n%s", user, diffs(t, r)[1])
	}
	if !strings.Contains(diffs(t, r)[1], "cannot read") && !strings.Contains(diffs(t, r)[1], "Permission denied") {
		t.Errorf("the diff does not say it could not read the file: %q", diffs(t, r)[1])
	}

	own := filepath.Join(home, "own.conf")
	if err := os.WriteFile(own, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(own, uidOf(t, user), gidOf(t, user)); err != nil {
		t.Fatal(err)
	}
	r = run(t, compile(t, call{"line-in-file": {"path": own, "line": "also mine"}}), "check", "PALLET_DIFF=1")
	if want := "--- " + own + "\n+++ " + own + "\n@@ -1 +1,2 @@\n mine\n+also mine\n"; diffs(t, r)[1] != want {
		t.Errorf("the user's own file: diff\n%q\nwant\n%q", diffs(t, r)[1], want)
	}
}

// TestDiffWithoutDiffutils: where diff is missing, or is one without
// --label (busybox's), the diff says so and gives the sizes and sha256
// instead of failing; a diff over 64 KiB is cut, with a note.
func TestDiffWithoutDiffutils(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motd")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := compile(t, call{"file": {"path": path, "content": "new\n"}})
	r := run(t, script, "check", "PALLET_DIFF=1", shim(t, "diff", "exit 2\n"))
	expect(t, "check --diff without diffutils", r, "would-change")
	want := "diff unavailable on the node (install diffutils): old 4 bytes sha256 " + sha256hex("old\n") + " -> new 4 bytes sha256 " + sha256hex("new\n") + "\n"
	if d := diffs(t, r); d[1] != want {
		t.Errorf("diff\n%q\nwant\n%q", d[1], want)
	}

	// line-in-file absent deleting every line of a 100 KB file: its
	// diff is well over 64 KiB.
	var old strings.Builder
	for i := range 8000 {
		fmt.Fprintf(&old, "line %d\n", i)
	}
	if err := os.WriteFile(path, []byte(old.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	script = compile(t, call{"line-in-file": {"path": path, "line": "", "match": "^line ", "action": "absent"}})
	r = run(t, script, "check", "PALLET_DIFF=1")
	expect(t, "check --diff of a large change", r, "would-change")
	d := diffs(t, r)[1]
	if !strings.HasPrefix(d, "--- "+path+"\n+++ "+path+"\n@@ ") {
		t.Errorf("large diff starts %q", d[:min(len(d), 80)])
	}
	if len(d) > 65536+100 || !strings.HasSuffix(d, "\n(diff cut at 64 KiB)\n") {
		t.Errorf("large diff: %d bytes, ends %q; want at most 64 KiB and a note", len(d), d[max(0, len(d)-80):])
	}
}

// TestDiffRemoteFile: a download is not in the script, so its diff is
// the old file's size and sha256 against the sha256 it must have.
func TestDiffRemoteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.tar")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := sha256hex("new\n")
	r := run(t, compile(t, call{"remote-file": {"url": "http://127.0.0.1:1/never", "sha256": want, "path": path}}), "check", "PALLET_DIFF=1")
	expect(t, "check --diff", r, "would-change")
	if d := diffs(t, r)[1]; d != "content not diffed (not in the script, nor its payload beside it): old 4 bytes sha256 "+sha256hex("old\n")+" -> new sha256 "+want+"\n" {
		t.Errorf("remote-file diff %q", d)
	}
}
