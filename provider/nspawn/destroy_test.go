package nspawn_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palletops/pallet/provider/nspawn/nspawntest"
)

// TestDestroyAfterNspawnKilled: after kill -9 of a node's systemd-nspawn,
// its init and sshd keep running. Destroy must still stop them: it kills
// every process whose root is the node's tree and checks that nothing
// answers on the node's address any more, instead of saying "destroyed"
// while sshd still listens.
func TestDestroyAfterNspawnKilled(t *testing.T) {
	p := nspawntest.Provider(t)
	nodes := nspawntest.Nodes(t, "bookworm", 1, nspawntest.WithGroup("killed"))
	n := nodes[0]
	addr := net.JoinHostPort(n.Host, strconv.Itoa(n.Port))
	rec := readNodeRecord(t, p.StateDir(), n.ID)
	if rec.PID <= 0 {
		t.Fatalf("node record: pid %d", rec.PID)
	}
	// The container's init, to end the container whatever Destroy does:
	// killing a PID namespace's init kills everything in it.
	init := childOf(t, rec.PID)
	t.Cleanup(func() { syscall.Kill(init, syscall.SIGKILL) })

	if err := syscall.Kill(rec.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(rec.PID) {
		if time.Now().After(deadline) {
			t.Fatalf("systemd-nspawn %d did not die of SIGKILL", rec.PID)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !answersSSH(addr) {
		t.Fatalf("precondition: after kill -9 of systemd-nspawn, sshd on %s should still answer", addr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Destroy(ctx, nodes); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if answersSSH(addr) {
		t.Errorf("Destroy returned nil, but sshd still answers on %s", addr)
	}
	if alive(init) {
		t.Errorf("Destroy returned nil, but the container's init (pid %d) still runs", init)
	}
}

// nodeRecord is what the tests read of a node's record (node.json).
type nodeRecord struct {
	PID     int      `json:"pid"`
	Cgroups []string `json:"cgroups"`
}

func readNodeRecord(t *testing.T, stateDir, id string) nodeRecord {
	t.Helper()
	var rec nodeRecord
	b, err := os.ReadFile(filepath.Join(stateDir, "nodes", id, "node.json"))
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil {
		t.Fatalf("node %s record: %v", id, err)
	}
	return rec
}

// childOf is the one child of pid (nspawn's child is the container's init).
func childOf(t *testing.T, pid int) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			return c
		}
	}
	t.Fatalf("systemd-nspawn %d has no child", pid)
	return 0
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// answersSSH reports whether an SSH server answers on addr.
func answersSSH(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}
