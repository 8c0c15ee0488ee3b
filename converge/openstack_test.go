package converge

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/provider/openstack"
	"github.com/palletops/pallet/provider/openstack/openstacktest"
	"github.com/palletops/pallet/runner"
)

// cloudProject: web has every phase converge knows; db is there to be left
// alone. The image's login user is root (what the nspawn nodes behind the
// double accept); bootstrap makes padmin, who runs configure.
const cloudProject = `
admin: {user: padmin, public_key_file: %q}
groups:
  web:
    image: {os_family: debian, os_version_matches: "12", login_user: root}
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - file: {path: /etc/pallet-web, content: "configured by converge\n"}
      destroy-server:
        - exec-script: {name: leave the pool, script: "date +%%s%%N > /root/destroy-server-ran; sleep 0.2"}
  db:
    image: {os_family: debian, login_user: root}
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - file: {path: /etc/pallet-db, content: "db\n"}
`

// pool hands out nspawn nodes to the double's new servers: the Addresses
// hook gives each server the address of the next free node, and the
// Console hook prints that node's host key as cloud-init would.
type pool struct {
	t     *testing.T
	mu    sync.Mutex
	free  []provider.Node
	byKey map[string]provider.Node // server name → node
	keys  map[string]string        // node host → host key line
	// lie makes the console announce a key the node does not have.
	lie string
}

func (pl *pool) add(nodes []provider.Node) {
	keys := nspawntest.Provider(pl.t)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for _, n := range nodes {
		k, err := keys.HostKey(n)
		if err != nil {
			pl.t.Fatal(err)
		}
		pl.keys[n.Host] = k
	}
	pl.free = append(pl.free, nodes...)
}

func (pl *pool) address(s openstacktest.ServerInfo) string {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.free) == 0 {
		return "192.0.2.1" // TEST-NET-1: for builds that fail before anyone connects
	}
	n := pl.free[0]
	pl.free = pl.free[1:]
	pl.byKey[s.Name] = n
	return n.Host
}

func (pl *pool) console(s openstacktest.ServerInfo) string {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	n, ok := pl.byKey[s.Name]
	if !ok {
		return "cloud-init finished\n"
	}
	key := pl.keys[n.Host]
	if pl.lie != "" {
		key = pl.lie
	}
	return fmt.Sprintf("[   5.1] cloud-init[812]: Generating public/private ed25519 key pair.\n"+
		"ci-info: no authorized SSH keys fingerprints found for user debian.\n"+
		"-----BEGIN SSH HOST KEY KEYS-----\n%s root@%s\n-----END SSH HOST KEY KEYS-----\n", key, s.Name)
}

func (pl *pool) node(serverName string) provider.Node {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.byKey[serverName]
}

// cloudFixture is the double, a provider on it, the project and how to
// connect.
type cloudFixture struct {
	cloud *openstacktest.Cloud
	prov  *openstack.Provider
	p     *compiler.Project
	pool  *pool
	opts  Options
	key   string
	kh    string
}

func newCloudFixture(t *testing.T) *cloudFixture {
	t.Helper()
	key := nspawntest.KeyFile(t) // skips unless root with nspawn
	c := openstacktest.New()
	t.Cleanup(c.Close)
	pl := &pool{t: t, byKey: map[string]provider.Node{}, keys: map[string]string{}}
	c.Addresses(pl.address)
	c.Console(pl.console)

	dir := t.TempDir()
	clouds := filepath.Join(dir, "clouds.yaml")
	writeTestFile(t, clouds, fmt.Sprintf("clouds:\n  test:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n      project_name: %s\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n",
		c.AuthURL, c.Username, c.Password, c.Project))
	prov, err := openstack.New(context.Background(), &openstack.Config{Cloud: "test", CreateTimeout: openstack.Duration(2 * time.Minute)},
		openstack.Options{CloudsFile: clouds, PollInterval: 20 * time.Millisecond, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := loadProject(t, fmt.Sprintf(cloudProject, key+".pub"))
	kh := filepath.Join(dir, "known_hosts")
	return &cloudFixture{
		cloud: c, prov: prov, p: p, pool: pl, key: key, kh: kh,
		opts: Options{Runner: runner.Options{
			KnownHostsFile: kh, IdentityFiles: []string{key}, SSHConfigFile: "none", AgentSocket: "none",
			ConnectTimeout: 10 * time.Second,
		}},
	}
}

func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *cloudFixture) converge(t *testing.T, counts map[string]int) *Report {
	t.Helper()
	pl, err := NewPlan(t.Context(), f.p, f.prov, "cloud", counts, nil)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	opts := f.opts
	opts.Progress = &progress
	rep, err := Apply(t.Context(), pl, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("converge %v:\n%s", counts, progress.String())
	return rep
}

// servers lists the double's servers by group.
func (f *cloudFixture) servers() map[string][]openstacktest.Server {
	out := map[string][]openstacktest.Server{}
	for _, s := range f.cloud.Servers() {
		g := s.Metadata[openstack.MetaGroup]
		out[g] = append(out[g], s)
	}
	return out
}

func describeReport(r *Report) string {
	var b strings.Builder
	for _, e := range r.Problems {
		fmt.Fprintf(&b, "problem: %v\n", e)
	}
	for _, n := range r.Lift.Nodes {
		var phases []string
		for _, ph := range n.Phases {
			phases = append(phases, fmt.Sprintf("%s(ok=%v changed=%d)", ph.Phase, ph.OK(), ph.Counts.Changed))
		}
		fmt.Fprintf(&b, "%s %s user=%s status=%s created=%v destroyed=%v bootstrapped=%v phases=%v err=%v\n",
			n.Node.Group, n.Node.Name, n.Node.User, n.Status, r.WasCreated(n.Node), r.WasDestroyed(n.Node), n.Bootstrapped, phases, n.Err)
	}
	return b.String()
}

func phaseNames(n lift.NodeReport) []string {
	var out []string
	for _, ph := range n.Phases {
		out = append(out, ph.Phase)
	}
	return out
}

// onNode runs a command on the pool node behind a server, as root.
func (f *cloudFixture) onNode(t *testing.T, n provider.Node, command ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("ssh", nspawntest.SSHArgs(t, []provider.Node{n}, n, command...)...).CombinedOutput()
	return string(out), err
}

// TestConvergeOpenStack drives converge end to end against the OpenStack
// double, whose servers are really nspawn nodes: create on the API,
// bootstrap and configure over SSH, scale up, rerun, scale down with
// destroy-server, and a failed create.
func TestConvergeOpenStack(t *testing.T) {
	start := time.Now()
	f := newCloudFixture(t)
	// Enough machines for the peak, web 3 + db 1, made up front; each new
	// server takes the next one.
	f.pool.add(nspawntest.Nodes(t, "bookworm", 4, nspawntest.WithGroup("cvg-pool")))
	defer func() { t.Logf("TestConvergeOpenStack took %s", time.Since(start).Round(time.Millisecond)) }()
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow() // each step builds on the one before
		}
	}

	step("plan 0 to 2 changes nothing", func(t *testing.T) {
		pl, err := NewPlan(t.Context(), f.p, f.prov, "cloud", map[string]int{"web": 2, "db": 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		pl.Print(&b)
		for _, want := range []string{"web: 0 → 2", "create     2 nodes", "bootstrap  the new nodes", "db: 0 → 1"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("plan lacks %q:\n%s", want, b.String())
			}
		}
		if n := f.cloud.CountRequests("POST /compute/v2.1/servers"); n != 0 {
			t.Errorf("planning made %d server POSTs", n)
		}
		if len(f.cloud.Servers()) != 0 {
			t.Errorf("planning created servers: %+v", f.cloud.Servers())
		}
	})

	step("0 to 2 (and db 0 to 1): created, bootstrapped, configured", func(t *testing.T) {
		rep := f.converge(t, map[string]int{"web": 2, "db": 1})
		if !rep.OK() || len(rep.Created) != 3 || len(rep.Destroyed) != 0 {
			t.Fatalf("want 3 created, all ok:\n%s", describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			if !n.Bootstrapped || !slices.Equal(phaseNames(n), []string{"bootstrap", "configure"}) || n.Node.User != "padmin" {
				t.Errorf("%s: want bootstrap then configure as padmin:\n%s", n.Node.Name, describeReport(rep))
			}
		}
		for _, s := range f.cloud.Servers() {
			if s.Metadata[openstack.MetaState] != openstack.StateBootstrapped {
				t.Errorf("server %s not marked bootstrapped: %v", s.Name, s.Metadata)
			}
			if out, err := f.onNode(t, f.pool.node(s.Name), "cat", "/etc/pallet-"+s.Metadata[openstack.MetaGroup]); err != nil {
				t.Errorf("%s: configure left no file: %v %s", s.Name, err, out)
			}
		}
		// Host keys of the new nodes were checked against the console and
		// recorded for later lifts.
		kh, _ := os.ReadFile(f.kh)
		for _, n := range rep.Created {
			if !strings.Contains(string(kh), n.Host+" ssh-ed25519 ") {
				t.Errorf("known_hosts lacks %s:\n%s", n.Host, kh)
			}
		}
	})

	var dbServer openstacktest.Server
	step("2 to 3: only the new one bootstrapped; db untouched", func(t *testing.T) {
		dbServer = f.servers()["db"][0]
		before := f.cloud.CountRequests("POST /compute/v2.1/servers/" + dbServer.ID)
		rep := f.converge(t, map[string]int{"web": 3})
		if !rep.OK() || len(rep.Created) != 1 {
			t.Fatalf("want 1 created:\n%s", describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			if n.Node.Group != "web" {
				t.Errorf("%s of group %s is in the report of web=3", n.Node.Name, n.Node.Group)
			}
			isNew := rep.WasCreated(n.Node)
			want := []string{"configure"}
			if isNew {
				want = []string{"bootstrap", "configure"}
			}
			if n.Bootstrapped != isNew || !slices.Equal(phaseNames(n), want) {
				t.Errorf("%s (new=%v): bootstrapped=%v phases=%v, want %v", n.Node.Name, isNew, n.Bootstrapped, phaseNames(n), want)
			}
		}
		if after := f.cloud.CountRequests("POST /compute/v2.1/servers/" + dbServer.ID); after != before {
			t.Errorf("db's server got %d POSTs (metadata, actions) during web=3", after-before)
		}
	})

	step("rerun at the same counts changes nothing", func(t *testing.T) {
		posts := f.cloud.CountRequests("POST /compute/v2.1/servers")
		rep := f.converge(t, map[string]int{"web": 3})
		tot := rep.Lift.Totals()
		if !rep.OK() || len(rep.Created) != 0 || len(rep.Destroyed) != 0 || tot.Steps.Changed != 0 || tot.Nodes != 3 {
			t.Fatalf("want 0 created, 0 destroyed, 0 changed on 3 nodes, got %+v:\n%s", tot, describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			if n.Bootstrapped || !slices.Equal(phaseNames(n), []string{"configure"}) {
				t.Errorf("%s: rerun ran %v", n.Node.Name, phaseNames(n))
			}
		}
		if got := f.cloud.CountRequests("POST /compute/v2.1/servers") - posts; got != 0 {
			t.Errorf("rerun made %d POSTs to servers", got)
		}
	})

	var newest []openstacktest.Server
	step("plan 3 to 1 names the newest two and changes nothing", func(t *testing.T) {
		web := f.servers()["web"]
		newest = []openstacktest.Server{web[2], web[1]} // Servers() is in creation order
		pl, err := NewPlan(t.Context(), f.p, f.prov, "cloud", map[string]int{"web": 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		pl.Print(&b)
		want := fmt.Sprintf("destroy    %s, %s (after their destroy-server phase)", newest[0].Name, newest[1].Name)
		if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "db: 1 node, not named: left alone") {
			t.Errorf("plan lacks %q or db left alone:\n%s", want, b.String())
		}
		if len(f.cloud.Servers()) != 4 {
			t.Errorf("planning changed the servers: %d", len(f.cloud.Servers()))
		}
	})

	step("3 to 1: destroy-server on the two newest, then destroyed", func(t *testing.T) {
		rep := f.converge(t, map[string]int{"web": 1})
		if !rep.OK() || len(rep.Destroyed) != 2 || len(rep.Created) != 0 {
			t.Fatalf("want 2 destroyed:\n%s", describeReport(rep))
		}
		var gone []string
		for _, n := range rep.Destroyed {
			gone = append(gone, n.Name)
		}
		if want := []string{newest[0].Name, newest[1].Name}; !slices.Equal(gone, want) {
			t.Errorf("destroyed %v, want the newest first %v", gone, want)
		}
		web := f.servers()["web"]
		if len(web) != 1 || web[0].Name == newest[0].Name || web[0].Name == newest[1].Name {
			t.Errorf("left %+v, want only the oldest", web)
		}
		// The marker the destroy-server phase wrote is on the nodes that
		// were behind the destroyed servers, and only there.
		for _, s := range append(slices.Clone(newest), web[0]) {
			out, err := f.onNode(t, f.pool.node(s.Name), "cat", "/root/destroy-server-ran")
			wasDestroyed := s.Name != web[0].Name
			if (err == nil) != wasDestroyed {
				t.Errorf("%s (destroyed=%v): destroy-server marker: %v %s", s.Name, wasDestroyed, err, out)
			}
		}
		for _, n := range rep.Lift.Nodes {
			if rep.WasDestroyed(n.Node) && !slices.Equal(phaseNames(n), []string{DestroyPhase}) {
				t.Errorf("destroyed %s ran %v", n.Node.Name, phaseNames(n))
			}
		}
		// Their host keys are forgotten: the addresses will be handed out again.
		kh, _ := os.ReadFile(f.kh)
		for _, n := range rep.Destroyed {
			if strings.Contains(string(kh), n.Host+" ") {
				t.Errorf("known_hosts still has destroyed %s (%s):\n%s", n.Name, n.Host, kh)
			}
		}
		db := f.servers()["db"]
		if len(db) != 1 || db[0].ID != dbServer.ID || db[0].Metadata[openstack.MetaState] != openstack.StateBootstrapped {
			t.Errorf("db's server changed: %+v", db)
		}
	})

	step("a create that fails leaks nothing", func(t *testing.T) {
		f.cloud.FailBuilds("No valid host was found. There are not enough hosts available.")
		before := len(f.cloud.Servers())
		rep := f.converge(t, map[string]int{"web": 2})
		if rep.OK() || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Error(), "No valid host was found") {
			t.Fatalf("want one problem with Nova's fault message:\n%s", describeReport(rep))
		}
		if len(rep.Created) != 0 || len(f.cloud.Servers()) != before || f.cloud.FloatingIPs() != 0 {
			t.Errorf("after a failed create: %d created, %d servers (before %d), %d floating IPs", len(rep.Created), len(f.cloud.Servers()), before, f.cloud.FloatingIPs())
		}
		// The node that was there is still configured.
		if len(rep.Lift.Nodes) != 1 || rep.Lift.Nodes[0].Status != lift.StatusOK {
			t.Errorf("the existing web node should still be lifted:\n%s", describeReport(rep))
		}
	})

	step("a new node whose host key is not the one its console announced is not connected to", func(t *testing.T) {
		f.pool.mu.Lock()
		f.pool.free = append(f.pool.free, f.pool.byKey[newest[0].Name]) // its machine is still up
		f.pool.lie = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(newHostKey(t))))
		f.pool.mu.Unlock()
		rep := f.converge(t, map[string]int{"web": 2})
		if rep.OK() || len(rep.Created) != 1 {
			t.Fatalf("want one created node that fails:\n%s", describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			if !rep.WasCreated(n.Node) {
				continue
			}
			if !errors.Is(n.Err, provider.ErrHostKeyMismatch) || len(n.Phases) != 0 || n.Status != lift.StatusFailed {
				t.Errorf("%s: want failed with a host key mismatch and nothing run:\n%s", n.Node.Name, describeReport(rep))
			}
			if kh, _ := os.ReadFile(f.kh); strings.Contains(string(kh), n.Node.Host+" ") {
				t.Errorf("the mismatched key of %s was recorded:\n%s", n.Node.Host, kh)
			}
		}
	})
}
