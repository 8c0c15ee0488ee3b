package nspawn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/palletops/pallet/provider"
)

// start mounts rec's overlay, writes the node's identity into it, boots it
// and waits for its sshd. It returns the record with PID and HostKey set.
func (p *Provider) start(ctx context.Context, rec record, lower string, spec provider.CreateSpec) (record, error) {
	dir := p.nodeDir(rec.ID)
	upper, work, merged := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{upper, work, merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return rec, err
		}
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return rec, fmt.Errorf("mount overlay on %s (is the overlay module available?): %w", merged, err)
	}
	hostKey, err := configureNode(ctx, merged, rec, spec)
	if err != nil {
		return rec, err
	}
	rec.HostKey = hostKey

	console, err := os.OpenFile(filepath.Join(dir, "console.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return rec, err
	}
	defer console.Close()
	// Not exec.CommandContext: the container must outlive ctx and this
	// process; Destroy stops it. --register=no and --keep-unit because the
	// host may have no systemd (no machined, no units to make); the host
	// network is shared (unless the node has its own, rec.Netns), which is why
	// sshd listens on the node's address.
	args := []string{
		"--register=no", "--keep-unit",
		"--directory=" + merged,
		"--machine=pallet-" + rec.ID,
		"--hostname=" + rec.Name,
		"--link-journal=no",
		"--console=read-only",
	}
	if rec.Netns != "" {
		if err := setupNetns(ctx, rec); err != nil {
			return rec, err
		}
		// nspawn drops CAP_NET_ADMIN unless told to keep it (it keeps
		// it only for the namespaces it makes itself); in a namespace
		// of the node's own it can reach nothing of the host's.
		args = append(args, "--network-namespace-path=/run/netns/"+rec.Netns, "--capability=CAP_NET_ADMIN")
	}
	args = append([]string{"systemd-nspawn"}, append(args, "--boot")...)
	// In cgroups of its own (see joinCgroups), recorded before they exist
	// so that Destroy removes them whatever happens next.
	cgroups, err := nodeCgroups(rec.ID)
	if err != nil {
		return rec, err
	}
	rec.Cgroups = cgroups
	if err := p.writeRecord(rec); err != nil {
		return rec, err
	}
	if err := makeCgroups(cgroups); err != nil {
		return rec, err
	}
	args = append(append([]string{"sh", "-c", joinCgroups, "sh"}, cgroups...), append([]string{"--"}, args...)...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = console, console
	// A session of its own, so a Ctrl-C meant for pallet does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return rec, fmt.Errorf("start systemd-nspawn: %w", err)
	}
	exited := make(chan error, 1)
	// Reap it whenever it ends, so a stopped node leaves no zombie behind
	// for the lifetime of this process.
	go func() { exited <- cmd.Wait() }()
	rec.PID = cmd.Process.Pid
	if err := p.writeRecord(rec); err != nil {
		return rec, err
	}

	wctx, cancel := context.WithTimeout(ctx, p.bootTimeout)
	defer cancel()
	if err := waitSSH(wctx, net.JoinHostPort(rec.Host, strconv.Itoa(rec.Port)), exited); err != nil {
		return rec, fmt.Errorf("%w; the node's console is in %s:\n%s", err, console.Name(), tailFile(console.Name(), 15))
	}
	return rec, nil
}

// waitSSH returns once addr sends an SSH banner: a listening socket alone
// could still be a half-started sshd.
func waitSSH(ctx context.Context, addr string, exited <-chan error) error {
	for {
		d := net.Dialer{Timeout: time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			line, rerr := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if rerr == nil && strings.HasPrefix(line, "SSH-") {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("systemd-nspawn exited before sshd came up (%v)", err)
		case <-ctx.Done():
			return fmt.Errorf("sshd on %s did not answer: %w", addr, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sshdConfig is the node's sshd drop-in. Debian's sshd_config includes
// sshd_config.d first, and the first value of an option wins.
const sshdConfig = `# Written by pallet's nspawn provider. Nodes share the host network, so
# each listens on its own address (loopback, or link-local on a node with
# a network of its own).
ListenAddress %s
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
`

// configureNode writes what makes this node itself into its overlay:
// hostname, host key, sshd address, login user and key. It returns the
// host public key.
func configureNode(ctx context.Context, root string, rec record, spec provider.CreateSpec) (string, error) {
	etc := filepath.Join(root, "etc")
	if err := os.WriteFile(filepath.Join(etc, "hostname"), []byte(rec.Name+"\n"), 0o644); err != nil {
		return "", err
	}
	// sudo looks the hostname up and complains on every call if it can't.
	hosts := fmt.Sprintf("127.0.0.1\tlocalhost\n%s\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n", rec.Host, rec.Name)
	if err := os.WriteFile(filepath.Join(etc, "hosts"), []byte(hosts), 0o644); err != nil {
		return "", err
	}
	// Create returns once sshd answers, but until boot finishes
	// systemd's /run/nologin ("System is booting up") makes pam refuse
	// every login but root's: a non-root login user would be turned away
	// for seconds after Create, or longer on a loaded machine. The node is
	// ours and disposable: no boot-time nologin.
	tmpfiles := filepath.Join(etc, "tmpfiles.d")
	if err := os.MkdirAll(tmpfiles, 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink("/dev/null", filepath.Join(tmpfiles, "systemd-nologin.conf")); err != nil && !os.IsExist(err) {
		return "", err
	}
	keyFile := filepath.Join(etc, "ssh", "ssh_host_ed25519_key")
	os.Remove(keyFile)
	os.Remove(keyFile + ".pub")
	if out, err := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@"+rec.Name, "-f", keyFile).CombinedOutput(); err != nil {
		return "", fmt.Errorf("generate host key: %w: %s", err, out)
	}
	pub, err := os.ReadFile(keyFile + ".pub")
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(pub))
	if len(fields) < 2 {
		return "", fmt.Errorf("unexpected host key %q", pub)
	}
	if err := os.WriteFile(filepath.Join(etc, "ssh", "sshd_config.d", "pallet-nspawn.conf"), []byte(fmt.Sprintf(sshdConfig, rec.Host)), 0o644); err != nil {
		return "", err
	}

	home, uid, gid := filepath.Join(root, "root"), 0, 0
	if rec.User != "root" {
		if home, uid, gid, err = addUser(ctx, root, rec.User, spec.SudoPassword); err != nil {
			return "", err
		}
	}
	sshDir := filepath.Join(home, ".ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		return "", err
	}
	auth := filepath.Join(sshDir, "authorized_keys")
	if err := os.WriteFile(auth, []byte(strings.TrimSpace(spec.AdminPublicKey)+"\n"), 0o600); err != nil {
		return "", err
	}
	for _, f := range []string{sshDir, auth} {
		if err := os.Chown(f, uid, gid); err != nil {
			return "", err
		}
	}
	return fields[0] + " " + fields[1], nil
}

// addUser makes a login user with sudo rights inside root and returns its
// home (as a host path), uid and gid. With a password, sudo asks for it, so
// tests can exercise sudo -S; without, sudo is NOPASSWD.
func addUser(ctx context.Context, root, user, password string) (home string, uid, gid int, err error) {
	// chroot rather than editing /etc/passwd by hand: useradd also makes
	// the shadow entry, group and home the way a real machine has them.
	if out, err := exec.CommandContext(ctx, "chroot", root, "useradd", "--create-home", "--shell", "/bin/bash", "--user-group", user).CombinedOutput(); err != nil {
		return "", 0, 0, fmt.Errorf("add user %s: %w: %s", user, err, out)
	}
	rule := user + " ALL=(ALL:ALL) NOPASSWD: ALL\n"
	if password != "" {
		cmd := exec.CommandContext(ctx, "chroot", root, "chpasswd")
		cmd.Stdin = strings.NewReader(user + ":" + password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", 0, 0, fmt.Errorf("set password of %s: %w: %s", user, err, out)
		}
		rule = user + " ALL=(ALL:ALL) ALL\n"
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "sudoers.d", "pallet-"+user), []byte(rule), 0o440); err != nil {
		return "", 0, 0, err
	}
	uid, gid, err = lookupUser(filepath.Join(root, "etc", "passwd"), user)
	if err != nil {
		return "", 0, 0, err
	}
	return filepath.Join(root, "home", user), uid, gid, nil
}

// lookupUser reads uid and gid from a passwd file that is not the host's.
func lookupUser(passwd, user string) (uid, gid int, err error) {
	b, err := os.ReadFile(passwd)
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 4 && f[0] == user {
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err := errors.Join(err1, err2); err != nil {
				return 0, 0, fmt.Errorf("%s: bad entry for %s: %w", passwd, user, err)
			}
			return uid, gid, nil
		}
	}
	return 0, 0, fmt.Errorf("%s: no user %s", passwd, user)
}

// stopContainer stops the node whose systemd-nspawn was pid and whose root
// is merged, and makes sure nothing of it is left running: it asks nspawn
// to shut the container down (SIGTERM makes nspawn power off the booted
// systemd) and kills it if it has not gone within 15 seconds; then, since
// nspawn may be gone already (kill -9 leaves the container's init and sshd
// running), it kills every process whose root is merged, and checks that
// nothing answers on addr (the node's sshd address) any more.
func stopContainer(ctx context.Context, pid int, merged, addr string) error {
	if pid > 0 && isNspawnFor(pid, merged) {
		// The container's init is nspawn's child; killing it ends the
		// whole container PID namespace even if nspawn itself is wedged.
		children := childrenOf(pid)
		syscall.Kill(pid, syscall.SIGTERM)
		if !waitGone(ctx, pid, 15*time.Second) {
			for _, c := range children {
				syscall.Kill(c, syscall.SIGKILL)
			}
			syscall.Kill(pid, syscall.SIGKILL)
			if !waitGone(ctx, pid, 5*time.Second) {
				return fmt.Errorf("systemd-nspawn (pid %d) did not exit: %w", pid, context.Cause(ctx))
			}
		}
	}
	if err := killRootedAt(ctx, merged, 10*time.Second); err != nil {
		return err
	}
	return waitAddrFree(ctx, addr, 5*time.Second)
}

// killRootedAt SIGKILLs every process whose root directory is dir (the
// node's processes, found without nspawn: /proc/PID/root of a process in
// the container is the overlay's root) until there are none, or d passes.
func killRootedAt(ctx context.Context, dir string, d time.Duration) error {
	var want syscall.Stat_t
	if err := syscall.Stat(dir, &want); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	deadline := time.Now().Add(d)
	var killed []int
	for {
		pids := rootedAt(want)
		if len(pids) == 0 {
			// A dying process drops its root before it is a
			// zombie: wait until the killed ones really are gone.
			for _, p := range killed {
				if !waitGone(ctx, p, time.Until(deadline)) {
					return fmt.Errorf("process %d of the container did not exit after SIGKILL (root %s)", p, dir)
				}
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of the container still run after SIGKILL: pids %v (root %s)", pids, dir)
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		killed = append(killed, pids...)
		select {
		case <-ctx.Done():
			return fmt.Errorf("processes of the container still run: pids %v (root %s): %w", pids, dir, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rootedAt lists the live processes whose root directory is the file want
// was stat'ed from.
func rootedAt(want syscall.Stat_t) []int {
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == self {
			continue
		}
		var st syscall.Stat_t
		// A zombie's root cannot be read: it no longer counts.
		if syscall.Stat(fmt.Sprintf("/proc/%d/root", p), &st) != nil {
			continue
		}
		if st.Dev == want.Dev && st.Ino == want.Ino {
			pids = append(pids, p)
		}
	}
	return pids
}

// waitAddrFree returns once nothing accepts connections on addr, or an
// error after d: the node's sshd (or something else) still listens there.
func waitAddrFree(ctx context.Context, addr string, d time.Duration) error {
	if addr == "" {
		return nil
	}
	deadline := time.Now().Add(d)
	for {
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("check that %s is free: %w", addr, context.Cause(ctx))
			}
			return nil
		}
		conn.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("the node's processes are stopped, but something still accepts connections on %s (see ss -ltnp)", addr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("check that %s is free: %w", addr, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// isNspawnFor reports whether pid is a live systemd-nspawn for merged, or
// the shell that is about to become one (joinCgroups).
func isNspawnFor(pid int, merged string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || procState(pid) == 'Z' {
		return false
	}
	args := strings.Split(string(b), "\x00")
	if len(args) > 2 && args[0] == "sh" && args[1] == "-c" && args[2] == joinCgroups {
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
	}
	return len(args) > 0 && filepath.Base(args[0]) == "systemd-nspawn" && containsString(args, "--directory="+merged)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// procState is the state letter from /proc/pid/stat, 0 if there is none.
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 || i+2 >= len(s) {
		return 0
	}
	return s[i+2]
}

func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
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
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, c)
		}
	}
	return kids
}

// waitGone polls until pid has exited (or is a zombie waiting for its
// parent) or d passes.
func waitGone(ctx context.Context, pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if st := procState(pid); st == 0 || st == 'Z' || st == 'X' {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tailFile returns the last n lines of path, for error messages.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
