package nspawn_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestPrivateNetwork makes two nodes with PrivateNetwork and checks that
// each is in a network namespace of its own, reached over ssh at its
// link-local address, holds CAP_NET_ADMIN there, and that what it does to
// its network shows nowhere on the host; and that Destroy leaves no
// namespace and no veth behind.
func TestPrivateNetwork(t *testing.T) {
	key := nspawntest.KeyFile(t) // skips when nodes cannot be made here
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("private-network nodes need ip (iproute2) on the host")
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	p, err := nspawn.New(nspawn.Options{
		StateDir:       t.TempDir(),
		CacheDir:       filepath.Join(nspawntest.CacheDir(), "rootfs"),
		Release:        "bookworm",
		AddressBlock:   155,
		PrivateNetwork: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nodes, err := p.Create(ctx, "net", 2, provider.CreateSpec{AdminPublicKey: string(pub)})
	if err != nil {
		t.Fatal(err)
	}
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			p.Destroy(context.Background(), nodes)
		}
	})
	kh, err := p.KnownHosts(nodes)
	if err != nil {
		t.Fatal(err)
	}
	khFile := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(khFile, kh, 0o644); err != nil {
		t.Fatal(err)
	}
	ssh := func(n provider.Node, command string) string {
		t.Helper()
		out, err := exec.CommandContext(ctx, "ssh", "-i", key, "-o", "UserKnownHostsFile="+khFile,
			"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "none",
			"root@"+n.Host, command).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %s: %s: %v\n%s", n.Name, command, err, out)
		}
		return strings.TrimSpace(string(out))
	}

	hostNet, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{hostNet: true}
	for i, n := range nodes {
		if want := "169.254.155." + strconv.Itoa(2+i); n.Host != want || n.Address != want {
			t.Errorf("node %s: host %q address %q, want %s", n.Name, n.Host, n.Address, want)
		}
		netns := ssh(n, "readlink /proc/1/ns/net")
		if seen[netns] {
			t.Errorf("node %s: network namespace %s is the host's or another node's", n.Name, netns)
		}
		seen[netns] = true
		// CAP_NET_ADMIN is bit 12 of the effective set of the node's init.
		capEff := ssh(n, "sed -n 's/^CapEff:[[:space:]]*//p' /proc/1/status")
		caps, err := strconv.ParseUint(capEff, 16, 64)
		if err != nil || caps&(1<<12) == 0 {
			t.Errorf("node %s: CapEff %q (%v): no CAP_NET_ADMIN", n.Name, capEff, err)
		}
		// sshd listens on the node's address alone, and the node's
		// network holds only lo and its end of the veth pair.
		if got := ssh(n, "ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\\n' ' '"); got != "lo pallet0" {
			t.Errorf("node %s: links %q, want lo pallet0", n.Name, got)
		}
		if got := ssh(n, "ss -Htln 'sport = :22' | awk '{print $4}'"); got != n.Host+":22" {
			t.Errorf("node %s: sshd listens on %q, want %s:22 alone", n.Name, got, n.Host)
		}
		// What CAP_NET_ADMIN allows stays in the node's namespace.
		ssh(n, "ip addr add 10.255.155.1/32 dev lo && ip link add pallet-probe type veth peer name pallet-probe1")
		if got := ssh(n, "ip -o addr show dev lo | grep -c 10.255.155.1"); got != "1" {
			t.Errorf("node %s: the address it added is not on its lo: %q", n.Name, got)
		}
	}
	hostAddrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range hostAddrs {
		if strings.HasPrefix(a.String(), "10.255.155.1/") {
			t.Errorf("the host got the address a node added: %s", a)
		}
	}
	during := hostLinks(t)
	for name := range during {
		if strings.HasPrefix(name, "pallet-probe") {
			t.Errorf("the host got the link a node made: %s", name)
		}
	}
	for _, n := range nodes {
		if !during["pallet-"+n.ID] {
			t.Errorf("no host end pallet-%s of node %s's veth pair; host links: %v", n.ID, n.Name, keys(during))
		}
	}

	if err := p.Destroy(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	destroyed = true
	wantGone(t, nodeIDs(nodes))
}

func nodeIDs(nodes []provider.Node) []string {
	var ids []string
	for _, n := range nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

// wantGone fails t if the namespace, the host link or a cgroup of a node
// of ids is still there.
func wantGone(t *testing.T, ids []string) {
	t.Helper()
	links := hostLinks(t)
	for _, id := range ids {
		for _, d := range ownCgroupDirs(t) {
			if _, err := os.Stat(filepath.Join(d, "pallet-"+id)); !os.IsNotExist(err) {
				t.Errorf("cgroup pallet-%s is left in %s: %v", id, d, err)
			}
		}
		if links["pallet-"+id] {
			t.Errorf("host link pallet-%s is left", id)
		}
		if _, err := os.Stat("/run/netns/pallet-" + id); !os.IsNotExist(err) {
			t.Errorf("network namespace pallet-%s is left: %v", id, err)
		}
	}
}

// TestPrivateNetworkFailedCreate checks that a Create that fails after the
// namespace exists (sshd never answers: the boot timeout is too short)
// leaves neither the namespace nor the veth behind.
func TestPrivateNetworkFailedCreate(t *testing.T) {
	key := nspawntest.KeyFile(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("private-network nodes need ip (iproute2) on the host")
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	stateDir := t.TempDir()
	p, err := nspawn.New(nspawn.Options{
		StateDir:       stateDir,
		CacheDir:       filepath.Join(nspawntest.CacheDir(), "rootfs"),
		AddressBlock:   156,
		PrivateNetwork: true,
		BootTimeout:    time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The node's id is known only while its state exists: watch for it.
	ids := map[string]bool{}
	netnsSeen := false
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			entries, _ := os.ReadDir(filepath.Join(stateDir, "nodes"))
			for _, e := range entries {
				ids[e.Name()] = true
				if _, err := os.Stat("/run/netns/pallet-" + e.Name()); err == nil {
					netnsSeen = true
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	_, err = p.Create(ctx, "fail", 1, provider.CreateSpec{AdminPublicKey: string(pub)})
	close(stop)
	<-watched
	if err == nil {
		t.Fatal("Create with a 1ms boot timeout succeeded")
	}
	if len(ids) != 1 || !netnsSeen {
		t.Fatalf("saw node ids %v, namespace made: %v; want one node whose namespace existed", ids, netnsSeen)
	}
	wantGone(t, keys(ids))
	if entries, _ := os.ReadDir(filepath.Join(stateDir, "nodes")); len(entries) != 0 {
		t.Errorf("state left after the failed Create: %v", entries)
	}
}

// hostLinks are the names of the host's network links.
func hostLinks(t *testing.T) map[string]bool {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, i := range ifs {
		m[i.Name] = true
	}
	return m
}

func keys(m map[string]bool) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}

// ownCgroupDirs are the directories of this process's cgroups in the
// cgroup2 and name=systemd hierarchies at their usual mount points, where
// the nodes it starts get theirs.
func ownCgroupDirs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			dirs = append(dirs, "/sys/fs/cgroup"+p, "/sys/fs/cgroup/unified"+p)
		} else if _, p, ok := strings.Cut(line, ":name=systemd:"); ok {
			dirs = append(dirs, "/sys/fs/cgroup/systemd"+p)
		}
	}
	return dirs
}
