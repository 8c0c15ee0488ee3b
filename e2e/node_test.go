package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// fleet is a set of test nodes with the files needed to reach them.
type fleet struct {
	nodes      []provider.Node
	key        string // private key every node's login user accepts
	knownHosts string // the nodes' real host keys
}

// newFleet makes one node per release (bullseye, bookworm, trixie), all
// booted before it returns and destroyed when t ends.
func newFleet(t *testing.T, releases []string, opts ...nspawntest.Option) *fleet {
	t.Helper()
	var nodes []provider.Node
	for _, r := range releases {
		nodes = append(nodes, nspawntest.Nodes(t, r, 1, opts...)...)
	}
	return &fleet{nodes: nodes, key: nspawntest.KeyFile(t), knownHosts: nspawntest.KnownHostsFile(t, nodes)}
}

// options are runner options that trust only the fleet's host keys and
// offer only the test key, whatever ~/.ssh and ssh-agent hold.
func (f *fleet) options() runner.Options {
	return runner.Options{
		KnownHostsFile:    f.knownHosts,
		IdentityFiles:     []string{f.key},
		SSHConfigFile:     "none",
		AgentSocket:       "none",
		ConnectTimeout:    10 * time.Second,
		KeepAliveInterval: -1,
	}
}

// target is how the runner reaches n, logged in as user ("" = n's own).
func target(n provider.Node, user string) runner.Target {
	if user == "" {
		user = n.User
	}
	return runner.Target{Name: n.Name, Host: n.Host, Port: n.Port, User: user}
}

// sshOut runs a shell command on n as user ("" = n's login user) with the
// OpenSSH client, independently of the runner under test, and returns its
// stdout and stderr together.
func (f *fleet) sshOut(t *testing.T, n provider.Node, user, command string) (string, error) {
	t.Helper()
	if user == "" {
		user = n.User
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh",
		"-i", f.key,
		"-o", "UserKnownHostsFile="+f.knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=10",
		"-F", "none",
		"-p", strconv.Itoa(n.Port),
		"-l", user,
		n.Host, "--", command)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ssh is sshOut for commands that must succeed.
func (f *fleet) ssh(t *testing.T, n provider.Node, user, command string) string {
	t.Helper()
	out, err := f.sshOut(t, n, user, command)
	if err != nil {
		t.Fatalf("on %s as %s: %s: %v\n%s", n.Name, user, command, err, out)
	}
	return out
}

// testProject parses a pallet.yaml given as text, with a fixed environment so
// nothing depends on who runs the tests.
func testProject(t *testing.T, yaml string) *compiler.Project {
	t.Helper()
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(yaml), &project.Env{User: "padmin", Home: dir})
	if err != nil {
		t.Fatalf("pallet.yaml: %v\n%s", err, yaml)
	}
	return p
}

// compile renders one phase of group for osID.
func compile(t *testing.T, p *compiler.Project, group, phase, osID string) []byte {
	t.Helper()
	s, err := p.Compile(compiler.Target{Group: group, Phase: phase, OS: osID})
	if err != nil {
		t.Fatal(err)
	}
	return s.Text.Bytes()
}

// phase compiles one phase of group for osID into what the runner runs:
// the script and its payloads.
func phase(t *testing.T, p *compiler.Project, group, name, osID string) runner.Phase {
	t.Helper()
	s, err := p.Compile(compiler.Target{Group: group, Phase: name, OS: osID})
	if err != nil {
		t.Fatal(err)
	}
	return runner.Phase{Name: name, Script: s.Text.Bytes(), Files: payloadFiles(s)}
}

// payloadFiles are a script's payloads as the runner uploads them.
func payloadFiles(s *compiler.Script) []runner.File {
	var files []runner.File
	for _, p := range s.Payloads {
		files = append(files, runner.File{Name: p.FileName(), Data: p.Data})
	}
	return files
}

// prepare compiles group's phases for the OS the runner probed on each
// node, the way lift does with os: auto.
func prepare(p *compiler.Project, group string, check bool, phases ...string) func(context.Context, runner.Target, runner.OSInfo) ([]runner.Phase, error) {
	return func(_ context.Context, _ runner.Target, info runner.OSInfo) ([]runner.Phase, error) {
		if info.PalletOS == "" {
			return nil, fmt.Errorf("OS probe found no pallet OS: %+v", info)
		}
		var out []runner.Phase
		for _, ph := range phases {
			s, err := p.Compile(compiler.Target{Group: group, Phase: ph, OS: info.PalletOS})
			if err != nil {
				return nil, err
			}
			out = append(out, runner.Phase{Name: ph, Script: s.Text.Bytes(), Check: check, Files: payloadFiles(s)})
		}
		return out, nil
	}
}

// yq quotes s as a YAML double-quoted scalar (JSON strings are valid YAML).
func yq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// describe prints a node result with every step, for failure messages.
func describe(r runner.NodeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "node %s (%s): counts %+v unreachable=%v err=%v", r.Target.Name, r.OS.PalletOS, r.Counts, r.Unreachable, r.Err)
	for _, ph := range r.Phases {
		fmt.Fprintf(&b, "\n  phase %s check=%v done=%v exit=%d", ph.Phase, ph.Check, ph.Done, ph.ExitCode)
		for _, s := range ph.Steps {
			fmt.Fprintf(&b, "\n    %s -> %s %s", s.Label(), s.Status, s.Message)
			if s.Status == runner.StatusFailed || s.Status == "" {
				for _, l := range s.Tail {
					fmt.Fprintf(&b, "\n      | %s", l)
				}
			}
		}
		for _, l := range ph.Output {
			fmt.Fprintf(&b, "\n    > %s", l)
		}
	}
	return b.String()
}

// waitFor polls cond until it holds or d has passed, and says which.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nodeRoot is n's root directory as the host sees it (the overlay's merged
// tree), for watching the node's files without a connection of our own.
func nodeRoot(t *testing.T, n provider.Node) string {
	return filepath.Join(nspawntest.Provider(t).StateDir(), "nodes", n.ID, "merged")
}

// nodePID is the systemd-nspawn process of n, from the provider's record.
func nodePID(stateDir string, n provider.Node) (int, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, "nodes", n.ID, "node.json"))
	if err != nil {
		return 0, err
	}
	var rec struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.PID <= 0 {
		return 0, fmt.Errorf("node %s record: pid %d, %v", n.Name, rec.PID, err)
	}
	return rec.PID, nil
}

// sessionTitle matches the per-connection sshd processes of a logged-in
// user (OpenSSH ≤ 9 names them sshd, 10 sshd-session), not the listener.
var sessionTitle = regexp.MustCompile(`^sshd(-session)?: \S+( \[priv\]|@notty)`)

// dropSSHSessions SIGKILLs every sshd session process on node n, from the
// host: the node's TCP connections are cut as by a crash of the server
// side, with no orderly SSH close. It returns how many it killed. It is
// safe to call from any goroutine.
func dropSSHSessions(stateDir string, n provider.Node) (int, error) {
	return killOnNode(stateDir, n, "sshd session process", func(args []string) bool {
		return sessionTitle.MatchString(strings.Join(args, " "))
	}, false)
}

// killScript SIGKILLs the process group of every phase script running on
// node n (bash /tmp/pallet-*/NAME.sh, the leader of its own group), as
// the wrapper's SIGKILL at the end of the cancel grace does.
func killScript(stateDir string, n provider.Node) (int, error) {
	return killOnNode(stateDir, n, "phase script", func(args []string) bool {
		return len(args) == 2 && args[0] == "bash" && scriptPath.MatchString(args[1])
	}, true)
}

// killOnNode SIGKILLs each process of node n whose argv match says is
// wanted (its whole process group with group), from the host, and says
// how many; none is an error naming what.
func killOnNode(stateDir string, n provider.Node, what string, match func(args []string) bool, group bool) (int, error) {
	pid, err := nodePID(stateDir, n)
	if err != nil {
		return 0, err
	}
	killed := 0
	for _, p := range descendants(pid) {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if err != nil {
			continue
		}
		if !match(strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")) {
			continue
		}
		target := p
		if group {
			target = -p
		}
		if syscall.Kill(target, syscall.SIGKILL) == nil {
			killed++
		}
	}
	if killed == 0 {
		return 0, fmt.Errorf("no %s found on node %s", what, n.Name)
	}
	return killed, nil
}

var scriptPath = regexp.MustCompile(`^/tmp/pallet-[^/]+/[^/]+\.sh$`)

// descendants lists every process under pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses: the
		// fields after it start after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
