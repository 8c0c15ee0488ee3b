package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestInterruptBeforeTheRun: Ctrl-C while the provider is still being
// opened or listing its nodes (here: an OpenStack API that never answers)
// exits 130, like an interrupted run, not 1.
func TestInterruptBeforeTheRun(t *testing.T) {
	asked := make(chan struct{}, 16)
	stop := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer api.Close()
	defer close(stop)
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte(`admin: {user: deploy}
groups:
  web:
    phases:
      configure: [{exec-script: {script: "true"}}]
providers:
  cloud: {kind: openstack}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"OS_AUTH_URL": api.URL + "/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p", "OS_PROJECT_ID": "p", "OS_DOMAIN_NAME": "Default",
		"OS_CLOUD": "", "OS_CLIENT_CONFIG_FILE": filepath.Join(dir, "none.yaml"),
	} {
		t.Setenv(k, v)
	}
	t.Chdir(dir)
	for _, args := range [][]string{
		{"lift", "-f", file, "web"},
		{"nodes", "-f", file},
		{"converge", "-f", file, "web=1"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-asked:
			case <-time.After(10 * time.Second):
			}
			cancel()
		}()
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := run(ctx, args, &stdout, &stderr)
		cancel()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%v took %v to stop", args, d)
		}
		if code != exitInterrupted {
			t.Errorf("%v interrupted while opening the provider: exit %d, want %d\nstderr: %s", args, code, exitInterrupted, stderr.String())
		}
	}
}
