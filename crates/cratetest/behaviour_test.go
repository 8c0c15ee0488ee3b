package cratetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
)

// call is one crate call of a phase.
type call map[string]map[string]any

// compile compiles one phase made of calls into a script file and returns
// its path. The project is written as JSON, which is YAML that keeps every
// string exactly.
func compile(t *testing.T, calls ...call) string {
	t.Helper()
	doc := map[string]any{"groups": map[string]any{"t": map[string]any{"phases": map[string]any{"test": calls}}}}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Parse("pallet.yaml", data, &project.Env{User: "deploy", Home: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	s, err := p.Compile(compiler.Target{Group: "t", Phase: "test"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "test.sh")
	if err := os.WriteFile(file, s.Text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// result is what one run of a script printed.
type result struct {
	statuses []string // one per step, from the end status lines
	output   string
	failed   bool // the script exited non-zero
}

// run runs the script with bash in mode (apply or check), with env added
// to the environment. A script still running after two minutes is hung
// (a FIFO read, say): it is killed and the test fails.
func run(t *testing.T, script, mode string, env ...string) result {
	t.Helper()
	return runWithin(t, 2*time.Minute, script, mode, env...)
}

// runWithin is run with a limit: a script still running after limit is
// killed, with everything it started, and the test fails.
func runWithin(t *testing.T, limit time.Duration, script, mode string, env ...string) result {
	t.Helper()
	if os.Geteuid() != 0 {
		// Compiled scripts run as root on nodes, and the file writers
		// decide who writes by who owns each directory on the way.
		t.Skip("needs root: compiled scripts run as root on nodes (CI runs this as root)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = append(append(os.Environ(), "PALLET_MODE="+mode), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the script hung: killed after %v\n%s", limit, out)
	}
	r := result{output: string(out), failed: err != nil}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(r.output, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "::pallet::v1" && f[1] == "end" {
			r.statuses = append(r.statuses, f[3])
		}
	}
	return r
}

func expect(t *testing.T, what string, r result, want ...string) {
	t.Helper()
	if !slices.Equal(r.statuses, want) {
		t.Fatalf("%s: statuses %v, want %v\n%s", what, r.statuses, want, r.output)
	}
}

// me is the user running the tests and their primary group, by name: what
// the crates are asked to chown to.
func me(t *testing.T) (string, string) {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	return u.Username, g.Name
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode()
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// leftovers lists the temporary files pallet left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".pallet.*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConverge: a phase of directory, file, line-in-file and exec-script
// converges on the first run, is all ok on the second, reports a manual
// edit in check mode without touching anything, and repairs it on apply.
func TestConverge(t *testing.T) {
	owner, group := me(t)
	root := t.TempDir()
	dir := filepath.Join(root, "etc", "app") // parent made by mkdir -p
	conf := filepath.Join(dir, "app.conf")
	sshd := filepath.Join(root, "sshd_config")
	created := filepath.Join(dir, "created.conf")
	marker := filepath.Join(root, "installed")
	log := filepath.Join(root, "runs.log")
	content := "# managed\nname = it's \"quoted\" $HOME `not run`\n"
	if err := os.WriteFile(sshd, []byte("Port 22\n#PasswordAuthentication yes\nUsePAM yes"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := compile(t,
		call{"directory": {"path": dir, "owner": owner, "group": group, "mode": "0750"}},
		call{"file": {"path": conf, "content": content, "owner": owner, "group": group, "mode": "0640"}},
		call{"line-in-file": {"path": sshd, "line": "PasswordAuthentication no", "match": "^#?PasswordAuthentication[[:space:]]"}},
		call{"line-in-file": {"path": created, "line": `path = C:\new\temp`, "mode": "0604"}},
		call{"exec-script": {"name": "install", "creates": marker, "script": fmt.Sprintf("echo install >>%q\ntouch %q", log, marker)}},
		call{"exec-script": {"name": "always", "script": fmt.Sprintf("echo always >>%q", log)}},
	)

	expect(t, "first run", run(t, script, "apply"), "changed", "changed", "changed", "changed", "changed", "ran")
	if got := readFile(t, conf); got != content {
		t.Errorf("file content %q, want %q", got, content)
	}
	if got := mode(t, dir); got != os.ModeDir|0o750 {
		t.Errorf("directory mode %v, want drwxr-x---", got)
	}
	if got := mode(t, conf); got != 0o640 {
		t.Errorf("file mode %v, want 0640", got)
	}
	if got, want := readFile(t, sshd), "Port 22\nPasswordAuthentication no\nUsePAM yes\n"; got != want {
		t.Errorf("line-in-file replaced the match into %q, want %q", got, want)
	}
	if got := mode(t, sshd); got != 0o600 {
		t.Errorf("line-in-file changed the mode of an existing file to %v", got)
	}
	if got, want := readFile(t, created), "path = C:\\new\\temp\n"; got != want {
		t.Errorf("line-in-file created %q, want %q", got, want)
	}
	if got := mode(t, created); got != 0o604 {
		t.Errorf("line-in-file created a file with mode %v, want 0604", got)
	}

	expect(t, "second run", run(t, script, "apply"), "ok", "ok", "ok", "ok", "ok", "ran")
	if got, want := readFile(t, log), "install\nalways\nalways\n"; got != want {
		t.Errorf("script runs %q, want %q (the creates guard runs install once)", got, want)
	}

	// A manual edit: check mode reports it and touches nothing.
	edited := "edited by hand\n"
	if err := os.WriteFile(conf, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sshd, []byte("PasswordAuthentication yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, script, "check")
	expect(t, "check after edit", r, "would-change", "would-change", "would-change", "ok", "ok", "would-change")
	if r.failed {
		t.Errorf("check mode failed:\n%s", r.output)
	}
	if got := readFile(t, conf); got != edited {
		t.Errorf("check mode rewrote the file: %q", got)
	}
	if got := mode(t, dir); got != os.ModeDir|0o755 {
		t.Errorf("check mode changed the directory mode to %v", got)
	}
	if got := readFile(t, sshd); got != "PasswordAuthentication yes\n" {
		t.Errorf("check mode edited the line: %q", got)
	}
	if got, want := readFile(t, log), "install\nalways\nalways\n"; got != want {
		t.Errorf("check mode ran a script: %q", got)
	}

	expect(t, "apply after edit", run(t, script, "apply"), "changed", "changed", "changed", "ok", "ok", "ran")
	if got := readFile(t, conf); got != content {
		t.Errorf("file not repaired: %q", got)
	}
	if got := readFile(t, sshd); got != "PasswordAuthentication no\n" {
		t.Errorf("line not repaired: %q", got)
	}
	for _, d := range []string{root, dir} {
		if l := leftovers(t, d); len(l) > 0 {
			t.Errorf("temporary files left behind: %v", l)
		}
	}
}

// TestLineInFile pins line-in-file's rules, one case per rule.
func TestLineInFile(t *testing.T) {
	for _, tc := range []struct {
		name, before string
		params       map[string]any
		after        string // "" with missing: the file must not exist
		status       string
	}{
		{"append", "a\nb\n", map[string]any{"line": "c"}, "a\nb\nc\n", "changed"},
		{"append adds the missing newline", "a", map[string]any{"line": "c"}, "a\nc\n", "changed"},
		{"present anywhere", "a\nc\nb", map[string]any{"line": "c"}, "a\nc\nb", "ok"},
		{"replace first match only", "x=1\nx=2\n", map[string]any{"line": "x=9", "match": "^x="}, "x=9\nx=2\n", "changed"},
		{"first match is already the line", "x=9\nx=2\n", map[string]any{"line": "x=9", "match": "^x="}, "x=9\nx=2\n", "ok"},
		{"no match appends", "a\n", map[string]any{"line": "x=9", "match": "^x="}, "a\nx=9\n", "changed"},
		{"no match, line there", "a\nline\n", map[string]any{"line": "line", "match": "^nomatch"}, "a\nline\n", "ok"},
		{"regex chars in line are literal", "a.b\n", map[string]any{"line": "a*b"}, "a.b\na*b\n", "changed"},
		{"backslashes kept", "a\n", map[string]any{"line": `\t\n\\`}, "a\n\\t\\n\\\\\n", "changed"},
		{"absent removes every copy", "a\nb\na\n", map[string]any{"line": "a", "action": "absent"}, "b\n", "changed"},
		{"absent by match", "#x\nx=1\ny\nx=2\n", map[string]any{"line": "", "match": "^x=", "action": "absent"}, "#x\ny\n", "changed"},
		{"absent already", "b\n", map[string]any{"line": "a", "action": "absent"}, "b\n", "ok"},
		{"absent, no file", "", map[string]any{"line": "a", "action": "absent", "missing": true}, "", "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			params := map[string]any{"path": path}
			missing := false
			for k, v := range tc.params {
				if k == "missing" {
					missing = true
					continue
				}
				params[k] = v
			}
			if !missing {
				if err := os.WriteFile(path, []byte(tc.before), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			script := compile(t, call{"line-in-file": params})
			expect(t, "apply", run(t, script, "apply"), tc.status)
			if missing {
				if _, err := os.Lstat(path); !os.IsNotExist(err) {
					t.Fatalf("absent created the file: %v", err)
				}
				return
			}
			if got := readFile(t, path); got != tc.after {
				t.Errorf("content %q, want %q", got, tc.after)
			}
			if got := mode(t, path); got != 0o640 {
				t.Errorf("mode %v, want the file's own 0640", got)
			}
			expect(t, "second run", run(t, script, "apply"), "ok")
		})
	}
}

// TestLineInFileFollowsSymlink: the target is edited, the link stays.
func TestLineInFileFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	os.WriteFile(target, []byte("a\n"), 0o600)
	if err := os.Symlink("target", link); err != nil {
		t.Fatal(err)
	}
	script := compile(t, call{"line-in-file": {"path": link, "line": "b"}})
	expect(t, "apply", run(t, script, "apply"), "changed")
	if got := readFile(t, target); got != "a\nb\n" {
		t.Errorf("target %q, want %q", got, "a\nb\n")
	}
	if mode(t, link)&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced by a file")
	}
}

// TestLineInFileNeverConverges: a match that also matches another line
// before the one it replaces can never hold; the edit is written, and the
// step fails "did not converge" at once (the apply proves its check: the
// edit's own awk where root reads the file directly, a read-back through a
// symlink), rather than reporting changed on every run.
func TestLineInFileNeverConverges(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	for _, f := range []string{plain, target} {
		if err := os.WriteFile(f, []byte("xa\nya\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("target", link); err != nil {
		t.Fatal(err)
	}
	for path, file := range map[string]string{plain: plain, link: target} {
		script := compile(t, call{"line-in-file": {"path": path, "line": "b", "match": "a"}})
		r := run(t, script, "apply")
		expect(t, path, r, "failed")
		if m := endMessages(r); len(m) != 1 || m[0] != "did not converge" {
			t.Errorf("%s: end message %q, want \"did not converge\"\n%s", path, m, r.output)
		}
		if got := readFile(t, file); got != "b\nya\n" {
			t.Errorf("%s: content %q, want the edit written, %q", path, got, "b\nya\n")
		}
	}
}

// TestFileAbsentAndDirectoryAbsent: absent removes, and is ok after.
func TestFileAbsentAndDirectoryAbsent(t *testing.T) {
	root := t.TempDir()
	file, dir := filepath.Join(root, "f"), filepath.Join(root, "d")
	os.WriteFile(file, []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "x"), []byte("x"), 0o644)
	script := compile(t,
		call{"file": {"path": file, "action": "absent"}},
		call{"directory": {"path": dir, "action": "absent"}},
	)
	expect(t, "apply", run(t, script, "apply"), "changed", "changed")
	for _, p := range []string{file, dir} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", p, err)
		}
	}
	expect(t, "second run", run(t, script, "apply"), "ok", "ok")
}

// TestFileRefusesDirectory: a directory where a file should be fails the
// step, and is neither replaced nor filled with a temporary file.
func TestFileRefusesDirectory(t *testing.T) {
	owner, group := me(t)
	path := filepath.Join(t.TempDir(), "conf")
	os.Mkdir(path, 0o755)
	script := compile(t, call{"file": {"path": path, "content": "x\n", "owner": owner, "group": group}})
	r := run(t, script, "apply")
	expect(t, "apply", r, "failed")
	if !r.failed {
		t.Error("script exited 0 after a failed step")
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Errorf("the directory was replaced: %v", err)
	}
	if l := leftovers(t, path); len(l) > 0 {
		t.Errorf("temporary file moved into the directory: %v", l)
	}
	if l := leftovers(t, filepath.Dir(path)); len(l) > 0 {
		t.Errorf("temporary files left behind: %v", l)
	}
}

// TestExecScriptUnless: the unless command is the check, and must hold
// after the script ran, or the step did not converge.
func TestExecScriptUnless(t *testing.T) {
	root := t.TempDir()
	flag := filepath.Join(root, "flag")
	good := compile(t, call{"exec-script": {"name": "set flag", "unless": fmt.Sprintf("test -e %q", flag), "script": fmt.Sprintf("touch %q", flag)}})
	expect(t, "first", run(t, good, "apply"), "changed")
	expect(t, "second", run(t, good, "apply"), "ok")

	bad := compile(t, call{"exec-script": {"name": "wrong guard", "unless": "false", "script": "true"}})
	r := run(t, bad, "apply")
	expect(t, "guard never holds", r, "failed")
	if !strings.Contains(r.output, "did not converge") {
		t.Errorf("want a did-not-converge failure:\n%s", r.output)
	}

	failing := compile(t, call{"exec-script": {"script": "false\necho not reached"}})
	r = run(t, failing, "apply")
	expect(t, "failing script", r, "failed")
	if strings.Contains(r.output, "not reached") {
		t.Errorf("the script went on after a failing command:\n%s", r.output)
	}
}

// TestRemoteFile downloads from a local HTTP server with curl or wget.
func TestRemoteFile(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if _, err := exec.LookPath("wget"); err != nil {
			t.Skip("neither curl nor wget installed; remote-file needs one")
		}
	}
	owner, group := me(t)
	body := "release 1.2.3\n"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/app.tar" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	good := sha256hex(body)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.tar")

	script := compile(t, call{"remote-file": {"url": srv.URL + "/app.tar", "sha256": good, "path": path, "owner": owner, "group": group, "mode": "0600"}})
	expect(t, "first", run(t, script, "apply"), "changed")
	if got := readFile(t, path); got != body {
		t.Errorf("content %q, want %q", got, body)
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode %v, want 0600", got)
	}
	expect(t, "second", run(t, script, "apply"), "ok")
	if n := hits.Load(); n != 1 {
		t.Errorf("%d downloads, want 1: a matching file is not downloaded again", n)
	}
	os.Chmod(path, 0o644)
	expect(t, "mode fixed", run(t, script, "apply"), "changed")
	if n := hits.Load(); n != 1 {
		t.Errorf("%d downloads, want 1: a wrong mode alone needs no download", n)
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode %v, want 0600", got)
	}

	// A wrong sha256: the step fails, nothing new goes live, no temp file.
	wrong := strings.Repeat("0", 64)
	fresh := filepath.Join(dir, "fresh.tar")
	r := run(t, compile(t, call{"remote-file": {"url": srv.URL + "/app.tar", "sha256": wrong, "path": fresh, "owner": owner, "group": group}}), "apply")
	expect(t, "wrong sha256", r, "failed")
	if !r.failed || !strings.Contains(r.output, "not "+wrong) {
		t.Errorf("want a failed script naming the expected sha256:\n%s", r.output)
	}
	if _, err := os.Lstat(fresh); !os.IsNotExist(err) {
		t.Errorf("a file with the wrong sha256 was left at %s: %v", fresh, err)
	}
	// Over an existing file: the old content stays.
	r = run(t, compile(t, call{"remote-file": {"url": srv.URL + "/app.tar", "sha256": wrong, "path": path, "owner": owner, "group": group, "mode": "0600"}}), "apply")
	expect(t, "wrong sha256 over a file", r, "failed")
	if got := readFile(t, path); got != body {
		t.Errorf("the existing file was changed to %q", got)
	}
	// A download error: same.
	r = run(t, compile(t, call{"remote-file": {"url": srv.URL + "/missing", "sha256": good, "path": fresh, "owner": owner, "group": group}}), "apply")
	expect(t, "404", r, "failed")
	if _, err := os.Lstat(fresh); !os.IsNotExist(err) {
		t.Errorf("a failed download left %s: %v", fresh, err)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left behind: %v", l)
	}
}

// TestServiceWithoutSystemd: where systemd is not PID 1 (containers, this
// test's machine), starting a service fails and says why.
func TestServiceWithoutSystemd(t *testing.T) {
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("systemd runs this machine: starting a made-up service would be a real attempt")
	}
	r := run(t, compile(t, call{"service": {"name": "pallet-no-such-service", "state": "started"}}), "apply")
	expect(t, "start", r, "failed")
	if !strings.Contains(r.output, "systemd is not running on this node") {
		t.Errorf("want the reason in the output:\n%s", r.output)
	}
}

// TestDirectoryExactMode: a directory made under a setgid parent inherits
// the setgid bit, which a four-digit chmod would keep; mode is exact.
func TestDirectoryExactMode(t *testing.T) {
	owner, group := me(t)
	parent := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	// Not group-writable: pallet refuses to write in a directory others can.
	if err := os.Chmod(parent, os.ModeSetgid|0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "private")
	script := compile(t, call{"directory": {"path": dir, "owner": owner, "group": group, "mode": "0750"}})
	expect(t, "first", run(t, script, "apply"), "changed")
	if got := mode(t, dir); got != os.ModeDir|0o750 {
		t.Errorf("mode %v, want drwxr-x--- without setgid", got)
	}
	expect(t, "second", run(t, script, "apply"), "ok")
}

// TestChefSolo runs chef-solo's step against a stand-in chef-solo that
// prints what it was given: the config names the cookbook paths, the
// attributes file holds json, the run list goes to -o.
func TestChefSolo(t *testing.T) {
	bin := t.TempDir()
	stub := "#!/bin/bash\nprintf 'arg %s\\n' \"$@\"\nwhile (($#)); do [[ $1 == -[cj] ]] && cat \"$2\"; shift; done\necho \"license=${CHEF_LICENSE:-none}\"\n"
	if err := os.WriteFile(filepath.Join(bin, "chef-solo"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	script := compile(t, call{"chef-solo": {
		"cookbook_path":  []string{"/srv/chef/cookbooks", "/srv/my cookbooks"},
		"run_list":       []string{"recipe[nginx::default]", "role[web]"},
		"json":           `{"motd": "it's $HOME"}`,
		"accept_license": true,
	}})
	r := run(t, script, "apply", "PATH="+bin+":"+os.Getenv("PATH"))
	expect(t, "run", r, "ran")
	for _, want := range []string{
		"arg -o\narg recipe[nginx::default],role[web]\n",
		"cookbook_path ['/srv/chef/cookbooks', '/srv/my cookbooks']\n",
		`{"motd": "it's $HOME"}` + "\n",
		"license=accept-no-persist\n",
	} {
		if !strings.Contains(r.output, want) {
			t.Errorf("chef-solo was not given %q:\n%s", want, r.output)
		}
	}
	expect(t, "check mode", run(t, script, "check", "PATH="+bin+":"+os.Getenv("PATH")), "would-change")
}

// TestFileMetaDrift: a file whose content is right but whose mode, owner
// or group was changed by hand is not ok: the check compares them (from
// the walk's own look at the file, where only root controls the way), and
// the apply puts them back.
func TestFileMetaDrift(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.conf")
	script := compile(t, call{"file": {"path": path, "content": "x = 1\n", "mode": "0640"}})
	expect(t, "first", run(t, script, "apply"), "changed")
	expect(t, "second", run(t, script, "apply"), "ok")
	for what, change := range map[string]func() error{
		"mode":  func() error { return os.Chmod(path, 0o644) },
		"owner": func() error { return os.Chown(path, 65534, -1) },
		"group": func() error { return os.Chown(path, -1, 65534) },
	} {
		if err := change(); err != nil {
			t.Fatal(err)
		}
		expect(t, what+" changed by hand", run(t, script, "apply"), "changed")
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if st.Mode().Perm() != 0o640 || sys.Uid != 0 || sys.Gid != 0 {
			t.Errorf("after %s drift: mode %v uid %d gid %d, want 0640 root root", what, st.Mode().Perm(), sys.Uid, sys.Gid)
		}
	}
}
