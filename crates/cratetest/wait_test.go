package cratetest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// endMessages is the message of each step's end status line ("" when it
// has none), in order.
func endMessages(r result) []string {
	var msgs []string
	for _, line := range strings.Split(r.output, "\n") {
		f := strings.SplitN(line, " ", 6)
		if len(f) >= 5 && f[0] == "::pallet::v1" && f[1] == "end" {
			msg := ""
			if len(f) == 6 {
				msg = f[5]
			}
			msgs = append(msgs, msg)
		}
	}
	return msgs
}

// expectWaited fails unless the only step reported ok after waiting.
func expectWaited(t *testing.T, what string, r result) {
	t.Helper()
	expect(t, what, r, "ok")
	if m := endMessages(r); len(m) != 1 || !strings.HasPrefix(m[0], "waited ") {
		t.Fatalf("%s: end message %q, want \"waited N.Ns\"\n%s", what, m, r.output)
	}
}

// expectTimedOut fails unless the only step failed with "timed out" and
// the output says what it waited for.
func expectTimedOut(t *testing.T, what string, r result, says string) {
	t.Helper()
	expect(t, what, r, "failed")
	if m := endMessages(r); len(m) != 1 || m[0] != "timed out" {
		t.Errorf("%s: end message %q, want \"timed out\"\n%s", what, m, r.output)
	}
	if !strings.Contains(r.output, says) {
		t.Errorf("%s: output does not say %q:\n%s", what, says, r.output)
	}
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on (it did a
// moment ago, for the test).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// listenLater starts listening on port after delay, until the test ends.
func listenLater(t *testing.T, port int, delay time.Duration) {
	t.Helper()
	done := make(chan struct{})
	var l net.Listener
	timer := time.AfterFunc(delay, func() {
		defer close(done)
		var err error
		l, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Errorf("listen on %d: %v", port, err)
			return
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	})
	t.Cleanup(func() {
		if timer.Stop() {
			return
		}
		<-done
		if l != nil {
			l.Close()
		}
	})
}

// TestWaitForPort: a port already open is ok at once; one that opens
// after a second and a half is ok, "waited", never changed, in apply and
// in check mode alike; one that never opens fails "timed out", saying what
// it waited for.
func TestWaitForPort(t *testing.T) {
	port := freePort(t)
	script := compile(t, call{"wait-for": {"port": port, "timeout": 10}})
	listenLater(t, port, 1500*time.Millisecond)
	expectWaited(t, "opens later", run(t, script, "apply"))
	r := run(t, script, "apply")
	expect(t, "already open", r, "ok")
	if m := endMessages(r); m[0] != "" {
		t.Errorf("already open: message %q, want none", m[0])
	}

	port = freePort(t)
	checkMode := compile(t, call{"wait-for": {"port": port, "host": "127.0.0.1", "timeout": 10}})
	listenLater(t, port, 1500*time.Millisecond)
	expectWaited(t, "check mode, nothing before it would change", run(t, checkMode, "check"))

	never := compile(t, call{"wait-for": {"port": freePort(t), "timeout": 1}})
	start := time.Now()
	expectTimedOut(t, "never opens", run(t, never, "apply"), "gave up after 1s: nothing accepts connections on 127.0.0.1:")
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("a 1 second timeout took %v", d)
	}
}

// TestWaitForURL: the URL answers 503 twice, then 200: the step waits and
// reports ok. A status other than 200 can be waited for, and one that
// never comes times out.
func TestWaitForURL(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/teapot":
			w.WriteHeader(http.StatusTeapot)
		case r.URL.Query().Get("token") != "s3cret":
			w.WriteHeader(http.StatusForbidden)
		case hits.Add(1) <= 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	script := compile(t, call{"wait-for": {"url": srv.URL + "/health?token=s3cret", "timeout": 20}})
	expectWaited(t, "503, 503, then 200", run(t, script, "apply"))
	expect(t, "200 at once", run(t, script, "apply"), "ok")

	teapot := compile(t, call{"wait-for": {"url": srv.URL + "/teapot", "status": 418, "timeout": 5}})
	expect(t, "418 wanted", run(t, teapot, "apply"), "ok")

	wrong := compile(t, call{"wait-for": {"url": srv.URL + "/health?token=wrong", "timeout": 1}})
	r := run(t, wrong, "apply")
	expectTimedOut(t, "403 forever", r, "no HTTP 200 from the url on 127.0.0.1:")
	if strings.Contains(r.output, "wrong") {
		t.Errorf("the URL's query is in the output:\n%s", r.output)
	}
}

// TestWaitForPath: a file that appears after a second is waited for; in
// check mode, after a step that would change (and would have made it), the
// wait reports would-change at once instead of timing out.
func TestWaitForPath(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	script := compile(t, call{"wait-for": {"path": ready, "timeout": 10}})
	time.AfterFunc(time.Second, func() { os.WriteFile(ready, nil, 0o644) })
	expectWaited(t, "appears later", run(t, script, "apply"))
	expect(t, "there", run(t, script, "apply"), "ok")

	other := filepath.Join(dir, "made-by-the-step-before")
	after := compile(t,
		call{"exec-script": {"creates": other, "script": "touch " + other}},
		call{"wait-for": {"path": other, "timeout": 30}},
	)
	start := time.Now()
	r := run(t, after, "check")
	expect(t, "check mode after a would-change", r, "would-change", "would-change")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("check mode waited %v for what the step before would make", d)
	}
	if _, err := os.Lstat(other); err == nil {
		t.Fatal("check mode ran the script")
	}
	expect(t, "apply", run(t, after, "apply"), "changed", "ok")

	expectTimedOut(t, "never there", run(t, compile(t, call{"wait-for": {"path": filepath.Join(dir, "never"), "timeout": 1}}), "apply"), "does not exist")
}

// TestExecScriptChangesFalse: an exec-script that only waits for its
// guard reports ok, "waited", not changed; its script failing with 124 is
// a timeout. Before changes: false it reported changed.
func TestExecScriptChangesFalse(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	guard := fmt.Sprintf("test -e %q", flag)
	wait := compile(t, call{"exec-script": {"name": "wait for flag", "unless": guard, "changes": false,
		"script": fmt.Sprintf("for _ in 1 2 3 4 5 6 7 8 9 10; do %s && exit 0; sleep 1; done\nexit 124", guard)}})
	time.AfterFunc(time.Second, func() { os.WriteFile(flag, nil, 0o644) })
	expectWaited(t, "flag appears", run(t, wait, "apply"))
	expect(t, "flag there", run(t, wait, "apply"), "ok")

	never := compile(t, call{"exec-script": {"unless": "false", "changes": false, "script": "echo gave up >&2; exit 124"}})
	expectTimedOut(t, "never", run(t, never, "apply"), "gave up")
}
