package nspawn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// rootfsPackages are added to debootstrap's minbase. systemd, systemd-sysv
// and dbus make the node boot a real init, so crates that manage services
// with systemctl behave as on a real machine; openssh-server and sudo are
// what the runner needs; iproute2 is cheap and every crate author expects ip.
const rootfsPackages = "openssh-server,sudo,iproute2,systemd,systemd-sysv,dbus"

// completeMarker is written last into a finished root filesystem; a
// directory without it is never used (it would be a half-built leftover).
const completeMarker = ".pallet-rootfs-complete"

// osID maps a Debian release name, or a pallet OS id, to the release name
// and pallet OS id.
func osID(image string) (release, os string, err error) {
	switch image {
	case "bullseye", "debian-11":
		return "bullseye", "debian-11", nil
	case "bookworm", "debian-12":
		return "bookworm", "debian-12", nil
	case "trixie", "debian-13":
		return "trixie", "debian-13", nil
	}
	return "", "", fmt.Errorf("nspawn: unknown image %q: use bullseye, bookworm or trixie (or debian-11, debian-12, debian-13)", image)
}

// rootfs returns the cached root filesystem for release, building it with
// debootstrap the first time. Builders in other processes (parallel test
// packages) wait on a lock file instead of racing, and the tree is built in a
// temporary directory renamed into place, so a reader never sees half a tree.
func (p *Provider) rootfs(ctx context.Context, release string) (string, error) {
	dir := filepath.Join(p.cacheDir, release)
	if _, err := os.Stat(filepath.Join(dir, completeMarker)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(p.cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("nspawn: create cache dir: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(p.cacheDir, release+".lock"))
	if err != nil {
		return "", fmt.Errorf("nspawn: %w", err)
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, completeMarker)); err == nil {
		return dir, nil // another process built it while we waited
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return "", fmt.Errorf("nspawn: debootstrap not found: install it (apt-get install debootstrap) to build the %s root filesystem: %w", release, err)
	}
	// Holding the lock, anything named like our temp dirs is a leftover of a
	// build that died; clear it (and a marker-less dir) before starting.
	leftovers, _ := filepath.Glob(filepath.Join(p.cacheDir, release+".tmp-*"))
	for _, d := range append(leftovers, dir) {
		if err := removeTree(d); err != nil {
			return "", fmt.Errorf("nspawn: remove leftover %s: %w", d, err)
		}
	}
	tmp, err := os.MkdirTemp(p.cacheDir, release+".tmp-")
	if err != nil {
		return "", fmt.Errorf("nspawn: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			removeTree(tmp)
		}
	}()

	start := time.Now()
	logPath := filepath.Join(p.cacheDir, release+".debootstrap.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", fmt.Errorf("nspawn: debootstrap log: %w", err)
	}
	defer logFile.Close()
	p.progressf("nspawn: building the Debian %s root filesystem with debootstrap in %s (about a minute, once per release; its output goes to %s)", release, dir, logPath)
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+rootfsPackages, release, tmp, p.mirror)
	out := p.newBuildProgress(release, logFile)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	out.done()
	if err != nil {
		return "", fmt.Errorf("nspawn: debootstrap %s from %s failed (check the mirror is reachable; whole output in %s): %w\n%s", release, p.mirror, logPath, err, out.tail())
	}
	if err := prepareRootfs(tmp); err != nil {
		return "", fmt.Errorf("nspawn: prepare %s root filesystem: %w", release, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("nspawn: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("nspawn: %w", err)
	}
	ok = true
	p.progressf("nspawn: built %s root filesystem in %s", release, time.Since(start).Round(time.Second))
	return dir, nil
}

// prepareRootfs makes the shared tree fit to be the lower layer of many
// nodes: nothing in it may identify one machine.
func prepareRootfs(root string) error {
	// openssh-server's postinst generated host keys; nodes sharing them would
	// make known_hosts checks meaningless, so each node gets its own.
	keys, _ := filepath.Glob(filepath.Join(root, "etc/ssh/ssh_host_*"))
	for _, k := range keys {
		if err := os.Remove(k); err != nil {
			return err
		}
	}
	// An empty machine-id makes systemd generate a fresh one per boot.
	if err := os.WriteFile(filepath.Join(root, "etc/machine-id"), nil, 0o444); err != nil {
		return err
	}
	// apt's daily timers would take the dpkg lock under a test that is
	// installing packages; nodes are short-lived, so mask them.
	for _, unit := range []string{"apt-daily.timer", "apt-daily-upgrade.timer"} {
		link := filepath.Join(root, "etc/systemd/system", unit)
		os.Remove(link)
		if err := os.Symlink("/dev/null", link); err != nil {
			return err
		}
	}
	// The downloaded .debs are only dead weight in every node's lower layer.
	debs, _ := filepath.Glob(filepath.Join(root, "var/cache/apt/archives/*.deb"))
	for _, d := range debs {
		os.Remove(d)
	}
	return nil
}

// removeTree unmounts anything still mounted below dir (a killed debootstrap
// leaves proc mounted in its target; a crashed node leaves its overlay) and
// then removes dir. Without the unmount, RemoveAll would walk into /proc.
func removeTree(dir string) error {
	if err := unmountUnder(dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// mountsUnder lists mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	mounts, err := readMountinfo()
	if err != nil {
		return nil, err
	}
	dir = filepath.Clean(dir)
	var found []string
	for _, m := range mounts {
		if m.point == dir || strings.HasPrefix(m.point, dir+"/") {
			found = append(found, m.point)
		}
	}
	// Deepest first, so children are unmounted before their parents.
	for i := 0; i < len(found); i++ {
		for j := i + 1; j < len(found); j++ {
			if len(found[j]) > len(found[i]) {
				found[i], found[j] = found[j], found[i]
			}
		}
	}
	return found, nil
}

// unescapeMountinfo undoes the octal escapes (\040 for space) that
// /proc/self/mountinfo uses in paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unmountUnder(dir string) error {
	mps, err := mountsUnder(dir)
	if err != nil {
		return fmt.Errorf("list mounts: %w", err)
	}
	var errs []error
	for _, mp := range mps {
		if err := unmount(mp); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
