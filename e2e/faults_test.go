package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
	"golang.org/x/crypto/ssh"
)

// TestFaults breaks things on purpose while phases run on two nodes: a
// node that is not there, a step that fails, a phase that runs too long, a
// connection cut in the middle of a script, a host key that changed.
func TestFaults(t *testing.T) {
	t.Parallel()
	f := newFleet(t, []string{"bookworm", "bookworm"})
	a, b := f.nodes[0], f.nodes[1]

	t.Run("unreachable node does not stop the others", func(t *testing.T) {
		p := testProject(t, `groups:
  g:
    phases:
      configure:
        - file: {path: /root/reached, content: "yes\n"}
`)
		ph := []runner.Phase{{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")}}
		// Nothing listens on this loopback address: connections are
		// refused at once, as by a node whose sshd is down.
		bogus := runner.Target{Name: "bogus", Host: "127.0.250.254", Port: 22, User: "root"}
		fast := f.options()
		fast.ConnectAttempts, fast.RetryBackoff = 2, 100*time.Millisecond
		start := time.Now()
		results := runner.Run(t.Context(), []runner.Job{
			{Target: target(a, ""), Phases: ph},
			{Target: bogus, Phases: ph, Options: &fast},
			{Target: target(b, ""), Phases: ph},
		}, runner.RunOptions{Options: f.options()})
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("run took %v", took)
		}
		for _, i := range []int{0, 2} {
			if r := results[i]; !r.OK() || r.Counts.Changed != 1 {
				t.Errorf("reachable node: %s", describe(r))
			}
		}
		r := results[1]
		var ce *runner.ConnectError
		if !r.Unreachable || !errors.As(r.Err, &ce) || ce.Attempts != 2 || !runner.IsUnreachable(r.Err) || len(r.Phases) != 0 {
			t.Errorf("bogus node: %s (attempts %v)", describe(r), ce)
		}
		if got, want := runner.Summarise(results), (runner.Totals{Nodes: 3, OK: 2, Unreachable: 1, Steps: runner.Counts{Changed: 2}}); got != want {
			t.Errorf("Summarise = %+v, want %+v", got, want)
		}
		for _, n := range []provider.Node{a, b} {
			if got := f.ssh(t, n, "", "cat /root/reached"); got != "yes\n" {
				t.Errorf("%s: /root/reached = %q", n.Name, got)
			}
		}
	})

	t.Run("step fails mid-script", func(t *testing.T) {
		p := testProject(t, `groups:
  g:
    phases:
      configure:
        - file: {path: /root/before, content: "1\n"}
        - exec-script: {name: "fail here", script: "echo about to fail; false; echo not reached"}
        - file: {path: /root/after, content: "3\n"}
      later:
        - file: {path: /root/later-phase, content: "4\n"}
`)
		res := runner.Run(t.Context(), []runner.Job{{Target: target(a, ""), Phases: []runner.Phase{
			{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")},
			{Name: "later", Script: compile(t, p, "g", "later", "debian-12")},
		}}}, runner.RunOptions{Options: f.options()})[0]
		var sf *runner.StepFailedError
		if !errors.As(res.Err, &sf) {
			t.Fatalf("err = %v, want a StepFailedError: %s", res.Err, describe(res))
		}
		st := sf.Step
		if st.Crate != "exec-script" || st.Name != "fail here" || st.N != 2 || st.Total != 3 || st.Status != runner.StatusFailed || sf.Phase != "configure" {
			t.Errorf("failed step %+v in phase %s", st, sf.Phase)
		}
		if !strings.Contains(res.Err.Error(), `exec-script "fail here"`) || !strings.Contains(res.Err.Error(), "about to fail") {
			t.Errorf("error does not name the crate and show its output: %v", res.Err)
		}
		if strings.Contains(strings.Join(st.Tail, "\n"), "not reached") {
			t.Errorf("the script went on after false: %q", st.Tail)
		}
		if res.Unreachable || len(res.Phases) != 1 || len(res.Phases[0].Steps) != 2 || res.Phases[0].Counts != (runner.Counts{Changed: 1, Failed: 1}) {
			t.Errorf("want one phase with two steps, the later phase not run: %s", describe(res))
		}
		if got := runner.Summarise([]runner.NodeResult{res}); got.Failed != 1 || got.OK != 0 {
			t.Errorf("Summarise = %+v, want the node failed", got)
		}
		got := f.ssh(t, a, "", "for f in before after later-phase; do test -e /root/$f && echo $f; done; ls -d /tmp/pallet-* 2>/dev/null; true")
		if got != "before\n" {
			t.Errorf("on the node, present: %q; want only /root/before (and no script left in /tmp)", got)
		}
	})

	t.Run("phase timeout stops the script on the node", func(t *testing.T) {
		p := testProject(t, `groups:
  g:
    phases:
      configure:
        - exec-script: {name: "too slow", script: "sleep 31"}
        - file: {path: /root/after-timeout, content: "x\n"}
      quick:
        - file: {path: /root/quick, content: "q\n"}
`)
		o := f.options()
		o.PhaseTimeout, o.CancelGrace = 2*time.Second, 3*time.Second
		conn, err := runner.Dial(t.Context(), target(a, ""), o)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")}, nil)
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "phase timeout") {
			t.Errorf("err = %v, want the phase timeout", err)
		}
		if took < 2*time.Second || took > 2*time.Second+o.CancelGrace+2*time.Second {
			t.Errorf("stopped after %v, want 2s plus at most the cancel grace", took)
		}
		if res.Done || len(res.Steps) != 1 || res.Steps[0].Ended() {
			t.Errorf("want one unfinished step: %+v", res)
		}
		// pgrep's own command line must not match: slee[p].
		if !waitFor(5*time.Second, func() bool {
			return f.ssh(t, a, "", "pgrep -f 'slee[p] 31'; ls -d /tmp/pallet-* 2>/dev/null; true") == ""
		}) {
			t.Errorf("after the timeout, still on the node: %q", f.ssh(t, a, "", "ps -ef | grep 'slee[p] 31'; ls -d /tmp/pallet-*; true"))
		}
		if out, err := f.sshOut(t, a, "", "test -e /root/after-timeout"); err == nil {
			t.Errorf("the step after the timed-out one ran %s", out)
		}
		// The connection is still good for the next phase.
		if res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "quick", Script: compile(t, p, "g", "quick", "debian-12")}, nil); err != nil || res.Counts.Changed != 1 {
			t.Errorf("phase after a timeout on the same connection: %v %+v", err, res)
		}
	})

	t.Run("connection dropped mid-script", func(t *testing.T) {
		// A file big enough that writing it takes a while, after a slow
		// step: the cut lands in the sleep, then in the write itself.
		big := bytes.Repeat([]byte("0123456789abcdef pallet e2e big file line\n"), 8<<20/42)
		p := testProject(t, `groups:
  g:
    phases:
      configure:
        - exec-script: {name: "slow", script: "sleep 2.5"}
        - file: {path: /root/big, content: `+yq(string(big))+`}
      write:
        - file: {path: /root/big, content: `+yq(string(big))+`}
`)
		root := nodeRoot(t, b)
		stateDir := nspawntest.Provider(t).StateDir()
		// check is called with how long after the kill RunPhase returned.
		check := func(t *testing.T, res runner.PhaseResult, err error, took time.Duration) {
			t.Helper()
			if err == nil || res.Done {
				t.Errorf("a dropped connection was not reported: err %v, result %+v", err, res)
			}
			t.Logf("reported %v after the kill as: %v", took.Round(time.Millisecond), err)
			if took > 5*time.Second {
				t.Errorf("noticed the drop only after %v", took)
			}
			if runner.IsUnreachable(err) {
				t.Errorf("a node that was reached reported unreachable: %v", err)
			}
			if !waitFor(10*time.Second, func() bool {
				return f.ssh(t, b, "", "pgrep -f 'slee[p] 2.5'; pgrep -x cat; pgrep -f 'files0-fro[m]'; ls -d /tmp/pallet-* /root/.pallet.* /tmp/.pallet.* 2>/dev/null; true") == ""
			}) {
				t.Errorf("left on the node after the drop: %q", f.ssh(t, b, "", "pgrep -af 'slee[p] 2.5'; pgrep -ax cat; pgrep -af 'files0-fro[m]'; ls -ld /tmp/pallet-* /root/.pallet.* /tmp/.pallet.*; true"))
			}
		}
		phaseScript := func(name string) runner.Phase {
			return phase(t, p, "g", name, "debian-12")
		}

		t.Run("during a slow step", func(t *testing.T) {
			conn, err := runner.Dial(t.Context(), target(b, ""), f.options())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			begun := make(chan struct{}, 1)
			killed := make(chan error, 1)
			var killedAt time.Time
			go func() {
				<-begun
				_, err := dropSSHSessions(stateDir, b)
				killedAt = time.Now()
				killed <- err
			}()
			res, err := conn.RunPhase(t.Context(), phaseScript("configure"), func(e runner.Event) {
				if e.Kind == runner.EventBegin && e.Step.Crate == "exec-script" {
					begun <- struct{}{}
				}
			})
			returned := time.Now()
			if err := <-killed; err != nil {
				t.Fatal(err)
			}
			check(t, res, err, returned.Sub(killedAt))
			if _, err := os.Lstat(filepath.Join(root, "root/big")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("/root/big exists after the drop in the step before it: %v", err)
			}
		})

		t.Run("while the file is written", func(t *testing.T) {
			conn, err := runner.Dial(t.Context(), target(b, ""), f.options())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Watch the node's /root from the host and cut the
			// connection as soon as the write's temporary file shows.
			stop := make(chan struct{})
			watched := make(chan string, 1)
			killedAt := make(chan time.Time, 1)
			go onTempFile(root, stop, watched, func(size int64) string {
				n, err := dropSSHSessions(stateDir, b)
				killedAt <- time.Now()
				if err != nil {
					return "kill failed: " + err.Error()
				}
				return "killed " + strconv.Itoa(n) + " sshd processes with the temporary file at " + strconv.FormatInt(size, 10) + " of " + strconv.Itoa(len(big)) + " bytes"
			})
			res, err := conn.RunPhase(t.Context(), phaseScript("write"), nil)
			returned := time.Now()
			close(stop)
			how := <-watched
			t.Log(how)
			switch {
			case strings.HasPrefix(how, "kill failed"):
				t.Error(how)
			case strings.HasPrefix(how, "killed"):
				check(t, res, err, returned.Sub(<-killedAt))
			case err != nil:
				t.Errorf("no drop, yet: %v", err)
			}
			got, err := os.ReadFile(filepath.Join(root, "root/big"))
			switch {
			case errors.Is(err, os.ErrNotExist):
				t.Log("/root/big is absent: the rename never happened")
			case err != nil:
				t.Fatal(err)
			case sha256.Sum256(got) != sha256.Sum256(big):
				t.Errorf("/root/big is half-written: %d of %d bytes", len(got), len(big))
			default:
				t.Log("/root/big is complete: the rename happened before the script was stopped")
			}
		})

		// The grace's end, or a stall past it: the script gets SIGKILL, so
		// no EXIT trap of its runs. The wrapper still removes the temporary
		// file the write had made.
		t.Run("script killed mid-write", func(t *testing.T) {
			f.ssh(t, b, "", "rm -f /root/big")
			conn, err := runner.Dial(t.Context(), target(b, ""), f.options())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			stop := make(chan struct{})
			watched := make(chan string, 1)
			go onTempFile(root, stop, watched, func(size int64) string {
				n, err := killScript(stateDir, b)
				if err != nil {
					return "kill failed: " + err.Error()
				}
				return "SIGKILLed " + strconv.Itoa(n) + " script process groups with the temporary file at " + strconv.FormatInt(size, 10) + " bytes"
			})
			res, err := conn.RunPhase(t.Context(), phaseScript("write"), nil)
			close(stop)
			how := <-watched
			t.Log(how)
			if !strings.HasPrefix(how, "SIGKILLed") {
				t.Skip(how)
			}
			if err == nil && res.Done {
				t.Errorf("a killed script was not reported: %+v", res)
			}
			t.Logf("reported as: %v", err)
			if !waitFor(10*time.Second, func() bool {
				return f.ssh(t, b, "", "pgrep -f 'files0-fro[m]'; ls -d /root/.pallet.* /tmp/tmp.* /tmp/.pallet.* 2>/dev/null; true") == ""
			}) {
				t.Errorf("left on the node after the kill: %q", f.ssh(t, b, "", "pgrep -af 'files0-fro[m]'; ls -ld /root/.pallet.* /tmp/tmp.* /tmp/.pallet.*; true"))
			}
		})
	})

	t.Run("host key changed", func(t *testing.T) {
		// Rebuild b's host key as a reinstall would; keep only the new
		// public key to compare with what the runner reports.
		out := f.ssh(t, b, "", "set -e; rm -f /etc/ssh/ssh_host_ed25519_key*; ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key; cat /etc/ssh/ssh_host_ed25519_key.pub; systemctl reload ssh")
		newKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(out))
		if err != nil {
			t.Fatalf("new host key %q: %v", out, err)
		}
		before, _ := os.ReadFile(f.knownHosts)
		o := f.options()
		o.AcceptNewHostKeys = true // accept-new must not cover a changed key
		var res runner.NodeResult
		var changed *runner.ChangedHostKeyError
		// sshd re-reads its keys on reload, asynchronously, and re-execs
		// itself: wait until it answers at once, with the new key
		if !waitFor(10*time.Second, func() bool {
			res = runner.Run(t.Context(), []runner.Job{{Target: target(b, ""), Phases: []runner.Phase{{Name: "configure", Script: []byte("#!/bin/bash\ntouch /root/should-not-run\n")}}}}, runner.RunOptions{Options: o})[0]
			var ce *runner.ConnectError
			return errors.As(res.Err, &changed) && errors.As(res.Err, &ce) && ce.Attempts == 1
		}) {
			t.Fatalf("err = %v, want a ChangedHostKeyError", res.Err)
		}
		// The first refusals may come while sshd restarts (refused,
		// retried); once it answers, a changed key is never retried.
		res = runner.Run(t.Context(), []runner.Job{{Target: target(b, ""), Phases: []runner.Phase{{Name: "configure", Script: []byte("#!/bin/bash\ntouch /root/should-not-run\n")}}}}, runner.RunOptions{Options: o})[0]
		var ce *runner.ConnectError
		if !errors.As(res.Err, &changed) || !res.Unreachable || !errors.As(res.Err, &ce) || ce.Attempts != 1 || len(res.Phases) != 0 {
			t.Errorf("refused node: want unreachable after one attempt, nothing run: %s", describe(res))
		}
		if changed.Fingerprint != ssh.FingerprintSHA256(newKey) || !strings.Contains(res.Err.Error(), "HOST KEY CHANGED") {
			t.Errorf("reported key %s, the node's new one is %s: %v", changed.Fingerprint, ssh.FingerprintSHA256(newKey), res.Err)
		}
		if after, _ := os.ReadFile(f.knownHosts); !bytes.Equal(before, after) {
			t.Errorf("known_hosts was changed:\n%s", after)
		}
		if _, err := os.Lstat(filepath.Join(nodeRoot(t, b), "root/should-not-run")); err == nil {
			t.Error("the script ran on a node with a changed host key")
		}
	})
}

// onTempFile watches the node's /root (at root on the host) until a write's
// temporary file has content, then sends what act says to watched; or,
// when stop closes first, that the file was never seen. Content, not the
// name: between mktemp and the first bytes is pallet_write_file's known
// leak window (see TestWriteFileTempLeak).
func onTempFile(root string, stop <-chan struct{}, watched chan<- string, act func(size int64) string) {
	for {
		select {
		case <-stop:
			watched <- "the write finished before its temporary file was seen"
			return
		default:
		}
		m, _ := filepath.Glob(filepath.Join(root, "root/.pallet.*"))
		if fi, err := os.Stat(firstOr(m)); err == nil && fi.Size() > 0 {
			watched <- act(fi.Size())
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func firstOr(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	return paths[0]
}

// TestWriteFileTempLeak: a file step stopped at any point (phase timeout,
// Ctrl-C, dropped connection) leaves no .pallet.XXXXXX beside the target.
// It once did: mktemp made the file before the EXIT trap that removes it
// was set. A slow mv on the node (the rename, after the temporary file is
// written) holds the step there for seconds. (This test used to slow
// mktemp, which the helpers no longer run; since the wrapper stopped
// running it too, that stalled nothing.)
func TestWriteFileTempLeak(t *testing.T) {
	t.Parallel()
	f := newFleet(t, []string{"bookworm"})
	n := f.nodes[0]
	f.ssh(t, n, "", `mkdir -p /srv/leak && printf '#!/bin/sh\nsleep 5; exec /usr/bin/mv "$@"\n' >/usr/local/bin/mv && chmod 755 /usr/local/bin/mv`)
	p := testProject(t, `groups:
  g:
    phases:
      configure:
        - file: {path: /srv/leak/f, content: "x\n"}
`)
	o := f.options()
	o.PhaseTimeout = time.Second
	conn, err := runner.Dial(t.Context(), target(n, ""), o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.RunPhase(t.Context(), runner.Phase{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the phase timeout", err)
	}
	// Once the slow mv (the rename after the temporary file is written)
	// is gone, the script has stopped.
	if !waitFor(10*time.Second, func() bool {
		_, err := f.sshOut(t, n, "", "pgrep -f 'slee[p] 5'")
		return err != nil
	}) {
		t.Fatal("the stopped script's mv still runs")
	}
	left := f.ssh(t, n, "", "ls -A /srv/leak")
	if strings.Contains(left, ".pallet.") {
		t.Errorf("the stopped file step left its temporary file behind: %q", left)
	}
}
