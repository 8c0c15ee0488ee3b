package packs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/palletops/pallet/internal/atomicfile"
)

// SumFile is the name of the file beside pallet.yaml that records each
// pack's hash.
const SumFile = "pallet.sum"

// Sums are the lines of pallet.sum, go.sum's format: "PATH VERSION h1:HASH",
// the hash of the module's zip (golang.org/x/mod/sumdb/dirhash).
type Sums map[Ref]string

// ReadSums reads pallet.sum; a missing file is no sums.
func ReadSums(file string) (Sums, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return Sums{}, nil
	}
	if err != nil {
		return nil, err
	}
	sums := Sums{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || !strings.HasPrefix(f[2], "h1:") {
			return nil, fmt.Errorf("%s:%d: want \"MODULE VERSION h1:HASH\", have %q", file, n, line)
		}
		if strings.HasSuffix(f[1], "/go.mod") {
			continue // go.sum's go.mod lines: packs need only the zip's
		}
		sums[Ref{Path: f[0], Version: f[1]}] = f[2]
	}
	return sums, sc.Err()
}

// Write writes the sums to file, sorted by path and version, atomically.
func (s Sums) Write(file string) error {
	refs := make([]Ref, 0, len(s))
	for r := range s {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Path != refs[j].Path {
			return refs[i].Path < refs[j].Path
		}
		return semver.Compare(refs[i].Version, refs[j].Version) < 0
	})
	var b bytes.Buffer
	for _, r := range refs {
		fmt.Fprintf(&b, "%s %s %s\n", r.Path, r.Version, s[r])
	}
	return atomicfile.Write(file, b.Bytes(), 0o644)
}

// SumFileFor is pallet.sum beside a project file.
func SumFileFor(projectFile string) string {
	return filepath.Join(filepath.Dir(projectFile), SumFile)
}
