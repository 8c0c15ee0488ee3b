// Package packs fetches crate packs: Go modules, published on a module
// proxy, whose crates/ directory holds crates (see docs/crates.md). It
// speaks the module proxy protocol itself (golang.org/x/mod), checks each
// download against pallet.sum and the checksum database as the go command
// does, and keeps what it fetched in a read-only cache, so that a project
// whose packs are cached compiles offline. It knows nothing of the
// compiler: the compiler asks it for a pack's directory.
package packs

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
)

// OfflineEnv is the environment variable that, set to 1, forbids every
// fetch: a pack missing from the cache is then an error that says what to
// run. palletc's --offline sets it.
const OfflineEnv = "PALLET_OFFLINE"

// knownSumDBs are the checksum databases whose key the go command knows
// by name (cmd/go/internal/modfetch/key.go).
var knownSumDBs = map[string]string{
	"sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
}

// Config is where packs come from and where they are kept: the go
// command's GOPROXY, GOSUMDB, GONOSUMDB, GONOPROXY, GOPRIVATE and
// GOINSECURE, read as it reads them, and the cache directory.
type Config struct {
	// Proxies are GOPROXY's entries, in order.
	Proxies []Proxy
	// SumDB is GOSUMDB: "off", a known name, "KEY" or "KEY URL".
	SumDB string
	// NoSumDB, NoProxy and Insecure are the glob lists of GONOSUMDB,
	// GONOPROXY and GOINSECURE (the first two default to GOPRIVATE).
	NoSumDB, NoProxy, Insecure string
	// CacheDir is $XDG_CACHE_HOME/pallet/mod (~/.cache/pallet/mod).
	CacheDir string
	// Offline forbids every fetch.
	Offline bool
	// HTTP is the client for proxies and the checksum database.
	HTTP *http.Client
	// Log, when set, is told what is fetched ("fetching X@v").
	Log func(msg string)
}

// Proxy is one GOPROXY entry.
type Proxy struct {
	URL string // https://..., http://..., file:///..., or "direct" / "off"
	// FallbackOnAnyError: the entry was followed by "|", so any error
	// tries the next one; after "," only "not found" (404, 410) does.
	FallbackOnAnyError bool
}

// ConfigFromEnv reads the configuration from getenv (os.Getenv, or a
// test's map). home is used when neither XDG_CACHE_HOME is set.
func ConfigFromEnv(getenv func(string) string, home string) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c := &Config{
		SumDB:    getenv("GOSUMDB"),
		NoSumDB:  getenv("GONOSUMDB"),
		NoProxy:  getenv("GONOPROXY"),
		Insecure: getenv("GOINSECURE"),
		Offline:  getenv(OfflineEnv) == "1",
		HTTP:     &http.Client{Timeout: 2 * time.Minute},
	}
	private := getenv("GOPRIVATE")
	if c.NoSumDB == "" {
		c.NoSumDB = private
	}
	if c.NoProxy == "" {
		c.NoProxy = private
	}
	if c.SumDB == "" {
		c.SumDB = "sum.golang.org"
	}
	proxy := getenv("GOPROXY")
	if proxy == "" {
		proxy = "https://proxy.golang.org,direct"
	}
	var err error
	if c.Proxies, err = ParseProxies(proxy); err != nil {
		return nil, err
	}
	cache := getenv("XDG_CACHE_HOME")
	if cache == "" {
		if home == "" {
			return nil, fmt.Errorf("no cache directory for packs: set XDG_CACHE_HOME or HOME")
		}
		cache = filepath.Join(home, ".cache")
	}
	if !filepath.IsAbs(cache) {
		return nil, fmt.Errorf("XDG_CACHE_HOME=%s: must be an absolute path", cache)
	}
	c.CacheDir = filepath.Join(cache, "pallet", "mod")
	return c, nil
}

// DefaultConfig is ConfigFromEnv with the process environment.
func DefaultConfig() (*Config, error) {
	home, _ := os.UserHomeDir()
	return ConfigFromEnv(os.Getenv, home)
}

// ParseProxies reads a GOPROXY value: entries separated by "," (next
// entry on not found) or "|" (next entry on any error).
func ParseProxies(s string) ([]Proxy, error) {
	var out []Proxy
	for s != "" {
		i := strings.IndexAny(s, ",|")
		entry, anyErr := s, false
		if i >= 0 {
			entry, anyErr, s = s[:i], s[i] == '|', s[i+1:]
		} else {
			s = ""
		}
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		switch entry {
		case "direct", "off":
		default:
			u, err := url.Parse(entry)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "file") {
				return nil, fmt.Errorf("GOPROXY entry %q: want an https://, http:// or file:// URL, direct or off", entry)
			}
			entry = strings.TrimSuffix(entry, "/")
		}
		out = append(out, Proxy{URL: entry, FallbackOnAnyError: anyErr})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("GOPROXY is empty of entries")
	}
	return out, nil
}

// checksSum says whether downloads of path are checked against the
// checksum database.
func (c *Config) checksSum(path string) bool {
	return c.SumDB != "off" && !module.MatchPrefixPatterns(c.NoSumDB, path)
}
