package nspawn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Each node's systemd-nspawn starts in a cgroup of its own, one per
// hierarchy systemd keeps its units in. With --keep-unit, nspawn moves
// itself to "supervisor" and the container to "payload" below the cgroup
// it was started in, so nodes started by one process shared a single
// tree: every node's ssh.service was the same cgroup, and a unit stopping
// on one node removed the cgroup that a unit of the same name was starting
// in on another, which then failed with status 219/CGROUP.

// joinCgroups is the shell that starts nspawn: it moves itself into each
// cgroup directory given before "--" and execs the rest. A process can be
// put in a legacy (v1) cgroup only once it runs, and nspawn reads its
// cgroup as soon as it starts; clone3's CLONE_INTO_CGROUP knows cgroup2
// alone. Its message lands in the node's console log, which a failed
// start shows.
const joinCgroups = `for d; do [ "$d" = -- ] && break; echo $$ >"$d/cgroup.procs" || { echo "pallet: cannot move into the node's cgroup $d" >&2; exit 125; }; shift; done; shift; exec "$@"`

// nodeCgroups is the cgroup directory, in each hierarchy systemd uses
// (the cgroup2 one, and the legacy name=systemd one on a hybrid or legacy
// host), that the node with id starts in: a child of this process's
// cgroup there, named after the node's machine name.
func nodeCgroups(id string) ([]string, error) {
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	mounts, err := readMountinfo()
	if err != nil {
		return nil, err
	}
	return cgroupDirs(id, string(own), mounts)
}

// cgroupDirs does nodeCgroups' work on the text of /proc/self/cgroup and
// the mounts.
func cgroupDirs(id, procCgroup string, mounts []mount) ([]string, error) {
	own := ownCgroups(procCgroup)
	var dirs []string
	for _, hier := range []string{"cgroup2", "name=systemd"} {
		path, ok := own[hier]
		if !ok {
			continue
		}
		dir, found, err := cgroupDir(hier, path, mounts)
		if err != nil {
			return nil, err
		}
		if !found {
			// The kernel lists cgroup2 also where it is not
			// mounted (a legacy host); name=systemd is listed only
			// where it is a hierarchy, and then systemd needs it.
			if hier == "name=systemd" {
				return nil, fmt.Errorf("this process is in the name=systemd cgroup %s, but no mount of that hierarchy shows it", path)
			}
			continue
		}
		dirs = append(dirs, filepath.Join(dir, "pallet-"+id))
	}
	if len(dirs) == 0 {
		return nil, errors.New("found no cgroup2 or name=systemd hierarchy mounted, which the node's systemd needs")
	}
	return dirs, nil
}

// cgroupDir is the directory of cgroup path in the first mount of hier
// that shows it.
func cgroupDir(hier, path string, mounts []mount) (string, bool, error) {
	if hasDotDot(path) {
		// Outside this process's cgroup namespace: its own cgroup
		// cannot be named, nor a child of it made.
		return "", false, fmt.Errorf("this process's %s cgroup %s is outside its cgroup namespace", hier, path)
	}
	for _, m := range mounts {
		if !m.isHierarchy(hier) || hasDotDot(m.root) {
			continue
		}
		rel := path
		if m.root != "/" {
			var ok bool
			if rel, ok = strings.CutPrefix(path, m.root); !ok || (rel != "" && rel[0] != '/') {
				continue // a bind mount of another part of the tree
			}
		}
		return filepath.Join(m.point, rel), true, nil
	}
	return "", false, nil
}

func hasDotDot(path string) bool {
	return slices.Contains(strings.Split(path, "/"), "..")
}

// ownCgroups maps "cgroup2" and each legacy hierarchy's controllers (such
// as "name=systemd") to the cgroup path procCgroup (/proc/PID/cgroup)
// gives for it.
func ownCgroups(procCgroup string) map[string]string {
	own := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		// hierarchy-ID:controller-list:cgroup-path
		id, rest, ok1 := strings.Cut(line, ":")
		ctls, path, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			continue
		}
		if id == "0" && ctls == "" {
			own["cgroup2"] = path
			continue
		}
		for _, c := range strings.Split(ctls, ",") {
			own[c] = path
		}
	}
	return own
}

type mount struct {
	root, point, fstype, superOpts string
}

// isHierarchy reports whether m is a mount of hier: "cgroup2", or a legacy
// controller such as "name=systemd".
func (m mount) isHierarchy(hier string) bool {
	if hier == "cgroup2" {
		return m.fstype == "cgroup2"
	}
	if m.fstype != "cgroup" {
		return false
	}
	for _, o := range strings.Split(m.superOpts, ",") {
		if o == hier {
			return true
		}
	}
	return false
}

// readMountinfo lists this process's mounts from /proc/self/mountinfo.
func readMountinfo() ([]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseMountinfo(f)
}

func parseMountinfo(r io.Reader) ([]mount, error) {
	var mounts []mount
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// id parent major:minor root mount-point options [optional...] - fstype source super-options
		pre, post, _ := strings.Cut(sc.Text(), " - ")
		fields, after := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 {
			continue
		}
		m := mount{root: unescapeMountinfo(fields[3]), point: unescapeMountinfo(fields[4])}
		if len(after) >= 3 {
			m.fstype, m.superOpts = after[0], after[2]
		}
		mounts = append(mounts, m)
	}
	return mounts, sc.Err()
}

// makeCgroups creates the node's cgroup directories. One that exists
// already is refused: ids are random, and sharing a cgroup with whatever
// is in it is what they are for to prevent.
func makeCgroups(dirs []string) error {
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("make the node's cgroup: %w", err)
		}
		if err := isCgroup(d); err != nil {
			return err
		}
	}
	return nil
}

// isCgroup checks that d is on a cgroup file system.
func isCgroup(d string) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(d, &st); err != nil {
		return fmt.Errorf("the node's cgroup: %w", err)
	}
	if st.Type != cgroupMagic && st.Type != cgroup2Magic {
		return fmt.Errorf("the node's cgroup %s is not on a cgroup file system", d)
	}
	return nil
}

// The f_type of cgroup file systems (linux/magic.h).
const (
	cgroupMagic  = 0x27e0eb
	cgroup2Magic = 0x63677270
)

// removeCgroups removes the cgroup directories of the node with id and
// whatever the container left below them, deepest first. The container is
// stopped by then, but a process of it that left the node's root (chroot)
// is found only here: it is killed, as is any other still in them.
func removeCgroups(id string, dirs []string) error {
	for _, d := range dirs {
		if _, err := os.Lstat(d); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if filepath.Base(d) != "pallet-"+id {
			return fmt.Errorf("the node record names %s as its cgroup, which is no cgroup of this node's", d)
		}
		if err := isCgroup(d); err != nil {
			return err
		}
		var sub []string
		err := filepath.WalkDir(d, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				if path != d && errors.Is(err, fs.ErrNotExist) {
					return nil // removed meanwhile
				}
				return err
			}
			if e.IsDir() {
				sub = append(sub, path)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for i := len(sub) - 1; i >= 0; i-- {
			if err := rmdirCgroup(sub[i], 5*time.Second); err != nil {
				return err
			}
		}
	}
	return nil
}

// rmdirCgroup removes the cgroup dir, killing what still runs in it; a
// cgroup whose last process is exiting is busy for a moment.
func rmdirCgroup(dir string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		err := syscall.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		pids := cgroupPids(dir)
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			if len(pids) > 0 {
				return fmt.Errorf("remove the node's cgroup %s: processes %v still run in it: %w", dir, pids, err)
			}
			return fmt.Errorf("remove the node's cgroup %s: %w", dir, err)
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cgroupPids lists the processes in cgroup dir.
func cgroupPids(dir string) []int {
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if p, err := strconv.Atoi(f); err == nil && p > 0 {
			pids = append(pids, p)
		}
	}
	return pids
}
