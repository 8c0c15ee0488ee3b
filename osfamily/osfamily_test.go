package osfamily

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		id                string
		chain             []string
		family, pkg, init string
		admin             string
	}{
		{"debian-12", []string{"debian-12", "debian"}, "debian", "apt", "systemd", "sudo"},
		{"ubuntu-22.04", []string{"ubuntu-22.04", "ubuntu", "debian"}, "debian", "apt", "systemd", "sudo"},
		{"ubuntu", []string{"ubuntu", "debian"}, "debian", "apt", "systemd", "sudo"},
		{"rocky-9", []string{"rocky-9", "rocky", "rhel"}, "rhel", "dnf", "systemd", "wheel"},
		{"amzn-2023", []string{"amzn-2023", "amzn", "rhel"}, "rhel", "dnf", "systemd", "wheel"},
		{"amzn-2", []string{"amzn-2", "amzn", "rhel"}, "rhel", "yum", "systemd", "wheel"},
		{"alpine-3.20", []string{"alpine-3.20", "alpine"}, "alpine", "apk", "openrc", "wheel"},
		{"arch", []string{"arch"}, "arch", "pacman", "systemd", "wheel"},
	}
	for _, tt := range tests {
		os, err := Parse(tt.id)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.id, err)
			continue
		}
		if diff := cmp.Diff(tt.chain, os.Chain()); diff != "" {
			t.Errorf("%s chain (-want +got):\n%s", tt.id, diff)
		}
		if os.Family != tt.family || os.Pkg != tt.pkg || os.Init != tt.init || os.Admin != tt.admin {
			t.Errorf("%s: got family=%s pkg=%s init=%s admin=%s", tt.id, os.Family, os.Pkg, os.Init, os.Admin)
		}
	}
	for id, want := range map[string]string{
		"solaris-11": `unknown OS family "solaris"`,
		"Debian-12":  "unknown OS id",
		"arch-2024":  "rolling release",
		"debain-12":  `did you mean "debian"?`,
	} {
		if _, err := Parse(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", id, err, want)
		}
	}
}

func TestForImage(t *testing.T) {
	for _, tt := range []struct {
		family, matches string
		want            string
	}{
		{"ubuntu", `22\.04`, "ubuntu-22.04"},
		{"ubuntu", "", "ubuntu-24.04"},
		{"debian", `1[12]`, "debian-12"},
		{"debian", `99`, "debian"},
		{"arch", "", "arch"},
	} {
		got, err := ForImage(tt.family, tt.matches)
		if err != nil || got != tt.want {
			t.Errorf("ForImage(%q, %q) = %q, %v; want %q", tt.family, tt.matches, got, err, tt.want)
		}
	}
}

// TestParseKnown: --os takes a family alone or a version pallet knows;
// debian-99 used to be accepted and rendered for.
func TestParseKnown(t *testing.T) {
	for _, id := range []string{"debian-12", "ubuntu", "ubuntu-22.04", "arch", "amzn-2"} {
		if _, err := ParseKnown(id); err != nil {
			t.Errorf("ParseKnown(%q): %v", id, err)
		}
	}
	for id, want := range map[string]string{
		"debian-99":   `unknown debian version "99" in OS id "debian-99" (known: 11, 12, 13; or write just "debian" for any version)`,
		"ubuntu-22.4": `unknown ubuntu version "22.4"`,
		"windows-11":  `unknown OS family "windows"`,
		"arch-2024":   "rolling release",
	} {
		if _, err := ParseKnown(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKnown(%q) = %v, want an error containing %q", id, err, want)
		}
	}
}

// TestFromRelease: os-release's ID and VERSION_ID map to the ids of the
// family table (this was runner.PalletOSID, with its own list of ids).
func TestFromRelease(t *testing.T) {
	tests := []struct{ id, version, want string }{
		{"debian", "12", "debian-12"},
		{"ubuntu", "22.04", "ubuntu-22.04"},
		{"rocky", "9.4", "rocky-9"},
		{"almalinux", "8.10", "almalinux-8"},
		{"rhel", "9.3", "rhel-9"},
		{"centos", "9", "centos-9"},
		{"fedora", "40", "fedora-40"},
		{"amzn", "2023", "amzn-2023"},
		{"amzn", "2", "amzn-2"},
		{"alpine", "3.20.3", "alpine-3.20"},
		{"alpine", "3", "alpine-3"},
		{"arch", "", "arch"},
		{"ArchARM", "", "arch"},
		{"debian", "", ""},     // sid/testing: no VERSION_ID
		{"gentoo", "2.15", ""}, // unknown
		{"", "", ""},
	}
	for _, tt := range tests {
		got, err := FromRelease(tt.id, tt.version)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("FromRelease(%q, %q) = %q, %v; want %q", tt.id, tt.version, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ id, version, want string }{
		{"", "", "os-release has no ID; pallet cannot tell which OS this is (set the node's OS explicitly)"},
		{"debian", "", `os-release ID "debian" has no VERSION_ID (a testing or rolling release?); set the node's OS explicitly`},
		{"gentoo", "2.15", `os-release ID "gentoo" (version 2.15) is not an OS pallet knows; set the node's OS explicitly`},
	} {
		if _, err := FromRelease(tt.id, tt.version); err == nil || err.Error() != tt.want {
			t.Errorf("FromRelease(%q, %q) error = %v, want %q", tt.id, tt.version, err, tt.want)
		}
	}
}
