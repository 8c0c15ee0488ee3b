package nspawn

import (
	"os"
	"testing"
)

func TestAddressAt(t *testing.T) {
	tests := []struct {
		block, i int
		want     string
		ok       bool
	}{
		{10, 0, "127.0.10.2", true},
		{10, 252, "127.0.10.254", true},
		{10, 253, "127.0.11.2", true},
		{254, 253, "", false},
	}
	for _, tt := range tests {
		got, ok := addressAt(tt.block, tt.i)
		if got != tt.want || ok != tt.ok {
			t.Errorf("addressAt(%d, %d) = %q, %v; want %q, %v", tt.block, tt.i, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFreeAddressSkipsTaken(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it probes port 22, which only root may bind")
	}
	got, next, err := freeAddress(10, 0, map[string]bool{"127.0.10.2": true, "127.0.10.3": true})
	if err != nil || got != "127.0.10.4" || next != 3 {
		t.Errorf("freeAddress = %q, %d, %v; want 127.0.10.4, 3", got, next, err)
	}
}

func TestOSID(t *testing.T) {
	tests := []struct{ image, release, os string }{
		{"bullseye", "bullseye", "debian-11"},
		{"debian-12", "bookworm", "debian-12"},
		{"trixie", "trixie", "debian-13"},
		{"buster", "", ""},
	}
	for _, tt := range tests {
		release, os, err := osID(tt.image)
		if release != tt.release || os != tt.os || (err != nil) != (tt.release == "") {
			t.Errorf("osID(%q) = %q, %q, %v; want %q, %q", tt.image, release, os, err, tt.release, tt.os)
		}
	}
}

func TestNameLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"web-2", "web-10", true},
		{"web-10", "web-2", false},
		{"db-9", "web-1", true},
		{"a", "b", true},
	}
	for _, tt := range tests {
		if got := nameLess(tt.a, tt.b); got != tt.want {
			t.Errorf("nameLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	if got := unescapeMountinfo(`/var/a\040b`); got != "/var/a b" {
		t.Errorf("got %q", got)
	}
}
