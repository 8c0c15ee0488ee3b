package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Phase is one compiled script to run on a node.
type Phase struct {
	// Name is the phase name (configure, bootstrap, ...), used in results
	// and as the uploaded file's name.
	Name string
	// Script is the complete bash script from the compiler.
	Script []byte
	// ScriptParts, when set, is the script instead, in parts written one
	// after the other (compiler.Text: its runtime and helpers are one
	// slice shared by a fleet's scripts, so a lift does not hold a copy
	// of them per node).
	ScriptParts [][]byte
	// Check runs the script with PALLET_MODE=check: report, change nothing.
	Check bool
	// Diff runs the script with PALLET_DIFF=1: file-like steps that change
	// (or would) print a diff of the file, kept in StepResult.Diff. It
	// costs no round trip: the script reads the files where it runs.
	Diff bool
	// Files are uploaded beside the script, into its private upload
	// directory, in the same SFTP session: the payloads the script reads
	// (see compiler.Payload). They are removed with the directory when the
	// phase ends, however it ends.
	Files []File
}

// File is one file uploaded beside a phase's script.
type File struct {
	// Name is a plain file name (no slash), unique in the phase, not the
	// script's or the nonce file's.
	Name string
	Data []byte
	// Mode is the file's permission bits; 0 means 0600.
	Mode os.FileMode
}

// RunPhase uploads p's script into a fresh private directory on the node and
// runs it as root, streaming events to onEvent (which may be nil). The
// returned PhaseResult holds everything that ran, also on error. The error is
// nil only when the script reached its done line with no failed step; it is
// a *StepFailedError, *ScriptDiedError or *SudoError when the script got to
// run, and wraps context.DeadlineExceeded or context.Canceled when the phase
// timeout or ctx stopped it.
func (c *Conn) RunPhase(ctx context.Context, p Phase, onEvent EventFunc) (PhaseResult, error) {
	start := time.Now()
	node := c.target.name()
	timeoutCause := fmt.Errorf("phase timeout of %s", c.opts.PhaseTimeout)
	if c.opts.PhaseTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.opts.PhaseTimeout, timeoutCause)
		defer cancel()
	}

	prompt := ""
	if c.sudoMode() == sudoPassword {
		prompt = "[pallet-sudo-" + randomHex(8) + "]"
	}
	// A fresh nonce per phase: the script prints it in every status line
	// and only lines with it count, so output cannot fake a step's status.
	nonce := randomHex(16)
	tr := newTracker(node, p.Name, p.Check, c.opts.TailLines, prompt, nonce, onEvent)
	tr.redact = c.opts.RedactOutput
	fail := func(err error) (PhaseResult, error) {
		r := tr.result()
		r.Duration = time.Since(start)
		return r, err
	}

	dir := path.Join(c.opts.RemoteTmpDir, "pallet-"+randomHex(16))
	script := path.Join(dir, scriptFileName(p.Name))
	// The nonce goes in a file beside the script, not on the command line:
	// argv (and sudo's SUDO_COMMAND, which steps inherit) is visible to
	// every local user, a 0600 file in the private directory is not.
	parts := p.ScriptParts
	if parts == nil {
		parts = [][]byte{p.Script}
	}
	files := []remoteFile{{script, parts, 0o700}, {path.Join(dir, nonceFile), [][]byte{[]byte(nonce + "\n")}, 0o600}}
	for _, f := range p.Files {
		if err := checkFileName(f.Name, files, dir); err != nil {
			return fail(fmt.Errorf("node %s phase %s: %w", node, p.Name, err))
		}
		mode := f.Mode.Perm()
		if mode == 0 {
			mode = 0o600
		}
		files = append(files, remoteFile{path.Join(dir, f.Name), [][]byte{f.Data}, mode})
	}
	if err := c.upload(ctx, dir, files); err != nil {
		if ctx.Err() != nil {
			return fail(c.stopped(ctx, p, timeoutCause, err, nil))
		}
		return fail(fmt.Errorf("node %s phase %s: upload script: %w", node, p.Name, err))
	}

	sess, err := c.client.NewSession()
	if err != nil {
		return fail(fmt.Errorf("node %s phase %s: open session: %w (connection lost?)", node, p.Name, err))
	}
	defer sess.Close()
	// stdout and stderr are copied by separate goroutines; each gets its
	// own line splitter so their lines never mix mid-line.
	sess.Stdout = &lineSplitter{t: tr}
	sess.Stderr = &lineSplitter{t: tr}
	// stdin stays open while the script runs: closing it is how the
	// script is stopped (see phaseCommand).
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail(fmt.Errorf("node %s phase %s: %w", node, p.Name, err))
	}
	defer stdin.Close()
	cmd := phaseCommand(dir, script, p.Check, p.Diff, c.sudoMode(), prompt, c.opts.KeepScripts, c.opts.CancelGrace)
	if err := sess.Start(cmd); err != nil {
		return fail(fmt.Errorf("node %s phase %s: start script: %w", node, p.Name, err))
	}
	if prompt != "" {
		if _, err := io.WriteString(stdin, c.opts.SudoPassword+"\n"); err != nil {
			return fail(fmt.Errorf("node %s phase %s: give sudo its password: %w", node, p.Name, err))
		}
	}

	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		// Ask the remote shell to stop the script and clean up. EOF on
		// stdin is what works with OpenSSH; the signal is for servers
		// that deliver it. On the node the script's process group gets
		// SIGTERM, then SIGKILL after CancelGrace (see phaseCommand),
		// then the upload is removed and the session ends: allow as long
		// again for that before giving up on the session.
		stdin.Close()
		sess.Signal(ssh.SIGTERM)
		ended := true
		select {
		case waitErr = <-done:
		case <-time.After(2 * c.opts.CancelGrace):
			ended = false
			sess.Close()
			select {
			case waitErr = <-done:
			case <-time.After(time.Second):
			}
		}
		tr.flushAll(sess)
		r, _ := fail(nil)
		r.ExitCode, _ = exitStatus(waitErr)
		return r, c.stopped(ctx, p, timeoutCause, nil, c.confirmStopped(dir, ended))
	}
	tr.flushAll(sess)

	res := tr.result()
	res.Duration = time.Since(start)
	if c.opts.KeepScripts {
		res.ScriptPath = script
	}
	var signal string
	res.ExitCode, signal = exitStatus(waitErr)
	if res.OK() {
		return res, nil
	}
	if err := c.sudoFailure(res, tr.promptCount()); err != nil {
		return res, err
	}
	if step := res.FailedStep(); step != nil && step.Status == StatusFailed {
		return res, &StepFailedError{Node: node, Phase: p.Name, Step: *step}
	}
	died := &ScriptDiedError{Node: node, Phase: p.Name, ExitCode: res.ExitCode, Signal: signal, Step: res.FailedStep()}
	if died.Step == nil {
		died.Output = res.Output
		died.After = res.lastEnded()
	}
	var exitErr *ssh.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		died.Lost = waitErr
		if why := c.lostReason(); why != nil {
			died.Lost = why
		}
	}
	return res, died
}

// stopped builds the error for a phase ended by its timeout or ctx. cause is
// what the stop interrupted (nil: the script); leftover, when set, says
// what could not be confirmed stopped or removed on the node.
func (c *Conn) stopped(ctx context.Context, p Phase, timeoutCause error, cause, leftover error) error {
	during := ""
	if cause != nil {
		during = fmt.Sprintf(" (%v)", cause)
	}
	var err error
	if errors.Is(context.Cause(ctx), timeoutCause) {
		err = fmt.Errorf("node %s phase %s: stopped after the %w%s; raise the phase timeout if it needs longer: %w",
			c.target.name(), p.Name, timeoutCause, during, context.DeadlineExceeded)
	} else {
		err = fmt.Errorf("node %s phase %s: stopped%s: %w", c.target.name(), p.Name, during, ctx.Err())
	}
	if leftover != nil {
		err = fmt.Errorf("%w; %w", err, leftover)
	}
	return err
}

// StopIncompleteError is part of the error of a stopped phase when the
// runner could not confirm that the script ended on the node or that its
// uploaded directory is gone.
type StopIncompleteError struct {
	Node string
	Dir  string // the upload directory on the node
	// Running is true when the session did not end after SIGTERM, the
	// grace period and SIGKILL: the script may still run.
	Running bool
	// Err is why the directory could not be confirmed removed; nil when
	// it was.
	Err error
}

func (e *StopIncompleteError) Error() string {
	var parts []string
	if e.Running {
		parts = append(parts, "the script did not end after SIGTERM and SIGKILL of its process group: it may still be running on the node")
	}
	if e.Err != nil {
		parts = append(parts, fmt.Sprintf("could not remove its upload directory %s on the node (%v): remove it by hand", e.Dir, e.Err))
	}
	return strings.Join(parts, "; ")
}

// confirmStopped checks, on a fresh session, that the stopped phase's
// upload directory is gone, removing it if the script's own cleanup did
// not. ended says whether the script's session ended. It returns nil when
// all is confirmed clean, else a *StopIncompleteError.
func (c *Conn) confirmStopped(dir string, ended bool) error {
	if c.opts.KeepScripts {
		if ended {
			return nil
		}
		return &StopIncompleteError{Node: c.target.name(), Dir: dir, Running: true}
	}
	// ctx is done already; the check gets its own short bound, so a dead
	// connection cannot hold up the report.
	res := make(chan error, 1)
	go func() {
		sess, err := c.client.NewSession()
		if err != nil {
			res <- fmt.Errorf("connection lost: %w", err)
			return
		}
		defer sess.Close()
		q := shellQuote(dir)
		out, err := sess.CombinedOutput("rm -rf -- " + q + "; test ! -e " + q)
		if err != nil {
			err = fmt.Errorf("%w %s", err, strings.TrimSpace(string(out)))
		}
		res <- err
	}()
	var err error
	select {
	case err = <-res:
	case <-time.After(c.opts.CancelGrace + c.opts.ConnectTimeout):
		err = errors.New("no answer")
	}
	if ended && err == nil {
		return nil
	}
	return &StopIncompleteError{Node: c.target.name(), Dir: dir, Running: !ended, Err: err}
}

// sudoFailure recognises sudo refusing to start the script, which otherwise
// looks like a script dying before its first step.
func (c *Conn) sudoFailure(res PhaseResult, prompts int) error {
	if c.sudoMode() == asRoot || len(res.Steps) > 0 {
		return nil
	}
	node := c.target.name()
	out := strings.Join(res.Output, "\n")
	switch {
	case prompts >= 2 || strings.Contains(out, "incorrect password"):
		return &SudoError{Node: node, User: c.user, Reason: "the sudo password was rejected; check the password given for this node"}
	case strings.Contains(out, "a password is required") || strings.Contains(out, "a terminal is required"):
		return &SudoError{Node: node, User: c.user, Reason: "sudo needs a password; pass the sudo password, or allow NOPASSWD for this user in sudoers"}
	case strings.Contains(out, "not in the sudoers file") || strings.Contains(out, "is not allowed to run sudo"):
		return &SudoError{Node: node, User: c.user, Reason: "the user may not use sudo; add it to the sudo (or wheel) group, or log in as root"}
	case res.ExitCode == 127 && strings.Contains(out, "sudo"):
		return &SudoError{Node: node, User: c.user, Reason: "sudo is not installed; install it or log in as root"}
	}
	return nil
}

// exitStatus reads a session's Wait error: the exit code, or -1 with the
// signal name (if any) when the process did not exit normally.
func exitStatus(waitErr error) (code int, signal string) {
	var exitErr *ssh.ExitError
	switch {
	case waitErr == nil:
		return 0, ""
	case errors.As(waitErr, &exitErr):
		if exitErr.Signal() != "" {
			return -1, exitErr.Signal()
		}
		return exitErr.ExitStatus(), ""
	}
	return -1, ""
}

type sudoMode int

const (
	asRoot       sudoMode = iota // logged in as root, or told not to: no sudo
	sudoNoPass                   // sudo -n: fail rather than prompt
	sudoPassword                 // sudo -S: password on stdin
)

func (c *Conn) sudoMode() sudoMode {
	switch {
	case c.user == "root" || c.opts.NoSudo:
		return asRoot
	case c.opts.SudoPassword != "":
		return sudoPassword
	}
	return sudoNoPass
}

// phaseCommand is the one command line that runs a phase. The outer part is
// POSIX sh for the login shell; the part run as root is bash. Design points,
// each for a reason:
//   - cleanup is an EXIT trap in the same command, so no second session is
//     needed and it also runs when the script fails or is stopped;
//   - stopping: OpenSSH ignores the SSH "signal" request and does not kill
//     anything when a session closes, so the runner stops a script by
//     closing the session's stdin. A watchdog job reads stdin and TERMs the
//     script at EOF, which also happens when the connection dies, so an
//     abandoned run does not go on unattended. (A HUP/INT/TERM trap handles
//     servers that do deliver signals.)
//   - as root, a small bash wrapper runs the script in its own process
//     group (set -m, only while starting it: job control would print
//     "Done" lines) and kills that whole group on TERM, so nothing the
//     script started keeps running or keeps the session's output open;
//     what ignores the TERM gets SIGKILL after the cancel grace, so a
//     step that traps TERM cannot outlive the run; sudo relays the TERM;
//   - with a sudo password, the first stdin line is the password: the login
//     shell reads it into a variable and pipes it to sudo -S with the
//     builtin printf, so it is never in an argv, the environment or a file,
//     and sudo sees EOF after it, so a wrong password fails at once;
//   - the wrapper makes a root-owned list (bash's O_EXCL, or mktemp)
//     where the script's helpers note each temporary file they make as root
//     (pallet_tmp_remember), and removes what it names once the script
//     has ended, however: the helpers' EXIT traps do not run when the
//     script gets SIGKILL after the grace, and a node must not keep
//     half-made .pallet.* files from a run that was stopped;
//   - PALLET_MODE, PALLET_DIFF and PALLET_NONCE (the token status lines must carry) are
//     set inside the wrapper run as root, after sudo, whose env_reset would
//     drop them otherwise; the nonce is read from its file beside the
//     script, so it is in no argv (ps shows argv to every local user, and
//     sudo exports its command line to what it runs as SUDO_COMMAND);
//   - the script's stdin is /dev/null, so nothing it runs can read the
//     password or the watchdog's stdin; sudo -k makes sudo always consume
//     the password instead of leaving it unread.
func phaseCommand(dir, script string, check, diff bool, mode sudoMode, prompt string, keep bool, grace time.Duration) string {
	pmode := "apply"
	if check {
		pmode = "check"
	}
	env := "PALLET_MODE=" + pmode
	if diff {
		env += " PALLET_DIFF=1"
	}
	// Tenths of a second the script's process group gets between SIGTERM
	// and SIGKILL, at least one: counted by the clock where bash has
	// EPOCHREALTIME (5.0 on), else in rounds of the wait loop, which on a
	// busy node (each round reads every /proc/PID/stat) last longer than
	// their 0.1 s sleep.
	tenths := max(1, int((grace+99*time.Millisecond)/(100*time.Millisecond)))
	// alive: does the script's process group still have a live member?
	// From /proc, because kill -0 also counts zombies, which a container
	// init that does not reap would keep for ever. The trap is set before
	// the script starts, so a TERM that comes at once still reaches it;
	// in the moment between the fork and p=$!, $! already names it.
	// The nonce is read by read, and the list made by bash (noclobber:
	// O_EXCL, owner-only under umask 077, which the script sets back to
	// its own) where it has SRANDOM, else by mktemp: no process for
	// either, where $( ) would fork and mktemp exec.
	// Unless the scripts are kept, tidy's one rm also removes the upload
	// directory (the script's own, ${0%/*}), so that the login shell's
	// EXIT trap, finding it gone, runs no rm of its own.
	dirRm := ""
	if !keep {
		dirRm = ` "${0%/*}"`
	}
	wrapper := `IFS= read -r n <"${0%/*}/` + nonceFile + `" || exit 1; umask 077; l=; ` +
		`if [ -n "${SRANDOM-}" ]; then l=/tmp/.pallet.$SRANDOM$SRANDOM.list; { set -C; : >"$l"; } 2>/dev/null || l=; set +C; fi; ` +
		`[ -n "$l" ] || l=$(mktemp) || exit 1; ` +
		`tidy() { local f; local -a g=(); while IFS= read -r -d '' f; do if [ -L "$f" ] || { [ -e "$f" ] && [ -O "$f" ]; }; then g+=("$f"); fi; done <"$l"; rm -rf -- "${g[@]}" "$l"` + dirRm + `; }; ` +
		`alive() { local f s; [ -r /proc/self/stat ] || { kill -0 -- -$p 2>/dev/null; return; }; ` +
		`for f in /proc/[0-9]*/stat; do read -r s <"$f" 2>/dev/null || continue; s=${s##*) }; set -- $s; [ "$3" = "$p" ] && [ "$1" != Z ] && return 0; done; return 1; }; ` +
		`stop() { trap '' HUP INT TERM; p=${p:-$!}; [ -n "$p" ] || { rm -f -- "$l"; exit 143; }; kill -TERM -- -$p 2>/dev/null; ` +
		`(i=0; d=; [ -z "${EPOCHREALTIME:-}" ] || d=$((${EPOCHREALTIME/[.,]/} / 1000 + ` + strconv.Itoa(tenths*100) + `)); ` +
		`while alive; do if [ $i -ge ` + strconv.Itoa(tenths) + ` ] || { [ -n "$d" ] && [ $((${EPOCHREALTIME/[.,]/} / 1000)) -ge $d ]; }; then kill -KILL -- -$p 2>/dev/null; break; fi; sleep 0.1; i=$((i+1)); done) & ` +
		`wait $p 2>/dev/null; wait $! 2>/dev/null; tidy; exit 143; }; trap stop HUP INT TERM; ` +
		`set -m; ` + env + ` PALLET_TMPLIST=$l PALLET_NONCE=$n bash "$0" </dev/null & p=$!; set +m; wait $p; r=$?; tidy; exit $r`
	run := "bash -c " + shellQuote(wrapper) + ` "$s" </dev/null`
	switch mode {
	case sudoNoPass:
		run = "sudo -n -- " + run
	case sudoPassword:
		run = `printf '%s\n' "$pw" | sudo -S -k -p ` + shellQuote(prompt) + " -- bash -c " + shellQuote(wrapper) + ` "$s"`
	}
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; s=%s\n", shellQuote(dir), shellQuote(script))
	if !keep {
		b.WriteString(`trap '[ ! -e "$d" ] || rm -rf "$d"' EXIT` + "\n")
	}
	b.WriteString(`trap 'kill -TERM "$p" 2>/dev/null; wait "$p"; exit 143' HUP INT TERM` + "\n")
	if mode == sudoPassword {
		b.WriteString("IFS= read -r pw\n")
	}
	b.WriteString("exec 3<&0\n")
	b.WriteString(run + " 2>&1 3<&- &\n")
	b.WriteString("p=$!; pw=\n")
	b.WriteString(`(while IFS= read -r x; do :; done; kill -TERM "$p" 2>/dev/null) <&3 >/dev/null 2>&1 3<&- &` + "\n")
	b.WriteString("w=$!\n")
	b.WriteString(`wait "$p"; rc=$?; kill "$w" 2>/dev/null; exit "$rc"` + "\n")
	return b.String()
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// scriptFileName makes a phase name safe as a file name; the directory is
// already unique, so the name only has to be readable when KeepScripts is on.
func scriptFileName(phase string) string {
	var b strings.Builder
	for _, r := range phase {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "phase.sh"
	}
	return b.String() + ".sh"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics instead on broken systems)
	return hex.EncodeToString(b)
}

// nonceFile holds the phase's status-line nonce, beside the script.
const nonceFile = "pallet.nonce"

// checkFileName refuses a File name that is not a plain name in the
// upload directory or that another file there has already.
func checkFileName(name string, files []remoteFile, dir string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("file %q to upload beside the script is not a plain file name", name)
	}
	for _, rf := range files {
		if rf.path == path.Join(dir, name) {
			return fmt.Errorf("file %q to upload beside the script would overwrite another", name)
		}
	}
	return nil
}

// remoteFile is one file upload writes: its parts one after the other.
type remoteFile struct {
	path  string
	parts [][]byte
	mode  os.FileMode
}

// joinBufs lends the buffers a file of several parts is joined in, so
// that it goes as one SFTP write (its chunks in flight together, one wait
// for their acks) and the joined copy lives only for the upload.
var joinBufs = sync.Pool{New: func() any { return new([]byte) }}

// write writes rf's content to f in one Write.
func (rf remoteFile) write(f io.Writer) error {
	if len(rf.parts) == 1 {
		_, err := f.Write(rf.parts[0])
		return err
	}
	bp := joinBufs.Get().(*[]byte)
	b := (*bp)[:0]
	for _, part := range rf.parts {
		b = append(b, part...)
	}
	_, err := f.Write(b)
	*bp = b[:0]
	joinBufs.Put(bp)
	return err
}

// upload writes the files over SFTP: mkdir (fails if the name exists, so a
// planted symlink is never followed), chmod 0700 before anything goes in,
// then each file with O_EXCL and its mode.
func (c *Conn) upload(ctx context.Context, dir string, files []remoteFile) error {
	// Concurrent writes send a large payload as many writes in flight
	// instead of one round trip per 32 KiB; the holes a failed write can
	// leave do not matter, as a failed upload is removed.
	sc, err := sftp.NewClient(c.client, sftp.UseConcurrentWrites(true))
	if err != nil {
		return fmt.Errorf("start SFTP (is the sftp subsystem enabled in sshd_config?): %w", err)
	}
	defer sc.Close()
	stop := context.AfterFunc(ctx, func() { sc.Close() })
	defer stop()
	if err := sc.Mkdir(dir); err != nil {
		return fmt.Errorf("mkdir %s: %w (is %s writable?)", dir, err, path.Dir(dir))
	}
	err = func() error {
		if err := sc.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("chmod %s: %w", dir, err)
		}
		for _, rf := range files {
			f, err := sc.OpenFile(rf.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
			if err != nil {
				return fmt.Errorf("create %s: %w", rf.path, err)
			}
			if err := f.Chmod(rf.mode); err != nil {
				f.Close()
				return fmt.Errorf("chmod %s: %w", rf.path, err)
			}
			if err := rf.write(f); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w (disk full?)", rf.path, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write %s: %w", rf.path, err)
			}
		}
		return nil
	}()
	if err != nil {
		// Best effort: do not leave a half-written script behind.
		for _, rf := range files {
			sc.Remove(rf.path)
		}
		sc.RemoveDirectory(dir)
	}
	return err
}

// lineSplitter feeds one output stream into the tracker line by line.
type lineSplitter struct {
	t       *tracker
	partial []byte
}

func (w *lineSplitter) Write(p []byte) (int, error) {
	w.t.mu.Lock()
	defer w.t.mu.Unlock()
	w.partial = w.t.feed(w.partial, p)
	return len(p), nil
}

// flushAll ends any last lines without newline. It is called after the
// session's copy goroutines are done (or abandoned), under the tracker lock.
func (tr *tracker) flushAll(sess *ssh.Session) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, w := range []io.Writer{sess.Stdout, sess.Stderr} {
		if ls, ok := w.(*lineSplitter); ok && len(ls.partial) > 0 {
			tr.line(string(ls.partial))
			ls.partial = nil
		}
	}
}
