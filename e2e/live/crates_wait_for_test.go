package live

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitForOK wants r's one step ok and returns its message ("waited 3.2s").
func waitForOK(t *testing.T, r *Result) string {
	t.Helper()
	WantStatuses(t, r, "ok")
	if len(r.Steps) != 1 {
		return ""
	}
	return r.Steps[0].Message
}

// later runs command on the node after delay seconds, from a transient
// systemd timer (the ssh session that starts it ends at once). The
// timer's AccuracySec is 100ms: its default, a minute, lets systemd fire
// it anywhere up to a minute late (it coalesces timers), past the steps'
// timeouts.
func (n *Node) later(t *testing.T, unit string, delay int, command string) {
	t.Helper()
	n.Sh(t, fmt.Sprintf("systemctl stop %s.timer %s.service 2>/dev/null; systemctl reset-failed %s.service 2>/dev/null; systemd-run --quiet --unit=%s --on-active=%d --timer-property=AccuracySec=100ms %s", unit, unit, unit, unit, delay, command))
}

var _ = register(Case{Crate: "wait-for", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -f /run/wait-for-live-path /run/wait-for-live-file")

	// path: created 3s from now; the step waits for it, changes nothing
	// (ok, "waited"), and finds it at once the next run.
	n.later(t, "wait-for-live-path", 3, "/usr/bin/touch /run/wait-for-live-path")
	start := time.Now()
	msg := waitForOK(t, n.Apply(t, "- wait-for: {path: /run/wait-for-live-path, timeout: 60}"))
	if d := time.Since(start); d < 2*time.Second || !strings.Contains(msg, "waited") {
		t.Errorf("wait-for path returned after %s saying %q: it did not wait", d, msg)
	}
	n.Want(t, "test -e /run/wait-for-live-path && echo there", "there")
	if msg := waitForOK(t, n.Apply(t, "- wait-for: {path: /run/wait-for-live-path, timeout: 60}")); strings.Contains(msg, "waited") {
		t.Errorf("the path was there, yet the step %q", msg)
	}
	waitForOK(t, n.Check(t, "- wait-for: {path: /run/wait-for-live-path}"))

	// port, on the node's own address (nodes share the host's network):
	// a listener that opens 3s from now.
	const port = 47239
	addr := fmt.Sprintf("%s:%d", n.Host, port)
	port2 := fmt.Sprintf("- wait-for: {port: %d, host: %q, timeout: 60}", port, n.Host)
	n.later(t, "wait-for-live-port", 3, "/usr/bin/systemd-socket-activate --accept -l "+addr+" /bin/true")
	start = time.Now()
	msg = waitForOK(t, n.Apply(t, port2))
	if d := time.Since(start); d < 2*time.Second || !strings.Contains(msg, "waited") {
		t.Errorf("wait-for port returned after %s saying %q: it did not wait", d, msg)
	}
	n.Sh(t, "timeout 3 bash -c 'exec 3<>/dev/tcp/"+n.Host+fmt.Sprintf("/%d", port)+"'")
	waitForOK(t, n.Apply(t, port2))
	waitForOK(t, n.Check(t, port2))

	// Nothing on a port: it gives up after timeout, saying what it waited
	// for.
	start = time.Now()
	_, msg = n.ApplyFails(t, fmt.Sprintf("- wait-for: {port: %d, host: %q, timeout: 2}", port+1, n.Host))
	if want := fmt.Sprintf("gave up after 2s: nothing accepts connections on %s:%d", n.Host, port+1); !strings.Contains(msg, want) || !strings.Contains(msg, "timed out") {
		t.Errorf("a port that never opens: the failure does not say %q and timed out:\n%s", want, msg)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("a 2s timeout took %s", d)
	}
	_, msg = n.ApplyFails(t, "- wait-for: {path: /run/wait-for-live-none, timeout: 1}")
	if !strings.Contains(msg, "gave up after 1s: /run/wait-for-live-none does not exist") {
		t.Errorf("a path that never comes: the failure does not say why:\n%s", msg)
	}

	// In check mode, after a step that would change, it does not wait:
	// what it waits for is most likely that step's doing.
	start = time.Now()
	r := n.Check(t, `
- file: {path: /run/wait-for-live-file, content: "x\n"}
- wait-for: {path: /run/wait-for-live-none, timeout: 120}
`)
	WantStatuses(t, r, "would-change", "would-change")
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("check mode waited %s after a would-change step", d)
	}
	n.Want(t, "test -e /run/wait-for-live-file && echo there || echo none", "none")
	n.Sh(t, "systemctl stop wait-for-live-port.service wait-for-live-port.timer wait-for-live-path.timer 2>/dev/null; systemctl reset-failed 2>/dev/null; rm -f /run/wait-for-live-path")
}})

// The url case installs curl (the node's minbase has neither curl nor
// GNU wget); the server is on the test host, which the node reaches at
// 127.0.0.1 (nspawn nodes share the host's network).
var _ = register(Case{Crate: "wait-for", Name: "url", Apt: true, Run: func(t *testing.T, n *Node) {
	var ready atomic.Int64
	ready.Store(time.Now().Add(time.Hour).UnixNano())
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case r.URL.Path == "/moved":
			http.Redirect(w, r, "/health", http.StatusMovedPermanently)
		case r.URL.Query().Get("token") != "live-s3cret":
			w.WriteHeader(http.StatusForbidden)
		case time.Now().UnixNano() < ready.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/health?token=live-s3cret"
	call := fmt.Sprintf("- wait-for: {url: %q, status: 204, timeout: 60}", url)

	hadCurl := strings.TrimSpace(n.Sh(t, "command -v curl || true")) != ""
	if !hadCurl {
		// Without curl or GNU wget it fails at once, saying what to install.
		_, msg := n.ApplyFails(t, call)
		if !strings.Contains(msg, "neither curl nor GNU wget is installed") {
			t.Errorf("no curl: the failure does not say why:\n%s", msg)
		}
		n.Apply(t, "- package: {packages: [curl], update: true}")
	}

	// 204 three seconds from now; the token reaches the server, never the
	// step's name or message.
	ready.Store(time.Now().Add(3 * time.Second).UnixNano())
	start := time.Now()
	r := n.Apply(t, call)
	msg := waitForOK(t, r)
	if d := time.Since(start); d < 2*time.Second || !strings.Contains(msg, "waited") {
		t.Errorf("wait-for url returned after %s saying %q: it did not wait", d, msg)
	}
	if s := r.String(); strings.Contains(s, "live-s3cret") {
		t.Errorf("the url's token shows in the report:\n%s", s)
	}
	waitForOK(t, n.Apply(t, call))
	waitForOK(t, n.Check(t, call))

	// A redirect is not followed: its status is what counts.
	waitForOK(t, n.Apply(t, fmt.Sprintf("- wait-for: {url: %q, status: 301, timeout: 5}", srv.URL+"/moved")))

	// The wrong status until the timeout: it says which status from
	// which host it waited for.
	before := hits.Load()
	_, msg = n.ApplyFails(t, fmt.Sprintf("- wait-for: {url: %q, timeout: 2}", srv.URL+"/health?token=wrong"))
	host := strings.TrimPrefix(srv.URL, "http://")
	if want := "gave up after 2s: no HTTP 200 from the url on " + host; !strings.Contains(msg, want) {
		t.Errorf("a url that never answers 200: the failure does not say %q:\n%s", want, msg)
	}
	if hits.Load()-before < 2 {
		t.Errorf("the url was asked %d times in 2s, want it polled", hits.Load()-before)
	}
	if !hadCurl {
		n.Apply(t, "- package: {packages: [curl], action: remove}")
	}
}})
