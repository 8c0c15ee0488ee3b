// Package openstack makes pallet nodes out of OpenStack servers, through
// gophercloud. It authenticates the way the openstack CLI and Terraform do
// (clouds.yaml + secure.yaml, or OS_* variables), picks image and flavor
// from a group's templates, imports the admin key once per user, and keeps
// pallet's state on the servers themselves as metadata:
//
//	pallet-group   the group the server belongs to (Nodes lists only these)
//	pallet-state   "bootstrapped" once the bootstrap phase has succeeded
//	pallet-user    the image's login user, for bootstrap
//	pallet-os      the pallet OS id from the image ("debian-12"), or "auto"
//	pallet-floating-ip  id of the floating IP Create allocated, released by Destroy
//
// so that any machine with the same credentials sees the same nodes.
package openstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"golang.org/x/crypto/ssh"

	"github.com/palletops/pallet/provider"
)

// Metadata keys pallet sets on servers.
const (
	MetaGroup      = "pallet-group"
	MetaState      = "pallet-state"
	MetaUser       = "pallet-user"
	MetaOS         = "pallet-os"
	MetaFloatingIP = "pallet-floating-ip"

	// StateBootstrapped is MetaState's value after bootstrap.
	StateBootstrapped = "bootstrapped"
)

// Options are the knobs that do not belong in pallet.yaml. The zero value
// is right for real clouds; tests shorten the waits.
type Options struct {
	// CloudsFile is the clouds.yaml to read (secure.yaml is looked for
	// beside it). Empty: $OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
	// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml.
	CloudsFile string
	// HTTPClient replaces the default HTTP client (proxies, custom CAs).
	HTTPClient *http.Client
	// PollInterval is how often Create looks at a building server and
	// tries SSH. Default 5s.
	PollInterval time.Duration
	// RetryBackoff is the first wait before retrying a request that got
	// HTTP 5xx; it doubles each time. Default 1s.
	RetryBackoff time.Duration
	// MaxRetries bounds retries of one request after HTTP 5xx. Default 5.
	MaxRetries int
	// Progress, if set, gets one line per server step (never credentials).
	Progress io.Writer
}

// What openstack can do beyond listing: make and remove servers, and read
// the host keys a new server prints on its console.
var (
	_ provider.Creator       = (*Provider)(nil)
	_ provider.HostKeyHinter = (*Provider)(nil)
)

// Provider is an OpenStack project as a pallet node source. It is safe for
// concurrent use; all its state lives in the cloud.
type Provider struct {
	cfg     Config
	opts    Options
	client  *gophercloud.ProviderClient
	compute *gophercloud.ServiceClient
	image   *gophercloud.ServiceClient
	network *gophercloud.ServiceClient // nil when the catalog has no Neutron

	secrets    []string   // scrubbed from every error we return
	keypairMu  sync.Mutex // one import per keypair name per process
	progressMu sync.Mutex
}

var _ provider.Provider = (*Provider)(nil)

// New authenticates and returns a Provider. The cloud is cfg.Cloud, else
// $OS_CLOUD, looked up in clouds.yaml; with neither, the OS_* variables of
// an openrc file are used.
func New(ctx context.Context, cfg *Config, opts Options) (*Provider, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Second
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = time.Second
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 5
	}
	p := &Provider{cfg: *cfg, opts: opts}

	ao, eo, tlsConfig, source, err := authOptions(cfg, opts)
	if err != nil {
		return nil, err
	}
	p.secrets = []string{ao.Password, ao.ApplicationCredentialSecret, ao.TokenID, ao.Passcode}
	// Long converges outlive tokens; gophercloud re-authenticates with
	// the same options when a request gets 401.
	ao.AllowReauth = true
	if cfg.Region != "" {
		eo.Region = cfg.Region
	}

	client, err := gopenstack.NewClient(ao.IdentityEndpoint)
	if err != nil {
		return nil, p.scrub(fmt.Errorf("openstack: %s: bad auth_url: %w", source, err))
	}
	if opts.HTTPClient != nil {
		client.HTTPClient = *opts.HTTPClient
	}
	if tlsConfig != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = tlsConfig
		client.HTTPClient.Transport = t
	}
	client.UserAgent.Prepend("pallet")
	// Set before authenticating so a Keystone 503 is retried too.
	client.RetryFunc = p.retry
	if err := gopenstack.Authenticate(ctx, client, ao); err != nil {
		return nil, p.scrub(fmt.Errorf("openstack: authenticating with %s: %w (check the credentials with `openstack token issue`)", source, cloudError(err)))
	}
	p.client = client

	if p.compute, err = gopenstack.NewComputeV2(client, eo); err != nil {
		return nil, p.scrub(fmt.Errorf("openstack: %s: no compute (nova) endpoint in the catalog for region %q: %w", source, eo.Region, err))
	}
	if p.image, err = gopenstack.NewImageV2(client, eo); err != nil {
		return nil, p.scrub(fmt.Errorf("openstack: %s: no image (glance) endpoint in the catalog for region %q: %w", source, eo.Region, err))
	}
	if nc, err := gopenstack.NewNetworkV2(client, eo); err == nil {
		p.network = nc
	}
	return p, nil
}

// retry is gophercloud's RetryFunc: it retries idempotent requests (and
// authentication) after HTTP 5xx with exponential backoff. POSTs that
// create things are not retried here: Create checks whether the server
// exists before trying again, so a 500 that did create one does not leak
// a second.
func (p *Provider) retry(ctx context.Context, method, url string, _ *gophercloud.RequestOpts, err error, failCount uint) error {
	if int(failCount) > p.opts.MaxRetries || !isServerError(err) {
		return err
	}
	if method == http.MethodPost && !strings.HasSuffix(url, "/auth/tokens") && !strings.HasSuffix(url, "/action") {
		return err
	}
	return sleep(ctx, p.opts.RetryBackoff<<(failCount-1))
}

func isServerError(err error) bool {
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return ue.Actual >= 500 && ue.Actual <= 599
	}
	var pe *gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &pe) {
		return pe.Actual >= 500 && pe.Actual <= 599
	}
	return false
}

func statusOf(err error) int {
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return ue.Actual
	}
	var pe *gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &pe) {
		return pe.Actual
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (p *Provider) progressf(format string, args ...any) {
	if p.opts.Progress == nil {
		return
	}
	p.progressMu.Lock()
	defer p.progressMu.Unlock()
	fmt.Fprintf(p.opts.Progress, "openstack: "+format+"\n", args...)
}

// Nodes lists the servers that carry pallet-group metadata, by group, then
// creation time, then name, following Nova's pages. Servers in ERROR are
// left out: they cannot be configured, and exist only when keep_failed
// kept them for inspection; so are servers being deleted.
func (p *Provider) Nodes(ctx context.Context) ([]provider.Node, error) {
	all, err := p.listServers(ctx, servers.ListOpts{})
	if err != nil {
		return nil, p.scrub(fmt.Errorf("openstack: listing servers: %w", err))
	}
	var out []provider.Node
	for _, s := range all {
		if s.Metadata[MetaGroup] == "" {
			continue
		}
		switch s.Status {
		case "ERROR", "DELETED", "SOFT_DELETED":
			continue
		}
		if s.TaskState == "deleting" {
			// Nova shows a server it is tearing down with its old status
			// until it is gone; it is no node to configure or count.
			continue
		}
		out = append(out, p.node(&s, ""))
	}
	// by group, then oldest first as converge counts "newest"
	// (provider.OlderFirst): servers made in the same second tie on
	// Created, and a plain name order (web-763d19 before web-8b9c8a) made
	// the one a list showed last not the one a scale-down destroyed
	slices.SortStableFunc(out, func(a, b provider.Node) int {
		if c := strings.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		return provider.OlderFirst(a, b)
	})
	return out, nil
}

func (p *Provider) listServers(ctx context.Context, opts servers.ListOpts) ([]servers.Server, error) {
	pages, err := servers.List(p.compute, opts).AllPages(ctx)
	if err != nil {
		return nil, cloudError(err)
	}
	return servers.ExtractServers(pages)
}

// node turns a server into a pallet node. preferred is an address Create
// already knows (its floating IP), since Nova's view of addresses lags.
func (p *Provider) node(s *servers.Server, preferred string) provider.Node {
	host := preferred
	if host == "" {
		host = p.address(s)
	}
	osid := s.Metadata[MetaOS]
	if osid == "" {
		osid = "auto"
	}
	user := s.Metadata[MetaUser]
	if user == "" {
		user = "root"
	}
	var tags map[string]string
	for k, v := range s.Metadata {
		if strings.HasPrefix(k, "pallet-") {
			continue // pallet's own bookkeeping, not the user's labels
		}
		if tags == nil {
			tags = map[string]string{}
		}
		tags[k] = v
	}
	return provider.Node{
		ID: s.ID, Name: s.Name, Group: s.Metadata[MetaGroup], Host: host, Port: p.cfg.sshPort(),
		Address: p.privateAddress(s), Tags: tags,
		User: user, OS: osid, Bootstrapped: s.Metadata[MetaState] == StateBootstrapped, Created: s.Created,
	}
}

// privateAddress is the server's fixed (not floating) address, what its
// peers reach it at: the first IPv4 on the configured network, else any
// fixed IPv4, else a fixed IPv6; "" when it has none (then .node.address
// is the host).
func (p *Provider) privateAddress(s *servers.Server) string {
	nets := make([]string, 0, len(s.Addresses))
	for n := range s.Addresses {
		nets = append(nets, n)
	}
	sort.Strings(nets)
	var onNet, v4, v6 string
	for _, n := range nets {
		list, _ := s.Addresses[n].([]any)
		for _, raw := range list {
			m, _ := raw.(map[string]any)
			a, _ := m["addr"].(string)
			version, _ := m["version"].(float64)
			if typ, _ := m["OS-EXT-IPS:type"].(string); a == "" || typ == "floating" {
				continue
			}
			switch {
			case version == 6:
				if v6 == "" {
					v6 = a
				}
			case n == p.cfg.Network && onNet == "":
				onNet = a
			case v4 == "":
				v4 = a
			}
		}
	}
	for _, a := range []string{onNet, v4, v6} {
		if a != "" {
			return a
		}
	}
	return ""
}

// address picks the address to ssh to: a floating IP, else accessIPv4,
// else the first IPv4 on the configured network, else any IPv4, else IPv6.
func (p *Provider) address(s *servers.Server) string {
	type addr struct {
		Addr    string  `json:"addr"`
		Version float64 `json:"version"`
		Type    string  `json:"OS-EXT-IPS:type"`
	}
	var floating, onNet, v4, v6 string
	nets := make([]string, 0, len(s.Addresses))
	for n := range s.Addresses {
		nets = append(nets, n)
	}
	sort.Strings(nets)
	for _, n := range nets {
		list, _ := s.Addresses[n].([]any)
		for _, raw := range list {
			m, _ := raw.(map[string]any)
			a := addr{}
			a.Addr, _ = m["addr"].(string)
			a.Version, _ = m["version"].(float64)
			a.Type, _ = m["OS-EXT-IPS:type"].(string)
			switch {
			case a.Addr == "":
			case a.Type == "floating" && floating == "":
				floating = a.Addr
			case a.Version == 6:
				if v6 == "" {
					v6 = a.Addr
				}
			default:
				if n == p.cfg.Network && onNet == "" {
					onNet = a.Addr
				}
				if v4 == "" {
					v4 = a.Addr
				}
			}
		}
	}
	for _, a := range []string{floating, s.AccessIPv4, onNet, v4, s.AccessIPv6, v6} {
		if a != "" {
			return a
		}
	}
	return ""
}

// MarkBootstrapped sets pallet-state=bootstrapped on n's server, so that
// no later converge, from any machine, bootstraps it again.
func (p *Provider) MarkBootstrapped(ctx context.Context, n provider.Node) error {
	_, err := servers.UpdateMetadata(ctx, p.compute, n.ID, servers.MetadataOpts{MetaState: StateBootstrapped}).Extract()
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return fmt.Errorf("openstack: marking %s bootstrapped: server %s no longer exists (list nodes again)", n.Name, n.ID)
		}
		return p.scrub(fmt.Errorf("openstack: marking %s bootstrapped: %w", n.Name, cloudError(err)))
	}
	return nil
}

// HostKeyHints reads n's console log (os-getConsoleOutput) and returns the
// host keys cloud-init printed there (provider.HostKeyHinter), to check
// the first SSH connection against (provider.HostKeyHints.Verify).
// Empty hints with a nil error mean the console did not say.
func (p *Provider) HostKeyHints(ctx context.Context, n provider.Node) (provider.HostKeyHints, error) {
	out, err := servers.ShowConsoleOutput(ctx, p.compute, n.ID, servers.ShowConsoleOutputOpts{Length: 2000}).Extract()
	if err != nil {
		return provider.HostKeyHints{}, p.scrub(fmt.Errorf("openstack: console output of %s: %w", n.Name, cloudError(err)))
	}
	return ParseConsoleHostKeys(out), nil
}

var groupPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// made is what one Create call has made so far, for cleanup. unsure
// holds the names of servers whose POST got no answer (a lost response, a
// timeout, a 5xx): Nova may have made them anyway, so cleanup looks them
// up by name before deciding nothing is there.
type made struct {
	mu          sync.Mutex
	servers     []string
	unsure      []string
	floatingIPs []string
}

func (m *made) addServer(id string) { m.mu.Lock(); m.servers = append(m.servers, id); m.mu.Unlock() }
func (m *made) addUnsure(name string) {
	m.mu.Lock()
	m.unsure = append(m.unsure, name)
	m.mu.Unlock()
}
func (m *made) addFIP(id string) {
	m.mu.Lock()
	m.floatingIPs = append(m.floatingIPs, id)
	m.mu.Unlock()
}

// plan is what Create resolved once for all the group's servers.
type plan struct {
	group     string
	image     Image
	flavor    Flavor
	networkID string
	poolID    string
	keyName   string
	user      string
}

// Create makes count servers in group, in parallel, and returns once each
// is ACTIVE and answers SSH. If any fails (quota, ERROR, timeout, a lost
// response), the servers and floating IPs this call made are deleted,
// unless keep_failed is set; servers of earlier calls are never touched.
// A server that cannot be deleted is named by id in the error; it carries
// pallet-group metadata, so the next Nodes lists it and converge counts it.
func (p *Provider) Create(ctx context.Context, group string, count int, spec provider.CreateSpec) ([]provider.Node, error) {
	if !groupPattern.MatchString(group) {
		return nil, fmt.Errorf("openstack: group name %q: use letters, digits, '.', '-' and '_' (server names start with it)", group)
	}
	if count <= 0 {
		return nil, nil
	}
	pl, err := p.plan(ctx, group, spec)
	if err != nil {
		return nil, p.scrub(err)
	}
	p.progressf("%s: %d × image %s, flavor %s", group, count, pl.image.Name, pl.flavor.Name)

	var m made
	nodes := make([]provider.Node, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = p.createOne(ctx, pl, &m)
		}()
	}
	wg.Wait()
	err = errors.Join(errs...)
	if err == nil {
		return nodes, nil
	}
	// Clean up (or look up what to keep) even when ctx is what failed
	// (timeout, interrupt).
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.createTimeout())
	defer cancel()
	findErr := p.findUnsure(cctx, &m)
	if p.cfg.KeepFailed {
		msg := fmt.Sprintf("keep_failed: kept servers %s for inspection; delete them with `openstack server delete`", strings.Join(m.servers, ", "))
		if findErr != nil {
			msg += fmt.Sprintf("; %v", findErr)
		}
		return nil, p.scrub(fmt.Errorf("openstack: creating %d in %s: %w (%s)", count, group, err, msg))
	}
	left, cerr := p.cleanup(cctx, &m)
	if cerr = errors.Join(findErr, cerr); cerr != nil {
		still := "none known"
		if len(left) > 0 {
			still = strings.Join(left, ", ")
		}
		return nil, p.scrub(fmt.Errorf("openstack: creating %d in %s: %w; cleaning up also failed: %w (servers left: %s; they carry %s=%s, so `pallet` lists them and converge can destroy them, or `openstack server delete` them)",
			count, group, err, cerr, still, MetaGroup, group))
	}
	return nil, p.scrub(fmt.Errorf("openstack: creating %d in %s: %w (deleted the %d servers this run made; set keep_failed: true to keep them for inspection)",
		count, group, err, len(m.servers)))
}

// findUnsure looks up, by their unique names, the servers whose create
// got no answer, and records those that exist in m.servers.
func (p *Provider) findUnsure(ctx context.Context, m *made) error {
	var errs []error
	for _, name := range m.unsure {
		ids, err := p.serversNamed(ctx, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("could not check whether server %s was made (its create got no answer): %w", name, err))
			continue
		}
		for _, id := range ids {
			if !slices.Contains(m.servers, id) {
				m.servers = append(m.servers, id)
			}
		}
	}
	m.unsure = nil
	return errors.Join(errs...)
}

// serversNamed returns the ids of pallet's servers called exactly name.
func (p *Provider) serversNamed(ctx context.Context, name string) ([]string, error) {
	list, err := p.listServers(ctx, servers.ListOpts{Name: "^" + regexp.QuoteMeta(name) + "$"})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range list {
		// Nova's name filter is a regular expression over the project's
		// servers; check the name and pallet's mark once more.
		if s.Name == name && s.Metadata[MetaGroup] != "" {
			ids = append(ids, s.ID)
		}
	}
	return ids, nil
}

// cleanup deletes what m holds and returns the ids of servers it could
// not delete.
func (p *Provider) cleanup(ctx context.Context, m *made) ([]string, error) {
	var errs []error
	for _, id := range m.floatingIPs {
		if err := p.deleteFloatingIP(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	var left []string
	for _, id := range m.servers {
		if err := p.deleteServer(ctx, id); err != nil {
			errs = append(errs, err)
			left = append(left, id)
		}
	}
	return left, errors.Join(errs...)
}

func (p *Provider) plan(ctx context.Context, group string, spec provider.CreateSpec) (*plan, error) {
	if strings.TrimSpace(spec.AdminPublicKey) == "" {
		return nil, fmt.Errorf("openstack: creating in %s: no admin public key: set admin.public_key_file in pallet.yaml", group)
	}
	imgs, err := p.images(ctx)
	if err != nil {
		return nil, fmt.Errorf("openstack: listing images: %w", err)
	}
	tmpl := spec.ImageTemplate
	if spec.Image != "" && tmpl.ImageID == "" && tmpl.ImageName == "" {
		tmpl.ImageID = spec.Image
		for _, i := range imgs {
			if i.Name == spec.Image {
				tmpl.ImageID, tmpl.ImageName = "", spec.Image
			}
		}
	}
	img, err := SelectImage(imgs, tmpl)
	if err != nil {
		return nil, fmt.Errorf("openstack: group %s: %w", group, err)
	}
	fls, err := p.flavors(ctx)
	if err != nil {
		return nil, fmt.Errorf("openstack: listing flavors: %w", err)
	}
	fl, err := SelectFlavor(fls, spec.Hardware, img)
	if err != nil {
		return nil, fmt.Errorf("openstack: group %s: %w", group, err)
	}
	pl := &plan{group: group, image: img, flavor: fl}
	if n := firstNonEmpty(spec.Network, p.cfg.Network); n != "" {
		if pl.networkID, err = p.resolveNetwork(ctx, n, false); err != nil {
			return nil, err
		}
	}
	if pool := firstNonEmpty(spec.FloatingIPPool, p.cfg.FloatingIPPool); pool != "" {
		if pl.poolID, err = p.resolveNetwork(ctx, pool, true); err != nil {
			return nil, err
		}
	}
	pl.user = firstNonEmpty(spec.LoginUser, img.LoginUser, defaultLoginUser(img.Distro))
	// The admin user is the project's to decide (converge.CreateSpec asks
	// it); "admin" only names the keypair of a spec that has none.
	admin := firstNonEmpty(spec.AdminUser, "admin")
	if pl.keyName, err = p.ensureKeypair(ctx, "pallet-"+admin, spec.AdminPublicKey); err != nil {
		return nil, err
	}
	return pl, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (p *Provider) images(ctx context.Context) ([]Image, error) {
	pages, err := images.List(p.image, images.ListOpts{}).AllPages(ctx)
	if err != nil {
		return nil, cloudError(err)
	}
	list, err := images.ExtractImages(pages)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, i := range list {
		if i.Status != images.ImageStatusActive {
			continue
		}
		prop := func(k string) string { v, _ := i.Properties[k].(string); return v }
		out = append(out, Image{
			ID: i.ID, Name: i.Name, Distro: strings.ToLower(prop("os_distro")), Version: prop("os_version"),
			Description: prop("description"), Arch: prop("architecture"),
			LoginUser: firstNonEmpty(prop("default_user"), prop("os_admin_user")),
			MinDiskGB: i.MinDiskGigabytes, MinRAMMB: i.MinRAMMegabytes,
		})
	}
	return out, nil
}

func (p *Provider) flavors(ctx context.Context) ([]Flavor, error) {
	pages, err := flavors.ListDetail(p.compute, flavors.ListOpts{}).AllPages(ctx)
	if err != nil {
		return nil, cloudError(err)
	}
	list, err := flavors.ExtractFlavors(pages)
	if err != nil {
		return nil, err
	}
	out := make([]Flavor, len(list))
	for i, f := range list {
		out[i] = Flavor{ID: f.ID, Name: f.Name, VCPUs: f.VCPUs, RAMMB: f.RAM, DiskGB: f.Disk}
	}
	return out, nil
}

// resolveNetwork turns a network name or id into an id. Nova takes only
// ids, but people remember names.
func (p *Provider) resolveNetwork(ctx context.Context, nameOrID string, external bool) (string, error) {
	what := "network"
	if external {
		what = "floating_ip_pool"
	}
	if p.network == nil {
		if external {
			return "", fmt.Errorf("openstack: %s %q: the cloud has no network (neutron) endpoint, so no floating IPs: remove floating_ip_pool", what, nameOrID)
		}
		return nameOrID, nil // trust it is an id; Nova will say if not
	}
	for _, opts := range []networks.ListOpts{{ID: nameOrID}, {Name: nameOrID}} {
		pages, err := networks.List(p.network, opts).AllPages(ctx)
		if err != nil {
			return "", fmt.Errorf("openstack: looking up %s %q: %w", what, nameOrID, cloudError(err))
		}
		var list []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			External bool   `json:"router:external"`
		}
		if err := networks.ExtractNetworksInto(pages, &list); err != nil {
			return "", fmt.Errorf("openstack: looking up %s %q: %w", what, nameOrID, err)
		}
		switch {
		case len(list) == 1:
			if external && !list[0].External {
				return "", fmt.Errorf("openstack: floating_ip_pool %q is not an external network: name one from `openstack network list --external`", nameOrID)
			}
			return list[0].ID, nil
		case len(list) > 1:
			ids := make([]string, len(list))
			for i, n := range list {
				ids[i] = n.ID
			}
			return "", fmt.Errorf("openstack: %d networks are named %q (%s): give the id instead", len(list), nameOrID, strings.Join(ids, ", "))
		}
	}
	return "", fmt.Errorf("openstack: no %s named %q: see `openstack network list`", what, nameOrID)
}

// ensureKeypair makes sure name holds publicKey: it imports it once, reuses
// it after that, and refuses to use a keypair of that name holding another
// key, which would lock pallet out of its own nodes.
func (p *Provider) ensureKeypair(ctx context.Context, name, publicKey string) (string, error) {
	want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(publicKey))
	if err != nil {
		return "", fmt.Errorf("openstack: the admin public key is not an OpenSSH public key: %w", err)
	}
	p.keypairMu.Lock()
	defer p.keypairMu.Unlock()
	check := func(kp *keypairs.KeyPair) (string, error) {
		have, _, _, _, err := ssh.ParseAuthorizedKey([]byte(kp.PublicKey))
		if err == nil && string(have.Marshal()) == string(want.Marshal()) {
			return name, nil
		}
		return "", fmt.Errorf("openstack: keypair %q exists with a different public key (%s): pallet will not use it; delete it (`openstack keypair delete %s`) or change admin.user", name, kp.Fingerprint, name)
	}
	kp, err := keypairs.Get(ctx, p.compute, name, nil).Extract()
	if err == nil {
		return check(kp)
	}
	if statusOf(err) != http.StatusNotFound {
		return "", fmt.Errorf("openstack: looking up keypair %s: %w", name, cloudError(err))
	}
	_, err = keypairs.Create(ctx, p.compute, keypairs.CreateOpts{Name: name, PublicKey: strings.TrimSpace(publicKey)}).Extract()
	if err == nil {
		p.progressf("imported the admin public key as keypair %s", name)
		return name, nil
	}
	if statusOf(err) == http.StatusConflict { // another pallet run imported it first
		if kp, gerr := keypairs.Get(ctx, p.compute, name, nil).Extract(); gerr == nil {
			return check(kp)
		}
	}
	return "", fmt.Errorf("openstack: importing keypair %s: %w", name, cloudError(err))
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createOne makes one server and waits for it. Everything it makes is
// recorded in m before anything else can fail, so cleanup sees it.
func (p *Provider) createOne(ctx context.Context, pl *plan, m *made) (provider.Node, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.createTimeout())
	defer cancel()
	name := pl.group + "-" + randomSuffix()
	opts := servers.CreateOpts{
		Name: name, ImageRef: pl.image.ID, FlavorRef: pl.flavor.ID, SecurityGroups: p.cfg.SecurityGroups,
		Metadata: map[string]string{MetaGroup: pl.group, MetaUser: pl.user, MetaOS: osID(pl.image)},
	}
	if pl.networkID != "" {
		opts.Networks = []servers.Network{{UUID: pl.networkID}}
	}
	id, err := p.createServer(ctx, keypairs.CreateOptsExt{CreateOptsBuilder: opts, KeyName: pl.keyName}, name)
	switch {
	case id != "":
		m.addServer(id)
	case err != nil && !refused(err):
		m.addUnsure(name)
	}
	if err != nil {
		return provider.Node{}, fmt.Errorf("server %s: %w", name, err)
	}
	p.progressf("%s: created server %s (%s), waiting for ACTIVE", pl.group, name, id)
	srv, err := p.waitActive(ctx, id, name)
	if err != nil {
		return provider.Node{}, err
	}
	preferred := ""
	if pl.poolID != "" {
		fipID, addr, err := p.attachFloatingIP(ctx, srv, pl.poolID)
		if fipID != "" {
			m.addFIP(fipID)
		}
		if err != nil {
			return provider.Node{}, fmt.Errorf("server %s: floating IP: %w", name, err)
		}
		preferred = addr
	}
	n := p.node(srv, preferred)
	if n.Host == "" {
		return provider.Node{}, fmt.Errorf("server %s is ACTIVE but has no address: set network: (or floating_ip_pool:) in the provider", name)
	}
	p.progressf("%s: %s is ACTIVE at %s, waiting for SSH", pl.group, name, n.Host)
	if err := p.waitSSH(ctx, n.Host, n.Port); err != nil {
		return provider.Node{}, fmt.Errorf("server %s: %w", name, err)
	}
	return n, nil
}

// createServer POSTs a server, retrying HTTP 5xx and lost responses. An
// error without an answer does not prove nothing was made (Nova may have
// made the server and the answer gone astray), so before each retry it
// looks for a server of that (random, unique) name and adopts it.
func (p *Provider) createServer(ctx context.Context, opts servers.CreateOptsBuilder, name string) (string, error) {
	for attempt := 0; ; attempt++ {
		srv, err := servers.Create(ctx, p.compute, opts, nil).Extract()
		if err == nil {
			return srv.ID, nil
		}
		status := statusOf(err)
		switch {
		case status == http.StatusRequestEntityTooLarge || status == http.StatusForbidden:
			return "", quotaError(cloudError(err), "")
		case refused(err):
			return "", cloudError(err)
		case ctx.Err() != nil:
			// Out of time with the POST in flight: look once more, on a
			// context of our own, so that what Nova made is known by id.
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			ids, lerr := p.serversNamed(lctx, name)
			cancel()
			if lerr == nil && len(ids) == 1 {
				return ids[0], fmt.Errorf("creating: %w (the server was made; not waiting for it)", ctx.Err())
			}
			return "", fmt.Errorf("creating: no answer before %w", ctx.Err())
		case attempt < p.opts.MaxRetries:
			if ids, lerr := p.serversNamed(ctx, name); lerr == nil && len(ids) == 1 {
				p.progressf("the create of %s got %v, but Nova made it: using %s", name, apiOrTransport(err), ids[0])
				return ids[0], nil
			}
			if err := sleep(ctx, p.opts.RetryBackoff<<attempt); err != nil {
				return "", fmt.Errorf("creating: %w", err)
			}
		default:
			return "", cloudError(err)
		}
	}
}

// refused is an error where the service answered with a 4xx: it did not
// make anything.
func refused(err error) bool {
	status := statusOf(err)
	return status >= 400 && status <= 499
}

func apiOrTransport(err error) error {
	if statusOf(err) != 0 {
		return cloudError(err)
	}
	return err
}

// waitActive polls until the server is ACTIVE; ERROR fails with Nova's
// fault message, which is the only place the reason (no valid host,
// image too big, ...) shows up.
func (p *Provider) waitActive(ctx context.Context, id, name string) (*servers.Server, error) {
	last := "BUILD"
	for {
		srv, err := servers.Get(ctx, p.compute, id).Extract()
		switch {
		case err == nil:
			last = srv.Status
			switch srv.Status {
			case "ACTIVE":
				return srv, nil
			case "ERROR":
				msg := srv.Fault.Message
				if msg == "" {
					msg = "no fault message"
				}
				if quotaFault(srv.Fault.Code, srv.Fault.Message) {
					return nil, quotaError(nil, fmt.Sprintf("server %s (%s) went to ERROR: %s", name, id, msg))
				}
				return nil, fmt.Errorf("server %s (%s) went to ERROR: %s", name, id, msg)
			case "DELETED", "SOFT_DELETED", "SHUTOFF":
				return nil, fmt.Errorf("server %s (%s) is %s while building: someone else stopped or deleted it", name, id, srv.Status)
			}
		case statusOf(err) == http.StatusNotFound:
			return nil, fmt.Errorf("server %s (%s) disappeared while building", name, id)
		case ctx.Err() == nil:
			return nil, fmt.Errorf("server %s (%s): %w", name, id, cloudError(err))
		}
		if err := sleep(ctx, p.opts.PollInterval); err != nil {
			return nil, fmt.Errorf("server %s (%s) not ACTIVE after %s (still %s): raise create_timeout, or see `openstack server show %s`: %w",
				name, id, p.cfg.createTimeout(), last, id, err)
		}
	}
}

// waitSSH waits until host:port speaks SSH: an accepted TCP connection is
// not enough, since cloud NAT and port forwards accept before sshd runs.
func (p *Provider) waitSSH(ctx context.Context, host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var lastErr error
	for {
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 4)
			_, err = io.ReadFull(conn, buf)
			conn.Close()
			if err == nil && string(buf) == "SSH-" {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("%s answered, but not with an SSH banner", addr)
			}
		}
		lastErr = err
		if serr := sleep(ctx, p.opts.PollInterval); serr != nil {
			return fmt.Errorf("no SSH at %s within %s (last: %v): check security groups allow port %d: %w", addr, p.cfg.createTimeout(), lastErr, port, serr)
		}
	}
}

// attachFloatingIP allocates a floating IP from the pool on the server's
// port and records it in the server's metadata, so Destroy releases it.
func (p *Provider) attachFloatingIP(ctx context.Context, srv *servers.Server, poolID string) (id, addr string, err error) {
	pages, err := ports.List(p.network, ports.ListOpts{DeviceID: srv.ID}).AllPages(ctx)
	if err != nil {
		return "", "", fmt.Errorf("finding the server's port: %w", cloudError(err))
	}
	pl, err := ports.ExtractPorts(pages)
	if err != nil || len(pl) == 0 {
		return "", "", fmt.Errorf("server %s has no network port to attach a floating IP to (%v)", srv.ID, err)
	}
	fip, err := floatingips.Create(ctx, p.network, floatingips.CreateOpts{FloatingNetworkID: poolID, PortID: pl[0].ID, Description: "pallet " + srv.Name}).Extract()
	if err != nil {
		status := statusOf(err)
		if status == http.StatusConflict || status == http.StatusForbidden || status == http.StatusRequestEntityTooLarge {
			return "", "", fmt.Errorf("allocating from the pool failed, likely quota: %w (`openstack quota show`)", cloudError(err))
		}
		return "", "", fmt.Errorf("allocating: %w", cloudError(err))
	}
	if _, err := servers.UpdateMetadata(ctx, p.compute, srv.ID, servers.MetadataOpts{MetaFloatingIP: fip.ID}).Extract(); err != nil {
		return fip.ID, "", fmt.Errorf("recording floating IP %s on the server: %w", fip.ID, cloudError(err))
	}
	return fip.ID, fip.FloatingIP, nil
}

// Destroy deletes the nodes' servers and the floating IPs pallet allocated
// for them, and waits until the servers are gone so quota is free again.
// Servers that are already gone are fine; servers without pallet-group
// metadata are refused, since pallet did not make them.
func (p *Provider) Destroy(ctx context.Context, nodes []provider.Node) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.destroy(ctx, n)
		}()
	}
	wg.Wait()
	return p.scrub(errors.Join(errs...))
}

func (p *Provider) destroy(ctx context.Context, n provider.Node) error {
	srv, err := servers.Get(ctx, p.compute, n.ID).Extract()
	if statusOf(err) == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("openstack: destroying %s: %w", n.Name, cloudError(err))
	}
	if srv.Metadata[MetaGroup] == "" {
		return fmt.Errorf("openstack: refusing to destroy server %s (%s): it has no %s metadata, so pallet did not make it", srv.Name, srv.ID, MetaGroup)
	}
	if fip := srv.Metadata[MetaFloatingIP]; fip != "" {
		if err := p.deleteFloatingIP(ctx, fip); err != nil {
			return fmt.Errorf("openstack: destroying %s: %w", n.Name, err)
		}
	}
	if err := p.deleteServer(ctx, n.ID); err != nil {
		return fmt.Errorf("openstack: destroying %s: %w", n.Name, err)
	}
	p.progressf("destroyed %s (%s)", n.Name, n.ID)
	return nil
}

func (p *Provider) deleteFloatingIP(ctx context.Context, id string) error {
	if p.network == nil {
		return nil
	}
	err := floatingips.Delete(ctx, p.network, id).ExtractErr()
	if err != nil && statusOf(err) != http.StatusNotFound {
		return fmt.Errorf("releasing floating IP %s: %w", id, cloudError(err))
	}
	return nil
}

// deleteServer deletes a server and waits until Nova no longer shows it.
func (p *Provider) deleteServer(ctx context.Context, id string) error {
	err := servers.Delete(ctx, p.compute, id).ExtractErr()
	if statusOf(err) == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting server %s: %w", id, cloudError(err))
	}
	wctx, cancel := context.WithTimeout(ctx, p.cfg.createTimeout())
	defer cancel()
	for {
		_, err := servers.Get(wctx, p.compute, id).Extract()
		if statusOf(err) == http.StatusNotFound {
			return nil
		}
		if serr := sleep(wctx, p.opts.PollInterval); serr != nil {
			return fmt.Errorf("server %s still exists after delete: see `openstack server show %s`: %w", id, id, serr)
		}
	}
}
