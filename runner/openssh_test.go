package runner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// These tests run the runner against real OpenSSH and real sudo in local
// Debian containers. nspawntest skips them (saying why) without root,
// systemd-nspawn or debootstrap, and under -short.

const integrationScript = `#!/bin/bash
m="::pallet::v1${PALLET_NONCE:+ $PALLET_NONCE}"
echo "$m begin 1/2 base whoami"
echo "uid=$(id -u) mode=$PALLET_MODE"
cat
echo "$m end 1/2 changed 3"
echo "$m begin 2/2 base release"
. /etc/os-release; printf '%s' "$ID"
echo "$m end 2/2 ok 1"
echo "$m done 1 1 0 0 0"
`

func integrationOptions(t *testing.T, nodes []provider.Node) runner.Options {
	return runner.Options{
		KnownHostsFile:    nspawntest.KnownHostsFile(t, nodes),
		IdentityFiles:     []string{nspawntest.KeyFile(t)},
		SSHConfigFile:     "none",
		AgentSocket:       "none",
		ConnectTimeout:    10 * time.Second,
		KeepAliveInterval: -1,
	}
}

func target(n provider.Node) runner.Target {
	return runner.Target{Name: n.Name, Host: n.Host, Port: n.Port, User: n.User}
}

func TestOpenSSHRoot(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1)
	opts := integrationOptions(t, nodes)
	conn, err := runner.Dial(t.Context(), target(nodes[0]), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	info, err := conn.ProbeOS(t.Context())
	if err != nil || info.PalletOS != "debian-12" {
		t.Errorf("ProbeOS = %+v, %v; want debian-12", info, err)
	}
	res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "configure", Script: []byte(integrationScript), Check: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Steps[0].Tail, "|"); got != "uid=0 mode=check" {
		t.Errorf("step 1 output %q", got)
	}
	if got := strings.Join(res.Steps[1].Tail, "|"); got != "debian" {
		t.Errorf("step 2 output %q (text before the marker on the same line)", got)
	}

	checkCancelStopsScript(t, conn)
}

// checkCancelStopsScript cancels a phase mid-step and checks, with a second
// phase, that the script's processes are gone and its directory removed.
func checkCancelStopsScript(t *testing.T, conn *runner.Conn) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	slow := "#!/bin/bash\necho \"::pallet::v1 $PALLET_NONCE begin 1/1 a sleep\"\nsleep 300\n"
	start := time.Now()
	_, err := conn.RunPhase(ctx, runner.Phase{Name: "slow", Script: []byte(slow)}, func(e runner.Event) {
		if e.Kind == runner.EventBegin {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 4*time.Second {
		t.Errorf("cancel: err %v after %v", err, time.Since(start))
	}
	out, err := conn.RunPhase(t.Context(), runner.Phase{Name: "look", Script: []byte(
		"#!/bin/bash\nm=\"::pallet::v1 $PALLET_NONCE\"\necho \"$m begin 1/1 a look\"\npgrep -x sleep || true; ls -d /tmp/pallet-* 2>/dev/null | grep -v \"$(dirname \"$0\")\" || true\necho \"$m end 1/1 ok 0\"\necho \"$m done 1 0 0 0 0\"\n")}, nil)
	if err != nil || len(out.Steps[0].Tail) != 0 {
		t.Errorf("after cancel, left running or behind: %q, %v", out.Steps[0].Tail, err)
	}
}

func TestOpenSSHSudo(t *testing.T) {
	const password = "pallet sudo 's3cret'"
	tests := []struct {
		name       string
		nodeOpts   []nspawntest.Option
		clientPass string
		wantErr    string
	}{
		{"nopasswd", []nspawntest.Option{nspawntest.WithUser("deploy")}, "", ""},
		{"password", []nspawntest.Option{nspawntest.WithUser("deploy"), nspawntest.WithSudoPassword(password)}, password, ""},
		{"wrong password", []nspawntest.Option{nspawntest.WithUser("deploy"), nspawntest.WithSudoPassword(password)}, "wrong-one", "rejected"},
		{"no password", []nspawntest.Option{nspawntest.WithUser("deploy"), nspawntest.WithSudoPassword(password)}, "", "needs a password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := nspawntest.Nodes(t, "bookworm", 1, tt.nodeOpts...)
			opts := integrationOptions(t, nodes)
			opts.SudoPassword = tt.clientPass
			conn, err := runner.Dial(t.Context(), target(nodes[0]), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "configure", Script: []byte(integrationScript)}, nil)
			if time.Since(start) > 20*time.Second {
				t.Errorf("sudo took %v", time.Since(start))
			}
			if tt.wantErr != "" {
				var se *runner.SudoError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a SudoError saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(res.Steps[0].Tail, "|"); got != "uid=0 mode=apply" {
				t.Errorf("step 1 output %q; want root, apply mode, no prompt, nothing from stdin", got)
			}
			checkCancelStopsScript(t, conn)
		})
	}
}

func TestOpenSSHHostKeys(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1)
	opts := integrationOptions(t, nodes)
	opts.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	_, err := runner.Dial(t.Context(), target(nodes[0]), opts)
	var unknown *runner.UnknownHostKeyError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want UnknownHostKeyError", err)
	}
	opts.AcceptNewHostKeys = true
	conn, err := runner.Dial(t.Context(), target(nodes[0]), opts)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	recorded, _ := os.ReadFile(opts.KnownHostsFile)
	if !strings.Contains(string(recorded), nodes[0].Host) {
		t.Errorf("known_hosts after accept-new: %q", recorded)
	}
}

// leakScript looks for its own status-line nonce where other users or the
// step's commands could read it: any process's command line (ps shows
// every argv to every user) and a child's environment (sudo exports its
// command line as SUDO_COMMAND).
const leakScript = `#!/bin/bash
m="::pallet::v1${PALLET_NONCE:+ $PALLET_NONCE}"
f=$(mktemp); printf '%s\n' "$PALLET_NONCE" >"$f"
export -n PALLET_NONCE
echo "$m begin 1/1 base leak"
[[ -n $(<"$f") ]] || echo NO-NONCE
ps -eo args | grep -F -q -f "$f" && echo LEAK-ARGV
env | grep -F -q -f "$f" && echo LEAK-ENV
rm -f "$f"
echo "$m end 1/1 ok 1"
echo "$m done 1 0 0 0 0"
`

// TestOpenSSHNonceHidden: the nonce reaches the script as root through
// sudo, and is in no argv and in no environment of what the steps run.
func TestOpenSSHNonceHidden(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithUser("deploy"))
	conn, err := runner.Dial(t.Context(), target(nodes[0]), integrationOptions(t, nodes))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "leak", Script: []byte(leakScript)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := res.Output
	for _, st := range res.Steps {
		lines = append(lines, st.Tail...)
	}
	out := strings.Join(lines, "\n")
	for _, bad := range []string{"NO-NONCE", "LEAK-ARGV", "LEAK-ENV"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s:\n%s", bad, out)
		}
	}
	if !res.OK() || len(res.Steps) != 1 {
		t.Errorf("want one ok step, got %+v\n%s", res.Steps, out)
	}
}
