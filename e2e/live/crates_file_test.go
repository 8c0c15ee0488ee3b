package live

import (
	"strings"
	"testing"
)

var _ = register(Case{Crate: "file", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/live-file && mkdir -p /srv/live-file && (getent group live-file >/dev/null || groupadd live-file)")
	defer n.ShErr(t, "rm -rf /srv/live-file; groupdel live-file")

	// content, owner, group and mode land byte for byte; a content with no
	// final newline keeps having none.
	conf := `
- file:
    path: /srv/live-file/app.conf
    owner: nobody
    group: live-file
    mode: "0640"
    content: |
      listen = 127.0.0.1:8080
      name = 'it''s $HOME'
- file: {path: /srv/live-file/no-newline, content: "no newline"}
`
	n.Converge(t, conf, func() {
		n.Want(t, "stat -c '%U %G %a %F' /srv/live-file/app.conf", "nobody live-file 640 regular file")
		n.Want(t, "sha256sum </srv/live-file/app.conf", sha256hex("listen = 127.0.0.1:8080\nname = 'it''s $HOME'\n")+"  -")
		n.Want(t, "stat -c '%U %G %a %s' /srv/live-file/no-newline; tail -c 1 /srv/live-file/no-newline", "root root 644 10\ne")
	})

	// Changed by hand (content, then the mode), it is put back, and only
	// that step changes.
	n.Sh(t, "echo tampered >/srv/live-file/app.conf")
	WantStatuses(t, n.Apply(t, conf), "changed", "ok")
	n.Want(t, "head -1 /srv/live-file/app.conf; stat -c '%U %G %a' /srv/live-file/app.conf", "listen = 127.0.0.1:8080\nnobody live-file 640")
	n.Sh(t, "chmod 0666 /srv/live-file/app.conf")
	WantStatuses(t, n.Apply(t, conf), "changed", "ok")
	n.Want(t, "stat -c %a /srv/live-file/app.conf", "640")

	// source: a binary file of the project (every byte value, over 16 KiB,
	// so it travels as a payload) lands byte for byte; a symlink at its
	// path is replaced, its target left alone.
	var bin strings.Builder
	for i := 0; i < 20000; i++ {
		bin.WriteByte(byte(i % 256))
	}
	n.Sh(t, "echo target >/srv/live-file/target && ln -s target /srv/live-file/app.bin")
	src := Project{
		Calls: `- file: {path: /srv/live-file/app.bin, source: files/app.bin, mode: "0755"}`,
		Files: map[string]string{"files/app.bin": bin.String()},
	}
	n.ConvergeProject(t, src, func() {
		n.Want(t, "stat -c '%U %G %a %F %s' /srv/live-file/app.bin", "root root 755 regular file 20000")
		n.Want(t, "sha256sum </srv/live-file/app.bin", sha256hex(bin.String())+"  -")
		n.Want(t, "cat /srv/live-file/target", "target")
	})

	// A FIFO at path is refused, saying what is there; a missing
	// directory says to make it first.
	n.Sh(t, "mkfifo /srv/live-file/fifo")
	_, msg := n.ApplyFails(t, `- file: {path: /srv/live-file/fifo, content: "x\n"}`)
	if !strings.Contains(msg, "/srv/live-file/fifo is not a regular file (fifo)") {
		t.Errorf("a FIFO at path failed without saying so:\n%s", msg)
	}
	n.Want(t, "stat -c %F /srv/live-file/fifo", "fifo")
	_, msg = n.ApplyFails(t, `- file: {path: /srv/live-file/missing/f, content: "x\n"}`)
	if !strings.Contains(msg, "directory /srv/live-file/missing does not exist") {
		t.Errorf("a missing directory failed without saying so:\n%s", msg)
	}

	// absent removes the file, and a symlink itself, never its target.
	n.Sh(t, "ln -s target /srv/live-file/link")
	n.Converge(t, `
- file: {path: /srv/live-file/app.conf, action: absent}
- file: {path: /srv/live-file/link, action: absent}
`, func() {
		n.Want(t, "ls /srv/live-file | sort | tr '\\n' ' '", "app.bin fifo no-newline target")
	})
}})
