package live

import (
	"strings"
	"testing"
	"time"
)

var _ = register(Case{Crate: "cron", Apt: true, Run: func(t *testing.T, n *Node) {
	const entry = `
- package: {packages: [cron]}
- cron:
    name: live-cron
    schedule: "* * * * *"
    env: [MAILTO=, "PATH=/usr/bin:/bin"]
    command: date +\%s >>/run/live-cron.ran
`
	n.Sh(t, "rm -f /run/live-cron.ran")
	n.Converge(t, entry, func() {
		n.Want(t, "stat -c '%U %G %a %F' /etc/cron.d/live-cron", "root root 644 regular file")
		n.Want(t, "cat /etc/cron.d/live-cron", "# pallet: cron entry live-cron\nMAILTO=\"\"\nPATH=/usr/bin:/bin\n* * * * * root date +\\%s >>/run/live-cron.ran")
		// Debian's cron reads a cron.d file only when its name passes
		// run-parts' rules, which run-parts --list applies.
		n.Want(t, "run-parts --list /etc/cron.d | grep -x /etc/cron.d/live-cron", "/etc/cron.d/live-cron")
	})

	// cron runs in the node (systemd started it when the package was
	// installed): the every-minute entry must have run within ~70 s.
	n.Want(t, "systemctl is-active cron", "active")
	deadline := time.Now().Add(75 * time.Second)
	for {
		out, _ := n.ShErr(t, "cat /run/live-cron.ran 2>/dev/null")
		if strings.TrimSpace(out) != "" {
			break
		}
		if time.Now().After(deadline) {
			log, _ := n.ShErr(t, "journalctl -u cron --no-pager | tail -20")
			t.Fatalf("the * * * * * entry did not run within 75 s; cron's log:\n%s", log)
		}
		time.Sleep(3 * time.Second)
	}
	n.Want(t, "journalctl -u cron --no-pager | grep -c 'live-cron.*ERROR' || true", "0")

	// A schedule changed by hand is put back.
	n.Sh(t, "sed -i 's/^\\* \\* /5 4 /' /etc/cron.d/live-cron")
	// The entry is rewritten, then /etc/cron.d touched in a later second
	// than the rename: cron's scan compares the directory's mtime in whole
	// seconds, and a change in the second it last looked is never loaded.
	WantStatuses(t, n.Apply(t, entry), "ok", "changed", "changed")
	n.Want(t, "tail -1 /etc/cron.d/live-cron", "* * * * * root date +\\%s >>/run/live-cron.ran")
	n.Want(t, "d=$(stat -c %Y /etc/cron.d); f=$(stat -c %Z /etc/cron.d/live-cron); [ $d -gt $f ] && echo later", "later")

	// Refusals before anything runs: a name cron would skip, a bare %.
	msg := n.CompileFails(t, `- cron: {name: live.cron, schedule: "@daily", command: /bin/true}`)
	wantIn(t, msg, `"live.cron" must be a file name of letters, digits, _ and -`)
	msg = n.CompileFails(t, `- cron: {name: live-cron2, schedule: "@daily", command: "date +%F"}`)
	wantIn(t, msg, `\% for a literal %`)

	// A FIFO where the entry goes fails the step, saying what is there.
	n.Sh(t, "mkfifo /etc/cron.d/live-cron-fifo")
	_, msg = n.ApplyFails(t, `- cron: {name: live-cron-fifo, schedule: "@daily", command: /bin/true}`)
	wantIn(t, msg, "/etc/cron.d/live-cron-fifo", "fifo")
	n.Sh(t, "rm -f /etc/cron.d/live-cron-fifo")

	// absent removes it.
	n.Converge(t, `- cron: {name: live-cron, action: absent}`, func() {
		n.Want(t, "test -e /etc/cron.d/live-cron && echo there || echo gone", "gone")
	})
	n.Sh(t, "rm -f /run/live-cron.ran")
}})
