package cratetest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorded are the programs the helpers run (and a few more): each gets a
// stand-in that logs its command line and runs the real one.
var recorded = []string{
	"awk", "bash", "cat", "chgrp", "chmod", "chown", "cmp", "cp", "curl",
	"dirname", "env", "getent", "grep", "id", "mkdir", "mktemp", "mv",
	"readlink", "rm", "runuser", "sed", "setpriv", "sha256sum", "stat",
	"su", "wget",
}

// recorders puts the stand-ins in a fresh directory and returns the PATH=
// entry that puts them first, and the log every command line goes to
// (writable by all: the stand-ins also run as users).
func recorders(t *testing.T) (path, log string) {
	t.Helper()
	pub := publicDir(t)
	bin, log := filepath.Join(pub, "bin"), filepath.Join(pub, "argv.log")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(log, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, name := range recorded {
		real, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		body := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"%s $*\" >>%s\nexec %s \"$@\"\n", name, log, real)
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return "PATH=" + bin + ":" + os.Getenv("PATH"), log
}

// cmdlineWatch samples every process's command line until stop is
// called, and returns the ones that held secret: a second look, beside
// the stand-ins, at programs that are not on the list.
func cmdlineWatch(secret string) (stop func() []string) {
	var (
		mu    sync.Mutex
		found []string
		done  = make(chan struct{})
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err == nil && bytes.Contains(data, []byte(secret)) {
					mu.Lock()
					found = append(found, string(bytes.ReplaceAll(data, []byte{0}, []byte{' '})))
					mu.Unlock()
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return func() []string {
		close(done)
		wg.Wait()
		return found
	}
}

// TestValuesNeverInArgv: the values a phase carries (a line-in-file line
// with a password, a URL with a token, a key) never reach the command line
// of a program, where every user of the node can read them
// (/proc/PID/cmdline). They used to: pallet_as_user passed them to
// setpriv and bash as arguments, remote-file to curl, the ssh-key check to
// grep.
func TestValuesNeverInArgv(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl: remote-file needs it here")
	}
	user, home := throwawayUser(t)
	secret := fmt.Sprintf("s3cret%dpw", os.Getpid())

	// line-in-file in a file of the user's, in their home: the edit runs as
	// the user (pallet_as_user).
	conf := filepath.Join(home, "app.env")
	if err := os.WriteFile(conf, []byte("DB_HOST=db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(conf, uidOf(t, user), gidOf(t, user)); err != nil {
		t.Fatal(err)
	}
	// remote-file from a URL with a token, into a root directory and into
	// the user's home (as the user).
	body := "payload\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != secret {
			http.Error(w, "no token", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	url := srv.URL + "/payload?token=" + secret
	dl := filepath.Join(publicDir(t), "payload")
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl " + secret

	script := compile(t,
		call{"line-in-file": {"path": conf, "line": "DB_PASSWORD=" + secret, "match": "^DB_PASSWORD="}},
		call{"remote-file": {"url": url, "sha256": sha256hex(body), "path": dl}},
		call{"remote-file": {"url": url, "sha256": sha256hex(body), "path": filepath.Join(home, "payload"), "owner": user, "group": user}},
		call{"ssh-key": {"user": user, "key": key}},
		call{"file": {"path": filepath.Join(home, "secret.txt"), "content": secret + "\n", "owner": user, "group": user, "mode": "0600"}},
		// wait-for asks for the URL with curl too
		call{"wait-for": {"url": url, "timeout": 5}},
	)
	path, log := recorders(t)
	var seen []string
	for _, want := range []string{"changed", "ok"} {
		stop := cmdlineWatch(secret)
		r := run(t, script, "apply", path)
		seen = append(seen, stop()...)
		expect(t, "apply", r, want, want, want, want, want, "ok")
	}

	lines := readFile(t, log)
	for _, want := range []string{"setpriv ", "curl ", "awk "} {
		if !strings.Contains(lines, want) {
			t.Errorf("no %s in the log: the stand-ins were not used\n%s", want, lines)
		}
	}
	for _, l := range strings.Split(lines, "\n") {
		if strings.Contains(l, secret) {
			t.Errorf("a value reached a command line: %.300s", l)
		}
	}
	for _, l := range seen {
		t.Errorf("a value was in /proc/PID/cmdline: %.300s", l)
	}
	if got := readFile(t, conf); !strings.Contains(got, "DB_PASSWORD="+secret+"\n") {
		t.Errorf("line-in-file did not write the line: %q", got)
	}
}

func gidOf(t *testing.T, user string) int {
	t.Helper()
	out, err := exec.Command("id", "-g", user).Output()
	if err != nil {
		t.Fatal(err)
	}
	var gid int
	fmt.Sscan(string(out), &gid)
	return gid
}
