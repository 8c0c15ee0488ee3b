// Package openstacktest is a stateful, in-process OpenStack API double for
// tests: an httptest server that speaks enough Keystone, Nova, Glance and
// Neutron for pallet's openstack provider (and gophercloud under it) to
// create, list, tag and delete servers without a cloud.
//
// It follows the real APIs' paths, JSON shapes and status codes, so that a
// provider passing against it has a good chance against a real cloud.
//
// Calls covered (everything else answers 404 itemNotFound / 405):
//
//	Discovery    GET    /, /v3, /image/, /network/          version documents (300 / 200), no token needed
//	Keystone v3  POST   /v3/auth/tokens                     201, X-Subject-Token, catalog (compute, image, network); 401 on bad credentials;
//	                                                        400 "Expecting to find domain in user/project" for a name without its domain
//	Nova v2.1    POST   /compute/v2.1/servers               202; 400 on unknown image/flavor/key/network; 403 beyond SetInstanceQuota; injected 403/413/500
//	             GET    /compute/v2.1/servers               name filter (regex, as Nova); newest first; limit/marker, servers_links
//	             GET    /compute/v2.1/servers/detail        the same; BUILD→ACTIVE/ERROR as servers are polled
//	             GET    /compute/v2.1/servers/{id}          404 itemNotFound; each GET is one poll of the build (or teardown)
//	             DELETE /compute/v2.1/servers/{id}          204 (again while deleting); 404 itemNotFound; task_state deleting for SetDeletePolls GETs
//	             GET    /compute/v2.1/servers/{id}/metadata
//	             POST   /compute/v2.1/servers/{id}/metadata merge, 200
//	             PUT    /compute/v2.1/servers/{id}/metadata replace, 200
//	             POST   /compute/v2.1/servers/{id}/action   os-getConsoleOutput only (200; 409 while building)
//	             GET    /compute/v2.1/flavors/detail        limit/marker, flavors_links
//	             GET    /compute/v2.1/flavors/{id}
//	             GET    /compute/v2.1/os-keypairs, /compute/v2.1/os-keypairs/{name}
//	             POST   /compute/v2.1/os-keypairs          import (public_key given) 200; 409 if the name exists
//	             DELETE /compute/v2.1/os-keypairs/{name}   202; 404
//	Glance v2    GET    /image/v2/images                    status and name filters; newest first; 25 a page unless limit, marker, next
//	             GET    /image/v2/images/{id}
//	Neutron v2   GET    /network/v2.0/networks              name and id filters
//	             GET    /network/v2.0/ports                 device_id filter (one port per server)
//	             GET    /network/v2.0/floatingips           port_id filter
//	             POST   /network/v2.0/floatingips           201 from an external network
//	             GET    /network/v2.0/floatingips/{id}, DELETE (204; 404 NeutronError)
//
// Server addresses come from Cloud.Addresses, a hook the test sets, so a
// test can point servers at real SSH endpoints (local nspawn nodes).
// Console output comes from Cloud.Console. Faults are injected with
// Cloud.FailNext (HTTP errors, dropped or late answers on matching
// requests), Cloud.FailBuilds (servers that go to ERROR with a fault
// message) and Cloud.SetInstanceQuotaRecheck (servers that go to ERROR
// with Nova's quota re-check fault).
package openstacktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials the double accepts unless a test changes them.
const (
	DefaultUsername = "pallet-test"
	DefaultPassword = "s3cret-Pa55word"
	DefaultProject  = "pallet-project"
	DefaultRegion   = "RegionOne"
	// UserID and ProjectID are the ids Keystone gives the user and
	// project, for OS_USER_ID / OS_PROJECT_ID style logins.
	UserID    = "user-0001"
	ProjectID = "project-0001"
)

// Domain is a Keystone domain.
type Domain struct{ ID, Name string }

// DefaultDomain is the domain every Keystone has, and where the double's
// user and project live unless a test moves them.
var DefaultDomain = Domain{ID: "default", Name: "Default"}

// Image is a Glance image. Properties become top-level image fields, as
// Glance v2 shows custom properties (os_distro, os_version, default_user).
type Image struct {
	ID, Name   string
	Status     string // default "active"
	MinDiskGB  int
	MinRAMMB   int
	Created    time.Time
	Properties map[string]string
}

// Flavor is a Nova flavor.
type Flavor struct {
	ID, Name string
	VCPUs    int
	RAMMB    int
	DiskGB   int
}

// Network is a Neutron network. External networks are floating IP pools.
type Network struct {
	ID, Name string
	External bool
}

// ServerInfo is what the hooks learn about a server.
type ServerInfo struct {
	ID, Name string
	// Index counts servers created on this double, from 0.
	Index    int
	Metadata map[string]string
	// Network is the name of the network the server is attached to.
	Network string
}

// Fault makes the next Times requests whose method matches Method and
// whose path (after the service prefix, e.g. "/servers") starts with Path
// fail with Status. Message goes into the error body.
//
// With Status 0, the request is carried out but its answer goes astray,
// as when a load balancer or the network fails after the API did its
// work: Drop closes the connection without a response; Delay holds the
// response back that long (or until the client gives up). A POST
// /servers so lost has still made its server.
type Fault struct {
	Method  string
	Path    string
	Status  int
	Times   int
	Message string
	Drop    bool
	Delay   time.Duration
}

func (f *Fault) lossy() bool { return f.Status == 0 && (f.Drop || f.Delay > 0) }

// Cloud is the API double. Create it with New; the zero value is not usable.
// Exported fields are hooks and knobs a test may set before making calls;
// everything else is guarded by a mutex, so the provider may call in
// parallel.
type Cloud struct {
	// AuthURL is the Keystone v3 endpoint to put in clouds.yaml or
	// OS_AUTH_URL.
	AuthURL string
	// Username, Password and Project are the accepted credentials.
	Username, Password, Project string
	// UserDomain and ProjectDomain are the domains the user and the
	// project are in (default DefaultDomain). Keystone v3 needs them for
	// a user or project given by name.
	UserDomain, ProjectDomain Domain

	srv *httptest.Server

	mu          sync.Mutex
	tokens      map[string]bool
	images      []Image
	flavors     []Flavor
	networks    []Network
	keypairs    map[string]keypair
	servers     map[string]*server
	floatingIPs map[string]*floatingIP
	created     int
	quota       int // instances; 0: unlimited
	recheck     int // instances, enforced only when builds finish; 0: unlimited
	maxLimit    int // Nova's osapi_max_limit and Glance's api_limit_max
	deletePolls int // GETs a deleted server stays visible, task_state deleting
	buildPolls  int
	failBuilds  []string
	faults      []*Fault
	requests    []string
	addresses   func(ServerInfo) string
	floating    func(ServerInfo) string
	console     func(ServerInfo) string
}

type keypair struct {
	Name, PublicKey, Fingerprint string
	Created                      time.Time
}

type server struct {
	ServerInfo
	Status    string
	Fault     string
	faultCode int
	ImageID   string
	FlavorID  string
	KeyName   string
	Created   time.Time
	polls     int
	deleting  int // > 0: DELETE accepted, polls left until it is gone
	failWith  string
	fixedIP   string
	networkID string
	portID    string
}

type floatingIP struct {
	ID, Address, NetworkID, PortID, FixedIP string
}

// New starts a double with a small catalogue: Debian 12 and Ubuntu 24.04
// images, three flavors, a private network "private" and an external
// "public" pool. Close it with Close (tests: t.Cleanup(c.Close)).
func New() *Cloud {
	c := &Cloud{
		Username: DefaultUsername, Password: DefaultPassword, Project: DefaultProject,
		UserDomain: DefaultDomain, ProjectDomain: DefaultDomain,
		tokens:      map[string]bool{},
		keypairs:    map[string]keypair{},
		servers:     map[string]*server{},
		floatingIPs: map[string]*floatingIP{},
		buildPolls:  1,
		maxLimit:    1000,
	}
	base := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	c.images = []Image{
		{ID: "img-debian-12", Name: "Debian 12 bookworm", MinDiskGB: 2, Created: base,
			Properties: map[string]string{"os_distro": "debian", "os_version": "12", "default_user": "debian", "description": "Debian 12 (bookworm) genericcloud amd64", "architecture": "x86_64"}},
		{ID: "img-ubuntu-2404", Name: "Ubuntu 24.04 noble", MinDiskGB: 3, Created: base,
			Properties: map[string]string{"os_distro": "ubuntu", "os_version": "24.04", "os_admin_user": "ubuntu", "architecture": "x86_64"}},
	}
	c.flavors = []Flavor{
		{ID: "1", Name: "m1.tiny", VCPUs: 1, RAMMB: 512, DiskGB: 1},
		{ID: "2", Name: "m1.small", VCPUs: 1, RAMMB: 2048, DiskGB: 20},
		{ID: "3", Name: "m1.medium", VCPUs: 2, RAMMB: 4096, DiskGB: 40},
	}
	c.networks = []Network{
		{ID: "net-private-0001", Name: "private"},
		{ID: "net-public-0001", Name: "public", External: true},
	}
	c.addresses = func(s ServerInfo) string { return fmt.Sprintf("10.0.0.%d", 10+s.Index) }
	c.floating = func(s ServerInfo) string { return fmt.Sprintf("203.0.113.%d", 10+s.Index) }
	c.console = func(ServerInfo) string { return "[    0.000000] Linux version 6.1.0\ncloud-init finished\n" }
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	c.AuthURL = c.srv.URL + "/v3"
	return c
}

// Close shuts the server down.
func (c *Cloud) Close() { c.srv.Close() }

// URL is the server's base URL.
func (c *Cloud) URL() string { return c.srv.URL }

// SetImages replaces the image catalogue.
func (c *Cloud) SetImages(images ...Image) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.images = append([]Image(nil), images...)
}

// SetFlavors replaces the flavor catalogue.
func (c *Cloud) SetFlavors(flavors ...Flavor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flavors = append([]Flavor(nil), flavors...)
}

// AddNetwork adds a network.
func (c *Cloud) AddNetwork(n Network) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.networks = append(c.networks, n)
}

// AddKeypair stores a keypair as if imported earlier.
func (c *Cloud) AddKeypair(name, publicKey string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keypairs[name] = keypair{Name: name, PublicKey: publicKey, Fingerprint: "fp-" + name, Created: time.Now().UTC()}
}

// Keypairs returns the stored keypairs' public keys by name.
func (c *Cloud) Keypairs() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for n, k := range c.keypairs {
		out[n] = k.PublicKey
	}
	return out
}

// Addresses sets the hook giving each new server its fixed IPv4 address
// (default 10.0.0.<10+index>). Converge tests return nspawn node addresses.
func (c *Cloud) Addresses(f func(ServerInfo) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addresses = f
}

// FloatingAddresses sets the hook giving the floating IP allocated for a
// server (default 203.0.113.<10+index>).
func (c *Cloud) FloatingAddresses(f func(ServerInfo) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.floating = f
}

// Console sets the hook producing a server's console log.
func (c *Cloud) Console(f func(ServerInfo) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.console = f
}

// SetBuildPolls sets how many GETs of a new server answer BUILD before it
// turns ACTIVE (or ERROR). Default 1; a large number is a slow build.
func (c *Cloud) SetBuildPolls(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buildPolls = n
}

// FailBuilds makes the next servers created end in ERROR, one per message,
// with that message as the server's fault.
func (c *Cloud) FailBuilds(faultMessages ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failBuilds = append(c.failBuilds, faultMessages...)
}

// SetInstanceQuota makes the project's instance quota n (0: unlimited):
// a create beyond it gets Nova's 403 "Quota exceeded for instances", as a
// real quota does (servers in ERROR count too, until deleted).
func (c *Cloud) SetInstanceQuota(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.quota = n
}

// SetInstanceQuotaRecheck makes an instance quota of n that only Nova's
// re-check enforces: the API accepts every create (202), as it does for
// parallel creates that pass its check together, and conductor then puts
// each server that would exceed n into ERROR with the fault Nova writes
// for TooManyInstances (code 413, "Quota exceeded for instances: ...").
func (c *Cloud) SetInstanceQuotaRecheck(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recheck = n
}

// SetPageLimit sets the most items one page of a list holds: Nova's
// osapi_max_limit and Glance's api_limit_max (default 1000, as both).
// Glance pages at 25 unless asked for more, as its limit_param_default.
// Lists say where the next page is (servers_links, flavors_links, next).
func (c *Cloud) SetPageLimit(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxLimit = n
}

// SetDeletePolls makes a deleted server stay visible for n GETs, with its
// status unchanged and task_state "deleting", as Nova shows it while the
// compute host tears it down (default 0: gone at once).
func (c *Cloud) SetDeletePolls(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deletePolls = n
}

// FailNext injects an HTTP fault (see Fault).
func (c *Cloud) FailNext(f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = append(c.faults, &f)
}

// Requests lists the requests served so far as "METHOD /path".
func (c *Cloud) Requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.requests...)
}

// CountRequests counts served requests equal to "METHOD /path" prefix.
func (c *Cloud) CountRequests(prefix string) int {
	n := 0
	for _, r := range c.Requests() {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// Server is a snapshot of a server for assertions.
type Server struct {
	ServerInfo
	Status  string
	KeyName string
	ImageID string
	Flavor  string
}

// Servers lists the servers that exist, by creation order.
func (c *Cloud) Servers() []Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Server
	for _, s := range c.sortedServers() {
		out = append(out, Server{ServerInfo: s.info(), Status: s.Status, KeyName: s.KeyName, ImageID: s.ImageID, Flavor: s.FlavorID})
	}
	return out
}

// SetMetadata replaces a server's metadata, as another tool might.
func (c *Cloud) SetMetadata(id string, md map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.servers[id]; ok {
		s.Metadata = copyMap(md)
	}
}

// DeleteServer deletes a server as another tool might (`openstack server
// delete`): it stays visible, task_state deleting, for SetDeletePolls GETs.
func (c *Cloud) DeleteServer(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.servers[id]; ok && s.deleting == 0 {
		s.deleting = c.deletePolls + 1
		c.gone()
	}
}

// FloatingIPs counts the floating IPs that exist.
func (c *Cloud) FloatingIPs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.floatingIPs)
}

func (s *server) info() ServerInfo {
	i := s.ServerInfo
	i.Metadata = copyMap(s.Metadata)
	return i
}

func (c *Cloud) sortedServers() []*server {
	out := make([]*server, 0, len(c.servers))
	for _, s := range c.servers {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// paginate cuts items, already in the API's order, after marker and at
// limit (the request's, else def, never more than max), as Nova and
// Glance do. full says the page is full, so a next link is due; ok is
// false when limit or marker is bad.
func paginate[T any](items []T, id func(T) string, q map[string][]string, def, max int) (out []T, full bool, ok bool) {
	limit := def
	if v := first(q["limit"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, false, false
		}
		limit = n
	}
	if limit > max {
		limit = max
	}
	if m := first(q["marker"]); m != "" {
		at := -1
		for i, it := range items {
			if id(it) == m {
				at = i
			}
		}
		if at < 0 {
			return nil, false, false
		}
		items = items[at+1:]
	}
	if len(items) > limit {
		items = items[:limit]
	}
	return items, len(items) == limit && limit > 0, true
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// nextQuery is the request's query with marker set to last.
func nextQuery(q url.Values, last string) string {
	n := url.Values{}
	for k, v := range q {
		n[k] = v
	}
	n.Set("marker", last)
	return n.Encode()
}

// ---- HTTP plumbing ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// novaError writes Nova's error body: {"<kind>": {"code": N, "message": M}}.
func novaError(w http.ResponseWriter, status int, kind, msg string) {
	writeJSON(w, status, map[string]any{kind: map[string]any{"code": status, "message": msg}})
}

func notFound(w http.ResponseWriter, msg string) { novaError(w, 404, "itemNotFound", msg) }

func neutronError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"NeutronError": map[string]any{"type": typ, "message": msg, "detail": ""}})
}

func (c *Cloud) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.requests = append(c.requests, r.Method+" "+r.URL.Path)
	c.mu.Unlock()

	rest := r.URL.Path
	if rest == "/v3/auth/tokens" {
		rest = "/auth/tokens"
	}
	for _, p := range []string{"/compute/v2.1", "/image/v2", "/network/v2.0"} {
		if r2, ok := strings.CutPrefix(rest, p); ok {
			rest = r2
		}
	}
	f := c.takeFault(r.Method, rest, true)
	if f == nil {
		c.route(w, r)
		return
	}
	rec := httptest.NewRecorder()
	c.route(rec, r)
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection too
	}
	select {
	case <-time.After(f.Delay):
	case <-r.Context().Done():
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// takeFault consumes one matching fault: a lossy one or an HTTP error.
func (c *Cloud) takeFault(method, path string, lossy bool) *Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.faults {
		if f.lossy() == lossy && (f.Method == "" || f.Method == method) && strings.HasPrefix(path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				c.faults = append(c.faults[:i], c.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (c *Cloud) route(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/v3/auth/tokens" && r.Method == http.MethodPost:
		if c.fault(w, r.Method, "/auth/tokens") {
			return
		}
		c.authTokens(w, r)
		return
	case (path == "/" || path == "/v3" || path == "/v3/") && r.Method == http.MethodGet:
		// Keystone's version discovery, unauthenticated: clouds.yaml often
		// gives auth_url without /v3 and clients ask the root which
		// versions there are (300), or /v3 what it is (200).
		v3 := map[string]any{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
			"links":       []any{map[string]any{"rel": "self", "href": c.srv.URL + "/v3/"}},
			"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}}}
		if path == "/" {
			writeJSON(w, 300, map[string]any{"versions": map[string]any{"values": []any{v3}}})
		} else {
			writeJSON(w, 200, map[string]any{"version": v3})
		}
		return
	case (path == "/image/" || path == "/image") && r.Method == http.MethodGet:
		// Version discovery, unauthenticated as in Glance: gophercloud asks
		// because the catalog's image URL carries no version.
		writeJSON(w, 300, map[string]any{"versions": []any{map[string]any{"id": "v2.16", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": c.srv.URL + "/image/v2/"}}}}})
		return
	case (path == "/network/" || path == "/network") && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"versions": []any{map[string]any{"id": "v2.0", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": c.srv.URL + "/network/v2.0/"}}}}})
		return
	case strings.HasPrefix(path, "/compute/v2.1/"), strings.HasPrefix(path, "/image/v2/"), strings.HasPrefix(path, "/network/v2.0/"):
	default:
		notFound(w, "The resource could not be found.")
		return
	}
	if !c.validToken(r.Header.Get("X-Auth-Token")) {
		writeJSON(w, 401, map[string]any{"error": map[string]any{"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}})
		return
	}
	var svc, rest string
	for _, p := range []string{"/compute/v2.1", "/image/v2", "/network/v2.0"} {
		if r2, ok := strings.CutPrefix(path, p); ok {
			svc, rest = p, r2
		}
	}
	if c.fault(w, r.Method, rest) {
		return
	}
	switch svc {
	case "/compute/v2.1":
		c.nova(w, r, rest)
	case "/image/v2":
		c.glance(w, r, rest)
	default:
		c.neutron(w, r, rest)
	}
}

// fault answers with an injected error if one matches.
func (c *Cloud) fault(w http.ResponseWriter, method, path string) bool {
	hit := c.takeFault(method, path, false)
	if hit == nil {
		return false
	}
	msg := hit.Message
	switch hit.Status {
	case 413:
		if msg == "" {
			msg = "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"
		}
		w.Header().Set("Retry-After", "0")
		novaError(w, 413, "overLimit", msg)
	case 403:
		if msg == "" {
			msg = "Quota exceeded for cores: Requested 2, but already used 20 of 20 cores"
		}
		novaError(w, 403, "forbidden", msg)
	case 409:
		novaError(w, 409, "conflictingRequest", msg)
	default:
		if msg == "" {
			msg = "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible."
		}
		novaError(w, hit.Status, "computeFault", msg)
	}
	return true
}

func (c *Cloud) validToken(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokens[tok]
}

// ---- Keystone ----

// keystoneError writes Keystone's error body: {"error": {"code", "title", "message"}}.
func keystoneError(w http.ResponseWriter, status int, title, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "title": title, "message": msg}})
}

// validationError is Keystone's ValidationError (HTTP 400), what it answers
// a user or project named without its domain.
func validationError(w http.ResponseWriter, attribute, target string) {
	keystoneError(w, 400, "Bad Request", fmt.Sprintf("Expecting to find %s in %s. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.", attribute, target))
}

type domainRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// matches is Keystone's _lookup_domain: by id if given, else by name.
func (d *domainRef) matches(want Domain) bool {
	if d.ID != "" {
		return d.ID == want.ID
	}
	return d.Name == want.Name
}

func (c *Cloud) authTokens(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string     `json:"name"`
						ID       string     `json:"id"`
						Password string     `json:"password"`
						Domain   *domainRef `json:"domain"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
			Scope *struct {
				Project *struct {
					Name   string     `json:"name"`
					ID     string     `json:"id"`
					Domain *domainRef `json:"domain"`
				} `json:"project"`
				Domain *domainRef `json:"domain"`
			} `json:"scope"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		keystoneError(w, 400, "Bad Request", "Malformed request body")
		return
	}
	unauthorized := func() {
		keystoneError(w, 401, "Unauthorized", "The request you have made requires authentication.")
	}
	if len(body.Auth.Identity.Methods) != 1 || body.Auth.Identity.Methods[0] != "password" {
		// Token, TOTP and application credentials are real Keystone
		// methods the double does not implement.
		unauthorized()
		return
	}
	// Keystone v3 (auth/plugins/core.py, auth/core.py): a user or project
	// named without a domain is a 400 before any credential is looked at;
	// a domain that does not hold them is a 401.
	u := body.Auth.Identity.Password.User
	switch {
	case u.ID == "" && u.Name == "":
		validationError(w, "id or name", "user")
		return
	case u.ID == "" && u.Domain == nil:
		validationError(w, "domain", "user")
		return
	case u.ID == "" && u.Domain.ID == "" && u.Domain.Name == "":
		validationError(w, "id or name", "domain")
		return
	}
	c.mu.Lock()
	userDomain, projectDomain := c.UserDomain, c.ProjectDomain
	c.mu.Unlock()
	if sc := body.Auth.Scope; sc != nil && sc.Project != nil {
		p := sc.Project
		switch {
		case p.ID == "" && p.Name == "":
			validationError(w, "id or name", "project")
			return
		case p.ID == "" && p.Domain == nil:
			validationError(w, "domain", "project")
			return
		case p.ID == "" && p.Domain.ID == "" && p.Domain.Name == "":
			validationError(w, "id or name", "domain")
			return
		}
		if p.ID != "" && p.ID != ProjectID || p.ID == "" && (p.Name != c.Project || !p.Domain.matches(projectDomain)) {
			unauthorized()
			return
		}
	} else if sc != nil && sc.Domain != nil {
		// A domain-scoped token is real Keystone; pallet's providers need
		// a project (servers live in one), so the double refuses it.
		unauthorized()
		return
	}
	if u.ID != "" && u.ID != UserID || u.ID == "" && (u.Name != c.Username || !u.Domain.matches(userDomain)) || u.Password != c.Password {
		unauthorized()
		return
	}
	tok := newID("gAAAAA")
	c.mu.Lock()
	c.tokens[tok] = true
	c.mu.Unlock()
	endpoint := func(typ, name, url string) map[string]any {
		return map[string]any{"type": typ, "name": name, "id": newID(""), "endpoints": []any{
			map[string]any{"id": newID(""), "interface": "public", "region": DefaultRegion, "region_id": DefaultRegion, "url": url},
		}}
	}
	now := time.Now().UTC()
	w.Header().Set("X-Subject-Token", tok)
	writeJSON(w, 201, map[string]any{"token": map[string]any{
		"methods":    []string{"password"},
		"issued_at":  now.Format(time.RFC3339),
		"expires_at": now.Add(time.Hour).Format(time.RFC3339),
		"user":       map[string]any{"id": UserID, "name": c.Username, "domain": map[string]any{"id": userDomain.ID, "name": userDomain.Name}},
		"project":    map[string]any{"id": ProjectID, "name": c.Project, "domain": map[string]any{"id": projectDomain.ID, "name": projectDomain.Name}},
		"catalog": []any{
			endpoint("compute", "nova", c.srv.URL+"/compute/v2.1"),
			endpoint("image", "glance", c.srv.URL+"/image"),
			endpoint("network", "neutron", c.srv.URL+"/network"),
		},
	}})
}

// ---- Nova ----

func (c *Cloud) nova(w http.ResponseWriter, r *http.Request, rest string) {
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case rest == "/servers" && r.Method == http.MethodPost:
		c.createServer(w, r)
	case (rest == "/servers" || rest == "/servers/detail") && r.Method == http.MethodGet:
		c.listServers(w, r, rest == "/servers/detail")
	case len(parts) == 2 && parts[0] == "servers":
		switch r.Method {
		case http.MethodGet:
			c.getServer(w, parts[1])
		case http.MethodDelete:
			c.deleteServer(w, parts[1])
		default:
			novaError(w, 405, "badMethod", "method not allowed")
		}
	case len(parts) == 3 && parts[0] == "servers" && parts[2] == "metadata":
		c.metadata(w, r, parts[1])
	case len(parts) == 3 && parts[0] == "servers" && parts[2] == "action" && r.Method == http.MethodPost:
		c.action(w, r, parts[1])
	case rest == "/flavors/detail" && r.Method == http.MethodGet:
		c.mu.Lock()
		q := r.URL.Query()
		pg, full, ok := paginate(c.flavors, func(f Flavor) string { return f.ID }, q, c.maxLimit, c.maxLimit)
		c.mu.Unlock()
		if !ok {
			novaError(w, 400, "badRequest", fmt.Sprintf("marker [%s] not found", q.Get("marker")))
			return
		}
		out := []any{}
		for _, f := range pg {
			out = append(out, flavorJSON(f))
		}
		body := map[string]any{"flavors": out}
		if full {
			body["flavors_links"] = []any{map[string]any{"rel": "next", "href": c.srv.URL + r.URL.Path + "?" + nextQuery(q, pg[len(pg)-1].ID)}}
		}
		writeJSON(w, 200, body)
	case len(parts) == 2 && parts[0] == "flavors" && r.Method == http.MethodGet:
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, f := range c.flavors {
			if f.ID == parts[1] {
				writeJSON(w, 200, map[string]any{"flavor": flavorJSON(f)})
				return
			}
		}
		notFound(w, fmt.Sprintf("Flavor %s could not be found.", parts[1]))
	case rest == "/os-keypairs" && r.Method == http.MethodGet:
		c.mu.Lock()
		var names []string
		for n := range c.keypairs {
			names = append(names, n)
		}
		sort.Strings(names)
		var out []any
		for _, n := range names {
			k := c.keypairs[n]
			out = append(out, map[string]any{"keypair": map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "type": "ssh"}})
		}
		c.mu.Unlock()
		writeJSON(w, 200, map[string]any{"keypairs": out})
	case rest == "/os-keypairs" && r.Method == http.MethodPost:
		c.importKeypair(w, r)
	case len(parts) == 2 && parts[0] == "os-keypairs":
		c.mu.Lock()
		defer c.mu.Unlock()
		k, ok := c.keypairs[parts[1]]
		if !ok {
			notFound(w, fmt.Sprintf("Keypair %s not found for user user-0001", parts[1]))
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, 200, map[string]any{"keypair": map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint,
				"type": "ssh", "user_id": "user-0001", "id": 1, "deleted": false, "created_at": k.Created.Format("2006-01-02T15:04:05.000000")}})
		case http.MethodDelete:
			delete(c.keypairs, parts[1])
			w.WriteHeader(202)
		default:
			novaError(w, 405, "badMethod", "method not allowed")
		}
	default:
		notFound(w, "The resource could not be found.")
	}
}

func flavorJSON(f Flavor) map[string]any {
	return map[string]any{"id": f.ID, "name": f.Name, "vcpus": f.VCPUs, "ram": f.RAMMB, "disk": f.DiskGB,
		"OS-FLV-EXT-DATA:ephemeral": 0, "swap": "", "rxtx_factor": 1.0, "os-flavor-access:is_public": true,
		"links": []any{map[string]any{"rel": "self", "href": "/flavors/" + f.ID}}}
}

func (c *Cloud) importKeypair(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Keypair struct {
			Name      string `json:"name"`
			PublicKey string `json:"public_key"`
		} `json:"keypair"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Keypair.Name == "" {
		novaError(w, 400, "badRequest", "Invalid input for field/attribute keypair.")
		return
	}
	if body.Keypair.PublicKey == "" {
		// Generating private keys is a real Nova feature pallet never uses.
		novaError(w, 400, "badRequest", "this double only imports keypairs: give public_key")
		return
	}
	if !strings.HasPrefix(body.Keypair.PublicKey, "ssh-") && !strings.HasPrefix(body.Keypair.PublicKey, "ecdsa-") {
		novaError(w, 400, "badRequest", "Keypair data is invalid: failed to generate fingerprint")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.keypairs[body.Keypair.Name]; ok {
		novaError(w, 409, "conflictingRequest", fmt.Sprintf("Key pair '%s' already exists.", body.Keypair.Name))
		return
	}
	k := keypair{Name: body.Keypair.Name, PublicKey: body.Keypair.PublicKey, Fingerprint: "fp-" + body.Keypair.Name, Created: time.Now().UTC()}
	c.keypairs[k.Name] = k
	writeJSON(w, 200, map[string]any{"keypair": map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "user_id": "user-0001", "type": "ssh"}})
}

func (c *Cloud) createServer(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Server struct {
			Name      string            `json:"name"`
			ImageRef  string            `json:"imageRef"`
			FlavorRef string            `json:"flavorRef"`
			KeyName   string            `json:"key_name"`
			Metadata  map[string]string `json:"metadata"`
			Networks  []struct {
				UUID string `json:"uuid"`
			} `json:"networks"`
		} `json:"server"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		novaError(w, 400, "badRequest", "Malformed request body")
		return
	}
	b := body.Server
	if b.Name == "" {
		novaError(w, 400, "badRequest", "Invalid input for field/attribute name.")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hasImage(b.ImageRef) {
		novaError(w, 400, "badRequest", fmt.Sprintf("Image %s could not be found.", b.ImageRef))
		return
	}
	if !c.hasFlavor(b.FlavorRef) {
		novaError(w, 400, "badRequest", fmt.Sprintf("Flavor %s could not be found.", b.FlavorRef))
		return
	}
	if _, ok := c.keypairs[b.KeyName]; b.KeyName != "" && !ok {
		novaError(w, 400, "badRequest", "Invalid key_name provided.")
		return
	}
	net := c.networks[0]
	if len(b.Networks) > 0 {
		found := false
		for _, n := range c.networks {
			if n.ID == b.Networks[0].UUID {
				net, found = n, true
			}
		}
		if !found {
			novaError(w, 400, "badRequest", fmt.Sprintf("Network %s could not be found.", b.Networks[0].UUID))
			return
		}
	}
	if c.quota > 0 && len(c.servers) >= c.quota {
		novaError(w, 403, "forbidden", fmt.Sprintf("Quota exceeded for instances: Requested 1, but already used %d of %d instances", len(c.servers), c.quota))
		return
	}
	s := &server{
		ServerInfo: ServerInfo{ID: newID("srv-"), Name: b.Name, Index: c.created, Metadata: copyMap(b.Metadata), Network: net.Name},
		Status:     "BUILD", ImageID: b.ImageRef, FlavorID: b.FlavorRef, KeyName: b.KeyName,
		Created: time.Now().UTC().Add(time.Duration(c.created) * time.Second), networkID: net.ID, portID: newID("port-"),
	}
	c.created++
	if len(c.failBuilds) > 0 {
		s.failWith, c.failBuilds = c.failBuilds[0], c.failBuilds[1:]
	}
	s.fixedIP = c.addresses(s.info())
	c.servers[s.ID] = s
	writeJSON(w, 202, map[string]any{"server": map[string]any{
		"id": s.ID, "adminPass": "not-a-real-admin-pass", "OS-DCF:diskConfig": "MANUAL",
		"security_groups": []any{map[string]any{"name": "default"}},
		"links":           []any{map[string]any{"rel": "self", "href": c.srv.URL + "/compute/v2.1/servers/" + s.ID}},
	}})
}

func (c *Cloud) hasImage(id string) bool {
	for _, i := range c.images {
		if i.ID == id {
			return true
		}
	}
	return false
}

func (c *Cloud) hasFlavor(id string) bool {
	for _, f := range c.flavors {
		if f.ID == id {
			return true
		}
	}
	return false
}

// poll advances a build by one observation.
func (c *Cloud) poll(s *server) {
	if s.deleting > 1 {
		s.deleting--
	}
	if s.deleting > 0 || s.Status != "BUILD" {
		return
	}
	s.polls++
	if s.polls < c.buildPolls {
		return
	}
	if s.failWith != "" {
		s.Status, s.Fault, s.faultCode = "ERROR", s.failWith, 500
		return
	}
	if c.recheck > 0 {
		used := 0
		for _, o := range c.servers {
			if o != s && o.Status != "ERROR" && (o.Status != "BUILD" || o.Index < s.Index) {
				used++
			}
		}
		if used >= c.recheck {
			s.Status, s.faultCode = "ERROR", 413
			s.Fault = fmt.Sprintf("Quota exceeded for instances: Requested 1, but already used %d of %d instances", used, c.recheck)
			return
		}
	}
	s.Status = "ACTIVE"
}

func (c *Cloud) serverJSON(s *server) map[string]any {
	addrs := map[string]any{}
	if s.Status != "BUILD" || s.polls > 0 {
		list := []any{map[string]any{"version": 4, "addr": s.fixedIP, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}}
		for _, f := range c.floatingIPs {
			if f.PortID == s.portID {
				list = append(list, map[string]any{"version": 4, "addr": f.Address, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"})
			}
		}
		addrs[s.Network] = list
	}
	m := map[string]any{
		"id": s.ID, "name": s.Name, "status": s.Status, "tenant_id": "project-0001", "user_id": "user-0001",
		"metadata": copyMap(s.Metadata), "key_name": s.KeyName, "addresses": addrs,
		"created": s.Created.Format(time.RFC3339), "updated": s.Created.Format(time.RFC3339),
		"image":  map[string]any{"id": s.ImageID},
		"flavor": map[string]any{"id": s.FlavorID},
		"hostId": "", "accessIPv4": "", "accessIPv6": "", "progress": 0,
		"OS-EXT-STS:vm_state": strings.ToLower(s.Status),
		"links":               []any{map[string]any{"rel": "self", "href": c.srv.URL + "/compute/v2.1/servers/" + s.ID}},
	}
	switch {
	case s.deleting > 0:
		m["OS-EXT-STS:task_state"] = "deleting"
	case s.Status == "BUILD":
		m["OS-EXT-STS:task_state"] = "spawning"
	}
	if s.Status == "ERROR" {
		m["fault"] = map[string]any{"code": s.faultCode, "message": s.Fault, "created": s.Created.Format(time.RFC3339)}
	}
	return m
}

func (c *Cloud) listServers(w http.ResponseWriter, r *http.Request, detail bool) {
	q := r.URL.Query()
	var nameRE *regexp.Regexp
	if n := q.Get("name"); n != "" {
		re, err := regexp.Compile(n)
		if err != nil {
			novaError(w, 400, "badRequest", "Invalid name filter")
			return
		}
		nameRE = re
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Nova's order: newest first (created_at desc, id desc).
	all := c.sortedServers()
	slices.Reverse(all)
	var matching []*server
	for _, s := range all {
		if nameRE == nil || nameRE.MatchString(s.Name) {
			matching = append(matching, s)
		}
	}
	pg, full, ok := paginate(matching, func(s *server) string { return s.ID }, q, c.maxLimit, c.maxLimit)
	if !ok {
		novaError(w, 400, "badRequest", fmt.Sprintf("marker [%s] not found", q.Get("marker")))
		return
	}
	out := []any{}
	for _, s := range pg {
		if detail {
			c.poll(s)
			out = append(out, c.serverJSON(s))
		} else {
			out = append(out, map[string]any{"id": s.ID, "name": s.Name})
		}
	}
	body := map[string]any{"servers": out}
	if full {
		body["servers_links"] = []any{map[string]any{"rel": "next", "href": c.srv.URL + r.URL.Path + "?" + nextQuery(q, pg[len(pg)-1].ID)}}
	}
	c.gone()
	writeJSON(w, 200, body)
}

func (c *Cloud) getServer(w http.ResponseWriter, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.servers[id]
	if !ok {
		notFound(w, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	c.poll(s)
	writeJSON(w, 200, map[string]any{"server": c.serverJSON(s)})
	c.gone()
}

func (c *Cloud) deleteServer(w http.ResponseWriter, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.servers[id]
	if !ok {
		notFound(w, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	// As Neutron does when a port goes away, floating IPs are disassociated
	// but not released: releasing them is the client's job.
	for _, f := range c.floatingIPs {
		if f.PortID == s.portID {
			f.PortID, f.FixedIP = "", ""
		}
	}
	// Nova accepts a DELETE of a server already being deleted (204 again).
	if s.deleting == 0 {
		s.deleting = c.deletePolls + 1
	}
	c.gone()
	w.WriteHeader(204)
}

// gone removes the deleted servers whose teardown is over.
func (c *Cloud) gone() {
	for id, s := range c.servers {
		if s.deleting == 1 {
			delete(c.servers, id)
		}
	}
}

func (c *Cloud) metadata(w http.ResponseWriter, r *http.Request, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.servers[id]
	if !ok {
		notFound(w, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPut:
		var body struct {
			Metadata map[string]string `json:"metadata"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Metadata == nil {
			novaError(w, 400, "badRequest", "Malformed request body")
			return
		}
		if r.Method == http.MethodPut {
			s.Metadata = map[string]string{}
		}
		for k, v := range body.Metadata {
			if len(k) > 255 || len(v) > 255 {
				novaError(w, 400, "badRequest", "Metadata property key or value greater than 255 characters")
				return
			}
			s.Metadata[k] = v
		}
	default:
		novaError(w, 405, "badMethod", "method not allowed")
		return
	}
	writeJSON(w, 200, map[string]any{"metadata": copyMap(s.Metadata)})
}

func (c *Cloud) action(w http.ResponseWriter, r *http.Request, id string) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		novaError(w, 400, "badRequest", "Malformed request body")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.servers[id]
	if !ok {
		notFound(w, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	if _, ok := body["os-getConsoleOutput"]; !ok {
		novaError(w, 400, "badRequest", "this double supports only the os-getConsoleOutput action")
		return
	}
	if s.Status == "BUILD" {
		novaError(w, 409, "conflictingRequest", fmt.Sprintf("Cannot 'get_console_output' instance %s while it is in vm_state building", id))
		return
	}
	writeJSON(w, 200, map[string]any{"output": c.console(s.info())})
}

// ---- Glance ----

func (c *Cloud) glance(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet {
		writeJSON(w, 405, map[string]any{"message": "405 Method Not Allowed", "code": "405 Method Not Allowed"})
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rest == "/images" {
		q := r.URL.Query()
		// Glance's order: newest first (created_at desc, id desc).
		var matching []Image
		for _, i := range c.images {
			j := imageJSON(i)
			if (q.Get("status") != "" && j["status"] != q.Get("status")) || (q.Get("name") != "" && i.Name != q.Get("name")) {
				continue
			}
			matching = append(matching, i)
		}
		sort.SliceStable(matching, func(a, b int) bool {
			if !matching[a].Created.Equal(matching[b].Created) {
				return matching[a].Created.After(matching[b].Created)
			}
			return matching[a].ID > matching[b].ID
		})
		pg, full, ok := paginate(matching, func(i Image) string { return i.ID }, q, min(25, c.maxLimit), c.maxLimit)
		if !ok {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(400)
			fmt.Fprintf(w, "400 Bad Request\n\nInvalid marker. Image %s could not be found.\n", q.Get("marker"))
			return
		}
		out := []any{}
		for _, i := range pg {
			out = append(out, imageJSON(i))
		}
		body := map[string]any{"images": out, "schema": "/v2/schemas/images", "first": "/v2/images"}
		if full {
			body["next"] = "/v2/images?" + nextQuery(q, pg[len(pg)-1].ID)
		}
		writeJSON(w, 200, body)
		return
	}
	if id, ok := strings.CutPrefix(rest, "/images/"); ok {
		for _, i := range c.images {
			if i.ID == id {
				writeJSON(w, 200, imageJSON(i))
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		fmt.Fprintf(w, "404 Not Found\n\nNo image found with ID %s\n", id)
		return
	}
	writeJSON(w, 404, map[string]any{"message": "404 Not Found"})
}

func imageJSON(i Image) map[string]any {
	status := i.Status
	if status == "" {
		status = "active"
	}
	m := map[string]any{
		"id": i.ID, "name": i.Name, "status": status, "visibility": "public", "protected": false,
		"min_disk": i.MinDiskGB, "min_ram": i.MinRAMMB, "disk_format": "qcow2", "container_format": "bare",
		"size": 1 << 30, "virtual_size": nil, "tags": []string{}, "owner": "admin-project", "os_hidden": false,
		"checksum": "", "created_at": i.Created.Format(time.RFC3339), "updated_at": i.Created.Format(time.RFC3339),
		"self": "/v2/images/" + i.ID, "file": "/v2/images/" + i.ID + "/file", "schema": "/v2/schemas/image",
	}
	for k, v := range i.Properties {
		m[k] = v
	}
	return m
}

// ---- Neutron ----

func (c *Cloud) neutron(w http.ResponseWriter, r *http.Request, rest string) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case rest == "/networks" && r.Method == http.MethodGet:
		out := []any{}
		for _, n := range c.networks {
			if (q.Get("name") != "" && q.Get("name") != n.Name) || (q.Get("id") != "" && q.Get("id") != n.ID) {
				continue
			}
			out = append(out, map[string]any{"id": n.ID, "name": n.Name, "status": "ACTIVE", "admin_state_up": true,
				"router:external": n.External, "shared": false, "subnets": []string{}, "tenant_id": "project-0001", "project_id": "project-0001"})
		}
		writeJSON(w, 200, map[string]any{"networks": out})
	case rest == "/ports" && r.Method == http.MethodGet:
		out := []any{}
		for _, s := range c.sortedServers() {
			if q.Get("device_id") != "" && q.Get("device_id") != s.ID {
				continue
			}
			out = append(out, map[string]any{"id": s.portID, "device_id": s.ID, "device_owner": "compute:nova", "network_id": s.networkID,
				"status": "ACTIVE", "admin_state_up": true, "fixed_ips": []any{map[string]any{"subnet_id": "subnet-0001", "ip_address": s.fixedIP}}})
		}
		writeJSON(w, 200, map[string]any{"ports": out})
	case rest == "/floatingips" && r.Method == http.MethodGet:
		out := []any{}
		for _, f := range c.floatingIPs {
			if q.Get("port_id") != "" && q.Get("port_id") != f.PortID {
				continue
			}
			out = append(out, fipJSON(f))
		}
		writeJSON(w, 200, map[string]any{"floatingips": out})
	case rest == "/floatingips" && r.Method == http.MethodPost:
		var body struct {
			FloatingIP struct {
				NetworkID string `json:"floating_network_id"`
				PortID    string `json:"port_id"`
			} `json:"floatingip"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			neutronError(w, 400, "HTTPBadRequest", "Malformed request body")
			return
		}
		ext := false
		for _, n := range c.networks {
			if n.ID == body.FloatingIP.NetworkID && n.External {
				ext = true
			}
		}
		if !ext {
			neutronError(w, 400, "BadRequest", fmt.Sprintf("Bad floatingip request: Network %s is not a valid external network.", body.FloatingIP.NetworkID))
			return
		}
		f := &floatingIP{ID: newID("fip-"), Address: fmt.Sprintf("203.0.113.%d", 200+len(c.floatingIPs)), NetworkID: body.FloatingIP.NetworkID}
		if p := body.FloatingIP.PortID; p != "" {
			var owner *server
			for _, s := range c.servers {
				if s.portID == p {
					owner = s
				}
			}
			if owner == nil {
				neutronError(w, 404, "PortNotFound", fmt.Sprintf("Port %s could not be found.", p))
				return
			}
			f.PortID, f.FixedIP = p, owner.fixedIP
			f.Address = c.floating(owner.info())
		}
		c.floatingIPs[f.ID] = f
		writeJSON(w, 201, map[string]any{"floatingip": fipJSON(f)})
	case strings.HasPrefix(rest, "/floatingips/"):
		id := strings.TrimPrefix(rest, "/floatingips/")
		f, ok := c.floatingIPs[id]
		if !ok {
			neutronError(w, 404, "FloatingIPNotFound", fmt.Sprintf("Floating IP %s could not be found", id))
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, 200, map[string]any{"floatingip": fipJSON(f)})
		case http.MethodDelete:
			delete(c.floatingIPs, id)
			w.WriteHeader(204)
		default:
			neutronError(w, 405, "HTTPMethodNotAllowed", "method not allowed")
		}
	default:
		neutronError(w, 404, "HTTPNotFound", "The resource could not be found.")
	}
}

func fipJSON(f *floatingIP) map[string]any {
	status := "DOWN"
	var port, fixed any
	if f.PortID != "" {
		status, port, fixed = "ACTIVE", f.PortID, f.FixedIP
	}
	return map[string]any{"id": f.ID, "floating_ip_address": f.Address, "floating_network_id": f.NetworkID,
		"port_id": port, "fixed_ip_address": fixed, "status": status, "tenant_id": "project-0001", "project_id": "project-0001"}
}
