package cratetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStatServer: a script run as root looks at paths through the one
// find it starts (pallet_stat_serve), not a stat per look. With the
// server off (PALLET_STAT_SERVER=no) it runs stat, and where the server
// goes away mid-run the steps after it run stat, at once and with the same
// results. Either way nothing is left behind: no FIFO in /tmp, no find.
func TestStatServer(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(t.TempDir(), "stat-calls")
	path := shim(t, "stat", `echo "$*" >>`+calls+"\nexec /usr/bin/stat \"$@\"\n")
	count := func() int {
		data, _ := os.ReadFile(calls)
		os.Remove(calls)
		return strings.Count(string(data), "\n")
	}
	calls3 := []call{
		{"directory": {"path": dir + "/d", "mode": "0750"}},
		{"file": {"path": dir + "/d/f", "content": "x\n"}},
		{"line-in-file": {"path": dir + "/d/g", "line": "y"}},
	}
	script := compile(t, calls3...)
	// a step that says which server the script started: gone after it
	tell := compile(t, append([]call{{"exec-script": {"name": "tell", "script": `echo "server $PALLET_STATD_PID $PALLET_STATD_R"`}}}, calls3...)...)

	r := run(t, tell, "apply", path)
	expect(t, "first", r, "ran", "changed", "changed", "changed")
	count()
	var pid, fifo string
	for _, l := range strings.Split(r.output, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "server" {
			pid, fifo = f[1], f[2]
		}
	}
	if pid == "" || fifo == "" {
		t.Fatalf("the script started no stat server:\n%s", r.output)
	}
	if cmd, err := os.ReadFile("/proc/" + pid + "/cmdline"); err == nil && strings.Contains(string(cmd), "files0-from") {
		t.Errorf("the stat server (pid %s) is still running after the script", pid)
	}
	for _, f := range []string{fifo, strings.TrimSuffix(fifo, ".r") + ".q", strings.TrimSuffix(fifo, ".r") + ".d"} {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	os.RemoveAll(dir + "/d")
	expect(t, "first", run(t, script, "apply", path), "changed", "changed", "changed")
	count()
	expect(t, "again", run(t, script, "apply", path), "ok", "ok", "ok")
	if n := count(); n != 0 {
		t.Errorf("the no-op run as root ran stat %d times, want none (the server answers)", n)
	}
	expect(t, "no server", run(t, script, "apply", path, "PALLET_STAT_SERVER=no"), "ok", "ok", "ok")
	if n := count(); n < 3 {
		t.Errorf("without the server the no-op run ran stat %d times, want one a step at least", n)
	}

	// after, a step (script) that does what to the server: the three
	// steps after it run at once, without waiting for an answer that will
	// not come, and look with stat
	after := func(what, script string) {
		t.Helper()
		os.RemoveAll(dir + "/d")
		s := compile(t, append([]call{{"exec-script": {"name": what, "script": script}}}, calls3...)...)
		start := time.Now()
		expect(t, what, runWithin(t, 30*time.Second, s, "apply", path), "ran", "changed", "changed", "changed")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: the run took %v: it waited on the server", what, d)
		}
		if n := count(); n < 3 {
			t.Errorf("%s: stat ran %d times, want the steps after it to run it", what, n)
		}
	}
	// the server killed by a step
	after("kill the server", `kill "$PALLET_STATD_PID"; sleep 0.2`)
	if got := readFile(t, dir+"/d/f") + readFile(t, dir+"/d/g"); got != "x\ny\n" {
		t.Errorf("content %q after the server went, want %q", got, "x\ny\n")
	}
	// the server's data file swapped inside a step for another user's
	// symlink to a file of root's (find still appends to the one it
	// opened): later looks neither empty nor read what it leads to, and
	// run stat
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	after("swap the data file", `d=${PALLET_STATD_R%.r}.d
rm -f "$d"
setpriv --reuid=65534 --regid=65534 --clear-groups ln -s `+victim+` "$d"`)
	if got := readFile(t, victim); got != "keep\n" {
		t.Errorf("the file the planted symlink leads to holds %q after the run, want %q", got, "keep\n")
	}
	m, _ := filepath.Glob("/tmp/.pallet.*.d")
	for _, f := range m {
		if st, err := os.Lstat(f); err == nil && st.Mode()&os.ModeSymlink != 0 {
			os.Remove(f)
		}
	}
	// the server's FIFOs gone inside a step, their names taken by another
	// user's FIFOs (one of them through a symlink): later looks never ask
	// them
	evil := "/tmp/.pallet-test-evil." + strconv.Itoa(os.Getpid())
	defer os.Remove(evil)
	// the FIFOs go and the server's pid stays alive (as a reused pid
	// would): only whose the FIFOs are keeps the looks from them
	after("take the FIFOs' names", `r=$PALLET_STATD_R q=${PALLET_STATD_R%.r}.q
rm -f "$q" "$r"
setpriv --reuid=65534 --regid=65534 --clear-groups mkfifo -m 0666 "$q" `+evil+`
setpriv --reuid=65534 --regid=65534 --clear-groups ln -s `+evil+` "$r"`)
	m, _ = filepath.Glob("/tmp/.pallet.*.q")
	for _, f := range m {
		if st, err := os.Lstat(f); err == nil && st.Sys().(*syscall.Stat_t).Uid == 65534 {
			os.Remove(f)
		}
	}
	m, _ = filepath.Glob("/tmp/.pallet.*.r")
	for _, f := range m {
		if st, err := os.Lstat(f); err == nil && st.Mode()&os.ModeSymlink != 0 {
			os.Remove(f)
		}
	}
}

// TestStatServerLateByte: the byte that ends a batch, taken by a read
// that then reports its time out (bash's read -t does, on a busy node,
// when it gets the byte after its deadline), still ends the batch: the
// look neither waits 10 s for a byte already read nor stops the server.
func TestStatServerLateByte(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the stat server runs only as root")
	}
	src := helperSource(t, "pallet_stat_serve", "pallet_stat_walk", "pallet_stat_walk_stat", "pallet_stat_line",
		"pallet_stat_gone", "pallet_stat_stop", "pallet_temp_name", "pallet_tmp_remember", "pallet_new_file") + `set -euo pipefail
# every one-byte read with a timeout gets its byte and says it timed out
read() {
  local lb_arg lb_n='' lb_t=''
  for lb_arg; do
    [[ $lb_arg != -N ]] || lb_n=1
    [[ $lb_arg != -t ]] || lb_t=1
  done
  if [[ -n $lb_n && -n $lb_t ]]; then
    echo "late read" >&2
    builtin read "$@" && return 142
    return
  fi
  builtin read "$@"
}
pallet_stat_serve
echo "after start: ${PALLET_STATD_PID:-gone}"
pallet_stat_walk / /tmp
echo "stats: ${PALLET_STATS[*]}"
echo "after look: ${PALLET_STATD_PID:-gone}"
`
	start := time.Now()
	cmd := exec.Command("bash", "-c", src)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the looks took %v: they waited for a byte already read", d)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasSuffix(l, ": gone") {
			t.Errorf("%s: the server was stopped\n%s", l, out)
		}
	}
	if !strings.Contains(string(out), "late read") {
		t.Errorf("no read was made late: the test no longer reaches the wait for the batch's end\n%s", out)
	}
	if !strings.Contains(string(out), "stats: 0 755 ") || !strings.Contains(string(out), " 0 1777 ") {
		t.Errorf("the looks gave no lines for / and /tmp:\n%s", out)
	}
}
