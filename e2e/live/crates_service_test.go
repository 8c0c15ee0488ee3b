package live

import (
	"strings"
	"testing"
)

// serviceLiveCalls write a unit of the case's own that can reload (each
// reload appends a line to /run/service-live.reloads) and its config,
// whose change restarts it (notify / when_notified), then start it.
func serviceLiveCalls(conf, state string, enabled bool) string {
	e := "false"
	if enabled {
		e = "true"
	}
	return `
- file:
    path: /etc/systemd/system/service-live.service
    content: |
      [Unit]
      Description=pallet live case of the service crate
      [Service]
      ExecStart=/bin/sleep infinity
      ExecReload=/bin/sh -c 'echo reloaded >>/run/service-live.reloads'
      [Install]
      WantedBy=multi-user.target
- file: {path: /etc/service-live.conf, content: "` + conf + `\n"}
  notify: service-live
- service: {name: service-live, state: restarted}
  when_notified: service-live
- service: {name: service-live, state: ` + state + `, enabled: ` + e + `}
`
}

var _ = register(Case{Crate: "service", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -f /run/service-live.reloads")
	// deferred, not t.Cleanup: t.Context, which ShErr uses, is done by then.
	defer func() {
		if t.Failed() {
			out, _ := n.ShErr(t, "systemctl status service-live --no-pager; journalctl -u service-live --no-pager | tail -30")
			t.Log(out)
		}
	}()
	pid := func() string {
		return strings.TrimSpace(n.Sh(t, "systemctl show -P MainPID service-live"))
	}
	var first string
	r := n.Converge(t, serviceLiveCalls("one", "started", true), func() {
		n.Want(t, "systemctl is-active service-live; systemctl is-enabled service-live", "active\nenabled")
		if first == "" {
			first = pid()
		} else if p := pid(); p != first {
			t.Errorf("the second run restarted the service (pid %s, was %s)", p, first)
		}
	})
	// the changed config raised the flag: restarted, enabled, then found
	// started
	WantStatuses(t, r, "changed", "changed", "ran", "changed", "ok")
	if first == "0" || first == "" {
		t.Fatalf("service-live has no main pid after start: %q", first)
	}

	// A changed config restarts it (a new main process); the unit file
	// unchanged, nothing else runs.
	r = n.Apply(t, serviceLiveCalls("two", "started", true))
	WantStatuses(t, r, "ok", "changed", "ran", "ok", "ok")
	if p := pid(); p == first || p == "0" {
		t.Errorf("the changed config did not restart service-live: pid %s, was %s", p, first)
	}
	second := pid()

	// reloaded runs the unit's ExecReload, the process stays; restarted
	// gives a new one. Both run every time (ran), having no check.
	for i := range 2 {
		r = n.Apply(t, "- service: {name: service-live, state: reloaded}")
		WantStatuses(t, r, "ran")
		if got := strings.Count(n.Sh(t, "cat /run/service-live.reloads"), "reloaded"); got != i+1 {
			t.Errorf("after %d reloads ExecReload ran %d times", i+1, got)
		}
	}
	if p := pid(); p != second {
		t.Errorf("reload replaced the process: pid %s, was %s", p, second)
	}
	r = n.Apply(t, "- service: {name: service-live, state: restarted}")
	WantStatuses(t, r, "ran")
	if p := pid(); p == second || p == "0" {
		t.Errorf("restarted kept the process: pid %s", p)
	}

	// stopped and disabled, then started without touching the boot
	// setting (enabled left out).
	n.Converge(t, serviceLiveCalls("two", "stopped", false), func() {
		n.Want(t, "systemctl is-active service-live || true; systemctl is-enabled service-live || true", "inactive\ndisabled")
	})
	n.Converge(t, "- service: {name: service-live}", func() {
		n.Want(t, "systemctl is-active service-live; systemctl is-enabled service-live || true", "active\ndisabled")
	})

	// A unit that cannot reload fails the step, saying so, and is not
	// restarted in its place (reload, not reload-or-restart).
	n.Apply(t, `
- file:
    path: /etc/systemd/system/service-live-noreload.service
    content: |
      [Service]
      ExecStart=/bin/sleep infinity
- service: {name: service-live-noreload}
`)
	before := strings.TrimSpace(n.Sh(t, "systemctl show -P MainPID service-live-noreload"))
	_, msg := n.ApplyFails(t, "- service: {name: service-live-noreload, state: reloaded}")
	if !strings.Contains(msg, "not applicable") {
		t.Errorf("a unit without reload: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "systemctl show -P MainPID service-live-noreload", before)

	// No such unit: systemctl's reason.
	_, msg = n.ApplyFails(t, "- service: {name: service-live-none, state: started}")
	if !strings.Contains(msg, "service-live-none.service not found") {
		t.Errorf("no such unit: the failure does not say why:\n%s", msg)
	}

	// enabled: true for a static unit (no [Install] rules), which
	// systemctl enable leaves as it is, printing a note and exiting 0 (and
	// is-enabled --quiet calls enabled): the step fails, saying why, where
	// it reported ok and the unit never started at boot.
	n.Apply(t, `
- file:
    path: /etc/systemd/system/service-live-static.service
    content: |
      [Service]
      ExecStart=/bin/sleep infinity
      [Install]
`)
	r, msg = n.ApplyFails(t, "- service: {name: service-live-static, enabled: true}")
	wantIn(t, msg, "service-live-static is a static unit", "[Install]", "WantedBy=")
	if st := r.Statuses(); len(st) == 0 || st[0] != "failed" {
		t.Errorf("enabling a static unit: statuses %v, want the enable step failed", st)
	}
	n.Want(t, "systemctl is-enabled service-live-static || true; systemctl is-active service-live-static || true", "static\ninactive")
	// enabled: false is no refusal: a static unit is not enabled.
	WantStatuses(t, n.Apply(t, "- service: {name: service-live-static, enabled: false, state: stopped}"), "ok", "ok")

	n.Sh(t, "systemctl stop service-live service-live-noreload; rm -f /etc/systemd/system/service-live-static.service /etc/systemd/system/service-live.service /etc/systemd/system/service-live-noreload.service /etc/service-live.conf /run/service-live.reloads; systemctl daemon-reload")
}})
