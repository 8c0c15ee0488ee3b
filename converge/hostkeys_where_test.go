package converge

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// TestHostKeyBookRecordsWhereDialLooks: a node converge creates is recorded
// in the file, and under the name, that lift's strict check will read —
// the SSH config's UserKnownHostsFile and HostKeyAlias included.
func TestHostKeyBookRecordsWhereDialLooks(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ssh_config")
	kh := filepath.Join(dir, "kh-from-config")
	if err := os.WriteFile(cfg, []byte("Host 127.0.0.9\n  UserKnownHostsFile "+kh+"\n  HostKeyAlias web-alias\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := provider.Node{Name: "web-1", Host: "127.0.0.9", Port: 2222, User: "root"}
	explicit := filepath.Join(dir, "explicit")

	tests := []struct {
		name               string
		opts               runner.Options
		wantFile, wantName string
	}{
		{"explicit file, no config", runner.Options{KnownHostsFile: explicit, SSHConfigFile: "none"}, explicit, "127.0.0.9:2222"},
		// known_hosts writes port 22 bare: the line reads "web-alias ssh-ed25519 ...".
		{"config's file and alias", runner.Options{SSHConfigFile: cfg}, kh, "web-alias:22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, name := newHostKeyBook(nil, tt.opts, nil).where(n)
			if file != tt.wantFile || name != tt.wantName {
				t.Errorf("where = %q, %q; want %q, %q", file, name, tt.wantFile, tt.wantName)
			}
		})
	}
}
