package openstack

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/provider"
)

var catalogue = []Image{
	{ID: "d11", Name: "Debian 11", Distro: "debian", Version: "11", LoginUser: "debian"},
	{ID: "d12", Name: "Debian 12", Distro: "debian", Version: "12", Description: "bookworm genericcloud", LoginUser: "debian", MinDiskGB: 2},
	{ID: "d12-arm", Name: "Debian 12 arm", Distro: "debian", Version: "12", Description: "bookworm arm64", Arch: "aarch64"},
	{ID: "u2204", Name: "Ubuntu 22.04", Distro: "ubuntu", Version: "22.04"},
	{ID: "u2404", Name: "Ubuntu 24.04", Distro: "ubuntu", Version: "24.04"},
	{ID: "r9", Name: "Rocky-9-GenericCloud"}, // no properties: judged by name
	{ID: "dup1", Name: "custom", Distro: "alpine", Version: "3.20"},
	{ID: "dup2", Name: "custom", Distro: "alpine", Version: "3.20"},
}

func TestSelectImage(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name    string
		t       provider.ImageTemplate
		want    string
		wantErr []string
	}{
		{"family: highest version", provider.ImageTemplate{OSFamily: "ubuntu"}, "u2404", nil},
		{"family is case-insensitive", provider.ImageTemplate{OSFamily: "Ubuntu", OSVersionMatches: "^22"}, "u2204", nil},
		{"version regex", provider.ImageTemplate{OSFamily: "debian", OSVersionMatches: "^11$"}, "d11", nil},
		{"description narrows", provider.ImageTemplate{OSFamily: "debian", OSDescriptionMatches: "genericcloud"}, "d12", nil},
		{"64-bit filter removes the arm image", provider.ImageTemplate{OSFamily: "debian", OSVersionMatches: "12", OS64Bit: &no}, "d12", nil},
		{"nothing 32-bit", provider.ImageTemplate{OSFamily: "debian", OSDescriptionMatches: "arm64", OS64Bit: &no}, "", []string{"no image matches", "os_64bit=false"}},
		{"64-bit keeps unknown arch", provider.ImageTemplate{OSFamily: "debian", OSVersionMatches: "11", OS64Bit: &yes}, "d11", nil},
		{"name fallback without properties", provider.ImageTemplate{OSFamily: "rocky", OSVersionMatches: "9"}, "r9", nil},
		{"pin id", provider.ImageTemplate{OSFamily: "ubuntu", ImageID: "d11"}, "d11", nil},
		{"pin name", provider.ImageTemplate{ImageName: "Ubuntu 22.04"}, "u2204", nil},
		{"ambiguous", provider.ImageTemplate{OSFamily: "debian", OSVersionMatches: "12"}, "", []string{"2 images match", "Debian 12 (d12", "Debian 12 arm (d12-arm", "image_id"}},
		{"ambiguous name", provider.ImageTemplate{ImageName: "custom"}, "", []string{"2 images are named", "dup1", "dup2", "image_id"}},
		{"same version twice", provider.ImageTemplate{OSFamily: "alpine"}, "", []string{"2 images match", "dup1", "dup2"}},
		{"no match lists candidates", provider.ImageTemplate{OSFamily: "arch"}, "", []string{"no image matches {os_family=arch}", "Ubuntu 24.04 (u2404", "pin image_name"}},
		{"unknown id", provider.ImageTemplate{ImageID: "nope"}, "", []string{`no active image with id "nope"`, "Debian 11"}},
		{"bad regex", provider.ImageTemplate{OSFamily: "debian", OSVersionMatches: "("}, "", []string{"os_version_matches", "not a regular expression"}},
		{"empty template", provider.ImageTemplate{}, "", []string{"image template is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SelectImage(catalogue, tc.t)
			if tc.wantErr == nil {
				if err != nil || got.ID != tc.want {
					t.Fatalf("SelectImage = %s, %v; want %s", got.ID, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("SelectImage = %s, want an error", got.ID)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not say %q", err, w)
				}
			}
		})
	}
}

func TestSelectFlavor(t *testing.T) {
	flavors := []Flavor{
		{ID: "4", Name: "m1.large", VCPUs: 4, RAMMB: 8192, DiskGB: 80},
		{ID: "1", Name: "m1.tiny", VCPUs: 1, RAMMB: 512, DiskGB: 1},
		{ID: "2", Name: "m1.small", VCPUs: 1, RAMMB: 2048, DiskGB: 20},
		{ID: "3", Name: "m1.medium", VCPUs: 2, RAMMB: 4096, DiskGB: 40},
		{ID: "v", Name: "v1.volume", VCPUs: 2, RAMMB: 4096, DiskGB: 0},
	}
	img := Image{MinDiskGB: 2}
	for _, tc := range []struct {
		name    string
		hw      provider.Hardware
		img     Image
		want    string
		wantErr []string
	}{
		{"default is smallest", provider.Hardware{}, Image{}, "m1.tiny", nil},
		{"smallest fitting the image", provider.Hardware{Smallest: true}, img, "m1.small", nil},
		{"min cores", provider.Hardware{MinCores: 2}, img, "m1.medium", nil},
		{"min ram", provider.Hardware{MinRAMMB: 4000}, img, "m1.medium", nil},
		{"min disk skips disk-0 flavors", provider.Hardware{MinCores: 2, MinDiskGB: 50}, img, "m1.large", nil},
		{"disk-0 flavors are not picked", provider.Hardware{MinCores: 2}, Image{}, "m1.medium", nil},
		{"disk-0 flavor by name", provider.Hardware{Flavor: "v1.volume"}, img, "v1.volume", nil},
		{"by name", provider.Hardware{Flavor: "m1.large", MinCores: 64}, img, "m1.large", nil},
		{"by id", provider.Hardware{Flavor: "3"}, img, "m1.medium", nil},
		{"image needs more ram", provider.Hardware{}, Image{MinRAMMB: 3000}, "m1.medium", nil},
		{"nothing fits", provider.Hardware{MinCores: 16}, img, "", []string{"no flavor has at least 16 cores", "m1.large (4 cores, 8192 MB, 80 GB)", "lower the hardware minimums"}},
		{"unknown name", provider.Hardware{Flavor: "m9.huge"}, img, "", []string{`no flavor named "m9.huge"`, "m1.tiny"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SelectFlavor(flavors, tc.hw, tc.img)
			if tc.wantErr == nil {
				if err != nil || got.Name != tc.want {
					t.Fatalf("SelectFlavor = %s, %v; want %s", got.Name, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("SelectFlavor = %s, want an error", got.Name)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not say %q", err, w)
				}
			}
		})
	}
}

func TestFromYAML(t *testing.T) {
	parse := func(src string) (*Config, error) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			t.Fatal(err)
		}
		return FromYAML(&n)
	}
	c, err := parse("kind: openstack\ncloud: mycloud\nnetwork: private\nfloating_ip_pool: public\nkeep_failed: true\ncreate_timeout: 90s\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud != "mycloud" || c.Network != "private" || c.FloatingIPPool != "public" || !c.KeepFailed || c.createTimeout().Seconds() != 90 || c.sshPort() != 22 {
		t.Errorf("config = %+v", c)
	}
	for src, want := range map[string]string{
		"kind: openstack\ncloud: x\nfloating_ip_poll: public\n": `line 3: openstack provider: unknown key "floating_ip_poll"`,
		"kind: nspawn\n": `provider kind is "nspawn"`,
		"kind: openstack\ncreate_timeout: soon\n": `"soon" is not a positive duration`,
		"kind: openstack\nkeep_failed: perhaps\n": "cannot unmarshal",
		"- kind\n":                             "must be a mapping",
		"kind: openstack\nssh_port: 70000\n":   "not a TCP port",
		"kind: openstack\npassword: hunter2\n": `unknown key "password"`,
	} {
		if _, err := parse(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FromYAML(%q) = %v, want %q", src, err, want)
		}
	}
}
