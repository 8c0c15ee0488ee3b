package openstack

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider/openstack/openstacktest"
)

// TestListsFollowPages: Glance answers 25 images a page unless asked for
// more, Nova at most osapi_max_limit servers and flavors; what is on the
// later pages must count as much as the first (here: the only Debian
// image is the oldest of 30, so on Glance's second page, and the servers
// and flavors come two a page).
func TestListsFollowPages(t *testing.T) {
	f := newFixture(t)
	base := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	imgs := []openstacktest.Image{{ID: "img-debian-12", Name: "Debian 12 bookworm", MinDiskGB: 2, Created: base,
		Properties: map[string]string{"os_distro": "debian", "os_version": "12", "default_user": "debian", "architecture": "x86_64"}}}
	for i := range 29 {
		imgs = append(imgs, openstacktest.Image{ID: fmt.Sprintf("img-cirros-%02d", i), Name: fmt.Sprintf("cirros %d", i), Created: base.Add(time.Duration(i+1) * time.Hour),
			Properties: map[string]string{"os_distro": "cirros", "architecture": "x86_64"}})
	}
	f.cloud.SetImages(imgs...)
	f.cloud.SetPageLimit(2)
	p := f.provider(t)
	ctx := context.Background()
	made, err := p.Create(ctx, "web", 5, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	if made[0].OS != "debian-12" {
		t.Errorf("node OS %q, want debian-12 from the image on Glance's second page", made[0].OS)
	}
	nodes, err := p.Nodes(ctx)
	if err != nil || len(nodes) != 5 {
		t.Fatalf("Nodes = %d nodes, %v; want all 5 across 3 pages", len(nodes), err)
	}
	if n := f.cloud.CountRequests("GET /image/v2/images"); n < 2 {
		t.Errorf("%d image list requests, want the second page asked for too", n)
	}
	if err := p.Destroy(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if s := f.cloud.Servers(); len(s) != 0 {
		t.Errorf("servers left: %+v", s)
	}
}

// TestDeletingServers: Nova keeps showing a deleted server, with its old
// status and task_state deleting, until the compute host has torn it down,
// and it counts against the quota until then. Nodes must not list it as
// a node, and Destroy must wait until it is gone, so that the quota is
// free for the next create.
func TestDeletingServers(t *testing.T) {
	f := newFixture(t)
	f.cloud.SetDeletePolls(5)
	f.cloud.SetInstanceQuota(2)
	p := f.provider(t)
	ctx := context.Background()
	made, err := p.Create(ctx, "web", 2, f.spec)
	if err != nil {
		t.Fatal(err)
	}
	f.cloud.DeleteServer(made[0].ID) // someone runs `openstack server delete`
	nodes, err := p.Nodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].ID != made[1].ID {
		t.Errorf("Nodes while %s is being deleted = %+v, %v; want only %s", made[0].ID, nodes, err, made[1].ID)
	}
	if err := p.Destroy(ctx, made); err != nil {
		t.Fatalf("Destroy of a server being deleted and another: %v", err)
	}
	if s := f.cloud.Servers(); len(s) != 0 {
		t.Errorf("Destroy returned with servers still there: %+v", s)
	}
	if _, err := p.Create(ctx, "web", 2, f.spec); err != nil {
		t.Errorf("create after Destroy, quota 2: %v", err)
	}
}

// TestAuthURLWithoutVersion: clouds.yaml often says auth_url:
// https://keystone:5000 without /v3; the client asks Keystone's root which
// versions it has.
func TestAuthURLWithoutVersion(t *testing.T) {
	f := newFixture(t)
	t.Setenv("OS_CLOUD", "")
	clouds := filepath.Join(t.TempDir(), "clouds.yaml")
	writeFile(t, clouds, fmt.Sprintf("clouds:\n  bare:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n      project_name: %s\n      user_domain_name: Default\n      project_domain_name: Default\n",
		strings.TrimSuffix(f.cloud.AuthURL, "/v3"), f.cloud.Username, f.cloud.Password, f.cloud.Project))
	cfg := f.cfg
	cfg.Cloud = "bare"
	opts := f.opts
	opts.CloudsFile = clouds
	p, err := New(context.Background(), &cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Nodes(context.Background()); err != nil {
		t.Fatal(err)
	}
}
