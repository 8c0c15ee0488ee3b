// Package nspawn is a pallet provider whose nodes are local systemd-nspawn
// containers: a real Debian that boots systemd and runs OpenSSH, made in
// about a second, so pallet can be tried and tested without a cloud.
//
// A Debian root filesystem is built once per release with debootstrap and
// cached. Each node is an overlayfs over that cache (its own upper and work
// directory), booted with systemd-nspawn on the host network, with sshd
// listening on the node's own loopback address (127.0.10.2, 127.0.10.3, ...)
// port 22; or, with Options.PrivateNetwork, in a network namespace of its
// own reached over a veth pair at 169.254.10.2, ... (see netns.go). Node state is one JSON file per node in the state directory, so
// nodes outlive the process that made them until Destroy.
//
// The provider needs root, systemd-nspawn and ssh-keygen, and debootstrap
// the first time a release is used.
package nspawn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/palletops/pallet/internal/atomicfile"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/palletops/pallet/provider"
)

// ErrNeedRoot is returned by New when the process is not root: mounting
// overlays and starting containers need it.
var ErrNeedRoot = errors.New("the nspawn provider needs root (run with sudo)")

// Options configure a Provider. The zero value is usable.
type Options struct {
	// StateDir holds node state and, unless CacheDir is set, the cached
	// root filesystems. Default: $XDG_STATE_HOME/pallet/nspawn, i.e.
	// ~/.local/state/pallet/nspawn.
	StateDir string
	// CacheDir holds one debootstrapped root filesystem per release.
	// Default: StateDir/rootfs. Sharing it between state dirs is safe.
	CacheDir string
	// Release is the Debian release used when CreateSpec.Image is empty:
	// bullseye, bookworm (default) or trixie.
	Release string
	// Mirror is the Debian mirror for debootstrap.
	// Default: http://deb.debian.org/debian.
	Mirror string
	// Progress, if set, receives one line per step of long work
	// (debootstrap output, nodes starting).
	Progress io.Writer
	// AddressBlock is the third octet of the first loopback block nodes
	// get addresses from (127.0.<AddressBlock>.2 ...). Default 10. Give
	// providers with different state dirs different blocks so they never
	// pick the same free address at the same moment.
	AddressBlock int
	// BootTimeout bounds how long Create waits for a node's sshd.
	// Default 90s.
	BootTimeout time.Duration
	// PrivateNetwork gives each node made a network namespace of its own,
	// joined to the host by a veth pair, instead of the host's network:
	// the node keeps CAP_NET_ADMIN there, so nft, ip and the like work on
	// it and cannot touch the host. It is reached at the link-local
	// 169.254.T.N for the loopback slot 127.0.T.N it would have had, and
	// reaches nothing beyond the host (no default route, no forwarding).
	// Needs ip(8) (iproute2) on the host.
	PrivateNetwork bool
}

// What nspawn can do beyond listing: make and remove containers, and
// know their host keys, since it generated them.
var (
	_ provider.Creator       = (*Provider)(nil)
	_ provider.HostKeyKnower = (*Provider)(nil)
)

// Provider makes and removes nspawn nodes. It is safe for concurrent use,
// including by several processes sharing a state dir (they coordinate with
// lock files).
type Provider struct {
	stateDir     string
	cacheDir     string
	release      string
	mirror       string
	progress     io.Writer
	progressMu   sync.Mutex
	addressBlock int
	bootTimeout  time.Duration
	private      bool
}

var _ provider.Provider = (*Provider)(nil)

// New checks that nspawn nodes can be made here and returns a Provider.
func New(opts Options) (*Provider, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNeedRoot
	}
	for _, bin := range []string{"systemd-nspawn", "ssh-keygen", "chroot"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("nspawn: %s not found: install it (apt-get install systemd-container openssh-client): %w", bin, err)
		}
	}
	p := &Provider{
		stateDir:     opts.StateDir,
		cacheDir:     opts.CacheDir,
		release:      opts.Release,
		mirror:       opts.Mirror,
		progress:     opts.Progress,
		addressBlock: opts.AddressBlock,
		bootTimeout:  opts.BootTimeout,
		private:      opts.PrivateNetwork,
	}
	if p.private {
		if _, err := exec.LookPath("ip"); err != nil {
			return nil, fmt.Errorf("nspawn: private_network needs ip (apt-get install iproute2): %w", err)
		}
	}
	if p.stateDir == "" {
		base := os.Getenv("XDG_STATE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil, fmt.Errorf("nspawn: no state dir given and no home dir: %w", err)
			}
			base = filepath.Join(home, ".local", "state")
		}
		p.stateDir = filepath.Join(base, "pallet", "nspawn")
	}
	if p.cacheDir == "" {
		p.cacheDir = filepath.Join(p.stateDir, "rootfs")
	}
	var err error
	if p.stateDir, err = filepath.Abs(p.stateDir); err != nil {
		return nil, fmt.Errorf("nspawn: %w", err)
	}
	if p.cacheDir, err = filepath.Abs(p.cacheDir); err != nil {
		return nil, fmt.Errorf("nspawn: %w", err)
	}
	// overlayfs mount options are comma- and colon-separated; such a path
	// would silently mean something else.
	for _, d := range []string{p.stateDir, p.cacheDir} {
		if strings.ContainsAny(d, ",:\\") {
			return nil, fmt.Errorf("nspawn: directory %q contains ',', ':' or '\\', which overlayfs cannot take: choose another", d)
		}
	}
	if p.release == "" {
		p.release = "bookworm"
	}
	if _, _, err := osID(p.release); err != nil {
		return nil, err
	}
	if p.mirror == "" {
		p.mirror = "http://deb.debian.org/debian"
	}
	if p.addressBlock == 0 {
		p.addressBlock = 10
	}
	if p.addressBlock < 1 || p.addressBlock > 254 {
		return nil, fmt.Errorf("nspawn: address block %d out of range: use 1..254", p.addressBlock)
	}
	if p.bootTimeout == 0 {
		p.bootTimeout = 90 * time.Second
	}
	return p, nil
}

// StateDir is where the provider keeps node state.
func (p *Provider) StateDir() string { return p.stateDir }

// RootDir is the host path of node n's root file system while it runs (its
// overlay's mount point), for tests that look at a node from the host.
func (p *Provider) RootDir(n provider.Node) string { return filepath.Join(p.nodeDir(n.ID), "merged") }

// Prepare builds the cached root filesystem for image (a release name or
// OS id, "" for the default) if it is not there yet. Create does this
// itself; Prepare lets a caller pay the one-off cost up front.
func (p *Provider) Prepare(ctx context.Context, image string) error {
	if image == "" {
		image = p.release
	}
	release, _, err := osID(image)
	if err != nil {
		return err
	}
	_, err = p.rootfs(ctx, release)
	return err
}

func (p *Provider) progressf(format string, args ...any) {
	if p.progress == nil {
		return
	}
	p.progressMu.Lock()
	defer p.progressMu.Unlock()
	fmt.Fprintf(p.progress, format+"\n", args...)
}

// record is what the state dir keeps per node: the public Node plus what
// is needed to stop it and to check its host key.
type record struct {
	provider.Node
	Release string `json:"release"`
	// PID is the systemd-nspawn process; 0 while the node is being made.
	PID int `json:"pid"`
	// HostKey is the node's sshd host public key, "ssh-ed25519 AAAA...".
	HostKey string `json:"host_key"`
	// Netns and HostLink name the node's own network namespace and the
	// host end of its veth pair, for a private-network node; empty for a
	// node on the host network. Set before either exists, so Destroy
	// removes whatever of them a failed Create left.
	Netns    string `json:"netns,omitempty"`
	HostLink string `json:"host_link,omitempty"`
	// Cgroups are the cgroup directories the node's nspawn runs in, one
	// per hierarchy (see joinCgroups); set before they exist.
	Cgroups []string `json:"cgroups,omitempty"`
}

func (p *Provider) nodesDir() string            { return filepath.Join(p.stateDir, "nodes") }
func (p *Provider) nodeDir(id string) string    { return filepath.Join(p.nodesDir(), id) }
func (p *Provider) recordPath(id string) string { return filepath.Join(p.nodeDir(id), "node.json") }

// lockNodes serialises changes to the set of node records, so two
// processes never hand out the same name or address.
func (p *Provider) lockNodes(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(p.nodesDir(), 0o755); err != nil {
		return nil, fmt.Errorf("nspawn: create state dir: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(p.stateDir, "nodes.lock"))
	if err != nil {
		return nil, fmt.Errorf("nspawn: %w", err)
	}
	return unlock, nil
}

func (p *Provider) readRecords() ([]record, error) {
	entries, err := os.ReadDir(p.nodesDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nspawn: read state dir: %w", err)
	}
	var recs []record
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		rec, err := p.readRecord(e.Name())
		if errors.Is(err, os.ErrNotExist) {
			continue // a node being destroyed right now
		}
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].Group != recs[j].Group {
			return recs[i].Group < recs[j].Group
		}
		return nameLess(recs[i].Name, recs[j].Name)
	})
	return recs, nil
}

// nameLess orders web-2 before web-10.
func nameLess(a, b string) bool {
	ai, aerr := strconv.Atoi(a[strings.LastIndexByte(a, '-')+1:])
	bi, berr := strconv.Atoi(b[strings.LastIndexByte(b, '-')+1:])
	if aerr == nil && berr == nil && a[:strings.LastIndexByte(a, '-')] == b[:strings.LastIndexByte(b, '-')] {
		return ai < bi
	}
	return a < b
}

func (p *Provider) readRecord(id string) (record, error) {
	var rec record
	b, err := os.ReadFile(p.recordPath(id))
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("nspawn: %s is corrupt (remove the node's directory by hand): %w", p.recordPath(id), err)
	}
	return rec, nil
}

func (p *Provider) writeRecord(rec record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(p.recordPath(rec.ID), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("nspawn: save node %s: %w", rec.Name, err)
	}
	return nil
}

// Nodes lists the nodes in the state dir, by group then name.
func (p *Provider) Nodes(ctx context.Context) ([]provider.Node, error) {
	recs, err := p.readRecords()
	if err != nil {
		return nil, err
	}
	nodes := make([]provider.Node, 0, len(recs))
	for _, r := range recs {
		nodes = append(nodes, r.Node)
	}
	return nodes, nil
}

// MarkBootstrapped records that n has run its bootstrap phase.
func (p *Provider) MarkBootstrapped(ctx context.Context, n provider.Node) error {
	unlock, err := p.lockNodes(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := p.readRecord(n.ID)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("nspawn: node %s (%s) not found in %s: was it destroyed? %w", n.Name, n.ID, p.stateDir, err)
	}
	if err != nil {
		return err
	}
	rec.Bootstrapped = true
	return p.writeRecord(rec)
}

// HostKey returns node n's SSH host public key ("ssh-ed25519 AAAA..."),
// so callers can check it instead of trusting on first use.
func (p *Provider) HostKey(n provider.Node) (string, error) {
	rec, err := p.readRecord(n.ID)
	if err != nil {
		return "", fmt.Errorf("nspawn: host key of node %s: %w", n.Name, err)
	}
	return rec.HostKey, nil
}

// KnownHosts returns an OpenSSH known_hosts file for nodes.
func (p *Provider) KnownHosts(nodes []provider.Node) ([]byte, error) {
	var b strings.Builder
	for _, n := range nodes {
		key, err := p.HostKey(n)
		if err != nil {
			return nil, err
		}
		host := n.Host
		if n.Port != 22 {
			host = fmt.Sprintf("[%s]:%d", n.Host, n.Port)
		}
		fmt.Fprintf(&b, "%s %s\n", host, key)
	}
	return []byte(b.String()), nil
}

var (
	groupPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$`)
	userPattern  = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,30}$`)
)

// Create makes count nodes in group, boots them and returns once each one's
// sshd answers. If any node fails, the nodes made by this call are removed.
func (p *Provider) Create(ctx context.Context, group string, count int, spec provider.CreateSpec) ([]provider.Node, error) {
	if !groupPattern.MatchString(group) {
		return nil, fmt.Errorf("nspawn: group %q cannot name a host: use lower-case letters, digits and '-'", group)
	}
	if count < 1 {
		return nil, fmt.Errorf("nspawn: count %d: create at least one node", count)
	}
	if !strings.HasPrefix(spec.AdminPublicKey, "ssh-") && !strings.HasPrefix(spec.AdminPublicKey, "ecdsa-") && !strings.HasPrefix(spec.AdminPublicKey, "sk-") {
		return nil, fmt.Errorf("nspawn: CreateSpec.AdminPublicKey must be an OpenSSH public key line (the contents of a .pub file)")
	}
	if strings.ContainsAny(strings.TrimSpace(spec.AdminPublicKey), "\n\r") {
		return nil, fmt.Errorf("nspawn: CreateSpec.AdminPublicKey must be a single line")
	}
	user := spec.LoginUser
	if user == "" {
		user = "root"
	}
	if !userPattern.MatchString(user) {
		return nil, fmt.Errorf("nspawn: login user %q is not a valid user name", user)
	}
	if user == "root" && spec.SudoPassword != "" {
		return nil, fmt.Errorf("nspawn: a sudo password needs a non-root LoginUser")
	}
	if strings.ContainsAny(spec.SudoPassword, ":\n") {
		return nil, fmt.Errorf("nspawn: sudo password must not contain ':' or a newline")
	}
	image := spec.Image
	if image == "" {
		image = p.release
	}
	release, osid, err := osID(image)
	if err != nil {
		return nil, err
	}
	lower, err := p.rootfs(ctx, release)
	if err != nil {
		return nil, err
	}

	recs, err := p.reserve(ctx, group, count, release, osid, user)
	if err != nil {
		return nil, err
	}
	nodes := make([]provider.Node, len(recs))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for i := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			rec, err := p.start(ctx, recs[i], lower, spec)
			if err != nil {
				errs[i] = fmt.Errorf("nspawn: node %s: %w", recs[i].Name, err)
				return
			}
			nodes[i] = rec.Node
			p.progressf("nspawn: node %s up at %s in %s", rec.Name, rec.Host, time.Since(start).Round(time.Millisecond))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		all := make([]provider.Node, len(recs))
		for i, r := range recs {
			all[i] = r.Node
		}
		// ctx may be what failed; cleaning up must not depend on it.
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if derr := p.Destroy(cleanup, all); derr != nil {
			err = errors.Join(err, fmt.Errorf("nspawn: cleaning up after the failure: %w", derr))
		}
		return nil, err
	}
	return nodes, nil
}

// reserve picks ids, names and addresses for count new nodes and writes
// their records (PID 0) under the nodes lock, so concurrent Creates never
// pick the same ones.
func (p *Provider) reserve(ctx context.Context, group string, count int, release, osid, user string) ([]record, error) {
	unlock, err := p.lockNodes(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	existing, err := p.readRecords()
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	addrs := map[string]bool{}
	for _, r := range existing {
		names[r.Name] = true
		addrs[slotOf(r.Host)] = true
	}
	var recs []record
	n, hostIdx := 1, 0
	for len(recs) < count {
		for names[fmt.Sprintf("%s-%d", group, n)] {
			n++
		}
		name := fmt.Sprintf("%s-%d", group, n)
		names[name] = true
		addr, next, err := freeAddress(p.addressBlock, hostIdx, addrs)
		if err != nil {
			return nil, err
		}
		hostIdx = next
		addrs[addr] = true
		id, err := newID()
		if err != nil {
			return nil, err
		}
		host := addr
		if p.private {
			if host, _, err = privateAddress(addr); err != nil {
				return nil, err
			}
			if host == "169.254.169.254" {
				// Clouds' metadata service: a route to a node
				// there would hide it from the host.
				delete(names, name)
				continue
			}
		}
		rec := record{
			Node: provider.Node{
				ID: id, Name: name, Group: group,
				Host: host, Address: host, Port: 22, User: user, OS: osid,
				Created: time.Now().UTC().Truncate(time.Second),
			},
			Release: release,
		}
		if p.private {
			rec.Netns, rec.HostLink = netnsName(id), hostLinkName(id)
		}
		if err := os.MkdirAll(p.nodeDir(id), 0o755); err != nil {
			return nil, fmt.Errorf("nspawn: %w", err)
		}
		if err := p.writeRecord(rec); err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// addressAt is the i-th candidate node address: 127.0.<block>.2 to .254,
// then the next block. .0, .1 and .255 are skipped so no node looks like a
// network, gateway or broadcast address.
func addressAt(block, i int) (string, bool) {
	third := block + i/253
	if third > 254 {
		return "", false
	}
	return fmt.Sprintf("127.0.%d.%d", third, 2+i%253), true
}

// freeAddress returns the first candidate address from index start on that
// no record holds and that nothing on the host listens on port 22 of (a
// node of another state dir, or anything else), and the index after it.
func freeAddress(block, start int, taken map[string]bool) (string, int, error) {
	for i := start; ; i++ {
		addr, ok := addressAt(block, i)
		if !ok {
			return "", 0, fmt.Errorf("nspawn: no free loopback address from 127.0.%d.2 on: destroy some nodes", block)
		}
		if taken[addr] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(addr, "22"))
		if err != nil {
			continue
		}
		l.Close()
		return addr, i + 1, nil
	}
}

func newID() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("nspawn: node id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Destroy stops the given nodes, unmounts their overlays and removes their
// state. Nodes already gone are skipped.
func (p *Provider) Destroy(ctx context.Context, nodes []provider.Node) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		if n.ID == "" || strings.ContainsAny(n.ID, "/.") {
			errs[i] = fmt.Errorf("nspawn: node %q has no valid id", n.Name)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.destroy(ctx, n); err != nil {
				errs[i] = fmt.Errorf("nspawn: destroy node %s: %w", n.Name, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (p *Provider) destroy(ctx context.Context, n provider.Node) error {
	dir := p.nodeDir(n.ID)
	rec, err := p.readRecord(n.ID)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err == nil {
		addr := ""
		if rec.Host != "" && rec.Port > 0 {
			addr = net.JoinHostPort(rec.Host, strconv.Itoa(rec.Port))
		}
		if err := stopContainer(ctx, rec.PID, filepath.Join(dir, "merged"), addr); err != nil {
			return err
		}
		if err := teardownNetns(ctx, rec); err != nil {
			return err
		}
		if err := removeCgroups(n.ID, rec.Cgroups); err != nil {
			return err
		}
	}
	if err := removeTree(dir); err != nil {
		return fmt.Errorf("remove %s (unmount it by hand if busy): %w", dir, err)
	}
	return nil
}

// unmount detaches mount point mp, retrying while it is busy: the
// container's last processes can hold it for a moment after nspawn exits.
func unmount(mp string) error {
	var err error
	for i := 0; i < 20; i++ {
		err = syscall.Unmount(mp, 0)
		if err == nil || errors.Is(err, syscall.EINVAL) { // EINVAL: not mounted any more
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("unmount %s: %w", mp, err)
}
