package converge

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/provider"
)

// TestCreateSpec: the one spec a new node asks for carries the admin key
// and user, and the group's image and hardware, field for field.
func TestCreateSpec(t *testing.T) {
	const project = `
admin: {user: deploy, public_key_file: keys/deploy.pub}
groups:
  javanode:
    image: {os_family: ubuntu, os_version_matches: "22\\.04", os_description_matches: "LTS", os_64bit: true, image_name: jammy, login_user: ubuntu}
    hardware: {smallest: true, min_cores: 2, min_ram_mb: 2048, min_disk_gb: 20, flavor: m1.small}
    phases:
      configure: [{exec-script: {script: "true"}}]
  plain:
    phases:
      configure: [{exec-script: {script: "true"}}]
`
	nokey := loadProject(t, project)
	g, err := nokey.Group("javanode")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateSpec(nokey, g, ""); err == nil || !strings.Contains(err.Error(), "deploy.pub") {
		t.Fatalf("no key file: got %v, want an error naming keys/deploy.pub", err)
	}

	p := loadProject(t, project)
	if g, err = p.Group("javanode"); err != nil {
		t.Fatal(err)
	}
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb0Dn9nWLsJ3wsO0mRZ3ucQ/2z0t1zBmsyK9ZGGQ3Jb deploy@test"
	if err := os.MkdirAll(filepath.Join(p.Dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "keys", "deploy.pub"), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yes := true
	want := provider.CreateSpec{
		AdminPublicKey: key,
		LoginUser:      "ubuntu",
		AdminUser:      "deploy",
		ImageTemplate: provider.ImageTemplate{
			OSFamily: "ubuntu", OSVersionMatches: `22\.04`, OSDescriptionMatches: "LTS", OS64Bit: &yes, ImageName: "jammy",
		},
		Hardware: provider.Hardware{Smallest: true, MinCores: 2, MinRAMMB: 2048, MinDiskGB: 20, Flavor: "m1.small"},
	}
	got, err := CreateSpec(p, g, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CreateSpec(javanode):\n got %+v\nwant %+v", got, want)
	}
	if got, _ := CreateSpec(p, g, "ops"); got.AdminUser != "ops" {
		t.Errorf("an explicit admin user: got %q, want ops", got.AdminUser)
	}
	plain, _ := p.Group("plain")
	if got, _ := CreateSpec(p, plain, ""); !reflect.DeepEqual(got, provider.CreateSpec{AdminPublicKey: key, AdminUser: "deploy"}) {
		t.Errorf("CreateSpec(plain) = %+v, want only the admin key and user", got)
	}
}

// TestCreateSpecAdminUserDefault: with no admin.user, the user a new node
// is made for is the project's default (its environment's user), the same
// user the compiled bootstrap creates. It used to be left empty here, and
// each provider then read $USER for itself.
func TestCreateSpecAdminUserDefault(t *testing.T) {
	p := loadProject(t, `
admin: {public_key_file: deploy.pub}
groups:
  web:
    phases:
      bootstrap: [automated-admin-user]
`)
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb0Dn9nWLsJ3wsO0mRZ3ucQ/2z0t1zBmsyK9ZGGQ3Jb deploy@test"
	if err := os.WriteFile(filepath.Join(p.Dir, "deploy.pub"), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := p.Group("web")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := CreateSpec(p, g, "")
	if err != nil {
		t.Fatal(err)
	}
	if spec.AdminUser != "tester" {
		t.Errorf("CreateSpec without admin.user: AdminUser %q, want tester (the project environment's user)", spec.AdminUser)
	}
	s, err := p.Compile(compiler.Target{Group: "web", Phase: "bootstrap"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^pallet_user_ensure tester `).Match(s.Text.Bytes()) {
		t.Errorf("the bootstrap script does not create tester:\n%s", s.Text.Bytes())
	}
}
