// Package provider is the small seam between pallet's lift/converge and the
// places nodes come from: a static node list, local nspawn containers, a
// cloud. Every provider lists nodes and remembers which ones have already
// run their bootstrap phase (Provider); what only some can do is a small
// interface of its own, which callers ask for with a type assertion:
//
//   - Creator: make and remove nodes (nspawn, openstack; not a node list);
//   - HostKeyKnower: the nodes' SSH host keys, because it made them (nspawn);
//   - HostKeyHinter: what a new node announced about its host keys, such as
//     the fingerprints a cloud server prints on its console (openstack).
//
// Adding a provider is implementing the interfaces that fit; lift, converge
// and the CLI never name a concrete provider.
package provider

import (
	"context"
	"errors"
	"time"
)

// ErrCannotCreate is what AsCreator returns for a provider that does not
// implement Creator: its nodes exist outside pallet's control, such as a
// fixed node list. Callers test for it with errors.Is and tell the user to
// add the machines by hand.
var ErrCannotCreate = errors.New("this provider cannot create or destroy nodes; add them to the node list yourself")

// Node is one machine pallet can reach over SSH.
type Node struct {
	// ID is unique within the provider and stable for the node's lifetime.
	ID string `json:"id"`
	// Name is a human-friendly name, e.g. "web-1".
	Name string `json:"name"`
	// Group is the pallet group the node belongs to.
	Group string `json:"group"`
	// Host is the address to ssh to, e.g. "127.0.10.2".
	Host string `json:"host"`
	// Address is the node's private address, where the provider has one
	// (a cloud server's fixed address); empty means Host. Templates read
	// it as .node.address.
	Address string `json:"address,omitempty"`
	// Tags are the provider's tags or metadata for the node, less
	// pallet's own keys; templates read them as .node.tags.
	Tags map[string]string `json:"tags,omitempty"`
	// Vars are the node's own vars (a node-list node's vars:), which rank
	// above its group's and below --var.
	Vars map[string]any `json:"vars,omitempty"`
	// Port is the SSH port, usually 22; 0 means the Port of the host's
	// ~/.ssh/config entry, else 22 (a node list's host may be an alias).
	Port int `json:"port"`
	// User is the login user; scripts are run through sudo when it is not root.
	User string `json:"user"`
	// OS is a pallet OS id like "debian-12", or "auto" when the runner
	// should detect it on the node.
	OS string `json:"os"`
	// Bootstrapped is true once the node's bootstrap phase has succeeded,
	// so lift does not run it again.
	Bootstrapped bool `json:"bootstrapped"`
	// Created is when the provider made the node (zero if unknown).
	Created time.Time `json:"created"`
}

// CreateSpec says what a provider should make. Providers ignore fields
// that have no meaning for them (a container provider has no flavour).
type CreateSpec struct {
	// Image names the base image or release, e.g. "bookworm" or a cloud
	// image id. Empty means the provider's default.
	Image string
	// AdminPublicKey is an OpenSSH authorized_keys line that may log in as
	// LoginUser. Required: pallet never logs in with passwords.
	AdminPublicKey string
	// LoginUser is the user to create for logging in. Empty or "root"
	// means log in as root directly.
	LoginUser string
	// SudoPassword, when LoginUser is not root, is that user's password and
	// makes sudo ask for it (to exercise sudo -S). Empty means
	// passwordless sudo (NOPASSWD).
	SudoPassword string

	// The fields below matter to cloud providers, which pick from a
	// catalogue instead of building the machine themselves. On a cloud,
	// LoginUser is the user the image already has (a group's login_user);
	// empty means the image's own default user.

	// AdminUser is the user bootstrap will create; clouds name the
	// imported AdminPublicKey after it (openstack: pallet-<AdminUser>).
	AdminUser string
	// ImageTemplate picks an image when Image is empty.
	ImageTemplate ImageTemplate
	// Hardware picks the machine size.
	Hardware Hardware
	// Network, when set, overrides the provider's network (name or id).
	Network string
	// FloatingIPPool, when set, overrides the provider's floating IP pool.
	FloatingIPPool string
}

// ImageTemplate selects a cloud image by what it is rather than by id, as
// a group's image: block does. Empty fields match anything.
type ImageTemplate struct {
	// OSFamily is a distribution name such as "debian" or "ubuntu".
	OSFamily string
	// OSVersionMatches is a regular expression for the OS version.
	OSVersionMatches string
	// OSDescriptionMatches is a regular expression for the image's name
	// or description.
	OSDescriptionMatches string
	// OS64Bit, when set, requires (or refuses) a 64-bit image.
	OS64Bit *bool
	// ImageID pins one image by id; ImageName by exact name.
	ImageID   string
	ImageName string
}

// Hardware selects a machine size. The zero value means the smallest size
// the image fits on.
type Hardware struct {
	// Smallest asks for the smallest size that meets the minimums.
	Smallest bool
	// MinCores, MinRAMMB and MinDiskGB are lower bounds (0: no bound).
	MinCores  int
	MinRAMMB  int
	MinDiskGB int
	// Flavor pins a size by name or id.
	Flavor string
}

// Provider lists nodes and records their bootstrap. Implementations must
// be safe to call from several goroutines and must keep their state outside
// the process, so that nodes made by one pallet run are seen by the next.
type Provider interface {
	// Nodes lists every node the provider knows, in a stable order.
	Nodes(ctx context.Context) ([]Node, error)
	// MarkBootstrapped records that n's bootstrap phase has succeeded.
	MarkBootstrapped(ctx context.Context, n Node) error
}

// Creator is a provider that makes and removes nodes.
type Creator interface {
	// Create makes count new nodes in group and returns once they accept
	// SSH connections.
	Create(ctx context.Context, group string, count int, spec CreateSpec) ([]Node, error)
	// Destroy removes the given nodes and everything the provider keeps
	// for them. Unknown nodes are not an error, so Destroy can be retried.
	Destroy(ctx context.Context, nodes []Node) error
}

// AsCreator returns p as a Creator, or ErrCannotCreate when it is not one.
func AsCreator(p Provider) (Creator, error) {
	if c, ok := p.(Creator); ok {
		return c, nil
	}
	return nil, ErrCannotCreate
}

// HostKeyKnower is a provider that knows its nodes' SSH host keys because
// it made them, so they need not be trusted on first use.
type HostKeyKnower interface {
	// KnownHosts returns known_hosts lines for the nodes' addresses.
	KnownHosts(nodes []Node) ([]byte, error)
}

// HostKeyHinter is a provider whose new nodes announce their host keys
// somewhere pallet can read before connecting, such as a cloud server's
// console log.
type HostKeyHinter interface {
	// HostKeyHints returns what n announced; empty hints (and no error)
	// when it announced nothing usable.
	HostKeyHints(ctx context.Context, n Node) (HostKeyHints, error)
}
