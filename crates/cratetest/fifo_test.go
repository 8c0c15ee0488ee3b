package cratetest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palletops/pallet/templates"
)

// hang is how long a step may take before the test calls it hung: reading
// a FIFO nobody writes to never returns.
const hang = 30 * time.Second

func mkfifo(t *testing.T, path string, uid, gid int) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

func isFIFO(t *testing.T, path string) bool {
	t.Helper()
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&os.ModeNamedPipe != 0
}

// TestSSHKeyFIFO is the hang: the user makes ~/.ssh/authorized_keys
// a FIFO. The apply tested only that it existed before awk read it, and
// waited for a writer forever. Now the step fails at once, saying why.
func TestSSHKeyFIFO(t *testing.T) {
	user, home := throwawayUser(t)
	uid, gid := uidOf(t, user), gidOf(t, user)
	ssh := filepath.Join(home, ".ssh")
	if err := os.Mkdir(ssh, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(ssh, uid, gid); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(ssh, "authorized_keys")
	mkfifo(t, keys, uid, gid)
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl pallet-test"
	script := compile(t, call{"ssh-key": {"user": user, "key": key}})
	for _, mode := range []string{"check", "apply"} {
		r := runWithin(t, hang, script, mode)
		want := "would-change"
		if mode == "apply" {
			want = "failed"
			if !strings.Contains(r.output, keys+" is not a regular file (fifo)") {
				t.Errorf("want the failure to name the FIFO:\n%s", r.output)
			}
		}
		expect(t, mode, r, want)
	}
	if !isFIFO(t, keys) {
		t.Error("the FIFO was replaced")
	}
}

// TestLineInFileFIFOSwappedIn: the user swaps their file for a FIFO after
// the edit has tested it is a regular file (a stand-in stat does it, the
// first time it runs as the user, just before the edit reads the file, so
// the race is won every time). The read of it used to block forever.
func TestLineInFileFIFOSwappedIn(t *testing.T) {
	user, home := throwawayUser(t)
	uid, gid := uidOf(t, user), gidOf(t, user)
	conf := filepath.Join(home, "app.conf")
	if err := os.WriteFile(conf, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(conf, uid, gid); err != nil {
		t.Fatal(err)
	}
	real, err := exec.LookPath("stat")
	if err != nil {
		t.Fatal(err)
	}
	path := shim(t, "stat", fmt.Sprintf("if [ \"$(id -u)\" != 0 ] && [ -f %[1]s ]; then rm %[1]s && mkfifo %[1]s; fi\nexec %[2]s \"$@\"\n", conf, real))
	r := runWithin(t, hang, compile(t, call{"line-in-file": {"path": conf, "line": "b"}}), "apply", path)
	expect(t, "apply", r, "failed")
	if !strings.Contains(r.output, conf+" is not a regular file (fifo)") {
		t.Errorf("want the failure to name the FIFO:\n%s", r.output)
	}
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("temporary files left behind: %v", l)
	}
}

// TestFIFOTargets: a FIFO where line-in-file, file or remote-file would
// write fails the step at once, saying what is there, and is left alone:
// pallet neither reads it nor replaces it (file used to replace it).
func TestFIFOTargets(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: compiled scripts run as root on nodes")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "target")
	mkfifo(t, fifo, 0, 0)
	for _, c := range []call{
		{"line-in-file": {"path": fifo, "line": "x"}},
		{"file": {"path": fifo, "content": "x\n"}},
		{"remote-file": {"url": "http://127.0.0.1:1/never", "sha256": sha256hex("x"), "path": fifo}},
	} {
		r := runWithin(t, hang, compile(t, c), "apply")
		expect(t, fmt.Sprint(c), r, "failed")
		if !strings.Contains(r.output, fifo+" is not a regular file (fifo)") {
			t.Errorf("%v: want the failure to name the FIFO:\n%s", c, r.output)
		}
		if !isFIFO(t, fifo) {
			t.Fatalf("%v: the FIFO was replaced", c)
		}
		if l := leftovers(t, dir); len(l) > 0 {
			t.Errorf("%v: temporary files left behind: %v", c, l)
		}
	}
}

// TestFileReadSwapAfterTest: the narrowest race, a FIFO swapped in after
// pallet_file_read tested the path and before it opened it, would block
// the open. A DEBUG trap does the swap right before the open; the watchdog
// ends the read after 10 seconds instead, saying why. A device swapped in
// (a symlink to /dev/zero, which opens at once and never ends) is caught
// by the test of the opened descriptor.
func TestFileReadSwapAfterTest(t *testing.T) {
	src, err := fs.ReadFile(templates.Helpers, "helpers/pallet_file_read.sh")
	if err != nil {
		t.Fatal(err)
	}
	for swap, want := range map[string]string{
		`mkfifo "$P"`:          "took more than 10 seconds",
		`ln -s /dev/zero "$P"`: "it changed while pallet opened it",
	} {
		p := filepath.Join(t.TempDir(), "conf")
		script := fmt.Sprintf(`set -euo pipefail
%s
P=%q
printf 'a\n' >"$P"
set -T
trap '[[ $BASH_COMMAND == "exec {fd}< \"\$path\"" ]] && { rm -f "$P"; %s; }' DEBUG
pallet_file_read "$P" cat
`, src, p, swap)
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		cmd := exec.CommandContext(ctx, "bash", "-c", script)
		cmd.WaitDelay = time.Second
		out, err := cmd.CombinedOutput()
		hung := ctx.Err() != nil
		cancel()
		if hung {
			t.Fatalf("%s: the read hung\n%s", swap, out)
		}
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: want a failure saying %q, got %v:\n%s", swap, want, err, out)
		}
		if strings.Contains(string(out), "\na\n") || strings.HasPrefix(string(out), "a\n") {
			t.Errorf("%s: read what was swapped in", swap)
		}
	}
}
