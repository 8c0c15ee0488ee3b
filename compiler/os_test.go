package compiler

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOS(t *testing.T) {
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
		os, err := ParseOS(tt.id)
		if err != nil {
			t.Errorf("ParseOS(%q): %v", tt.id, err)
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
		if _, err := ParseOS(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseOS(%q) = %v, want error containing %q", id, err, want)
		}
	}
}

func TestOSForImage(t *testing.T) {
	for _, tt := range []struct {
		img  Image
		want string
	}{
		{Image{OSFamily: "ubuntu", OSVersionMatches: `22\.04`}, "ubuntu-22.04"},
		{Image{OSFamily: "ubuntu"}, "ubuntu-24.04"},
		{Image{OSFamily: "debian", OSVersionMatches: `1[12]`}, "debian-12"},
		{Image{OSFamily: "debian", OSVersionMatches: `99`}, "debian"},
		{Image{OSFamily: "arch"}, "arch"},
	} {
		got, err := osForImage(tt.img)
		if err != nil || got != tt.want {
			t.Errorf("osForImage(%+v) = %q, %v; want %q", tt.img, got, err, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          "''",
		"plain":     "plain",
		"/etc/x.d":  "/etc/x.d",
		"a b":       "'a b'",
		"it's":      `'it'\''s'`,
		"a=b":       "'a=b'",
		"~":         "'~'",
		"$HOME":     "'$HOME'",
		"-rf":       "-rf",
		"ünï":       "'ünï'",
		"two\nline": "'two\nline'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
