package live

import (
	"strings"
	"testing"
)

var _ = register(Case{Crate: "exec-script", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/live-exec && mkdir -p /srv/live-exec")
	defer n.ShErr(t, "rm -rf /srv/live-exec")

	// creates: the script runs once, as root, under set -euo pipefail with
	// stdin from /dev/null, until the path exists. unless: it runs until
	// the command succeeds. name is the step's name.
	r := n.Converge(t, `
- exec-script:
    name: live exec creates
    creates: /srv/live-exec/created
    script: |
      echo run >>/srv/live-exec/runs-creates
      { id -un; readlink /proc/self/fd/0; [[ -o errexit && -o nounset && -o pipefail ]] && echo strict; } >/srv/live-exec/created
- exec-script:
    unless: grep -qx done /srv/live-exec/state
    script: echo done >>/srv/live-exec/state; echo run >>/srv/live-exec/runs-unless
`, func() {
		n.Want(t, "cat /srv/live-exec/created", "root\n/dev/null\nstrict")
		n.Want(t, "cat /srv/live-exec/runs-creates /srv/live-exec/runs-unless", "run\nrun")
	})
	if got := r.Steps[0].Label(); !strings.Contains(got, "live exec creates") {
		t.Errorf("step label %q does not carry name", got)
	}

	// Without a guard the script runs every time ("ran"), never in check
	// mode.
	plain := `- exec-script: {script: "echo run >>/srv/live-exec/runs-plain"}`
	WantStatuses(t, n.Apply(t, plain), "ran")
	WantStatuses(t, n.Apply(t, plain), "ran")
	WantStatuses(t, n.Check(t, plain), "would-change")
	n.Want(t, "wc -l </srv/live-exec/runs-plain", "2")

	// changes: false waits for its guard: ok, never changed, and it runs
	// in check mode too.
	wait := `
- exec-script:
    name: wait for ready
    changes: false
    unless: test -e /srv/live-exec/ready
    script: |
      for _ in $(seq 50); do test -e /srv/live-exec/ready && exit 0; sleep 0.2; done
      exit 124
`
	n.Sh(t, "nohup sh -c 'sleep 2; touch /srv/live-exec/ready' >/dev/null 2>&1 &")
	WantStatuses(t, n.Check(t, wait), "ok")
	n.Want(t, "test -e /srv/live-exec/ready && echo ready", "ready")
	WantStatuses(t, n.Apply(t, wait), "ok")

	// A guard that still fails after the script fails the step, saying
	// it did not converge; a failing command stops the script (set -e)
	// with its message.
	_, msg := n.ApplyFails(t, `- exec-script: {creates: /srv/live-exec/never, script: "true"}`)
	if !strings.Contains(msg, "did not converge") {
		t.Errorf("a guard that never holds failed without saying so:\n%s", msg)
	}
	_, msg = n.ApplyFails(t, `- exec-script: {script: "ls /srv/live-exec/nothing-here; echo after >/srv/live-exec/after"}`)
	if !strings.Contains(msg, "/srv/live-exec/nothing-here") {
		t.Errorf("a failing script did not show its error:\n%s", msg)
	}
	n.Want(t, "test -e /srv/live-exec/after && echo ran-on || echo stopped", "stopped")
}})
