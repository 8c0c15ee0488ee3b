package live

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sshKeyPair makes an ed25519 key pair in a temporary directory and
// returns the private key's path and the public key line.
func sshKeyPair(t *testing.T, comment string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "id")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(pub))
}

// sshAs logs in to the node as user with the private key key (and no
// other) and runs command there.
func (n *Node) sshAs(t *testing.T, user, key, command string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ssh", "-i", key,
		"-o", "UserKnownHostsFile="+n.knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=10", "-F", "none", "-p", fmt.Sprint(n.Port), "-l", user,
		n.Host, "--", command).CombinedOutput()
	return string(out), err
}

var _ = register(Case{Crate: "ssh-key", Run: func(t *testing.T, n *Node) {
	priv, pub := sshKeyPair(t, "ssh-key-live@test")
	priv2, pub2 := sshKeyPair(t, "ssh-key-live-2@test")
	n.Apply(t, `- user: {name: ssh-key-live}`)
	if out, err := n.sshAs(t, "ssh-key-live", priv, "id -un"); err == nil {
		t.Fatalf("ssh-key-live logs in before the key is authorized:\n%s", out)
	}
	// A line already there stays, in its place.
	n.Sh(t, `runuser -u ssh-key-live -- sh -c 'umask 077 && mkdir -p ~/.ssh && echo "# kept" > ~/.ssh/authorized_keys'`)

	calls := fmt.Sprintf("- ssh-key: {user: ssh-key-live, key: %q}\n", pub)
	n.Converge(t, calls, func() {
		n.Want(t, "cat ~ssh-key-live/.ssh/authorized_keys", "# kept\n"+pub)
		n.Want(t, "stat -c '%U %G %a' ~ssh-key-live/.ssh ~ssh-key-live/.ssh/authorized_keys",
			"ssh-key-live ssh-key-live 700\nssh-key-live ssh-key-live 600")
		// what the crate promises: the key opens ssh-key-live's logins
		if out, err := n.sshAs(t, "ssh-key-live", priv, "id -un"); err != nil || strings.TrimSpace(out) != "ssh-key-live" {
			t.Errorf("ssh-key-live cannot log in with the key: %v\n%s", err, out)
		}
	})

	// A key with options: sshd obeys them (a forced command); the first
	// key's line stays, and the key is added once.
	withOpts := `command="echo forced",no-pty ` + pub2
	calls2 := calls + fmt.Sprintf("- ssh-key: {user: ssh-key-live, key: %q}\n", withOpts)
	n.Converge(t, calls2, func() {
		n.Want(t, "cat ~ssh-key-live/.ssh/authorized_keys", "# kept\n"+pub+"\n"+withOpts)
		if out, err := n.sshAs(t, "ssh-key-live", priv2, "id -un"); err != nil || strings.TrimSpace(out) != "forced" {
			t.Errorf("the key's forced command did not run: %v\n%s", err, out)
		}
	})

	// Modes changed by hand are put back (sshd's StrictModes would refuse
	// the key otherwise).
	n.Sh(t, "chmod 0644 ~ssh-key-live/.ssh/authorized_keys && chmod 0755 ~ssh-key-live/.ssh")
	r := n.Apply(t, calls)
	WantStatuses(t, r, "changed")
	n.Want(t, "stat -c %a ~ssh-key-live/.ssh ~ssh-key-live/.ssh/authorized_keys", "700\n600")

	// A symlinked authorized_keys is refused, not written through.
	n.Sh(t, "runuser -u ssh-key-live -- sh -c 'mv ~/.ssh/authorized_keys ~/keys && ln -s ~/keys ~/.ssh/authorized_keys'")
	_, msg := n.ApplyFails(t, calls2)
	if !strings.Contains(msg, "is a symlink: refusing to write through it") {
		t.Errorf("a symlinked authorized_keys: the failure does not say why:\n%s", msg)
	}
	n.Want(t, "stat -c %F ~ssh-key-live/.ssh/authorized_keys", "symbolic link")
	n.Sh(t, "runuser -u ssh-key-live -- sh -c 'rm ~/.ssh/authorized_keys && mv ~/keys ~/.ssh/authorized_keys'")

	// No such user, a user without a home: the step says so.
	_, msg = n.ApplyFails(t, fmt.Sprintf("- ssh-key: {user: ssh-key-live-none, key: %q}", pub))
	if !strings.Contains(msg, "no user ssh-key-live-none: create it first (user crate)") {
		t.Errorf("no user: the failure does not say why:\n%s", msg)
	}
	n.Apply(t, `- user: {name: ssh-key-live-nohome, create_home: false}`)
	_, msg = n.ApplyFails(t, fmt.Sprintf("- ssh-key: {user: ssh-key-live-nohome, key: %q}", pub))
	if !strings.Contains(msg, "user ssh-key-live-nohome has no home directory (/home/ssh-key-live-nohome)") {
		t.Errorf("no home: the failure does not say why:\n%s", msg)
	}
	n.Sh(t, "userdel -r ssh-key-live && userdel ssh-key-live-nohome")
}})
