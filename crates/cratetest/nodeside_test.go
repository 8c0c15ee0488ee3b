package cratetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChecksReadAsWhoeverControlsThePath: a check reads the path as the
// user who controls the way to it, never as root through their symlinks.
// A root-only file's content could be guessed one check at a time: a
// line-in-file check through alice's ~/x -> secret, or a file or
// remote-file check through her ~/d -> its directory, said ok exactly
// when the guess was right. Run as alice, the read fails, and the check says would-change
// whatever the file holds. A FIFO there fails the check at once.
func TestChecksReadAsWhoeverControlsThePath(t *testing.T) {
	user, home := throwawayUser(t)
	victim, secret := rootOnlyDir(t)
	link := filepath.Join(home, "x")
	userSymlink(t, user, secret, link)
	dir := filepath.Join(home, "d")
	userSymlink(t, user, victim, dir)

	for _, c := range []struct {
		what string
		call call
	}{
		{"line-in-file through the user's symlink to a root-only file",
			call{"line-in-file": {"path": link, "line": "root only"}}},
		{"file through the user's symlink to a root-only directory",
			call{"file": {"path": filepath.Join(dir, "secret"), "content": "root only\n", "mode": "0640"}}},
		{"remote-file through the user's symlink to a root-only directory",
			call{"remote-file": {"url": "http://127.0.0.1:1/never", "sha256": sha256hex("root only\n"), "path": filepath.Join(dir, "secret"), "mode": "0640"}}},
	} {
		// The guess is right: root's read said ok.
		expect(t, c.what, run(t, compile(t, c.call), "check"), "would-change")
	}

	// The user's own file is still read, as the user, and found right.
	own := filepath.Join(home, "own.conf")
	if err := os.WriteFile(own, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(own, uidOf(t, user), gidOf(t, user)); err != nil {
		t.Fatal(err)
	}
	expect(t, "line in the user's own 0600 file", run(t, compile(t, call{"line-in-file": {"path": own, "line": "mine"}}), "check"), "ok")
	expect(t, "the user's own 0600 file", run(t, compile(t, call{"file": {"path": own, "content": "mine\n", "owner": user, "group": user, "mode": "0600"}}), "check"), "ok")

	fifo := filepath.Join(home, "fifo")
	mkfifo(t, fifo, uidOf(t, user), gidOf(t, user))
	for _, c := range []call{
		{"line-in-file": {"path": fifo, "line": "x"}},
		{"file": {"path": fifo, "content": "x\n", "owner": user, "group": user}},
	} {
		start := time.Now()
		expect(t, fmt.Sprint("FIFO: ", c), runWithin(t, hang, compile(t, c), "check"), "would-change")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%v: the check took %v on a FIFO", c, d)
		}
	}
}

// protectedHardlinks sets fs.protected_hardlinks (host-wide: nodes share
// the kernel) for the test and puts the old value back after it.
func protectedHardlinks(t *testing.T, value string) {
	t.Helper()
	const knob = "/proc/sys/fs/protected_hardlinks"
	old, err := os.ReadFile(knob)
	if err != nil {
		t.Skipf("cannot read %s: %v", knob, err)
	}
	if err := os.WriteFile(knob, []byte(value), 0o644); err != nil {
		t.Skipf("cannot set %s: %v", knob, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(knob, old, 0o644); err != nil {
			t.Errorf("restoring %s: %v", knob, err)
		}
	})
}

// asUser runs a command as user, with no privileges left.
func asUser(t *testing.T, user string, args ...string) {
	t.Helper()
	cmd := exec.Command("setpriv", append([]string{
		fmt.Sprintf("--reuid=%d", uidOf(t, user)), fmt.Sprintf("--regid=%d", gidOf(t, user)), "--clear-groups", "--"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as %s: %v: %v\n%s", user, args, err, out)
	}
}

// TestHardLinkInStickyDir: with fs.protected_hardlinks=0 a user may
// hard-link any file of root's into /tmp. There it looks like root's own
// file, and root used to chmod it (remote-file, whose sha256 matched: the
// secret became 0644) and read it (a file check said ok for the right
// guess). Now a file of root's with more than one link in a sticky
// directory is refused, to read or to write.
func TestHardLinkInStickyDir(t *testing.T) {
	user, _ := throwawayUser(t)
	protectedHardlinks(t, "0")
	tmp := stickyDir(t)
	secret := filepath.Join(publicDir(t), "secret")
	if err := os.WriteFile(secret, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "x")
	asUser(t, user, "ln", "--", secret, link)

	r := run(t, compile(t, call{"file": {"path": link, "content": "root only\n", "mode": "0600"}}), "check")
	expect(t, "file check through the user's hard link", r, "would-change")

	r = run(t, compile(t, call{"remote-file": {"url": "http://127.0.0.1:1/never", "sha256": sha256hex("root only\n"), "path": link, "mode": "0644"}}), "apply")
	expect(t, "remote-file through the user's hard link", r, "failed")
	if m := mode(t, secret); m != 0o600 {
		t.Errorf("root chmodded its secret through %s's hard link: now %v", user, m)
	}
	if !strings.Contains(r.output, link+" has 2 hard links") {
		t.Errorf("want the refusal to say why:\n%s", r.output)
	}

	r = run(t, compile(t, call{"line-in-file": {"path": link, "line": "added"}}), "apply")
	expect(t, "line-in-file through the user's hard link", r, "failed")
	if got := readFile(t, secret); got != "root only\n" {
		t.Errorf("secret %q", got)
	}
}

// TestAsUserHasNoControllingTerminal: run by hand from a terminal (sudo
// without use_pty), what pallet_as_user starts shared root's controlling
// terminal, and could push keystrokes into root's shell with TIOCSTI. A
// file written in the user's home runs mv as the user (the rename into
// place); a stand-in mv records its tty (field 7 of /proc/PID/stat) and whether it can
// open /dev/tty. The script runs under script(1), in a pty.
func TestAsUserHasNoControllingTerminal(t *testing.T) {
	user, home := throwawayUser(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("no script(1) to run the phase in a pty")
	}
	log := filepath.Join(publicDir(t), "tty.log")
	if err := os.WriteFile(log, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(log, 0o666); err != nil {
		t.Fatal(err)
	}
	real, err := exec.LookPath("mv")
	if err != nil {
		t.Fatal(err)
	}
	path := shim(t, "mv", fmt.Sprintf(`stat=$(cat /proc/$$/stat)
tty=$(echo "${stat##*)}" | cut -d' ' -f6)
if (: </dev/tty) 2>/dev/null; then dev=opens; else dev=none; fi
echo "uid=$(id -u) tty_nr=$tty devtty=$dev" >>%s
exec %s "$@"
`, log, real))
	// The first file is root's (its mv runs as root, in the pty: the
	// test's own check that there is a terminal to share), the second the
	// user's.
	script := compile(t,
		call{"file": {"path": filepath.Join(publicDir(t), "root.conf"), "content": "x\n"}},
		call{"file": {"path": filepath.Join(home, "app.conf"), "content": "x\n", "owner": user, "group": user}})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", "bash "+script, "/dev/null")
	cmd.Env = append(os.Environ(), "PALLET_MODE=apply", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), " end 2/2 changed ") {
		t.Fatalf("want the user's file changed:\n%s", out)
	}
	got := readFile(t, log)
	t.Logf("mv ran as:\n%s", got)
	var asRoot, asUser int
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if strings.HasPrefix(line, "uid=0 ") {
			asRoot++
			if strings.Contains(line, " tty_nr=0 ") {
				t.Errorf("root's own step has no terminal: the test ran no pty: %s", line)
			}
			continue
		}
		asUser++
		if !strings.Contains(line, " tty_nr=0 ") || !strings.HasSuffix(line, " devtty=none") {
			t.Errorf("the user's process has a controlling terminal: %s", line)
		}
	}
	if asRoot == 0 || asUser == 0 {
		t.Errorf("want mv run as root and as %s:\n%s", user, got)
	}
}
