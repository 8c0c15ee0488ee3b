package converge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/openstack"
)

// knownHoster is a provider that knows its nodes' host keys because it
// made them (nspawn); lift then uses those keys instead of known_hosts.
type knownHoster interface {
	KnownHosts(nodes []provider.Node) ([]byte, error)
}

// hintProvider is a provider whose new nodes announce their host keys on a
// console (OpenStack with cloud-init).
type hintProvider interface {
	HostKeyHints(ctx context.Context, n provider.Node) (openstack.HostKeyHints, error)
}

// hostKeyBook is how one converge treats host keys: accept-new for the
// nodes it created (checked against what the provider knows when it can),
// strict for everything else, and forgetting the nodes it destroyed.
type hostKeyBook struct {
	prov     provider.Provider
	explicit string // Options.Runner.KnownHostsFile as given
	file     string // the known_hosts file lift will read ("" if unknown)
	progress io.Writer
}

func newHostKeyBook(prov provider.Provider, knownHostsFile string, progress io.Writer) *hostKeyBook {
	b := &hostKeyBook{prov: prov, explicit: knownHostsFile, file: knownHostsFile, progress: progress}
	if b.file == "" {
		if home, err := os.UserHomeDir(); err == nil {
			b.file = filepath.Join(home, ".ssh", "known_hosts")
		}
	}
	return b
}

// providerKeys reports whether lift will take every key from the provider,
// in which case nothing needs recording.
func (b *hostKeyBook) providerKeys() bool {
	_, ok := b.prov.(knownHoster)
	return ok && b.explicit == ""
}

func (b *hostKeyBook) progressf(format string, args ...any) {
	if b.progress != nil {
		fmt.Fprintf(b.progress, "converge: "+format+"\n", args...)
	}
}

// learn records the host key of n, a node this run created, so that the
// strict check lift does lets it in.
func (b *hostKeyBook) learn(ctx context.Context, n provider.Node) error {
	if b.providerKeys() {
		return nil
	}
	if b.file == "" {
		return fmt.Errorf("node %s: no known_hosts file to record its host key in: set HOME or pass a known hosts file", n.Name)
	}
	addr := net.JoinHostPort(n.Host, strconv.Itoa(portOr22(n.Port)))
	if kh, ok := b.prov.(knownHoster); ok {
		data, err := kh.KnownHosts([]provider.Node{n})
		if err != nil {
			return fmt.Errorf("node %s: host key from the provider: %w", n.Name, err)
		}
		_, _, key, _, _, err := ssh.ParseKnownHosts(data)
		if err != nil {
			return fmt.Errorf("node %s: host key from the provider: %w", n.Name, err)
		}
		return recordHostKey(b.file, addr, key, true)
	}
	key, err := scanHostKey(ctx, addr)
	if err != nil {
		return fmt.Errorf("node %s: read its host key: %w", n.Name, err)
	}
	verified := false
	if hp, ok := b.prov.(hintProvider); ok {
		hints, err := hp.HostKeyHints(ctx, n)
		switch {
		case err != nil:
			b.progressf("%s: no console log (%v): trusting its host key %s on first use, as it was just created", n.Name, err, ssh.FingerprintSHA256(key))
		case hints.Empty():
			b.progressf("%s: the console shows no host key fingerprints: trusting %s on first use, as it was just created", n.Name, ssh.FingerprintSHA256(key))
		default:
			if err := hints.Verify(key); err != nil {
				return fmt.Errorf("node %s at %s: %w: not connecting; destroy it, or check what answers at that address", n.Name, addr, err)
			}
			verified = true
			b.progressf("%s: host key %s matches its console log", n.Name, ssh.FingerprintSHA256(key))
		}
	}
	return recordHostKey(b.file, addr, key, verified)
}

// forget removes the destroyed nodes' addresses from the known_hosts
// file: the next machine to get such an address has another key, and a
// stale line would make it look like an attack.
func (b *hostKeyBook) forget(nodes []provider.Node) {
	if b.file == "" || len(nodes) == 0 {
		return
	}
	if _, err := os.Stat(b.file); err != nil {
		return
	}
	for _, n := range nodes {
		addr := net.JoinHostPort(n.Host, strconv.Itoa(portOr22(n.Port)))
		if removed, err := editKnownHosts(b.file, addr, nil); err != nil {
			b.progressf("could not forget the host key of %s (%s): %v", n.Name, addr, err)
		} else if removed > 0 {
			b.progressf("forgot the host key of destroyed node %s (%s) in %s", n.Name, addr, b.file)
		}
	}
}

func portOr22(p int) int {
	if p == 0 {
		return 22
	}
	return p
}

// scanHostKey reads the host key a server at addr offers, like
// ssh-keyscan: the handshake stops once the key is seen, before any
// authentication. Fresh nodes may still be settling, so refused or reset
// connections are retried for a while.
func scanHostKey(ctx context.Context, addr string) (ssh.PublicKey, error) {
	errGot := errors.New("got the host key")
	deadline := time.Now().Add(60 * time.Second)
	for {
		var key ssh.PublicKey
		err := func() error {
			d := net.Dialer{Timeout: 10 * time.Second}
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
			cfg := &ssh.ClientConfig{
				User: "pallet-keyscan",
				HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
					key = k
					return errGot
				},
			}
			_, _, _, err = ssh.NewClientConn(conn, addr, cfg)
			return err
		}()
		if key != nil {
			return key, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// recordHostKey adds addr's key to file. A line for addr with another key
// is replaced when replaceStale (the provider vouched for the new key),
// and refused otherwise, as OpenSSH's accept-new does.
func recordHostKey(file, addr string, key ssh.PublicKey, replaceStale bool) error {
	host := knownhosts.Normalize(addr)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	var stale []string
	_, err := editKnownHosts(file, addr, func(lines [][]byte) ([][]byte, error) {
		var keep [][]byte
		have := false
		for _, l := range lines {
			k, ok := lineKey(l, host)
			switch {
			case !ok:
				keep = append(keep, l)
			case bytes.Equal(k.Marshal(), key.Marshal()):
				have = true
				keep = append(keep, l)
			default:
				stale = append(stale, k.Type()+" "+ssh.FingerprintSHA256(k))
				if !replaceStale {
					keep = append(keep, l)
				}
			}
		}
		if len(stale) > 0 && !replaceStale {
			return nil, fmt.Errorf("%s already has another host key for %s (%s), and this run just created the node there with %s %s: "+
				"if an earlier machine had that address, remove the old key with ssh-keygen -R '%s' -f %s",
				file, host, strings.Join(stale, ", "), key.Type(), ssh.FingerprintSHA256(key), host, file)
		}
		if !have {
			keep = append(keep, []byte(knownhosts.Line([]string{host}, key)))
		}
		return keep, nil
	})
	return err
}

// lineKey returns the key of a known_hosts line that names host (plainly
// or hashed) and carries no marker; ok is false for every other line.
func lineKey(line []byte, host string) (ssh.PublicKey, bool) {
	marker, hosts, key, _, _, err := ssh.ParseKnownHosts(line)
	if err != nil || marker != "" {
		return nil, false
	}
	for _, h := range hosts {
		if h == host || hashedMatch(h, host) {
			return key, true
		}
	}
	return nil, false
}

// hashedMatch checks a HashKnownHosts entry, |1|salt|hmac-sha1(salt, host).
func hashedMatch(entry, host string) bool {
	parts := strings.Split(entry, "|")
	if len(parts) != 4 || parts[0] != "" || parts[1] != "1" {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	sum, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return hmac.Equal(mac.Sum(nil), sum)
}

// editKnownHosts rewrites file under the same flock the runner takes to
// append to it, in place (not by rename, which would leave a writer that
// holds the old file appending to nothing). With edit nil, every plain
// line for addr alone is dropped and a line that names addr among other
// hosts loses that name; removed counts what went.
func editKnownHosts(file, addr string, edit func(lines [][]byte) ([][]byte, error)) (removed int, err error) {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock %s: %w", file, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, err
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", file, err)
	}
	var out [][]byte
	if edit != nil {
		if out, err = edit(lines); err != nil {
			return 0, err
		}
	} else {
		host := knownhosts.Normalize(addr)
		for _, l := range lines {
			if _, ok := lineKey(l, host); !ok {
				out = append(out, l)
				continue
			}
			removed++
			fields := bytes.Fields(l)
			var others []string
			for _, h := range strings.Split(string(fields[0]), ",") {
				if h != host && !hashedMatch(h, host) {
					others = append(others, h)
				}
			}
			if len(others) > 0 {
				rest := bytes.TrimLeft(l[len(fields[0]):], " \t")
				out = append(out, append([]byte(strings.Join(others, ",")+" "), rest...))
			}
		}
		if removed == 0 {
			return 0, nil
		}
	}
	var buf bytes.Buffer
	for _, l := range out {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	if bytes.Equal(buf.Bytes(), data) {
		return removed, nil
	}
	if err := f.Truncate(0); err != nil {
		return 0, err
	}
	if _, err := f.WriteAt(buf.Bytes(), 0); err != nil {
		return 0, fmt.Errorf("write %s: %w", file, err)
	}
	return removed, f.Sync()
}

// view is the provider as one lift pass sees it: exactly the given nodes,
// with the user that pass logs in as. Bootstrap marks go to the real
// provider; creating and destroying are not lift's business.
type view struct {
	inner provider.Provider
	nodes []provider.Node
}

func (v *view) Nodes(context.Context) ([]provider.Node, error) { return v.nodes, nil }

func (v *view) Create(context.Context, string, int, provider.CreateSpec) ([]provider.Node, error) {
	return nil, errors.New("converge: a lift pass does not create nodes")
}

func (v *view) Destroy(context.Context, []provider.Node) error {
	return errors.New("converge: a lift pass does not destroy nodes")
}

func (v *view) MarkBootstrapped(ctx context.Context, n provider.Node) error {
	return v.inner.MarkBootstrapped(ctx, n)
}

// keyedView keeps the provider's knowledge of host keys visible to lift.
type keyedView struct {
	*view
	kh knownHoster
}

func (v *keyedView) KnownHosts(nodes []provider.Node) ([]byte, error) { return v.kh.KnownHosts(nodes) }

func (b *hostKeyBook) view(nodes []provider.Node) provider.Provider {
	v := &view{inner: b.prov, nodes: nodes}
	if kh, ok := b.prov.(knownHoster); ok {
		return &keyedView{view: v, kh: kh}
	}
	return v
}
