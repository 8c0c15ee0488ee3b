package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// TestSudoPassword logs in as a user whose sudo asks for a password (no
// NOPASSWD) and runs a compiled phase: the right password applies it, a
// wrong or missing one fails at once with a SudoError and runs nothing.
func TestSudoPassword(t *testing.T) {
	t.Parallel()
	const password = "correct horse 'battery' $staple"
	f := newFleet(t, []string{"bookworm"}, nspawntest.WithUser("deploy"), nspawntest.WithSudoPassword(password))
	n := f.nodes[0]
	if n.User != "deploy" {
		t.Fatalf("node logs in as %q, want deploy", n.User)
	}
	const path = "/etc/pallet-sudo-e2e"
	phase := func(content string) runner.Phase {
		p := testProject(t, `groups:
  g:
    phases:
      configure:
        - file: {path: `+path+`, content: `+yq(content)+`, mode: "0600"}
`)
		return runner.Phase{Name: "configure", Script: compile(t, p, "g", "configure", "debian-12")}
	}
	runWith := func(t *testing.T, sudoPassword string, ph runner.Phase) (runner.PhaseResult, error, time.Duration) {
		t.Helper()
		// The bound the runner must stay well inside: a sudo waiting
		// for a password that never comes would hit it.
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		o := f.options()
		o.SudoPassword = sudoPassword
		conn, err := runner.Dial(ctx, target(n, ""), o)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		res, err := conn.RunPhase(ctx, ph, nil)
		return res, err, time.Since(start)
	}
	onNode := func(t *testing.T) string {
		return f.ssh(t, n, "", "sudo -S -p '' stat -c '%U %G %a' "+path+" <<<"+shellQuote(password)+" && echo -n \"$(printf '%s\\n' "+shellQuote(password)+" | sudo -S -p '' cat "+path+")\"; echo; ls -d /tmp/pallet-* 2>/dev/null | wc -l")
	}

	t.Run("sudo without the password is refused", func(t *testing.T) {
		out := f.ssh(t, n, "", "sudo -n true 2>&1 || echo refused")
		if !strings.Contains(out, "refused") {
			t.Fatalf("sudo -n works for deploy (%q): the node does not test sudo -S", out)
		}
	})

	t.Run("right password", func(t *testing.T) {
		res, err, took := runWith(t, password, phase("first\n"))
		if err != nil || res.Counts.Changed != 1 {
			t.Fatalf("err %v, result %+v", err, res)
		}
		for _, l := range append(append([]string(nil), res.Output...), res.Steps[0].Tail...) {
			if strings.Contains(l, "battery") {
				t.Errorf("the password shows in the output: %q", l)
			}
		}
		t.Logf("applied in %v", took)
		if got, want := onNode(t), "root root 600\nfirst\n0\n"; got != want {
			t.Errorf("on the node: %q, want %q (owner, mode, content, leftover script dirs)", got, want)
		}
	})

	for _, tt := range []struct{ name, password, reason string }{
		{"wrong password", "not " + password, "rejected"},
		{"no password given", "", "needs a password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err, took := runWith(t, tt.password, phase("second\n"))
			var se *runner.SudoError
			if !errors.As(err, &se) || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("err = %v (%T), want a SudoError saying %q", err, err, tt.reason)
			}
			if took > 10*time.Second || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("took %v: sudo should fail at once, not wait for input", took)
			}
			if len(res.Steps) != 0 || res.Done {
				t.Errorf("steps ran without sudo: %+v", res)
			}
			if se.User != "deploy" || se.Node != n.Name {
				t.Errorf("SudoError names %s@%s", se.User, se.Node)
			}
			if got, want := onNode(t), "root root 600\nfirst\n0\n"; got != want {
				t.Errorf("on the node: %q, want the first content untouched: %q", got, want)
			}
		})
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
