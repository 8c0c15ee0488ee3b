// Package packstest serves crate packs to tests: an in-process module
// proxy that also proxies a checksum database signed with a test key
// (golang.org/x/mod/sumdb), and file:// proxy trees. Only tests import it.
package packstest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	modzip "golang.org/x/mod/zip"
)

// SumDBName is the test checksum database's name.
const SumDBName = "sum.test"

// Proxy is a module proxy at URL, proxying the checksum database
// SumDBName whose verifier key is VerifierKey.
type Proxy struct {
	URL         string
	VerifierKey string

	t      testing.TB
	mu     sync.Mutex
	hashes map[module.Version]string // what the checksum database says
	served map[module.Version][]byte // what the proxy sends
	zips   int
	srv    *httptest.Server
}

// New starts a proxy, closed when the test ends.
func New(t testing.TB) *Proxy {
	p := &Proxy{t: t, hashes: map[module.Version]string{}, served: map[module.Version][]byte{}}
	skey, vkey, err := note.GenerateKey(rand.Reader, SumDBName)
	if err != nil {
		t.Fatal(err)
	}
	p.VerifierKey = vkey
	db := sumdb.NewServer(sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		p.mu.Lock()
		h := p.hashes[module.Version{Path: path, Version: vers}]
		p.mu.Unlock()
		if h == "" {
			return nil, fmt.Errorf("no such module")
		}
		return fmt.Appendf(nil, "%s %s %s\n%s %s/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", path, vers, h, path, vers), nil
	}))
	mux := http.NewServeMux()
	mux.Handle("/sumdb/"+SumDBName+"/", http.StripPrefix("/sumdb/"+SumDBName, db))
	mux.HandleFunc("/sumdb/"+SumDBName+"/supported", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/", p.serveModule)
	p.srv = httptest.NewServer(mux)
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// Close stops the proxy: what a test of offline use does.
func (p *Proxy) Close() { p.srv.Close() }

// Env is the environment that points palletc at the proxy, with its
// own empty cache.
func (p *Proxy) Env(cacheHome string) map[string]string {
	return map[string]string{"GOPROXY": p.URL, "GOSUMDB": p.VerifierKey, "XDG_CACHE_HOME": cacheHome, "GONOSUMDB": "", "GONOPROXY": "", "GOPRIVATE": ""}
}

// Add publishes a module version with files (name → content; a go.mod is
// made when missing) and returns its h1: hash.
func (p *Proxy) Add(path, version string, files map[string]string) string {
	m := module.Version{Path: path, Version: version}
	z := Zip(p.t, m, files)
	h := Hash(p.t, z)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hashes[m] = h
	p.served[m] = z
	return h
}

// Tamper makes the proxy send other files for a version than the
// checksum database vouches for, and returns their hash.
func (p *Proxy) Tamper(path, version string, files map[string]string) string {
	m := module.Version{Path: path, Version: version}
	z := Zip(p.t, m, files)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.served[m] = z
	return Hash(p.t, z)
}

// ZipFetches is how many zips the proxy has sent.
func (p *Proxy) ZipFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.zips
}

func (p *Proxy) serveModule(w http.ResponseWriter, r *http.Request) {
	esc, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/@v/")
	path, err := module.UnescapePath(esc)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if rest == "list" {
		for m := range p.served {
			if m.Path == path {
				fmt.Fprintln(w, m.Version)
			}
		}
		return
	}
	ext := filepath.Ext(rest)
	v, err := module.UnescapeVersion(strings.TrimSuffix(rest, ext))
	m := module.Version{Path: path, Version: v}
	if err != nil || p.served[m] == nil {
		http.Error(w, "not found: "+path+"@"+v+": unknown revision "+v, http.StatusNotFound)
		return
	}
	switch ext {
	case ".info":
		fmt.Fprintf(w, `{"Version":%q}`, v)
	case ".mod":
		fmt.Fprintf(w, "module %s\n", path)
	case ".zip":
		p.zips++
		w.Write(p.served[m])
	default:
		http.NotFound(w, r)
	}
}

// WriteFileProxy lays a module version out under root as a file://
// GOPROXY serves it, and returns its hash.
func WriteFileProxy(t testing.TB, root, path, version string, files map[string]string) string {
	m := module.Version{Path: path, Version: version}
	z := Zip(t, m, files)
	ep, err := module.EscapePath(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, filepath.FromSlash(ep), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	list, _ := os.ReadFile(filepath.Join(dir, "list"))
	for name, data := range map[string][]byte{
		"list":            append(list, version+"\n"...),
		version + ".info": fmt.Appendf(nil, `{"Version":%q}`, version),
		version + ".mod":  fmt.Appendf(nil, "module %s\n", path),
		version + ".zip":  z,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Hash(t, z)
}

// Zip makes a module zip of files (a go.mod is made when missing).
func Zip(t testing.TB, m module.Version, files map[string]string) []byte {
	t.Helper()
	var list []modzip.File
	if _, ok := files["go.mod"]; !ok {
		list = append(list, memFile{"go.mod", []byte("module " + m.Path + "\n")})
	}
	for n, d := range files {
		list = append(list, memFile{n, []byte(d)})
	}
	var b bytes.Buffer
	if err := modzip.Create(&b, m, list); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Hash is a zip's h1: hash.
func Hash(t testing.TB, zip []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "m.zip")
	if err := os.WriteFile(f, zip, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := dirhash.HashZip(f, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// memFile is one file of a module zip made in memory.
type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo{f}, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct{ f memFile }

func (i memInfo) Name() string       { return filepath.Base(i.f.name) }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
