package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palletops/pallet/cmd/internal/cliflag"
)

// TestConnectTimeoutLeftToSSHConfig: without --connect-timeout the runner
// gets 0, so an SSH config's ConnectTimeout (else the runner's 15s)
// applies; the flag wins only when given.
func TestConnectTimeoutLeftToSSHConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte("admin: {user: deploy}\ngroups: {web: {phases: {configure: [{exec-script: {script: \"true\"}}]}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, ok := cliflag.Load(file, io.Discard)
	if !ok {
		t.Fatal("pallet.yaml does not load")
	}
	for _, tt := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 0},
		{[]string{"--connect-timeout", "2s"}, 2 * time.Second},
	} {
		fs := flag.NewFlagSet("lift", flag.ContinueOnError)
		f := addRunFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if err := f.validate(); err != nil {
			t.Fatal(err)
		}
		o, _, err := f.options(p, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.Runner.ConnectTimeout != tt.want {
			t.Errorf("%v: connect timeout %v, want %v", tt.args, o.Runner.ConnectTimeout, tt.want)
		}
	}
	fs := flag.NewFlagSet("lift", flag.ContinueOnError)
	f := addRunFlags(fs)
	if err := fs.Parse([]string{"--connect-timeout", "-1s"}); err != nil {
		t.Fatal(err)
	}
	if err := f.validate(); err == nil {
		t.Error("--connect-timeout -1s accepted")
	}
}
