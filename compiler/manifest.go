package compiler

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/palletops/pallet/internal/atomicfile"
)

// ManifestFile is the name of a build's manifest, beside its scripts.
const ManifestFile = "manifest.json"

// Manifest is what `palletc build` writes beside the scripts, and what
// `pallet-run apply` trusts: a script whose sha256 differs is refused.
type Manifest struct {
	Palletc string    `json:"palletc"`
	Project string    `json:"project"`
	Scripts []*Script `json:"scripts"`
}

// ScriptPath is where a build keeps a group's phase, relative to the
// build directory: <group>/<phase>.sh.
func ScriptPath(group, phase string) string { return filepath.Join(group, phase+".sh") }

// Write writes every script to dir/<group>/<phase>.sh, its payloads
// beside it as dir/<group>/<sha256>.payload (where `bash <phase>.sh` finds
// them), and then the manifest to dir/manifest.json, each atomically,
// making directories as needed. It records each script's sha256 (Sum)
// in the manifest.
func (m *Manifest) Write(dir string) error {
	written := map[string]bool{}
	for _, s := range m.Scripts {
		s.SHA256 = s.Sum()
		// Scripts can hold secrets (a file crate's content): readable by
		// their owner only. pallet-run runs them with bash, not as programs.
		if err := atomicfile.WriteDirs(filepath.Join(dir, ScriptPath(s.Group, s.Phase)), s.Text.Bytes(), 0o600, 0o700); err != nil {
			return err
		}
		for _, p := range s.Payloads {
			name := filepath.Join(dir, s.Group, p.FileName())
			if written[name] {
				continue // another phase of the group has it too
			}
			written[name] = true
			if err := atomicfile.WriteDirs(name, p.Data, 0o600, 0o700); err != nil {
				return err
			}
		}
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	return atomicfile.WriteDirs(filepath.Join(dir, ManifestFile), append(data, '\n'), 0o644, 0o700)
}

// ReadManifest reads dir/manifest.json. The scripts it lists come without
// their text: the caller reads each and checks it against its sha256.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read build: %w (is %s a palletc build -o directory?)", err, dir)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: manifest.json is not valid JSON: %w (rebuild with palletc build)", dir, err)
	}
	return &m, nil
}
