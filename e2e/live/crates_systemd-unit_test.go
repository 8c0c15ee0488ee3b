package live

import (
	"strconv"
	"testing"
)

// systemdUnitLiveCalls install su-live.service, whose ExecStart appends a
// line to /run/su-live.log before it sleeps (so each start of its process
// shows), enabled and started, and restart it when the unit changed
// (notify / when_notified), as crate.yaml's example does.
func systemdUnitLiveCalls(description string) string {
	return `
- systemd-unit:
    name: su-live.service
    enabled: true
    state: started
    content: |
      [Unit]
      Description=` + description + `
      [Service]
      ExecStart=/bin/sh -c 'echo "started $$$$" >>/run/su-live.log; exec sleep infinity'
      [Install]
      WantedBy=multi-user.target
  notify: su-live
- service: {name: su-live.service, state: restarted}
  when_notified: su-live
`
}

var _ = register(Case{Crate: "systemd-unit", Run: func(t *testing.T, n *Node) {
	const unit = "/etc/systemd/system/su-live.service"
	n.Sh(t, "rm -f /run/su-live.log /run/su-live-tmpl.out")
	// deferred, not t.Cleanup: t.Context, which Sh uses, is done by then.
	defer func() {
		if t.Failed() {
			out, _ := n.ShErr(t, "systemctl status su-live.service su-live-tmpl.service --no-pager; journalctl -u su-live.service --no-pager | tail -20")
			t.Log(out)
		}
		n.ShErr(t, "systemctl disable --now su-live.service su-live-tmpl.service su-live-static.service 2>/dev/null; rm -f /etc/systemd/system/su-live*.service /run/su-live.log /run/su-live-tmpl.out; systemctl daemon-reload")
	}()
	// PID 1 logs every daemon-reload ("Reloading." on Debian 11 and 12,
	// "Reloading..." on 13, then "Reloading finished"): counting them
	// shows whether a run reloaded systemd.
	reloads := func() int {
		out := trim(n.Sh(t, "journalctl _PID=1 --no-pager -o cat | grep -c '^Reloading\\.' || true"))
		c, err := strconv.Atoi(out)
		if err != nil {
			t.Fatalf("counting daemon-reloads: %q", out)
		}
		return c
	}
	pid := func() string { return trim(n.Sh(t, "systemctl show -P MainPID su-live.service")) }

	var first string
	r := n.Converge(t, systemdUnitLiveCalls("su-live one"), func() {
		n.Want(t, "stat -c '%U %G %a %F' "+unit, "root root 644 regular file")
		n.Want(t, "systemctl cat su-live.service | grep -x 'Description=su-live one'", "Description=su-live one")
		n.Want(t, "systemctl is-enabled su-live.service; systemctl is-active su-live.service", "enabled\nactive")
		n.Want(t, "systemctl show -P NeedDaemonReload su-live.service", "no")
		// ExecStart really ran: its line is there, written by the main
		// process.
		n.Want(t, "tail -1 /run/su-live.log", "started "+pid())
		if first == "" {
			first = pid()
		} else if p := pid(); p != first {
			t.Errorf("the second run restarted su-live (pid %s, was %s)", p, first)
		}
	})
	// A unit systemd never loaded is read from its new file: no reload is
	// due (systemctl enable reloads on its own); the changed unit raised
	// the flag, so the restart ran.
	WantStatuses(t, r, "changed", "ok", "changed", "changed", "ran")

	// A changed unit, while it runs: systemd holds the old copy
	// (NeedDaemonReload), so the run reloads it, once, and the flag
	// restarts the process. systemd then shows the new description.
	before := reloads()
	r = n.Apply(t, systemdUnitLiveCalls("su-live two"))
	WantStatuses(t, r, "changed", "changed", "ok", "ok", "ran")
	if got := reloads() - before; got != 1 {
		t.Errorf("a changed unit: %d daemon-reloads, want 1\n%s", got, r)
	}
	n.Want(t, "systemctl show -P Description su-live.service; systemctl show -P NeedDaemonReload su-live.service", "su-live two\nno")
	if p := pid(); p == first || p == "0" {
		t.Errorf("the changed unit did not restart su-live: pid %s, was %s", p, first)
	}
	second := pid()
	// Unchanged, no reload and no restart.
	before = reloads()
	WantStatuses(t, n.Apply(t, systemdUnitLiveCalls("su-live two")), "ok", "ok", "ok", "ok", "skipped")
	if got := reloads() - before; got != 0 {
		t.Errorf("an unchanged unit: %d daemon-reloads, want none", got)
	}
	if p := pid(); p != second {
		t.Errorf("an unchanged unit restarted su-live: pid %s, was %s", p, second)
	}

	// Check mode finds the change it would make and makes none.
	c := n.Check(t, systemdUnitLiveCalls("su-live three"))
	WantStatuses(t, c, "would-change", "ok", "ok", "ok", "would-change")
	n.Want(t, "grep -c 'su-live three' "+unit+" || true; systemctl show -P Description su-live.service", "0\nsu-live two")

	// A template of the project, rendered for the node, whose oneshot
	// writes what it was rendered with: it ran with this node's name.
	tmpl := Project{
		Calls: "- systemd-unit: {name: su-live-tmpl.service, template: units/su-live-tmpl.service, state: started}",
		Files: map[string]string{"units/su-live-tmpl.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo {{ .node.name }} >/run/su-live-tmpl.out'\n"},
	}
	n.ConvergeProject(t, tmpl, func() {
		n.Want(t, "cat /run/su-live-tmpl.out", n.Name)
		n.Want(t, "systemctl is-active su-live-tmpl.service; systemctl is-enabled su-live-tmpl.service", "active\nstatic")
	})

	// Refusals. enabled: true for a static unit: inline content before
	// anything runs; a source file, whose text palletc does not read, on
	// the node by the enable step (the service crate's check too), after
	// the unit is written and before anything is claimed enabled.
	n.wantRefused(t, `
- systemd-unit:
    name: su-live-static.service
    enabled: true
    content: "[Service]\nExecStart=/bin/sleep infinity\n"
`, "su-live-static.service is a static unit")
	r, msg := n.ApplyProjectFails(t, Project{
		Calls: "- systemd-unit: {name: su-live-static.service, source: units/static.service, enabled: true}",
		Files: map[string]string{"units/static.service": "[Service]\nExecStart=/bin/sleep infinity\n[Install]\n"},
	})
	wantIn(t, msg, "su-live-static.service is a static unit", "WantedBy=")
	if st := r.Statuses(); len(st) < 3 || st[0] != "changed" || st[2] != "failed" {
		t.Errorf("a static unit from source, enabled: statuses %v, want the file changed and the enable step failed", st)
	}
	n.Want(t, "systemctl is-enabled su-live-static.service || true", "static")
	// A name that would leave /etc/systemd/system.
	n.wantRefused(t, `- systemd-unit: {name: ../su-live.service, content: "[Service]\n"}`, "must be a unit file name")

	// absent: disabled, stopped, removed, and gone from systemd.
	n.Converge(t, "- systemd-unit: {name: su-live.service, action: absent}", func() {
		n.Want(t, "test -e "+unit+" && echo there || echo gone", "gone")
		n.Want(t, "systemctl is-active su-live.service || true", "inactive")
		n.Want(t, "systemctl show -P LoadState su-live.service; systemctl show -P NeedDaemonReload su-live.service", "not-found\nno")
		n.Want(t, "ls /etc/systemd/system/multi-user.target.wants/ | grep -c su-live || true", "0")
		n.Want(t, "test -e /proc/"+second+" && echo running || echo ended", "ended")
	})
}})
