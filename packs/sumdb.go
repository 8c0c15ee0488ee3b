package packs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"

	"github.com/palletops/pallet/internal/atomicfile"
)

// openSumDB reads GOSUMDB as the go command does ("name", "KEY" or
// "KEY URL") and finds the way to the database: through the first proxy
// that says it proxies it ($GOPROXY/sumdb/NAME/supported), else directly.
func (c *Client) openSumDB(ctx context.Context) (*sumdb.Client, *sumdbOps, error) {
	spec := c.cfg.SumDB
	if spec == "sum.golang.google.cn" {
		spec = "sum.golang.org https://sum.golang.google.cn"
	}
	f := strings.Fields(spec)
	if len(f) == 0 || len(f) > 2 {
		return nil, nil, fmt.Errorf("GOSUMDB=%q: want a name, a key, or a key and a URL", c.cfg.SumDB)
	}
	if k, ok := knownSumDBs[f[0]]; ok {
		f[0] = k
	}
	v, err := note.NewVerifier(f[0])
	if err != nil {
		return nil, nil, fmt.Errorf("GOSUMDB=%q: %v (a name the go command knows, or a verifier key NAME+HASH+KEY)", c.cfg.SumDB, err)
	}
	ops := &sumdbOps{c: c, ctx: ctx, key: f[0], name: v.Name()}
	if len(f) == 2 {
		ops.base = strings.TrimSuffix(f[1], "/")
	}
	db := sumdb.NewClient(ops)
	db.SetGONOSUMDB(c.cfg.NoSumDB)
	return db, ops, nil
}

// sumdbOps is sumdb.ClientOps over the proxies, the database and the
// pack cache (CacheDir/sumdb for the latest signed tree,
// CacheDir/cache/download/sumdb for tiles and lookups).
type sumdbOps struct {
	c    *Client
	ctx  context.Context
	key  string
	name string

	baseOnce sync.Once
	base     string
	baseErr  error

	mu       sync.Mutex // WriteConfig's compare and swap, and security
	security []string
}

func (o *sumdbOps) initBase() {
	if o.base != "" {
		return
	}
	for _, p := range o.c.cfg.Proxies {
		if p.URL == "direct" || p.URL == "off" {
			break
		}
		_, err := o.c.getFrom(o.ctx, p.URL, "sumdb/"+o.name+"/supported", maxMetaBytes)
		if err == nil {
			o.base = p.URL + "/sumdb/" + o.name
			return
		}
		if !p.FallbackOnAnyError && !errors.Is(err, ErrNotFound) {
			o.baseErr = fmt.Errorf("checksum database %s through proxy %s: %v", o.name, redact(p.URL), err)
			return
		}
	}
	o.base = "https://" + o.name
}

func (o *sumdbOps) ReadRemote(path string) ([]byte, error) {
	if o.c.cfg.Offline {
		return nil, fmt.Errorf("checksum database %s: offline (%s=1)", o.name, OfflineEnv)
	}
	o.baseOnce.Do(o.initBase)
	if o.baseErr != nil {
		return nil, o.baseErr
	}
	return o.c.getFrom(o.ctx, o.base, strings.TrimPrefix(path, "/"), maxMetaBytes)
}

// configFile maps a config or cache name (NAME/latest, NAME/tile/...)
// into dir, refusing names that would leave it.
func configFile(dir, file string) (string, error) {
	if !fs.ValidPath(file) {
		return "", fmt.Errorf("checksum database file %q: not a clean relative path", file)
	}
	return filepath.Join(dir, filepath.FromSlash(file)), nil
}

func (o *sumdbOps) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.key), nil
	}
	p, err := configFile(filepath.Join(o.c.cfg.CacheDir, "sumdb"), file)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return []byte{}, nil // start from an empty tree
	}
	return data, err
}

func (o *sumdbOps) WriteConfig(file string, old, new []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	cur, err := o.ReadConfig(file)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, old) {
		return sumdb.ErrWriteConflict
	}
	p, err := configFile(filepath.Join(o.c.cfg.CacheDir, "sumdb"), file)
	if err != nil {
		return err
	}
	return atomicfile.WriteDirs(p, new, 0o644, 0o755)
}

func (o *sumdbOps) cacheFile(file string) (string, error) {
	return configFile(filepath.Join(o.c.cfg.CacheDir, "cache", "download", "sumdb"), file)
}

func (o *sumdbOps) ReadCache(file string) ([]byte, error) {
	p, err := o.cacheFile(file)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

func (o *sumdbOps) WriteCache(file string, data []byte) {
	if p, err := o.cacheFile(file); err == nil {
		atomicfile.WriteDirs(p, data, 0o444, 0o755) // a cache: a failed write is fetched again
	}
}

func (o *sumdbOps) Log(msg string) { o.c.logf("%s", msg) }

func (o *sumdbOps) SecurityError(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.security = append(o.security, strings.TrimSpace(msg))
}

func (o *sumdbOps) securityMsg() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.security, "; ")
}
