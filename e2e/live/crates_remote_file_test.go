package live

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The remote-file case serves its files from the test host: the node
// reaches it at 127.0.0.1 (nspawn nodes share the host's network). The
// node's minbase has neither curl nor GNU wget, so the case installs
// curl (and removes it again when it was not there).
var _ = register(Case{Crate: "remote-file", Apt: true, Run: func(t *testing.T, n *Node) {
	body := make([]byte, 70000) // binary, NUL bytes and all
	rand.Read(body)
	other := []byte("another release\n")
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Query().Get("token") != "rf-s3cret" {
			http.Error(w, "no token", http.StatusForbidden)
			return
		}
		switch r.URL.Path {
		case "/app.bin":
			w.Write(body)
		case "/other.bin":
			w.Write(other)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	url := srv.URL + "/app.bin?token=rf-s3cret"
	call := func(url, sha, path, extra string) string {
		return fmt.Sprintf("- remote-file: {url: %q, sha256: %s, path: %s%s}\n", url, sha, path, extra)
	}
	n.Sh(t, "rm -rf /srv/remote-file-live && mkdir /srv/remote-file-live")
	app := call(url, sum(body), "/srv/remote-file-live/app.bin", `, owner: nobody, group: nogroup, mode: "0640"`)

	hadCurl := strings.TrimSpace(n.Sh(t, "command -v curl || true")) != ""
	if !hadCurl {
		_, msg := n.ApplyFails(t, app)
		if !strings.Contains(msg, "neither curl nor wget is installed (install curl first, with the package crate)") {
			t.Errorf("no curl: the failure does not say why:\n%s", msg)
		}
		n.Want(t, "ls -A /srv/remote-file-live", "")
		n.Apply(t, "- package: {packages: [curl], update: true}")
	}

	// Downloaded once, byte for byte, with owner, group and mode; the
	// reruns and the check find its sha256 and download nothing.
	r := n.Converge(t, app, func() {
		n.Want(t, "sha256sum /srv/remote-file-live/app.bin | cut -d' ' -f1", sum(body))
		n.Want(t, "stat -c '%U %G %a %s' /srv/remote-file-live/app.bin", fmt.Sprintf("nobody nogroup 640 %d", len(body)))
	})
	if got := hits.Load(); got != 1 {
		t.Errorf("%d downloads, want 1: a file with the sha256 is not downloaded again", got)
	}
	// The url may hold a token: it reaches the server (which answers 403
	// without it), never the report.
	if s := r.String(); strings.Contains(s, "rf-s3cret") {
		t.Errorf("the url's token shows in the report:\n%s", s)
	}

	// A mode changed by hand is put back without a download; changed
	// content is downloaded again.
	n.Sh(t, "chmod 0666 /srv/remote-file-live/app.bin")
	WantStatuses(t, n.Apply(t, app), "changed")
	n.Want(t, "stat -c %a /srv/remote-file-live/app.bin", "640")
	if got := hits.Load(); got != 1 {
		t.Errorf("%d downloads after a mode change, want 1", got)
	}
	n.Sh(t, "echo tampered >>/srv/remote-file-live/app.bin")
	WantStatuses(t, n.Apply(t, app), "changed")
	n.Want(t, "sha256sum /srv/remote-file-live/app.bin | cut -d' ' -f1", sum(body))
	if got := hits.Load(); got != 2 {
		t.Errorf("%d downloads after the content changed, want 2", got)
	}

	// sha256 pinning: a download with another sha256 is refused, the file
	// there stays as it was (owner and mode too), and nothing is left
	// beside it.
	_, msg := n.ApplyFails(t, call(url, sum(other), "/srv/remote-file-live/app.bin", ""))
	if want := fmt.Sprintf("has sha256 %s, not %s: /srv/remote-file-live/app.bin left as it was", sum(body), sum(other)); !strings.Contains(msg, want) {
		t.Errorf("a wrong sha256: the failure does not say %q:\n%s", want, msg)
	}
	n.Want(t, "sha256sum /srv/remote-file-live/app.bin | cut -d' ' -f1; stat -c '%U %a' /srv/remote-file-live/app.bin", sum(body)+"\nnobody 640")
	_, msg = n.ApplyFails(t, call(srv.URL+"/other.bin?token=rf-s3cret", sum(body), "/srv/remote-file-live/new.bin", ""))
	if !strings.Contains(msg, "has sha256 "+sum(other)) {
		t.Errorf("a wrong sha256: the failure does not say why:\n%s", msg)
	}
	// A download that fails (404) makes nothing either.
	_, msg = n.ApplyFails(t, call(srv.URL+"/missing.bin?token=rf-s3cret", sum(other), "/srv/remote-file-live/new.bin", ""))
	if !strings.Contains(msg, "404") {
		t.Errorf("a 404: the failure does not say so:\n%s", msg)
	}
	n.Want(t, "ls -A /srv/remote-file-live", "app.bin")

	// Another url and sha256 replace the file.
	n.Converge(t, call(srv.URL+"/other.bin?token=rf-s3cret", sum(other), "/srv/remote-file-live/app.bin", ""), func() {
		n.Want(t, "cat /srv/remote-file-live/app.bin; stat -c '%U %G %a' /srv/remote-file-live/app.bin", "another release\nroot root 644")
	})
	n.Sh(t, "rm -rf /srv/remote-file-live")
	if !hadCurl {
		n.Apply(t, "- package: {packages: [curl], action: remove}")
	}
}})
