package live

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// member is one entry of an archive made for a case: a file (Body), a
// directory (Name ending in /) or a symlink (Link).
type member struct {
	Name, Body, Link string
	Mode             int64
}

func tarOf(t *testing.T, gz bool, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		h := &tar.Header{Name: m.Name, Mode: m.Mode, Uid: 4242, Gid: 4242, Format: tar.FormatGNU}
		switch {
		case m.Link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, m.Link
		case strings.HasSuffix(m.Name, "/"):
			h.Typeflag = tar.TypeDir
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(m.Body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(m.Body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if !gz {
		return buf.String()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(buf.Bytes())
	zw.Close()
	return z.String()
}

func zipOf(t *testing.T, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.Name, Method: zip.Deflate}
		mode := m.Mode
		if mode == 0 {
			mode = 0o644
		}
		body := m.Body
		switch {
		case m.Link != "":
			h.SetMode(0o777 | 1<<27) // os.ModeSymlink
			body = m.Link
		case strings.HasSuffix(m.Name, "/"):
			h.SetMode(0o755 | 1<<31) // os.ModeDir
		default:
			h.SetMode(0) // regular
			h.ExternalAttrs = uint32(0o100000|mode) << 16
		}
		if m.Link != "" {
			h.ExternalAttrs = uint32(0o120777) << 16
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func sha256Of(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

// put writes content to path on the node (base64 through the command
// line: test data, not a secret).
func put(t *testing.T, n *Node, path, content string) {
	t.Helper()
	n.Sh(t, fmt.Sprintf("printf %%s %s | base64 -d >%s", base64.StdEncoding.EncodeToString([]byte(content)), path))
}

// archive with tar archives from the project: unpacked with its top
// directory stripped and owned as asked, replaced whole by a new version,
// creates; members outside the directory refused, nothing written.
var _ = register(Case{Crate: "archive", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/archive-live /srv/archive-evil /srv/archive-outside /tmp/archive-abs; mkdir -p /srv/archive-live /srv/archive-outside")
	n.Sh(t, "id archive-live >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin archive-live")
	t.Cleanup(func() { _, _ = n.ShErr(t, "rm -rf /srv/archive-live /srv/archive-outside; userdel archive-live") })
	v1 := tarOf(t, true,
		member{Name: "app-1/"},
		member{Name: "app-1/bin/", Mode: 0o755},
		member{Name: "app-1/bin/app", Body: "#!/bin/sh\necho v1\n", Mode: 0o755},
		member{Name: "app-1/only-in-v1", Body: "old\n"},
		member{Name: "app-1/setuid", Body: "x\n", Mode: 0o4755},
	)
	noLeftovers := func() {
		t.Helper()
		n.Want(t, "find /srv/archive-live -maxdepth 1 -name '.pallet.*' | wc -l", "0")
	}
	call := `- archive: {source: files/v.tar, path: /srv/archive-live/app, strip_components: 1, owner: archive-live, group: archive-live}`
	n.ConvergeProject(t, Project{Calls: call, Files: map[string]string{"files/v.tar": v1}}, func() {
		n.Want(t, "/srv/archive-live/app/bin/app", "v1")
		n.Want(t, "stat -c '%U %G %a' /srv/archive-live/app /srv/archive-live/app/bin/app /srv/archive-live/app/only-in-v1",
			"archive-live archive-live 755\narchive-live archive-live 755\narchive-live archive-live 644")
		// the archive's owners (4242) are not taken, nor a setuid bit kept through the chown
		n.Want(t, "find /srv/archive-live/app -uid 4242 -o -perm -4000 | wc -l", "0")
		n.Want(t, "cat /srv/archive-live/app/.pallet-archive", "pallet archive sha256="+sha256Of(v1)+" strip=1 owner=archive-live group=archive-live")
		noLeftovers()
	})

	// A new version (an uncompressed tar) replaces the whole tree.
	v2 := tarOf(t, false, member{Name: "app-2/"}, member{Name: "app-2/bin/"}, member{Name: "app-2/bin/app", Body: "#!/bin/sh\necho v2\n", Mode: 0o755})
	n.ConvergeProject(t, Project{Calls: call, Files: map[string]string{"files/v.tar": v2}}, func() {
		n.Want(t, "/srv/archive-live/app/bin/app", "v2")
		n.Want(t, "test -e /srv/archive-live/app/only-in-v1 && echo kept || echo gone", "gone")
		noLeftovers()
	})

	// creates: present, the step does nothing whatever the stamp says.
	n.Sh(t, "mkdir -p /srv/archive-live/c/bin && touch /srv/archive-live/c/bin/app")
	r := n.ApplyProject(t, Project{Calls: `- archive: {source: files/v.tar, path: /srv/archive-live/c, creates: /srv/archive-live/c/bin/app}`, Files: map[string]string{"files/v.tar": v1}})
	WantStatuses(t, r, "ok")
	n.Want(t, "test -e /srv/archive-live/c/.pallet-archive && echo unpacked || echo left", "left")
	n.Sh(t, "rm -rf /srv/archive-live/c")
	n.ConvergeProject(t, Project{Calls: `- archive: {source: files/v.tar, path: /srv/archive-live/c, strip_components: 1, creates: /srv/archive-live/c/bin/app}`, Files: map[string]string{"files/v.tar": v1}}, func() {
		n.Want(t, "/srv/archive-live/c/bin/app", "v1")
	})

	// Members outside the directory: refused before anything is unpacked.
	for name, bad := range map[string]string{
		"dot-dot":  tarOf(t, true, member{Name: "ok"}, member{Name: "../archive-evil", Body: "evil\n"}),
		"absolute": tarOf(t, true, member{Name: "/tmp/archive-abs", Body: "evil\n"}),
	} {
		_, msg := n.ApplyProjectFails(t, Project{Calls: `- archive: {source: files/bad.tar, path: /srv/archive-live/bad}`, Files: map[string]string{"files/bad.tar": bad}})
		if !strings.Contains(msg, "members outside the directory") {
			t.Errorf("%s: the refusal does not say why: %q", name, msg)
		}
		n.Want(t, "ls /srv/archive-evil /tmp/archive-abs /srv/archive-live/bad 2>&1 | grep -c 'No such file'", "3")
		noLeftovers()
	}

	// A symlink member leading out, then a member through it: GNU tar
	// makes the link last, so nothing is written outside.
	escape := tarOf(t, true, member{Name: "l", Link: "/srv/archive-outside"}, member{Name: "l/x", Body: "evil\n"})
	_, msg := n.RunProject(t, Project{Calls: `- archive: {source: files/esc.tar, path: /srv/archive-live/esc}`, Files: map[string]string{"files/esc.tar": escape}})
	if !strings.Contains(msg, "Not a directory") {
		t.Errorf("a member through a symlink leading out did not fail as tar refusing it: %q", msg)
	}
	n.Want(t, "ls -A /srv/archive-outside | wc -l", "0")
	noLeftovers()
}})

// archive with a zip from a URL (file://, the nodes reach no web server
// of ours): unpacked, rerun 0 changed; a sha256 mismatch, a member with ..
// and a symlink member refused, nothing written.
var _ = register(Case{Crate: "archive", Name: "zip-url", Apt: true, Run: func(t *testing.T, n *Node) {
	n.Apply(t, `- package: {packages: [unzip, curl]}`)
	n.Sh(t, "rm -rf /srv/archive-zip /srv/archive-zip-evil; mkdir -p /srv/archive-zip")
	t.Cleanup(func() { _, _ = n.ShErr(t, "rm -rf /srv/archive-zip /root/archive-live.zip") })
	z := zipOf(t, member{Name: "tool/"}, member{Name: "tool/bin/"}, member{Name: "tool/bin/tool", Body: "#!/bin/sh\necho zip\n", Mode: 0o755})
	put(t, n, "/root/archive-live.zip", z)
	call := func(sha, path string) string {
		return `- archive: {url: "file:///root/archive-live.zip", sha256: ` + sha + `, path: ` + path + `, strip_components: 1}`
	}
	n.Converge(t, call(sha256Of(z), "/srv/archive-zip/tool"), func() {
		n.Want(t, "/srv/archive-zip/tool/bin/tool", "zip")
		n.Want(t, "stat -c '%U %G %a' /srv/archive-zip/tool/bin/tool", "root root 755")
	})

	// A download whose sha256 is not the one given: refused, nothing written.
	other := zipOf(t, member{Name: "tool/"}, member{Name: "tool/bin/"}, member{Name: "tool/bin/tool", Body: "#!/bin/sh\necho other\n", Mode: 0o755})
	put(t, n, "/root/archive-live.zip", other)
	_, msg := n.ApplyFails(t, call(sha256Of(z), "/srv/archive-zip/tool2"))
	if !strings.Contains(msg, "has sha256 "+sha256Of(other)+", not "+sha256Of(z)) {
		t.Errorf("a sha256 mismatch did not say so: %q", msg)
	}
	n.Want(t, "test -e /srv/archive-zip/tool2 && echo written || echo nothing", "nothing")
	n.Want(t, "find /srv/archive-zip /tmp -maxdepth 1 -name '.pallet.*' -o -maxdepth 1 -name 'tmp.*' | wc -l", "0")

	for name, bad := range map[string]struct{ zip, says string }{
		"dot-dot": {zipOf(t, member{Name: "ok", Body: "ok\n"}, member{Name: "../archive-zip-evil", Body: "evil\n"}), "members outside the directory"},
		"symlink": {zipOf(t, member{Name: "l", Link: "/etc"}, member{Name: "ok", Body: "ok\n"}), "holds symlinks (l)"},
	} {
		put(t, n, "/root/archive-live.zip", bad.zip)
		_, msg := n.ApplyFails(t, `- archive: {url: "file:///root/archive-live.zip", sha256: `+sha256Of(bad.zip)+`, path: /srv/archive-zip/bad}`)
		if !strings.Contains(msg, bad.says) {
			t.Errorf("%s: the refusal does not say %q: %q", name, bad.says, msg)
		}
		n.Want(t, "ls /srv/archive-zip-evil /srv/archive-zip/bad 2>&1 | grep -c 'No such file'", "2")
	}
}})
