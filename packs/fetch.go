package packs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// Size limits of what a proxy sends: far above any real pack, there so
// that a broken or hostile proxy cannot fill the disk or memory.
const (
	maxZipBytes  = 500 << 20 // the go command's own limit for a module zip
	maxMetaBytes = 16 << 20  // a version list, an .info, a checksum database tile
)

// Pack is a pack in the cache: its extracted module directory and hash.
type Pack struct {
	Ref
	Dir string // the extracted module, read-only
	Sum string // h1: hash of its zip
}

// CratesDir is the pack's crates/ directory, or an error saying the
// module is not a pack.
func (p *Pack) CratesDir() (string, error) {
	dir := filepath.Join(p.Dir, "crates")
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("pack %s has no crates/ directory: a pack keeps each crate in crates/NAME/ (crate.yaml and templates); see docs/crates.md", p.Ref)
	}
	return dir, nil
}

// Client fetches packs as Config says.
type Client struct {
	cfg *Config

	dbOnce sync.Once
	db     *sumdb.Client
	dbOps  *sumdbOps
	dbErr  error
}

// NewClient returns a client for cfg.
func NewClient(cfg *Config) *Client { return &Client{cfg: cfg} }

// Config is the client's configuration.
func (c *Client) Config() *Config { return c.cfg }

// ErrNotCached is what an offline fetch of a pack missing from the cache
// wraps.
var ErrNotCached = errors.New("not in the pack cache")

// ErrNotFound is what a fetch of an unknown module or version wraps.
var ErrNotFound = errors.New("not found")

// notFoundError is a proxy's 404 or 410, with what it said.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return ErrNotFound }

func (c *Client) logf(format string, args ...any) {
	if c.cfg.Log != nil {
		c.cfg.Log(fmt.Sprintf(format, args...))
	}
}

// get fetches rel (a path under a proxy's root) for module modPath from
// the proxies in turn, as GOPROXY's separators say.
func (c *Client) get(ctx context.Context, modPath, rel string, limit int64) ([]byte, error) {
	if c.cfg.Offline {
		return nil, fmt.Errorf("%s: offline (%s=1)", rel, OfflineEnv)
	}
	if module.MatchPrefixPatterns(c.cfg.NoProxy, modPath) {
		return nil, fmt.Errorf("module %s matches GONOPROXY/GOPRIVATE, so the go command would fetch it directly from its repository; pallet fetches packs only through a module proxy: take it out of GONOPROXY, or serve it from a proxy (a file:// GOPROXY will do)", modPath)
	}
	var last error
	for _, p := range c.cfg.Proxies {
		switch p.URL {
		case "off":
			if last == nil {
				last = fmt.Errorf("module lookup disabled by GOPROXY=off")
			}
			return nil, last
		case "direct":
			// Fetching from version control is the go command's, not ours.
			if last == nil {
				last = fmt.Errorf("module %s: GOPROXY has only direct left, and pallet fetches packs only through a module proxy (set GOPROXY=https://proxy.golang.org or a file:// URL)", modPath)
			}
			continue
		}
		data, err := c.getFrom(ctx, p.URL, rel, limit)
		if err == nil {
			return data, nil
		}
		last = err
		if !p.FallbackOnAnyError && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if last == nil {
		last = fmt.Errorf("GOPROXY has no proxy")
	}
	return nil, last
}

// getFrom fetches one URL under base, an https://, http:// or file:// proxy.
func (c *Client) getFrom(ctx context.Context, base, rel string, limit int64) ([]byte, error) {
	target := base + "/" + rel
	if strings.HasPrefix(base, "file://") {
		u, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(filepath.FromSlash(u.Path))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &notFoundError{fmt.Sprintf("%s: not found", target)}
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readLimited(f, limit, target)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", redact(target), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		msg := fmt.Sprintf("%s: %s", redact(target), resp.Status)
		if s := strings.TrimSpace(string(body)); s != "" {
			msg += ": " + strings.ReplaceAll(s, "\n", " ")
		}
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
			return nil, &notFoundError{msg}
		}
		return nil, errors.New(msg)
	}
	return readLimited(resp.Body, limit, redact(target))
}

func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", what, limit)
	}
	return data, nil
}

// redact drops a URL's password, for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

// Latest is the newest release of a module: the highest semantic version
// the proxy lists, else (a module with no tags) what @latest answers.
func (c *Client) Latest(ctx context.Context, modPath string) (string, error) {
	esc, err := module.EscapePath(modPath)
	if err != nil {
		return "", err
	}
	list, err := c.get(ctx, modPath, esc+"/@v/list", maxMetaBytes)
	if err != nil {
		return "", fmt.Errorf("pack %s: %w", modPath, err)
	}
	var best string
	for _, v := range strings.Fields(string(list)) {
		if semver.IsValid(v) && semver.Prerelease(v) == "" && semver.Compare(v, best) > 0 {
			best = v
		}
	}
	if best == "" {
		for _, v := range strings.Fields(string(list)) {
			if semver.IsValid(v) && semver.Compare(v, best) > 0 {
				best = v
			}
		}
	}
	if best != "" {
		return best, nil
	}
	data, err := c.get(ctx, modPath, esc+"/@latest", maxMetaBytes)
	if err != nil {
		return "", fmt.Errorf("pack %s: %w", modPath, err)
	}
	var info struct{ Version string }
	if err := json.Unmarshal(data, &info); err != nil || !semver.IsValid(info.Version) {
		return "", fmt.Errorf("pack %s: the proxy's @latest is not a version: %q", modPath, data)
	}
	return info.Version, nil
}

// paths of a pack in the cache.
func (c *Client) paths(r Ref) (zipFile, hashFile, dir string, err error) {
	ep, err := module.EscapePath(r.Path)
	if err != nil {
		return "", "", "", err
	}
	ev, err := module.EscapeVersion(r.Version)
	if err != nil {
		return "", "", "", err
	}
	dl := filepath.Join(c.cfg.CacheDir, "cache", "download", filepath.FromSlash(ep), "@v")
	return filepath.Join(dl, ev+".zip"), filepath.Join(dl, ev+".ziphash"), filepath.Join(c.cfg.CacheDir, filepath.FromSlash(ep)+"@"+ev), nil
}

// Cached returns the pack from the cache, or ErrNotCached.
func (c *Client) Cached(r Ref) (*Pack, error) {
	_, hashFile, dir, err := c.paths(r)
	if err != nil {
		return nil, err
	}
	sum, err := os.ReadFile(hashFile)
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", r, ErrNotCached)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("pack %s: %w", r, ErrNotCached)
	}
	return &Pack{Ref: r, Dir: dir, Sum: strings.TrimSpace(string(sum))}, nil
}

// Get returns the pack, from the cache or else fetched. want is the
// hash pallet.sum records ("" when it records none): a pack whose hash
// differs is refused, cached or not. A fetched pack is also checked
// against the checksum database (unless GOSUMDB=off or GONOSUMDB says
// not).
func (c *Client) Get(ctx context.Context, r Ref, want string) (*Pack, error) {
	if p, err := c.Cached(r); err == nil {
		if want != "" && p.Sum != want {
			return nil, mismatch(r, p.Sum, "the cache", want, SumFile)
		}
		return p, nil
	}
	if c.cfg.Offline {
		return nil, fmt.Errorf("pack %s: %w, and fetching is off (--offline): run `palletc packs verify` without --offline to fetch it", r, ErrNotCached)
	}
	return c.download(ctx, r, want)
}

func mismatch(r Ref, got, gotFrom, want, wantFrom string) error {
	advice := "someone tampers with the proxy or the cache"
	if wantFrom == SumFile {
		advice = "the module changed since " + SumFile + " recorded it, or someone tampers with it (if the change is expected, remove its line from " + SumFile + " and fetch again)"
	}
	return fmt.Errorf("pack %s: refused: %s has %s but %s has %s: %s", r, gotFrom, got, wantFrom, want, advice)
}

func (c *Client) download(ctx context.Context, r Ref, want string) (*Pack, error) {
	zipFile, hashFile, dir, err := c.paths(r)
	if err != nil {
		return nil, err
	}
	ep, _ := module.EscapePath(r.Path)
	ev, _ := module.EscapeVersion(r.Version)
	c.logf("fetching %s", r)
	// .info first: an unknown version says so, before any zip.
	if _, err := c.get(ctx, r.Path, ep+"/@v/"+ev+".info", maxMetaBytes); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("pack %s: unknown module or version (%w)", r, err)
		}
		return nil, fmt.Errorf("pack %s: %w", r, err)
	}
	data, err := c.get(ctx, r.Path, ep+"/@v/"+ev+".zip", maxZipBytes)
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", r, err)
	}
	if err := os.MkdirAll(filepath.Dir(zipFile), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(zipFile), ev+".zip.tmp-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
		return nil, err
	}
	sum, err := dirhash.HashZip(tmp.Name(), dirhash.Hash1)
	if err != nil {
		return nil, fmt.Errorf("pack %s: the proxy's zip is not a module zip: %v", r, err)
	}
	if want != "" && sum != want {
		return nil, mismatch(r, sum, "the download", want, SumFile)
	}
	if c.cfg.checksSum(r.Path) {
		db, err := c.checksumDB(ctx, r)
		if err != nil {
			return nil, err
		}
		if db != sum {
			return nil, mismatch(r, sum, "the download", db, "the checksum database "+c.dbOps.name)
		}
	}
	// Unzip checks the zip as the go command does (paths, sizes, case
	// collisions), into a fresh directory renamed into place, so that a
	// half-written pack is never in the cache.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmpDir)
	if err := modzip.Unzip(tmpDir, module.Version{Path: r.Path, Version: r.Version}, tmp.Name()); err != nil {
		return nil, fmt.Errorf("pack %s: refused: %v", r, err)
	}
	if err := makeReadOnly(tmpDir); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpDir, dir); err != nil {
		if _, err2 := os.Stat(dir); err2 != nil { // else another palletc got there first
			return nil, err
		}
	}
	if err := os.Rename(tmp.Name(), zipFile); err != nil {
		return nil, err
	}
	if err := os.WriteFile(hashFile, []byte(sum+"\n"), 0o444); err != nil && !errors.Is(err, fs.ErrPermission) {
		return nil, err
	}
	return &Pack{Ref: r, Dir: dir, Sum: sum}, nil
}

// makeReadOnly makes a tree's files read-only, as the go command keeps
// its module cache: a pack is what its hash says, not edited in place.
// Its directories stay writable by their owner (unlike the go command's),
// so the cache goes with a plain rm -rf and a test's temporary dir with
// it, for a user who is not root.
func makeReadOnly(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chmod(p, 0o444)
	})
}

// checksumDB looks the pack's hash up in the checksum database.
func (c *Client) checksumDB(ctx context.Context, r Ref) (string, error) {
	c.dbOnce.Do(func() { c.db, c.dbOps, c.dbErr = c.openSumDB(ctx) })
	if c.dbErr != nil {
		return "", c.dbErr
	}
	lines, err := c.db.Lookup(r.Path, r.Version)
	if err != nil {
		if msg := c.dbOps.securityMsg(); msg != "" {
			return "", fmt.Errorf("pack %s: checksum database %s: %s", r, c.dbOps.name, msg)
		}
		return "", fmt.Errorf("pack %s: checksum database %s: %v (GONOSUMDB=%s skips it for that module; GOSUMDB=off skips it for all)", r, c.dbOps.name, err, r.Path)
	}
	prefix := r.Path + " " + r.Version + " "
	for _, l := range lines {
		if h, ok := strings.CutPrefix(l, prefix); ok {
			return h, nil
		}
	}
	return "", fmt.Errorf("pack %s: checksum database %s has no hash of its zip", r, c.dbOps.name)
}
