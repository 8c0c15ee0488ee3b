package live

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// Case is the live proof of one built-in crate: Run applies it to a real
// node, checks the node, applies it again and each of its other actions.
// Cases are registered from init functions, one file per crate.
type Case struct {
	// Crate is the built-in crate the case proves (a directory of crates/).
	Crate string
	// Name tells apart several cases of one crate; "" when there is one.
	Name string
	// Releases the case runs on; nil means every release of the suite.
	Releases []string
	// Apt is true when the case installs packages from the Debian mirror:
	// it is skipped, saying so, when the mirror cannot be reached.
	Apt bool
	// PrivateNetwork gives the case a node of its own, in a network
	// namespace of its own (nspawntest.WithPrivateNetwork), instead of
	// the release's shared node: for crates that change the node's
	// network (nftables), which on the shared nodes would be the host's.
	PrivateNetwork bool
	Run            func(t *testing.T, n *Node)
}

var (
	casesMu sync.Mutex
	cases   []Case
)

// register adds c to the suite; call it from an init function.
func register(c Case) bool {
	casesMu.Lock()
	defer casesMu.Unlock()
	cases = append(cases, c)
	return true
}

// releases are the Debian releases every case runs on unless it says
// otherwise; each gets its own node, and the releases run in parallel.
var releases = []string{"bullseye", "bookworm", "trixie"}

// osOf is the pallet OS id of each release.
var osOf = map[string]string{"bullseye": "debian-11", "bookworm": "debian-12", "trixie": "debian-13"}

// Node is one running Debian node of the suite and the means to reach it.
type Node struct {
	provider.Node
	Release string
	// OS is the node's pallet OS id, e.g. debian-12.
	OS string
	// All is every node of the suite on this release (the node itself
	// and its peers), what the cluster data (.groups) holds.
	All        []provider.Node
	key        string
	knownHosts string
}

// TestCratesLive runs every registered case on one node per release.
// Within a release the cases run one after another, in the order of
// their crate names, on the same node: each case uses names of its own
// (paths, users, units) so that cases do not see each other's work.
func TestCratesLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live crate tests start Debian nodes; skipped under -short")
	}
	sorted := slices.Clone(cases)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Crate != sorted[j].Crate {
			return sorted[i].Crate < sorted[j].Crate
		}
		return sorted[i].Name < sorted[j].Name
	})
	apt := nspawntest.AptReachable(releases...)
	for _, rel := range releases {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			nodes := nspawntest.Nodes(t, rel, 2, nspawntest.WithGroup("live-"+rel))
			key := nspawntest.KeyFile(t)
			known := nspawntest.KnownHostsFile(t, nodes)
			for i := range nodes {
				nodes[i].Group = "live"
				nodes[i].OS = osOf[rel]
			}
			n := &Node{Node: nodes[0], Release: rel, OS: osOf[rel], All: nodes, key: key, knownHosts: known}
			for _, c := range sorted {
				if c.Releases != nil && !slices.Contains(c.Releases, rel) {
					continue
				}
				name := c.Crate
				if c.Name != "" {
					name += "/" + c.Name
				}
				t.Run(name, func(t *testing.T) {
					if c.Apt && !apt {
						t.Skip("deb.debian.org cannot be reached: this case installs packages")
					}
					if c.PrivateNetwork {
						c.Run(t, privateNode(t, rel, key))
						return
					}
					c.Run(t, n)
				})
			}
		})
	}
}

// privateNode makes a node of release rel for t alone, in a network
// namespace of its own, destroyed when t ends.
func privateNode(t *testing.T, rel, key string) *Node {
	t.Helper()
	nodes := nspawntest.Nodes(t, rel, 1, nspawntest.WithGroup("livenet-"+rel), nspawntest.WithPrivateNetwork())
	known := nspawntest.KnownHostsFile(t, nodes)
	nodes[0].Group = "live"
	nodes[0].OS = osOf[rel]
	return &Node{Node: nodes[0], Release: rel, OS: osOf[rel], All: nodes, key: key, knownHosts: known}
}

// pending are the crates whose live case is still being written; the
// list only shrinks, and is empty when the suite is complete.
var pending = map[string]bool{}

// TestEveryBuiltinCrateHasALiveCase keeps the suite complete: a crate
// added to crates/ without a live case here fails this test.
func TestEveryBuiltinCrateHasALiveCase(t *testing.T) {
	entries, err := os.ReadDir("../../crates")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range cases {
		have[c.Crate] = true
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join("../../crates", e.Name(), "crate.yaml")); err != nil {
			continue // cratetest and other helpers
		}
		if !have[e.Name()] && !pending[e.Name()] {
			t.Errorf("crate %s has no live case: add crates_%s_test.go here", e.Name(), e.Name())
		}
		delete(have, e.Name())
	}
	for name := range have {
		t.Errorf("live case for %s, which is not a built-in crate", name)
	}
}

// Result is what one run of a phase did on the node.
type Result struct {
	Report *lift.NodeReport
	Steps  []runner.StepResult
}

// Changed is the number of steps that changed something.
func (r *Result) Changed() int { return r.Report.Counts.Changed }

// Statuses are the steps' statuses in order, e.g. [changed ok skipped].
func (r *Result) Statuses() []string {
	var s []string
	for _, st := range r.Steps {
		s = append(s, string(st.Status))
	}
	return s
}

// String describes every step, for failure messages.
func (r *Result) String() string {
	var b strings.Builder
	nr := r.Report
	fmt.Fprintf(&b, "node %s (%s): counts %+v status=%s err=%v", nr.Node.Name, nr.OS, nr.Counts, nr.Status, nr.Err)
	for _, ph := range nr.Phases {
		fmt.Fprintf(&b, "\n  phase %s check=%v done=%v exit=%d", ph.Phase, ph.Check, ph.Done, ph.ExitCode)
		for _, s := range ph.Steps {
			fmt.Fprintf(&b, "\n    %s -> %s %s", s.Label(), s.Status, s.Message)
			for _, l := range s.Tail {
				fmt.Fprintf(&b, "\n      | %s", l)
			}
		}
		for _, l := range ph.Output {
			fmt.Fprintf(&b, "\n    > %s", l)
		}
	}
	return b.String()
}

// Project is a pallet.yaml for the suite: calls is the YAML list of crate
// calls of group live's configure phase, indented as a block sequence
// at column 0 (it is indented here); extra is more top-level YAML (vars,
// files...). Files maps project-relative paths to contents written beside
// pallet.yaml, for file sources and templates.
type Project struct {
	Calls string
	Vars  string // YAML mapping of the group's vars, at column 0; optional
	Files map[string]string
	// Check runs the phase in check mode (nothing changes on the node).
	Check bool
}

// Apply runs calls (a YAML list of crate calls at column 0) as the
// configure phase on the node and fails t if the phase fails.
func (n *Node) Apply(t *testing.T, calls string) *Result {
	t.Helper()
	return n.ApplyProject(t, Project{Calls: calls})
}

// Check runs calls in check mode and fails t if the phase fails.
func (n *Node) Check(t *testing.T, calls string) *Result {
	t.Helper()
	return n.ApplyProject(t, Project{Calls: calls, Check: true})
}

// ApplyProject runs p's configure phase on the node and fails t if it
// fails.
func (n *Node) ApplyProject(t *testing.T, p Project) *Result {
	t.Helper()
	r, err := n.run(t, p)
	if err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if r.Report.Status != lift.StatusOK {
		t.Fatalf("phase did not succeed:\n%s", r)
	}
	return r
}

// ApplyFails runs calls and fails t unless the phase fails; it returns the
// result and the text of every failed step's tail and message, for the
// caller to check that the failure says why.
func (n *Node) ApplyFails(t *testing.T, calls string) (*Result, string) {
	t.Helper()
	r, err := n.run(t, Project{Calls: calls})
	if err != nil {
		t.Fatalf("%v", err)
	}
	if r.Report.Status == lift.StatusOK {
		t.Fatalf("phase succeeded, want a failure:\n%s", r)
	}
	return r, failureText(r)
}

// Converge applies calls, wants at least one step changed, runs verify
// against the node, then applies the same calls again and wants nothing
// changed, and a check run to find nothing to change either. It returns
// the first run's result.
func (n *Node) Converge(t *testing.T, calls string, verify func()) *Result {
	t.Helper()
	return n.ConvergeProject(t, Project{Calls: calls}, verify)
}

// ConvergeProject is Converge for a project with vars or files.
func (n *Node) ConvergeProject(t *testing.T, p Project, verify func()) *Result {
	t.Helper()
	first := n.ApplyProject(t, p)
	if first.Changed() == 0 {
		t.Fatalf("first run changed nothing:\n%s", first)
	}
	if verify != nil {
		verify()
	}
	again := n.ApplyProject(t, p)
	if again.Changed() != 0 {
		t.Fatalf("second run changed something, want 0 changed:\n%s", again)
	}
	if verify != nil {
		verify()
	}
	p.Check = true
	check := n.ApplyProject(t, p)
	if c := check.Report.Counts; c.WouldChange != 0 || c.Changed != 0 {
		t.Fatalf("check run after the second run wants to change something:\n%s", check)
	}
	return first
}

func (n *Node) run(t *testing.T, p Project) (*Result, error) {
	t.Helper()
	return n.runWith(t, p, n.All)
}

// runWith runs p's configure phase on the node with cluster as the
// provider's node list (what .groups and crates' .cluster hold).
func (n *Node) runWith(t *testing.T, p Project, cluster []provider.Node) (*Result, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range p.Files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var y strings.Builder
	y.WriteString("groups:\n  live:\n")
	if p.Vars != "" {
		y.WriteString("    vars:\n" + indent(p.Vars, "      "))
	}
	y.WriteString("    phases:\n      configure:\n" + indent(p.Calls, "        "))
	proj, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(y.String()), &project.Env{User: "padmin", Home: dir})
	if err != nil {
		t.Fatalf("pallet.yaml: %v\n%s", err, y.String())
	}
	c, err := lift.Compile(proj, []string{"live"}, []string{"configure"})
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, y.String())
	}
	c = c.WithNodes(cluster)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	rep, err := lift.Run(ctx, []provider.Node{n.Node}, c, lift.Options{
		Groups: []string{"live"}, Phases: []string{"configure"}, Check: p.Check,
		Provider: givenNodes{}, ProviderName: "live",
		Runner: runner.Options{
			KnownHostsFile:    n.knownHosts,
			IdentityFiles:     []string{n.key},
			SSHConfigFile:     "none",
			AgentSocket:       "none",
			ConnectTimeout:    10 * time.Second,
			KeepAliveInterval: -1,
		},
	})
	if err != nil {
		return nil, err
	}
	nr := &rep.Nodes[0]
	r := &Result{Report: nr}
	for _, ph := range nr.Phases {
		r.Steps = append(r.Steps, ph.Steps...)
	}
	return r, nil
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		b.WriteString(prefix + l)
		if !strings.HasSuffix(l, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// givenNodes is the provider lift.Run gets: the suite's nodes are given,
// nothing is listed or recorded.
type givenNodes struct{}

func (givenNodes) Nodes(context.Context) ([]provider.Node, error)        { return nil, nil }
func (givenNodes) MarkBootstrapped(context.Context, provider.Node) error { return nil }

// Sh runs command on the node as root with the OpenSSH client,
// independently of the runner, and fails t if it exits non-zero. It
// returns stdout and stderr together.
func (n *Node) Sh(t *testing.T, command string) string {
	t.Helper()
	out, err := n.ShErr(t, command)
	if err != nil {
		t.Fatalf("on %s: %s: %v\n%s", n.Name, command, err, out)
	}
	return out
}

// ShErr is Sh for commands that may fail.
func (n *Node) ShErr(t *testing.T, command string) (string, error) {
	t.Helper()
	// Not cancelled with t: t.Context() is done before t's cleanups
	// run, and cases undo their changes to the shared node in
	// t.Cleanup with Sh.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh",
		"-i", n.key,
		"-o", "UserKnownHostsFile="+n.knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=10",
		"-F", "none",
		"-p", fmt.Sprint(n.Port),
		"-l", n.User,
		n.Host, "--", command)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Want fails t unless the node's output of command, trimmed, is want.
func (n *Node) Want(t *testing.T, command, want string) {
	t.Helper()
	if got := strings.TrimSpace(n.Sh(t, command)); got != want {
		t.Errorf("on %s: %s\n got: %q\nwant: %q", n.Name, command, got, want)
	}
}

// WantStatuses fails t unless r's steps ended with want, in order.
func WantStatuses(t *testing.T, r *Result, want ...string) {
	t.Helper()
	if got := r.Statuses(); !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v\n%s", got, want, r)
	}
}
