package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// TestStopIgnoringTERM: a step that ignores SIGTERM (and HUP and INT) does
// not outlive a cancelled run. The node gets SIGKILL for the script's
// process group after the cancel grace, the upload directory goes, and
// the runner says the phase was stopped. Once logged in as root, once as a
// sudo user (sudo relays the TERM, and the cleanup runs as the user).
func TestStopIgnoringTERM(t *testing.T) {
	t.Parallel()
	p := testProject(t, `groups:
  g:
    phases:
      configure:
        - exec-script: {name: "stubborn", script: "trap '' TERM HUP INT; sleep 25.5"}
`)
	for _, c := range []struct {
		name string
		opts []nspawntest.Option
	}{
		{"root", nil},
		{"sudo", []nspawntest.Option{nspawntest.WithUser("deploy"), nspawntest.WithGroup("stopsudo")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFleet(t, []string{"bookworm"}, c.opts...)
			n := f.nodes[0]
			o := f.options()
			o.CancelGrace = 2 * time.Second
			conn, err := runner.Dial(t.Context(), target(n, ""), o)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			start := time.Now()
			_, err = conn.RunPhase(ctx, runner.Phase{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")}, func(e runner.Event) {
				if e.Kind == runner.EventBegin {
					// Let the trap be set before the TERM comes.
					time.AfterFunc(500*time.Millisecond, cancel)
				}
			})
			took := time.Since(start)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want the phase stopped (context.Canceled)", err)
			}
			var inc *runner.StopIncompleteError
			if errors.As(err, &inc) {
				t.Errorf("the runner could not confirm the stop: %v", err)
			}
			if took > 8*time.Second {
				t.Errorf("RunPhase took %v to return after the cancel", took)
			}
			// Checked at once: by the time RunPhase returns, the
			// script is dead and its directory gone.
			if left := f.ssh(t, n, "", "sudo -n pgrep -af 'slee[p] 25.5'; ls -d /tmp/pallet-* 2>/dev/null; true"); left != "" {
				t.Errorf("after the cancel, left on the node:\n%s", left)
			}
		})
	}
}

// TestSilentConnection: the node's sshd session is SIGSTOPped while step 2
// of 3 runs, so the connection goes silent (no RST, no FIN) while the
// script runs on to its end. Keepalives notice; the error says what the
// status lines proved (step 2 began, nothing after that arrived), not that
// the script died during step 2.
func TestSilentConnection(t *testing.T) {
	t.Parallel()
	f := newFleet(t, []string{"bookworm"})
	n := f.nodes[0]
	p := testProject(t, `groups:
  g:
    phases:
      configure:
        - exec-script: {name: "first", script: "true"}
        - exec-script: {name: "slow", script: "sleep 2"}
        - file: {path: /root/step3, content: "ran\n"}
`)
	root := nodeRoot(t, n)
	stateDir := nspawntest.Provider(t).StateDir()
	o := f.options()
	o.KeepAliveInterval = time.Second // 3 s of silence, not the default 2 minutes
	conn, err := runner.Dial(t.Context(), target(n, ""), o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var stopped []int
	t.Cleanup(func() {
		for _, pid := range stopped {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	})
	stopErr := make(chan error, 1)
	var stoppedAt time.Time
	res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")}, func(e runner.Event) {
		if e.Kind == runner.EventBegin && e.Step.Name == "slow" {
			// Called on the session's output goroutine: stopping
			// sshd here means nothing after this begin line can
			// arrive.
			var err error
			stopped, err = signalSSHSessions(stateDir, n, syscall.SIGSTOP)
			stoppedAt = time.Now()
			stopErr <- err
		}
	})
	if err := <-stopErr; err != nil {
		t.Fatal(err)
	}
	took := time.Since(stoppedAt)
	t.Logf("reported %v after SIGSTOP as: %v", took.Round(time.Millisecond), err)
	var died *runner.ScriptDiedError
	if !errors.As(err, &died) || died.Lost == nil {
		t.Fatalf("err = %v (%T), want a ScriptDiedError for a lost connection", err, err)
	}
	if took > 15*time.Second {
		t.Errorf("a silent connection was noticed only after %v (keepalive every %v)", took, o.KeepAliveInterval)
	}
	msg := err.Error()
	for _, want := range []string{"connection lost", "keepalive", `while step 2/3 exec-script "slow" was running`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "died") {
		t.Errorf("error claims the script died, which no status line showed: %s", msg)
	}
	if len(res.Steps) != 2 || !res.Steps[0].Ended() || res.Steps[1].Ended() || res.Done {
		t.Errorf("result: want step 1 ended, step 2 begun and nothing more: %+v", res)
	}
	// What really happened on the node: the script went on and step 3 ran.
	if !waitFor(10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(root, "root/step3"))
		return err == nil
	}) {
		t.Errorf("step 3 did not run on the node; the test proves nothing")
	}
}

// signalSSHSessions sends sig to every sshd session process of node n
// (the ones dropSSHSessions kills) and returns their pids.
func signalSSHSessions(stateDir string, n provider.Node, sig syscall.Signal) ([]int, error) {
	pid, err := nodePID(stateDir, n)
	if err != nil {
		return nil, err
	}
	var done []int
	for _, p := range descendants(pid) {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if err != nil {
			continue
		}
		title := string(bytes.TrimRight(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}), " "))
		if sessionTitle.MatchString(title) && syscall.Kill(p, sig) == nil {
			done = append(done, p)
		}
	}
	if len(done) == 0 {
		return nil, fmt.Errorf("no sshd session process found on node %s", n.Name)
	}
	return done, nil
}
