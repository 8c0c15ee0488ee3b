// Command nodes makes and removes the nspawn nodes of the pallet vs Ansible
// benchmark (bench/vs-ansible/run.sh). It keeps them in a state dir of its
// own, on loopback addresses of their own (127.0.200.x, or -block), so it
// never touches a developer's nodes or the test suite's.
//
//	nodes prepare                                  build the node image once
//	nodes create -group G -count N -user U -pubkey K.pub -known-hosts F
//	nodes destroy                                  remove every benchmark node
//
// -state DIR and -block B (127.0.B.x) keep a second benchmark apart.
//
// The image is the provider's Debian root filesystem plus python3 and
// python3-apt: Ansible needs Python on the node (and python3-apt for its apt
// module), pallet and the bare-ssh floor need only bash. Every tool gets the
// same image, so none pays for installing its own prerequisites.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn"
)

const (
	release = "bookworm"
	// imageMarker is written into the root filesystem once it is ready;
	// its name changes whenever prepare does something new.
	imageMarker = ".pallet-bench-image-2"
	// testRootfs is where nspawntest keeps its bookworm tree; when present
	// it is copied instead of running debootstrap again.
	testRootfs = "/var/cache/pallet-test/nspawn/rootfs/bookworm"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nodes:", err)
		os.Exit(1)
	}
}

func usage() error {
	return errors.New("usage: nodes prepare|create|destroy [-state DIR] [flags]; see the package doc")
}

func run(args []string) error {
	if len(args) < 1 {
		return usage()
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	state := fs.String("state", "/var/cache/pallet-bench/nspawn", "state dir for the benchmark's nodes and image")
	group := fs.String("group", "bench", "group (and name prefix) of the nodes")
	count := fs.Int("count", 1, "how many nodes to create")
	user := fs.String("user", "root", "login user: root, or a user made with NOPASSWD sudo")
	pubkey := fs.String("pubkey", "", "public key file the login user accepts")
	knownHosts := fs.String("known-hosts", "", "write the nodes' host keys to this known_hosts file")
	block := fs.Int("block", 200, "address block: the nodes get 127.0.BLOCK.x (a second benchmark on the same machine needs another block and state dir)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p, err := nspawn.New(nspawn.Options{
		StateDir:     *state,
		AddressBlock: *block,
		Progress:     os.Stderr,
	})
	if err != nil {
		return err
	}
	switch cmd {
	case "prepare":
		return prepare(ctx, p)
	case "create":
		if *pubkey == "" || *knownHosts == "" {
			return errors.New("create needs -pubkey and -known-hosts")
		}
		if err := prepare(ctx, p); err != nil {
			return err
		}
		pub, err := os.ReadFile(*pubkey)
		if err != nil {
			return err
		}
		login := *user
		if login == "root" {
			login = ""
		}
		nodes, err := p.Create(ctx, *group, *count, provider.CreateSpec{
			Image:          release,
			AdminPublicKey: strings.TrimSpace(string(pub)),
			LoginUser:      login,
		})
		if err != nil {
			return err
		}
		kh, err := p.KnownHosts(nodes)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*knownHosts, kh, 0o644); err != nil {
			return err
		}
		// One line per node for the shell: name host port user.
		for _, n := range nodes {
			fmt.Printf("%s %s %d %s\n", n.Name, n.Host, n.Port, n.User)
		}
		return nil
	case "destroy":
		// The state dir belongs to the benchmark alone, so every node in
		// it is one of ours. Destroy must finish even after a Ctrl-C.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		nodes, err := p.Nodes(dctx)
		if err != nil {
			return err
		}
		if len(nodes) == 0 {
			return nil
		}
		fmt.Fprintf(os.Stderr, "nodes: destroying %d node(s)\n", len(nodes))
		return p.Destroy(dctx, nodes)
	}
	return usage()
}

// prepare makes the benchmark's image: the provider's bookworm tree (copied
// from the test cache when there is one, else debootstrapped) with python3.
func prepare(ctx context.Context, p *nspawn.Provider) error {
	root := filepath.Join(p.StateDir(), "rootfs", release)
	if _, err := os.Stat(filepath.Join(root, imageMarker)); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(root, ".pallet-rootfs-complete")); err != nil {
		if _, err := os.Stat(filepath.Join(testRootfs, ".pallet-rootfs-complete")); err == nil {
			fmt.Fprintf(os.Stderr, "nodes: copying %s\n", testRootfs)
			tmp := root + ".copy"
			os.RemoveAll(tmp)
			if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
				return err
			}
			if err := runCmd(ctx, os.Stderr, "cp", "-a", testRootfs, tmp); err != nil {
				return err
			}
			if err := os.Rename(tmp, root); err != nil {
				return err
			}
		}
	}
	if err := p.Prepare(ctx, release); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "nodes: installing python3 and python3-apt into the image (once)")
	// systemd-nspawn rather than chroot: it mounts /proc and /dev and
	// copies the host's resolv.conf for apt.
	nsp := []string{"systemd-nspawn", "--register=no", "--keep-unit", "--quiet", "--directory=" + root, "--resolv-conf=copy-host", "--"}
	for _, c := range [][]string{
		{"apt-get", "update", "-qq"},
		{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "--no-install-recommends", "python3", "python3-apt"},
		{"apt-get", "clean"},
		// apt-get clean also removes apt's binary cache; a real machine
		// has one, and without it every node's first apt call (Ansible's
		// apt module) spends seconds rebuilding it from the lists.
		{"apt-cache", "gencaches"},
	} {
		if err := runCmd(ctx, os.Stderr, append(nsp, c...)...); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(root, imageMarker), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
}

func runCmd(ctx context.Context, out io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return nil
}
