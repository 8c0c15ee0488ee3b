package converge

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/crypto/ssh"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// hostKeyBook is how one converge treats host keys: accept-new for the
// nodes it created (checked against what the provider knows when it can),
// strict for everything else, and forgetting the nodes it destroyed. It
// decides; reading keys from nodes and writing known_hosts is the
// runner's (runner.ScanHostKey, RecordHostKey, ForgetHostKey).
type hostKeyBook struct {
	prov     provider.Provider
	explicit string         // Options.Runner.KnownHostsFile as given
	runner   runner.Options // how lift will connect: which file and name Dial checks
	progress io.Writer
}

func newHostKeyBook(prov provider.Provider, ro runner.Options, progress io.Writer) *hostKeyBook {
	return &hostKeyBook{prov: prov, explicit: ro.KnownHostsFile, runner: ro, progress: progress}
}

// where is the known_hosts file and the name n's key is recorded under:
// the ones Dial will check, so that a UserKnownHostsFile or HostKeyAlias
// in the SSH config finds what converge recorded. file is "" when there
// is none to record in.
func (b *hostKeyBook) where(n provider.Node) (file, name string) {
	addr := net.JoinHostPort(n.Host, strconv.Itoa(portOr22(n.Port)))
	file, name, err := runner.KnownHostsFor(runner.Target{Name: n.Name, Host: n.Host, Port: n.Port, User: n.User}, b.runner)
	if err != nil {
		// Dial will report the same error; record where it looks by default.
		file, name = b.explicit, addr
		if file == "" {
			if home, err := os.UserHomeDir(); err == nil {
				file = filepath.Join(home, ".ssh", "known_hosts")
			}
		}
	}
	return file, name
}

// providerKeys reports whether lift will take every key from the provider,
// in which case nothing needs recording.
func (b *hostKeyBook) providerKeys() bool {
	_, ok := b.prov.(provider.HostKeyKnower)
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
	file, name := b.where(n)
	if file == "" {
		return fmt.Errorf("node %s: no known_hosts file to record its host key in: set HOME or pass a known hosts file", n.Name)
	}
	addr := net.JoinHostPort(n.Host, strconv.Itoa(portOr22(n.Port)))
	if kh, ok := b.prov.(provider.HostKeyKnower); ok {
		data, err := kh.KnownHosts([]provider.Node{n})
		if err != nil {
			return fmt.Errorf("node %s: host key from the provider: %w", n.Name, err)
		}
		_, _, key, _, _, err := ssh.ParseKnownHosts(data)
		if err != nil {
			return fmt.Errorf("node %s: host key from the provider: %w", n.Name, err)
		}
		return runner.RecordHostKey(file, name, key, true)
	}
	key, err := runner.ScanHostKey(ctx, addr)
	if err != nil {
		return fmt.Errorf("node %s: read its host key: %w", n.Name, err)
	}
	verified := false
	if hp, ok := b.prov.(provider.HostKeyHinter); ok {
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
	return runner.RecordHostKey(file, name, key, verified)
}

// forget removes the destroyed nodes' addresses from the known_hosts
// file: the next machine to get such an address has another key, and a
// stale line would make it look like an attack.
func (b *hostKeyBook) forget(nodes []provider.Node) {
	for _, n := range nodes {
		file, name := b.where(n)
		if file == "" {
			continue
		}
		if _, err := os.Stat(file); err != nil {
			continue
		}
		if removed, err := runner.ForgetHostKey(file, name); err != nil {
			b.progressf("could not forget the host key of %s (%s): %v", n.Name, name, err)
		} else if removed > 0 {
			b.progressf("forgot the host key of destroyed node %s (%s) in %s", n.Name, name, file)
		}
	}
}

func portOr22(p int) int {
	if p == 0 {
		return 22
	}
	return p
}
