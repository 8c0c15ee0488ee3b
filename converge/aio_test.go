package converge

// TestConvergeAIO drives converge against the real OpenStack all-in-one of
// e2e/openstack/aio.sh (see provider/openstack/aiotest): Keystone, Glance,
// Nova and Neutron answer for real; the fake virt driver's servers have no
// machine behind them, so the test gives them nspawn nodes' addresses: a
// Neutron subnet of its own whose allocation pool is exactly those
// addresses. What only the double proves (host keys announced on the
// console, a lying console, floating IPs) stays in TestConvergeOpenStack.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/provider"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	pprovider "github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/provider/openstack"
	"github.com/palletops/pallet/provider/openstack/aiotest"
	"github.com/palletops/pallet/runner"
)

const aioProject = `
admin: {user: padmin, public_key_file: %q}
groups:
  web:
    image: {os_family: debian, os_version_matches: "12", os_description_matches: bookworm, login_user: root}
    hardware: {smallest: true}
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - file: {path: /etc/pallet-web, content: "configured by converge\n"}
      destroy-server:
        - exec-script: {name: leave the pool, script: "touch /root/destroy-server-ran"}
`

// aioNetwork makes, as the cloud's admin, a flat network owned by project
// pallet whose subnet hands out exactly the addresses of nodes, and
// deletes it when t ends. It returns the network's name.
func aioNetwork(t *testing.T, cloudsFile string, nodes []pprovider.Node) string {
	t.Helper()
	ctx := t.Context()
	client := func(cloud string) *gophercloud.ProviderClient {
		ao, _, _, err := clouds.Parse(clouds.WithCloudName(cloud), clouds.WithLocations(cloudsFile))
		if err != nil {
			t.Fatal(err)
		}
		pc, err := gopenstack.AuthenticatedClient(ctx, ao)
		if err != nil {
			t.Fatalf("authenticating as %s: %v", cloud, err)
		}
		return pc
	}
	admin := client(aiotest.AdminCloud)
	ident, err := gopenstack.NewIdentityV3(admin, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := projects.List(ident, projects.ListOpts{Name: aiotest.Cloud}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := projects.ExtractProjects(pages)
	if err != nil || len(pl) != 1 {
		t.Fatalf("project %s: %v %v", aiotest.Cloud, pl, err)
	}
	netc, err := gopenstack.NewNetworkV2(admin, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("cvg-%d", time.Now().UnixNano())
	// A flat network needs a physical network of its own.
	nw, err := networks.Create(ctx, netc, provider.CreateOptsExt{
		CreateOptsBuilder: networks.CreateOpts{Name: name, ProjectID: pl[0].ID},
		Segments:          []provider.Segment{{NetworkType: "flat", PhysicalNetwork: name}},
	}).Extract()
	if err != nil {
		t.Fatalf("creating network %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := networks.Delete(context.WithoutCancel(ctx), netc, nw.ID).ExtractErr(); err != nil {
			t.Errorf("deleting network %s: %v", name, err)
		}
	})
	var pools []subnets.AllocationPool
	for _, n := range nodes {
		pools = append(pools, subnets.AllocationPool{Start: n.Host, End: n.Host})
	}
	noGateway, dhcp := "", false
	if _, err := subnets.Create(ctx, netc, subnets.CreateOpts{
		NetworkID: nw.ID, Name: name, CIDR: "127.0.0.0/16", IPVersion: gophercloud.IPv4,
		GatewayIP: &noGateway, EnableDHCP: &dhcp, AllocationPools: pools, ProjectID: pl[0].ID,
	}).Extract(); err != nil {
		t.Fatalf("creating the subnet of %s: %v", name, err)
	}
	return name
}

func TestConvergeAIO(t *testing.T) {
	cloudsFile := aiotest.CloudsFile(t)
	key := nspawntest.KeyFile(t) // skips unless root with nspawn
	start := time.Now()
	machines := nspawntest.Nodes(t, "bookworm", 2, nspawntest.WithGroup("cvg-aio"))
	byHost := map[string]pprovider.Node{}
	for _, m := range machines {
		byHost[m.Host] = m
	}
	network := aioNetwork(t, cloudsFile, machines)
	t.Setenv("OS_CLOUD", "")
	prov, err := openstack.New(t.Context(), &openstack.Config{Cloud: aiotest.Cloud, Network: network, CreateTimeout: openstack.Duration(3 * time.Minute)},
		openstack.Options{CloudsFile: cloudsFile, PollInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := loadProject(t, fmt.Sprintf(aioProject, key+".pub"))
	kh := filepath.Join(t.TempDir(), "known_hosts")
	opts := Options{Runner: runner.Options{
		KnownHostsFile: kh, IdentityFiles: []string{key}, SSHConfigFile: "none", AgentSocket: "none",
		ConnectTimeout: 10 * time.Second,
	}}
	defer func() { t.Logf("TestConvergeAIO took %s", time.Since(start).Round(time.Millisecond)) }()
	t.Cleanup(func() { // whatever a failed step left
		nodes, _ := prov.Nodes(context.WithoutCancel(t.Context()))
		var web []pprovider.Node
		for _, n := range nodes {
			if n.Group == "web" && byHost[n.Host].Host != "" {
				web = append(web, n)
			}
		}
		_ = prov.Destroy(context.WithoutCancel(t.Context()), web)
	})
	webNodes := func(t *testing.T) []pprovider.Node {
		t.Helper()
		all, err := prov.Nodes(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var out []pprovider.Node
		for _, n := range all {
			if _, ours := byHost[n.Host]; ours && n.Group == "web" {
				out = append(out, n)
			}
		}
		return out
	}
	onMachine := func(t *testing.T, host string, command ...string) (string, error) {
		t.Helper()
		m, ok := byHost[host]
		if !ok {
			t.Fatalf("no nspawn node at %s", host)
		}
		out, err := execSSH(t, machines, m, command...)
		return out, err
	}
	converge := func(t *testing.T, web int) *Report {
		t.Helper()
		pl, err := NewPlan(t.Context(), p, prov, "aio", map[string]int{"web": web}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var progress bytes.Buffer
		o := opts
		o.Progress = &progress
		rep, err := Apply(t.Context(), pl, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("converge web=%d:\n%s", web, progress.String())
		return rep
	}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("plan 0 to 2 changes nothing", func(t *testing.T) {
		pl, err := NewPlan(t.Context(), p, prov, "aio", map[string]int{"web": 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		pl.Print(&b)
		for _, want := range []string{"web: 0 → 2", "create     2 nodes", "bootstrap  the new nodes"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("plan lacks %q:\n%s", want, b.String())
			}
		}
		if n := webNodes(t); len(n) != 0 {
			t.Errorf("planning made servers: %+v", n)
		}
	})

	step("0 to 2: created on Nova, bootstrapped and configured on the machines at their addresses", func(t *testing.T) {
		rep := converge(t, 2)
		if !rep.OK() || len(rep.Created) != 2 {
			t.Fatalf("want 2 created, all ok:\n%s", describeReport(rep))
		}
		for _, n := range rep.Lift.Nodes {
			if !n.Bootstrapped || !slices.Equal(phaseNames(n), []string{"bootstrap", "configure"}) || n.Node.User != "padmin" {
				t.Errorf("%s: want bootstrap then configure as padmin:\n%s", n.Node.Name, describeReport(rep))
			}
		}
		web := webNodes(t)
		if len(web) != 2 {
			t.Fatalf("Nova lists %d web servers, want 2", len(web))
		}
		for _, n := range web {
			if !n.Bootstrapped {
				t.Errorf("server %s not marked bootstrapped in Nova's metadata", n.Name)
			}
			if out, err := onMachine(t, n.Host, "cat", "/etc/pallet-web"); err != nil || out != "configured by converge\n" {
				t.Errorf("%s (%s): configure's file: %q %v", n.Name, n.Host, out, err)
			}
		}
	})

	step("rerun at 2 changes nothing", func(t *testing.T) {
		rep := converge(t, 2)
		tot := rep.Lift.Totals()
		if !rep.OK() || len(rep.Created)+len(rep.Destroyed) != 0 || tot.Steps.Changed != 0 || tot.Nodes != 2 {
			t.Fatalf("want nothing created, destroyed or changed:\n%s", describeReport(rep))
		}
	})

	step("2 to 1: the newest runs destroy-server, then Nova deletes it", func(t *testing.T) {
		before := webNodes(t)
		newest := before[len(before)-1] // Nodes sorts by creation time
		rep := converge(t, 1)
		if !rep.OK() || len(rep.Destroyed) != 1 || rep.Destroyed[0].ID != newest.ID {
			t.Fatalf("want %s destroyed:\n%s", newest.Name, describeReport(rep))
		}
		left := webNodes(t)
		if len(left) != 1 || left[0].ID != before[0].ID {
			t.Errorf("left %+v, want only %s", left, before[0].Name)
		}
		if _, err := onMachine(t, newest.Host, "test", "-e", "/root/destroy-server-ran"); err != nil {
			t.Errorf("destroy-server did not run on %s: %v", newest.Host, err)
		}
		if _, err := onMachine(t, before[0].Host, "test", "-e", "/root/destroy-server-ran"); err == nil {
			t.Errorf("destroy-server ran on the kept %s", before[0].Host)
		}
	})

	step("1 to 0", func(t *testing.T) {
		rep := converge(t, 0)
		if !rep.OK() || len(rep.Destroyed) != 1 {
			t.Fatalf("want 1 destroyed:\n%s", describeReport(rep))
		}
		if left := webNodes(t); len(left) != 0 {
			t.Errorf("servers left: %+v", left)
		}
		if kh, _ := os.ReadFile(kh); strings.TrimSpace(string(kh)) != "" {
			t.Errorf("known_hosts keeps destroyed nodes' keys:\n%s", kh)
		}
	})
}

func execSSH(t *testing.T, machines []pprovider.Node, m pprovider.Node, command ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("ssh", nspawntest.SSHArgs(t, machines, m, command...)...).CombinedOutput()
	return string(out), err
}
