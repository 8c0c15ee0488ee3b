package cratetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryWriterRunsAsOwner: each file crate, asked to write in a user's
// home for that user, runs its helper as the user (pallet_as_user), in a
// fresh bash that holds only that helper and the helpers palletc found it
// calls. Every helper that path can run is run here, so a helper missing
// from what it is handed fails this test ("command not found"), not a
// node: the directory one, for instance, walks the path again after each
// mkdir, so it needs the walk and the walk's own helpers.
func TestEveryWriterRunsAsOwner(t *testing.T) {
	user, home := throwawayUser(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl: remote-file needs it")
	}
	body := "release 1\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	dir := filepath.Join(home, "app", "etc", "conf.d")
	conf := filepath.Join(dir, "app.conf")
	tarball := filepath.Join(dir, "app.tar")
	mine := map[string]any{"owner": user, "group": user}
	with := func(m map[string]any) map[string]any {
		for k, v := range mine {
			m[k] = v
		}
		return m
	}
	notes := filepath.Join(dir, "notes")
	write := compile(t,
		call{"directory": with(map[string]any{"path": dir, "recursive": true, "mode": "0750"})},
		call{"file": with(map[string]any{"path": conf, "content": "a = 1\n", "mode": "0640"})},
		call{"file": with(map[string]any{"path": notes})},
		call{"remote-file": with(map[string]any{"url": srv.URL + "/app.tar", "sha256": sha256hex(body), "path": tarball})},
	)
	expect(t, "write as the owner", run(t, write, "apply"), "changed", "changed", "changed", "changed")
	expect(t, "again", run(t, write, "apply"), "ok", "ok", "ok", "ok")
	// A line in a file of the user's (line-in-file makes a missing file
	// its writer's, and root's has no place in the user's home).
	line := compile(t, call{"line-in-file": {"path": notes, "line": "b = 2"}})
	expect(t, "line as the owner", run(t, line, "apply"), "changed")
	want := uint32(uidOf(t, user))
	for _, path := range []string{filepath.Join(home, "app"), filepath.Join(home, "app", "etc"), dir, conf, notes, tarball} {
		if uid, _ := owner(t, path); uid != want {
			t.Errorf("%s: uid %d, want %s's (%d)", path, uid, user, want)
		}
	}
	if got := readFile(t, notes); got != "b = 2\n" {
		t.Errorf("%s: %q", notes, got)
	}

	remove := compile(t,
		call{"file": {"path": conf, "action": "absent"}},
		call{"directory": {"path": filepath.Join(home, "app"), "action": "absent"}},
	)
	expect(t, "remove as the owner", run(t, remove, "apply"), "changed", "changed")
	if _, err := os.Lstat(filepath.Join(home, "app")); !os.IsNotExist(err) {
		t.Errorf("%s/app is still there (%v)", home, err)
	}
}

// TestFileIntoMissingDirectory: a file (or a line, or a download) whose
// directory does not exist fails saying so and what to do, not with a bash
// error and a script line number; nothing is made.
func TestFileIntoMissingDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	path := filepath.Join(missing, "app.conf")
	want := "pallet: cannot write " + path + ": directory " + missing + " does not exist; create it in an earlier step (directory crate)"
	for _, c := range []call{
		{"file": {"path": path, "content": "x\n"}},
		{"line-in-file": {"path": path, "line": "x"}},
		{"remote-file": {"url": "http://127.0.0.1:1/x", "sha256": strings.Repeat("0", 64), "path": path}},
	} {
		r := run(t, compile(t, c), "apply")
		expect(t, fmt.Sprint(c), r, "failed")
		if !strings.Contains(r.output, want) {
			t.Errorf("%v: want %q in:\n%s", c, want, r.output)
		}
		if strings.Contains(r.output, "No such file or directory") {
			t.Errorf("%v: a raw error reached the output:\n%s", c, r.output)
		}
		if _, err := os.Lstat(missing); !os.IsNotExist(err) {
			t.Errorf("%v: %s was made (%v)", c, missing, err)
		}
	}
}
