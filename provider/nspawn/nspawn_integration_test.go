package nspawn_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestNodesLifecycle drives the provider the way lift and converge do:
// create, reach with the real ssh client, list, mark bootstrapped, destroy,
// and checks the host is left as it was.
func TestNodesLifecycle(t *testing.T) {
	key := nspawntest.KeyFile(t) // skips when nodes cannot be made here
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	// Own state dir so the listing below sees only this test's nodes; the
	// root filesystem cache is shared with every other test.
	stateDir := t.TempDir()
	var progress bytes.Buffer
	p, err := nspawn.New(nspawn.Options{
		StateDir:     stateDir,
		CacheDir:     filepath.Join(nspawntest.CacheDir(), "rootfs"),
		Release:      "bookworm",
		AddressBlock: 150,
		Progress:     &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	if err := p.Prepare(ctx, "bookworm"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	nodes, err := p.Create(ctx, "web", 2, provider.CreateSpec{AdminPublicKey: string(pub)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("created 2 nodes in %s", time.Since(start).Round(time.Millisecond))
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			p.Destroy(context.Background(), nodes)
		}
	})
	if len(nodes) != 2 || nodes[0].Name != "web-1" || nodes[1].Name != "web-2" || nodes[0].Host == nodes[1].Host {
		t.Fatalf("nodes = %+v, want web-1 and web-2 on different addresses", nodes)
	}

	kh, err := p.KnownHosts(nodes)
	if err != nil {
		t.Fatal(err)
	}
	khFile := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(khFile, kh, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.OS != "debian-12" || n.User != "root" || n.Port != 22 {
			t.Errorf("node %s: OS %q user %q port %d, want debian-12 root 22", n.Name, n.OS, n.User, n.Port)
		}
		out, err := exec.CommandContext(ctx, "ssh", "-i", key, "-o", "UserKnownHostsFile="+khFile,
			"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
			"root@"+n.Host, "cat /etc/os-release; hostname").CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %s: %v\n%s", n.Name, err, out)
		}
		if !strings.Contains(string(out), `VERSION_CODENAME=bookworm`) || !strings.Contains(string(out), "\n"+n.Name+"\n") {
			t.Errorf("ssh %s: os-release and hostname = %q, want bookworm and %s", n.Name, out, n.Name)
		}
	}

	// Each node runs in cgroups of its own: shared ones made one node's
	// units the other's (a unit stopping on one node removed the cgroup
	// a unit of the same name was starting in on the other).
	var cgroups []string
	seen := map[string]string{}
	for _, n := range nodes {
		rec := readNodeRecord(t, stateDir, n.ID)
		if rec.PID <= 0 || len(rec.Cgroups) == 0 {
			t.Fatalf("node %s record: pid %d, cgroups %v", n.Name, rec.PID, rec.Cgroups)
		}
		cgroups = append(cgroups, rec.Cgroups...)
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", childOf(t, rec.PID)))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.HasPrefix(line, "0::") && !strings.Contains(line, ":name=systemd:") {
				continue // other controllers' trees, which systemd does not keep units in
			}
			if !strings.Contains(line, "/pallet-"+n.ID+"/") {
				t.Errorf("node %s: its init is in %s, not below its own cgroup pallet-%s", n.Name, line, n.ID)
			}
			if other, ok := seen[line]; ok {
				t.Errorf("nodes %s and %s share the cgroup %s", other, n.Name, line)
			}
			seen[line] = n.Name
		}
	}
	if len(seen) == 0 {
		t.Errorf("found no cgroup2 or name=systemd line in the nodes' /proc/PID/cgroup")
	}

	// A second Provider on the same state dir stands for the next pallet run.
	again, err := nspawn.New(nspawn.Options{StateDir: stateDir, CacheDir: filepath.Join(nspawntest.CacheDir(), "rootfs")})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.MarkBootstrapped(ctx, nodes[1]); err != nil {
		t.Fatal(err)
	}
	listed, err := again.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].ID != nodes[0].ID || listed[1].ID != nodes[1].ID {
		t.Fatalf("Nodes() = %+v, want the two created nodes in order", listed)
	}
	if listed[0].Bootstrapped || !listed[1].Bootstrapped {
		t.Errorf("bootstrapped = %v, %v; want false, true", listed[0].Bootstrapped, listed[1].Bootstrapped)
	}

	start = time.Now()
	if err := again.Destroy(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	destroyed = true
	t.Logf("destroyed 2 nodes in %s", time.Since(start).Round(time.Millisecond))
	listed, err = again.Nodes(ctx)
	if err != nil || len(listed) != 0 {
		t.Errorf("after Destroy, Nodes() = %v, %v; want none", listed, err)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), stateDir) {
		t.Errorf("mounts left under %s after Destroy:\n%s", stateDir, mounts)
	}
	if entries, _ := os.ReadDir(filepath.Join(stateDir, "nodes")); len(entries) != 0 {
		t.Errorf("state left after Destroy: %v", entries)
	}
	for _, d := range cgroups {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("cgroup %s left after Destroy (%v)", d, err)
		}
	}
	// Destroying again is a no-op, so a retried cleanup does not fail.
	if err := again.Destroy(ctx, nodes); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

// TestNspawntestSudoUser checks the helper the runner's tests use, with a
// non-root login whose sudo wants a password.
func TestNspawntestSudoUser(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithUser("deploy"), nspawntest.WithSudoPassword("s3cret"))
	n := nodes[0]
	if n.User != "deploy" {
		t.Fatalf("user = %q, want deploy", n.User)
	}
	run := func(stdin, command string) (string, error) {
		cmd := exec.Command("ssh", nspawntest.SSHArgs(t, nodes, n, command)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// The first login, right after Create, as a non-root user: boot may
	// still be going on, and must not turn the user away (pam_nologin).
	if out, err := run("", "test ! -e /run/nologin && echo in"); err != nil || strings.TrimSpace(out) != "in" {
		t.Errorf("non-root login right after Create: %q, %v", out, err)
	}
	if out, err := run("", "sudo -n true"); err == nil {
		t.Errorf("sudo -n succeeded without a password:\n%s", out)
	}
	// What boot does (systemd-tmpfiles --boot) leaves no /run/nologin:
	// on a loaded machine boot finishes well after sshd answers.
	out, err := run("s3cret\n", "sudo -S -p '' sh -c 'systemd-tmpfiles --create --boot >/dev/null 2>&1; test ! -e /run/nologin && echo none'")
	if err != nil || strings.TrimSpace(out) != "none" {
		t.Errorf("boot-time tmpfiles made /run/nologin (pam would refuse non-root logins until boot ends): %q, %v", out, err)
	}
	out, err = run("s3cret\n", "sudo -S -p '' id -u")
	if err != nil || strings.TrimSpace(out) != "0" {
		t.Errorf("sudo -S id -u = %q, %v; want 0", out, err)
	}
}
