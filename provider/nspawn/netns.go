package nspawn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
)

// A private-network node (Options.PrivateNetwork) runs in a network
// namespace of its own, made with ip netns before the container starts, so
// that what it does to its network (nft, ip addresses, routes) stays there:
// the host's ruleset and links are never in its reach. A veth pair joins
// the namespace to the host. Its addresses are link-local and derived from
// the loopback address the node would have had, 127.0.T.N: the node is
// 169.254.T.N and the host end 169.254.T.1, each the other's point-to-point
// peer (a /32 route each way, no subnet). Every host end of block T has the
// same local address, so no address is used up on the host side. The node
// has no default route: it reaches the host's 169.254.T.1 and nothing else
// (the host does not forward for it, and pallet changes no host setting).

// nodeLink is the name of the node's end of the veth pair inside its
// namespace. Not host0: the container's systemd-networkd, if enabled,
// would take host0 over with DHCP.
const nodeLink = "pallet0"

// netnsName and hostLinkName are the namespace and the host end of the veth
// pair of node id; a link name is at most 15 bytes.
func netnsName(id string) string    { return "pallet-" + id }
func hostLinkName(id string) string { return "pallet-" + id }

// privateAddress is the link-local address a private-network node of
// loopback slot 127.0.T.N gets: 169.254.T.N, with the host end 169.254.T.1.
func privateAddress(slot string) (node, host string, err error) {
	ip := net.ParseIP(slot).To4()
	if ip == nil || ip[0] != 127 {
		return "", "", fmt.Errorf("nspawn: %q is not a loopback slot", slot)
	}
	node = fmt.Sprintf("169.254.%d.%d", ip[2], ip[3])
	host = fmt.Sprintf("169.254.%d.1", ip[2])
	return node, host, nil
}

// slotOf is the loopback slot a record's Host holds: its own 127.0.T.N,
// or that of its private address 169.254.T.N.
func slotOf(host string) string {
	if rest, ok := strings.CutPrefix(host, "169.254."); ok {
		return "127.0." + rest
	}
	return host
}

// ipCmd runs ip(8) with args and returns an error holding its output.
func ipCmd(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// setupNetns makes rec's namespace and veth pair and addresses both ends.
// On an error, what was made is left for teardownNetns (Create's cleanup
// calls Destroy, which calls it).
func setupNetns(ctx context.Context, rec record) error {
	_, hostAddr, err := privateAddress(slotOf(rec.Host))
	if err != nil {
		return err
	}
	ns, link := rec.Netns, rec.HostLink
	steps := [][]string{
		{"netns", "add", ns},
		{"link", "add", link, "type", "veth", "peer", "name", nodeLink, "netns", ns},
		{"addr", "add", hostAddr + "/32", "peer", rec.Host + "/32", "dev", link},
		{"link", "set", link, "up"},
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "addr", "add", rec.Host + "/32", "peer", hostAddr + "/32", "dev", nodeLink},
		{"-n", ns, "link", "set", nodeLink, "up"},
	}
	for _, s := range steps {
		if err := ipCmd(ctx, s...); err != nil {
			return fmt.Errorf("private network: %w", err)
		}
	}
	return nil
}

// teardownNetns removes rec's veth pair and namespace, whatever of them
// exists, and checks that both are gone. Deleting the host end removes
// the node's end with it at once; the namespace itself ends once its last
// process (the container's) has.
func teardownNetns(ctx context.Context, rec record) error {
	if rec.Netns == "" {
		return nil
	}
	var errs []error
	if _, err := net.InterfaceByName(rec.HostLink); err == nil {
		if err := ipCmd(ctx, "link", "del", rec.HostLink); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := os.Stat("/run/netns/" + rec.Netns); err == nil {
		if err := ipCmd(ctx, "netns", "del", rec.Netns); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := net.InterfaceByName(rec.HostLink); err == nil {
		errs = append(errs, fmt.Errorf("host link %s is still there", rec.HostLink))
	}
	if _, err := os.Stat("/run/netns/" + rec.Netns); err == nil {
		errs = append(errs, fmt.Errorf("network namespace %s is still there", rec.Netns))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("private network: %w", err)
	}
	return nil
}
