package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/secrets"
)

// TestSecretCanaryNspawn is the secrets' proof: a project whose secrets
// file (encrypted to an identity made here) holds a canary, which a
// template crate call writes into a 0600 file on a real Debian node and a
// later step prints. The node's file holds the canary; nothing else pallet
// prints or writes does: not render (a placeholder instead), not a build's
// scripts or manifest (only its 0600 secret payload), not pallet-run's
// stdout, stderr or --json document, not the run logs, no file under the
// project directory or $TMPDIR, no file under the node's /tmp (the upload
// directory is gone), and no process's argv on either machine (the host's
// /proc, which shows the container's processes too, sampled all through
// the runs). It needs root (nspawntest says why when it skips).
func TestSecretCanaryNspawn(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("canary"))
	n := nodes[0]
	key := nspawntest.KeyFile(t)
	knownHosts := nspawntest.KnownHostsFile(t, nodes)

	// Made at run time, so no source file or earlier run holds it.
	canary := "canary-" + fmt.Sprint(time.Now().UnixNano()) + "-Xq7"
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(t.TempDir(), "identity.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(secrets.IdentityEnv, idFile)

	yaml := fmt.Sprintf(`secrets_file: secrets.age
groups:
  web:
    phases:
      configure:
        - template: {path: /etc/app.conf, mode: "0600", source: app.conf.tmpl}
        - exec-script:
            name: show the config, then fail
            script: |
              sleep 1
              cat /etc/app.conf
              exit 3
providers:
  test:
    kind: node-list
    nodes:
      - {name: %s, host: %s, port: %d, user: %s, group: web}
`, n.Name, n.Host, n.Port, n.User)
	file := filepath.Join(dir, "pallet.yaml")
	for name, text := range map[string]string{"pallet.yaml": yaml, "app.conf.tmpl": "user = app\npassword = {{ .secrets.db_password }}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pp, err := project.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	ident, err := pp.AgeIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if err := pp.SecretsFile().Set(ident, "db_password", canary); err != nil {
		t.Fatal(err)
	}
	want := "user = app\npassword = " + canary + "\n"

	// What render prints: the placeholder, never the value.
	p, err := compiler.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	p.SetSecretMode(compiler.SecretsPlaceholder)
	s, err := p.Compile(compiler.Target{Group: "web", Phase: "configure"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Text.Bytes(), []byte(canary)) || !bytes.Contains(s.Text.Bytes(), []byte("password = <secret:db_password>")) {
		t.Errorf("render: the script holds the canary or no placeholder")
	}
	// What build writes: the value only in the secret payload, 0600.
	p, _ = compiler.Load(file)
	scripts, err := p.CompileAll("", "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "build")
	if err := (&compiler.Manifest{Palletc: compiler.Version, Project: "pallet.yaml", Scripts: scripts}).Write(out); err != nil {
		t.Fatal(err)
	}
	holders := filesHolding(t, out, canary)
	if len(holders) != 1 || !strings.HasSuffix(holders[0], ".payload") {
		t.Errorf("build: files holding the canary: %v, want only the secret payload", holders)
	} else if fi, _ := os.Stat(holders[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("build: secret payload mode %v, want 0600", fi.Mode().Perm())
	}

	tmpBefore := nodeTmp(t, nodes)

	// Sample every process's argv on this machine, container included,
	// while pallet-run runs.
	var (
		mu      sync.Mutex
		samples int
		sawRun  bool
		leaks   []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
			mu.Lock()
			samples++
			for _, f := range cmdlines {
				b, err := os.ReadFile(f)
				if err != nil {
					continue
				}
				if bytes.Contains(b, []byte(canary)) {
					leaks = append(leaks, f+": "+string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
				}
				if bytes.Contains(b, []byte("PALLET_MODE=apply")) {
					sawRun = true
				}
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var outputs []string
	for _, extra := range [][]string{{"--json"}, nil} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"lift", "-f", file, "--provider", "test", "web",
			"-i", key, "--known-hosts", knownHosts, "--ssh-config", "none"}, extra...)
		code := run(ctx, args, &stdout, &stderr)
		if code != exitNodesFailed {
			t.Fatalf("lift %v: exit %d, want %d (the exec-script step fails)\nstdout:\n%s\nstderr:\n%s", extra, code, exitNodesFailed, stdout.String(), stderr.String())
		}
		all := stdout.String() + stderr.String()
		outputs = append(outputs, all)
		if strings.Contains(all, canary) {
			t.Errorf("lift %v: the output holds the canary:\n%s", extra, all)
		}
		// The step printed the file; its output is kept, redacted.
		if !strings.Contains(all, "password = <secret:db_password>") && !strings.Contains(all, `password = \u003csecret:db_password\u003e`) {
			t.Errorf("lift %v: the failed step's output, redacted, is not shown:\n%s", extra, all)
		}
	}
	close(stop)
	wg.Wait()
	if samples < 10 || !sawRun {
		t.Errorf("the argv sampler took %d samples and saw a script run: %v", samples, sawRun)
	}
	for _, l := range leaks {
		t.Errorf("a process's argv holds the canary: %s", l)
	}
	// The second run's template step found the file right: its check
	// compares by the salted sha256 on the node.
	if !strings.Contains(outputs[1], `template "template /etc/app.conf": ok`) {
		t.Errorf("the second run's template step is not ok (its salted check failed?):\n%s", outputs[1])
	}

	got, err := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, "stat -c %a /etc/app.conf && cat /etc/app.conf")...).CombinedOutput()
	if err != nil || string(got) != "600\n"+want {
		t.Errorf("the node's /etc/app.conf: %v\n%q", err, got)
	}
	if h := filesHolding(t, dir, canary); len(h) > 0 {
		t.Errorf("files under the project directory (runs logs, $TMPDIR included) hold the canary: %v", h)
	}
	if _, err := os.Stat(filepath.Join(dir, ".pallet", "runs")); err != nil {
		t.Errorf("no run logs to search: %v", err)
	}
	if after := nodeTmp(t, nodes); after != tmpBefore {
		t.Errorf("the node's /tmp changed: before\n%s\nafter\n%s", tmpBefore, after)
	}
	cmd := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, "grep -rlF -f - /tmp /var/tmp /root; echo rc=$?")...)
	cmd.Stdin = strings.NewReader(canary + "\n")
	if got, err := cmd.CombinedOutput(); err != nil || !strings.HasSuffix(string(got), "rc=1\n") {
		t.Errorf("files on the node hold the canary (or grep failed): %v\n%s", err, got)
	}
}

// filesHolding lists the files under dir whose bytes hold s.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// nodeTmp lists the node's /tmp.
func nodeTmp(t *testing.T, nodes []provider.Node) string {
	t.Helper()
	out, err := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, nodes[0], "ls -A /tmp")...).CombinedOutput()
	if err != nil {
		t.Fatalf("ls /tmp on the node: %v\n%s", err, out)
	}
	return string(out)
}
