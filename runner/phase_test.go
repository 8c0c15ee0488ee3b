package runner

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// remoteDirs lists what RunPhase left in the remote tmp dir.
func remoteDirs(t *testing.T, conn *Conn) []string {
	t.Helper()
	entries, err := os.ReadDir(conn.opts.RemoteTmpDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// waitNoRemoteDirs allows for cleanup that runs in the remote shell's
// EXIT trap just after the session ended.
func waitNoRemoteDirs(t *testing.T, conn *Conn) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := remoteDirs(t, conn)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("script directory left behind: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunPhaseApplyAndCheck(t *testing.T) {
	_, _, conn := startNode(t, "root")
	sc := script(
		step{crate: "base", name: "print mode", body: `echo "mode=$PALLET_MODE"; echo to-stderr >&2`, status: "changed"},
		step{crate: "base", name: "stdin is empty", body: `cat; echo "uid=$(id -u)"`, status: "ok"},
		step{crate: "java", name: "install openjdk 17", body: "printf 'no newline'", status: "ran"},
	)
	for _, check := range []bool{false, true} {
		var mu sync.Mutex
		var lines []string
		var kinds []EventKind
		res, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: sc, Check: check}, func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			kinds = append(kinds, e.Kind)
			if e.Kind == EventOutput {
				lines = append(lines, e.Line)
			}
		})
		if err != nil {
			t.Fatalf("check=%v: %v", check, err)
		}
		if !res.OK() || res.ExitCode != 0 || !res.Done || res.Counts != (Counts{OK: 1, Changed: 1, Ran: 1}) {
			t.Errorf("check=%v: result %+v", check, res)
		}
		mode := "mode=apply"
		if check {
			mode = "mode=check"
		}
		want := []string{mode, "to-stderr", fmt.Sprintf("uid=%d", os.Getuid()), "no newline"}
		if strings.Join(lines, "|") != strings.Join(want, "|") {
			t.Errorf("check=%v: output %q, want %q (stderr merged in order)", check, lines, want)
		}
		if len(res.Steps) != 3 || res.Steps[2].Crate != "java" || res.Steps[2].Name != "install openjdk 17" {
			t.Errorf("steps = %+v", res.Steps)
		}
		if res.Steps[0].Tail[0] != mode {
			t.Errorf("step 1 tail = %q, want %q first", res.Steps[0].Tail, mode)
		}
		if kinds[len(kinds)-1] != EventDone {
			t.Errorf("last event %v, want EventDone", kinds[len(kinds)-1])
		}
		waitNoRemoteDirs(t, conn)
	}
}

func TestRunPhaseKeepScripts(t *testing.T) {
	_, c, _ := startNode(t, "root")
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	o := c.options(t)
	o.KeepScripts = true
	conn, err := Dial(t.Context(), s.target("root"), o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc := script(step{crate: "a", name: "b"})
	res, err := conn.RunPhase(t.Context(), Phase{Name: "con figure", Script: sc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.ScriptPath, "/con_figure.sh") {
		t.Errorf("ScriptPath = %q", res.ScriptPath)
	}
	st, err := os.Stat(res.ScriptPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("script mode %v, want 0700", st.Mode().Perm())
	}
	dst, _ := os.Stat(strings.TrimSuffix(res.ScriptPath, "/con_figure.sh"))
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("script dir mode %v, want 0700", dst.Mode().Perm())
	}
	got, _ := os.ReadFile(res.ScriptPath)
	if string(got) != string(sc) {
		t.Errorf("uploaded script differs from the one given")
	}
}

func TestRunPhaseFailedStepNamesStepAndTail(t *testing.T) {
	_, _, conn := startNode(t, "root")
	sc := script(
		step{crate: "base", name: "first", status: "ok"},
		step{crate: "java", name: "install jdk", body: `for i in $(seq 1 30); do echo "apt line $i"; done; echo "E: Unable to locate package openjdk-99" >&2; false`},
		step{crate: "late", name: "must not run", body: "touch /never"},
	)
	res, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: sc}, nil)
	var sf *StepFailedError
	if !errors.As(err, &sf) {
		t.Fatalf("err = %v (%T), want *StepFailedError", err, err)
	}
	if sf.Step.Crate != "java" || sf.Step.Name != "install jdk" || sf.Step.N != 2 {
		t.Errorf("failed step = %+v", sf.Step)
	}
	msg := err.Error()
	for _, want := range []string{`2/3 java "install jdk" failed`, "apt line 30", "E: Unable to locate package openjdk-99", "phase configure"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "apt line 10\n") {
		t.Errorf("error carries more than the tail: %q", msg)
	}
	if len(sf.Step.Tail) != DefaultTailLines {
		t.Errorf("tail has %d lines, want %d", len(sf.Step.Tail), DefaultTailLines)
	}
	if len(res.Steps) != 2 || res.OK() || res.ExitCode == 0 || res.Counts.Failed != 1 {
		t.Errorf("result = %+v; want 2 steps, failed, non-zero exit", res)
	}
	waitNoRemoteDirs(t, conn)
}

func TestRunPhaseScriptDies(t *testing.T) {
	_, _, conn := startNode(t, "root")
	tests := []struct {
		name     string
		script   string
		step     string
		exitCode int
		mention  string
	}{
		{"exit inside a step", statusMark + "echo \"$m begin 1/2 db migrate\"\necho boom\nexit 3\n", "migrate", 3, "boom"},
		{"syntax error before any step", "echo starting\nif then\n", "", 2, "syntax error"},
		{"exit 0 without done", statusMark + "echo \"$m begin 1/1 a b\"\necho \"$m end 1/1 ok 1\"\nexit 0\n", "", 0, "no done line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := conn.RunPhase(t.Context(), Phase{Name: "p", Script: []byte(tt.script)}, nil)
			var died *ScriptDiedError
			if !errors.As(err, &died) {
				t.Fatalf("err = %v (%T), want *ScriptDiedError", err, err)
			}
			if res.ExitCode != tt.exitCode || died.ExitCode != tt.exitCode {
				t.Errorf("exit code = %d, want %d", res.ExitCode, tt.exitCode)
			}
			if tt.step != "" && (died.Step == nil || died.Step.Name != tt.step) {
				t.Errorf("died.Step = %+v, want %q", died.Step, tt.step)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestRunPhaseSudo(t *testing.T) {
	const password = "s3cret pa$$ 'word'"
	sc := script(step{crate: "base", name: "who", body: `echo "as uid $(id -u)"; cat; echo "mode=$PALLET_MODE"`, status: "changed"})
	tests := []struct {
		name           string
		serverPassword string
		clientPassword string
		wantErr        string // substring of a *SudoError, "" for success
	}{
		{"passwordless sudo -n", "", "", ""},
		{"password on stdin", password, password, ""},
		{"password given but not needed", "", password, ""},
		{"wrong password", password, "not-the-pw-42", "password was rejected"},
		{"password needed but not given", password, "", "sudo needs a password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t)
			s := newTestServer(t, c.pub)
			s.sudoPassword = tt.serverPassword
			c.trust(t, s)
			o := c.options(t)
			o.SudoPassword = tt.clientPassword
			conn, err := Dial(t.Context(), s.target("deploy"), o)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var mu sync.Mutex
			var seen []string
			start := time.Now()
			res, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: sc}, func(e Event) {
				mu.Lock()
				seen = append(seen, e.Line)
				mu.Unlock()
			})
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v: sudo must not hang", time.Since(start))
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got := res.Steps[0].Tail; len(got) != 2 || got[0] != fmt.Sprintf("as uid %d", os.Getuid()) || got[1] != "mode=apply" {
					t.Errorf("step output = %q; want the uid line and mode=apply, nothing from stdin, no prompt", got)
				}
			} else {
				var se *SudoError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v (%T), want *SudoError with %q", err, err, tt.wantErr)
				}
			}
			// The password must appear nowhere: not in argv, not in output, not in errors.
			if tt.clientPassword != "" {
				everything := strings.Join(s.execCommands(), "\n") + strings.Join(seen, "\n") + fmt.Sprint(err) + fmt.Sprintf("%+v", res)
				if strings.Contains(everything, tt.clientPassword) {
					t.Errorf("password leaked into command, output or error")
				}
				if strings.Contains(strings.Join(seen, "\n"), "[pallet-sudo-") {
					t.Errorf("sudo prompt not stripped from output: %q", seen)
				}
			}
			waitNoRemoteDirs(t, conn)
		})
	}
}

// phaseCommand must be valid for the login shell whatever it is; dash runs
// it in the test server. Here: the command never contains the password and
// quotes the directory.
func TestPhaseCommandQuotes(t *testing.T) {
	cmd := phaseCommand("/tmp/it's here/pallet-x", "/tmp/it's here/pallet-x/p.sh", true, false, sudoPassword, "[pallet-sudo-ab]", false, 5*time.Second)
	for _, want := range []string{`d='/tmp/it'\''s here/pallet-x'`, `PALLET_MODE=check PALLET_TMPLIST=$l PALLET_NONCE=$n bash`, `IFS= read -r n <"${0%/*}/pallet.nonce"`, "sudo -S -k -p '[pallet-sudo-ab]'", "IFS= read -r pw", `trap '[ ! -e "$d" ] || rm -rf "$d"' EXIT`, `rm -rf -- "${g[@]}" "$l" "${0%/*}"`} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %q:\n%s", want, cmd)
		}
	}
	if keep := phaseCommand("/d", "/d/p.sh", false, false, asRoot, "", true, 5*time.Second); strings.Contains(keep, `rm -rf "$d"`) || strings.Contains(keep, `"${0%/*}";`) || strings.Contains(keep, "sudo") {
		t.Errorf("root + keep command removes or sudos:\n%s", keep)
	}
}

func TestRunPhaseTimeout(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	o := c.options(t)
	o.PhaseTimeout = 700 * time.Millisecond
	conn, err := Dial(t.Context(), s.target("root"), o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc := script(step{crate: "a", name: "quick", status: "ok"}, step{crate: "b", name: "slow", body: "echo sleeping; sleep 30"})
	start := time.Now()
	res, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: sc}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "phase timeout") {
		t.Fatalf("err = %v, want a phase timeout wrapping DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v after a 700ms timeout; the script should stop on SIGTERM", d)
	}
	if len(res.Steps) != 2 || res.Steps[0].Status != StatusOK || res.Steps[1].Ended() || res.Steps[1].Tail[0] != "sleeping" {
		t.Errorf("result = %+v; want step 1 ok, step 2 begun with its output", res.Steps)
	}
	if f := res.FailedStep(); f == nil || f.Name != "slow" {
		t.Errorf("FailedStep = %+v, want the slow step", f)
	}
	// SIGTERM reached the script through the shell's trap and the EXIT
	// trap cleaned up.
	waitNoRemoteDirs(t, conn)
	// The connection is still usable for the next phase.
	if _, err := conn.RunPhase(t.Context(), Phase{Name: "next", Script: script(step{crate: "a", name: "b"})}, nil); err != nil {
		t.Errorf("phase after a timeout: %v", err)
	}
}

func TestRunPhaseCancel(t *testing.T) {
	_, _, conn := startNode(t, "root")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sc := script(step{crate: "a", name: "one", status: "ok"}, step{crate: "a", name: "two", body: "sleep 30"}, step{crate: "a", name: "three"})
	start := time.Now()
	res, err := conn.RunPhase(ctx, Phase{Name: "configure", Script: sc}, func(e Event) {
		if e.Kind == EventBegin && e.Step.N == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 1500*time.Millisecond {
		t.Errorf("cancel took %v; the script should stop on SIGTERM, not wait for the grace period", time.Since(start))
	}
	if len(res.Steps) != 2 || res.Steps[0].Status != StatusOK || res.Steps[1].Ended() {
		t.Errorf("steps = %+v; want one ok and two begun", res.Steps)
	}
	waitNoRemoteDirs(t, conn)
}

// TestRunPhaseCancelIgnoresTERM: a step that ignores SIGTERM is killed
// (SIGKILL to its process group) once the cancel grace is over, and the
// script directory is removed before RunPhase returns.
func TestRunPhaseCancelIgnoresTERM(t *testing.T) {
	_, _, conn := startNode(t, "root")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sc := script(step{crate: "a", name: "stubborn", body: "trap '' TERM HUP INT; sleep 25.25"})
	start := time.Now()
	_, err := conn.RunPhase(ctx, Phase{Name: "configure", Script: sc}, func(e Event) {
		if e.Kind == EventBegin {
			time.AfterFunc(200*time.Millisecond, cancel)
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var inc *StopIncompleteError
	if errors.As(err, &inc) {
		t.Errorf("stop not confirmed: %v", err)
	}
	if d := time.Since(start); d > 2*conn.opts.CancelGrace+time.Second {
		t.Errorf("cancel took %v; want about the grace period of %v", d, conn.opts.CancelGrace)
	}
	if out, err := exec.Command("pgrep", "-f", "slee[p] 25.25").Output(); err == nil {
		t.Errorf("the step that ignored SIGTERM still runs: pid %s", out)
	}
	if left := remoteDirs(t, conn); len(left) != 0 {
		t.Errorf("script directory left behind: %v", left)
	}
}

// TestRunPhaseCancelNotConfirmed: when the script's session does not end
// after the TERM, the grace and the KILL (here its wrapper is stopped, so
// it can act on neither), RunPhase says the script may still run, and
// still removes the script directory.
func TestRunPhaseCancelNotConfirmed(t *testing.T) {
	_, _, conn := startNode(t, "root")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sc := script(step{crate: "a", name: "wedged", body: "kill -STOP $PPID; exec sleep 25.75"})
	t.Cleanup(func() {
		// Processes this test started: the sleep and its stopped wrapper.
		out, _ := exec.Command("pgrep", "-f", "slee[p] 25.75").Output()
		for _, f := range strings.Fields(string(out)) {
			pid, _ := strconv.Atoi(f)
			if b, err := os.ReadFile("/proc/" + f + "/stat"); err == nil {
				if i := strings.LastIndexByte(string(b), ')'); i > 0 {
					if ff := strings.Fields(string(b)[i+1:]); len(ff) > 1 {
						if pp, _ := strconv.Atoi(ff[1]); pp > 1 {
							syscall.Kill(pp, syscall.SIGKILL)
						}
					}
				}
			}
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	_, err := conn.RunPhase(ctx, Phase{Name: "configure", Script: sc}, func(e Event) {
		if e.Kind == EventBegin {
			time.AfterFunc(200*time.Millisecond, cancel)
		}
	})
	var inc *StopIncompleteError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &inc) {
		t.Fatalf("err = %v, want context.Canceled and a StopIncompleteError", err)
	}
	if !inc.Running || inc.Err != nil || !strings.Contains(err.Error(), "may still be running on the node") {
		t.Errorf("want: may still run, directory removed; got %+v: %v", inc, err)
	}
	if left := remoteDirs(t, conn); len(left) != 0 {
		t.Errorf("script directory left behind: %v", left)
	}
}

func TestProbeOS(t *testing.T) {
	_, _, conn := startNode(t, "deploy")
	want, wantErr := OSFromRelease(mustRead(t, "/etc/os-release"))
	got, err := conn.ProbeOS(t.Context())
	if got != want || (err == nil) != (wantErr == nil) {
		t.Errorf("ProbeOS = %+v, %v; want %+v, %v", got, err, want, wantErr)
	}
	if got.ID == "" {
		t.Errorf("ProbeOS found no ID")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s here: %v", path, err)
	}
	return b
}

// TestRunPhaseFiles: a phase's files arrive beside its script, 0600 unless
// told otherwise, byte for byte (binary and larger than one SFTP packet),
// and go with the upload directory when the phase ends.
func TestRunPhaseFiles(t *testing.T) {
	_, _, conn := startNode(t, "root")
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(big))
	sc := script(step{crate: "file", name: "read payloads", status: "ran", body: `d=${0%/*}
[[ $(stat -c %a "$d/a.payload") == 600 ]] || { echo "a mode $(stat -c %a "$d/a.payload")"; exit 1; }
[[ $(stat -c %a "$d/b.payload") == 640 ]] || { echo "b mode"; exit 1; }
[[ $(sha256sum <"$d/a.payload") == "` + sum + `  -" ]] || { echo "a content differs"; exit 1; }
[[ $(cat "$d/b.payload") == hello ]] || { echo "b content differs"; exit 1; }`})
	res, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: sc, Files: []File{
		{Name: "a.payload", Data: big},
		{Name: "b.payload", Data: []byte("hello"), Mode: 0o640},
	}}, nil)
	if err != nil {
		t.Fatalf("%v\n%+v", err, res)
	}
	waitNoRemoteDirs(t, conn)

	for _, name := range []string{"", "..", "a/b", "pallet.nonce", "configure.sh"} {
		_, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: sc, Files: []File{{Name: name}}}, nil)
		if err == nil || !strings.Contains(err.Error(), "beside the script") {
			t.Errorf("file name %q: err = %v, want it refused", name, err)
		}
	}
	waitNoRemoteDirs(t, conn)
}
