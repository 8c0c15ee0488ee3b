package live

import "testing"

// The nodes share the host's network namespace and systemd-nspawn mounts
// /proc/sys read-only, so no key can be set in them as they boot: that
// is the refusal proved first. The case then remounts /proc/sys
// read-write and sets only IPC keys (kernel.msgmnb, kernel.sem), which
// belong to the container's own IPC namespace: writing them cannot touch
// the host. It puts /proc/sys back read-only when it ends.
var _ = register(Case{Crate: "sysctl", Run: func(t *testing.T, n *Node) {
	orig := n.Sh(t, "cat /proc/sys/kernel/msgmnb")
	n.Sh(t, "rm -f /etc/sysctl.d/live-sysctl*.conf /etc/sysctl.d/pallet-kernel.*.conf")

	// Read-only /proc/sys: the step fails naming the key and why, and no
	// drop-in is written.
	_, msg := n.ApplyFails(t, `- sysctl: {key: kernel.msgmnb, value: "16385", file: live-sysctl}`)
	wantIn(t, msg, "cannot set sysctl kernel.msgmnb", "read-only")
	n.Want(t, "test -e /etc/sysctl.d/live-sysctl.conf && echo there || echo gone", "gone")

	// A key the live value already has converges read-only too: only the
	// drop-in changes.
	r := n.Apply(t, `- sysctl: {key: kernel.msgmnb, value: "`+trim(orig)+`", file: live-sysctl}`)
	WantStatuses(t, r, "ok", "changed")
	n.Want(t, "cat /etc/sysctl.d/live-sysctl.conf", "kernel.msgmnb = "+trim(orig))

	n.Sh(t, "mount -o remount,bind,rw /proc/sys")
	t.Cleanup(func() {
		n.ShErr(t, "echo "+trim(orig)+" >/proc/sys/kernel/msgmnb; mount -o remount,bind,ro /proc/sys")
	})

	n.Converge(t, `- sysctl: {key: kernel.msgmnb, value: "16385", file: live-sysctl}`, func() {
		n.Want(t, "sysctl -n kernel.msgmnb", "16385")
		n.Want(t, "stat -c '%U %G %a' /etc/sysctl.d/live-sysctl.conf", "root root 644")
		n.Want(t, "cat /etc/sysctl.d/live-sysctl.conf", "kernel.msgmnb = 16385")
		// systemd-sysctl, what applies drop-ins at boot, reads it the same.
		n.Want(t, "sysctl -n kernel.msgmnb; echo 1 >/proc/sys/kernel/msgmnb; /lib/systemd/systemd-sysctl /etc/sysctl.d/live-sysctl.conf; sysctl -n kernel.msgmnb", "16385\n16385")
	})

	// Only the live value changed by hand: only that step changes.
	n.Sh(t, "echo 16000 >/proc/sys/kernel/msgmnb")
	WantStatuses(t, n.Apply(t, `- sysctl: {key: kernel.msgmnb, value: "16385", file: live-sysctl}`), "changed", "ok")
	n.Want(t, "sysctl -n kernel.msgmnb", "16385")

	// Several words, which the kernel prints with tabs; the default name.
	n.Converge(t, `- sysctl: {key: kernel.sem, value: "250 32000 32 200"}`, func() {
		n.Want(t, "sysctl -n kernel.sem | tr -s '\\t' ' '", "250 32000 32 200")
		n.Want(t, "cat /etc/sysctl.d/pallet-kernel.sem.conf", "kernel.sem = 250 32000 32 200")
	})

	// A key this kernel does not have, and a value the kernel refuses,
	// fail naming the key; neither leaves a drop-in.
	_, msg = n.ApplyFails(t, `- sysctl: {key: kernel.live_sysctl_nonesuch, value: "1"}`)
	wantIn(t, msg, "sysctl kernel.live_sysctl_nonesuch does not exist on this node")
	_, msg = n.ApplyFails(t, `- sysctl: {key: kernel.msgmnb, value: "many", file: live-sysctl-bad}`)
	wantIn(t, msg, "cannot set sysctl kernel.msgmnb to many", "Invalid argument")
	n.Want(t, "ls /etc/sysctl.d | grep -c -e nonesuch -e live-sysctl-bad || true", "0")

	// Refused before anything runs: a line break in the value.
	msg = n.CompileFails(t, `- sysctl: {key: kernel.msgmnb, value: "1\nkernel.modprobe = /tmp/x"}`)
	wantIn(t, msg, "must be a value on one line")

	// absent removes the drop-ins; the live values stay.
	n.Converge(t, `
- sysctl: {key: kernel.msgmnb, file: live-sysctl, action: absent}
- sysctl: {key: kernel.sem, action: absent}
`, func() {
		n.Want(t, "ls /etc/sysctl.d/live-sysctl.conf /etc/sysctl.d/pallet-kernel.sem.conf 2>/dev/null | wc -l", "0")
		n.Want(t, "sysctl -n kernel.msgmnb", "16385")
	})
}})
