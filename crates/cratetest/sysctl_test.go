package cratetest

import (
	"os/exec"
	"testing"
)

// TestSysctlPath: a sysctl key names its /proc/sys file as sysctl(8)
// does, a dot a directory and a slash within a part a dot (VLAN
// interfaces), so the sysctl crate reads and writes the file the key
// means and no other. Only the helper runs: setting a key here would set
// it on the machine running the tests.
func TestSysctlPath(t *testing.T) {
	helper := helperSource(t, "pallet_sysctl_path")
	for key, want := range map[string]string{
		"net.ipv4.ip_forward":              "/proc/sys/net/ipv4/ip_forward",
		"net.ipv4.conf.eth0/100.rp_filter": "/proc/sys/net/ipv4/conf/eth0.100/rp_filter",
		"kernel.sem":                       "/proc/sys/kernel/sem",
		"net.ipv6.conf.br-lan.forwarding":  "/proc/sys/net/ipv6/conf/br-lan/forwarding",
	} {
		out, err := exec.Command("bash", "-c", helper+"\npallet_sysctl_path \"$1\"", "bash", key).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", key, err, out)
		}
		if got := string(out); got != want+"\n" {
			t.Errorf("pallet_sysctl_path %s = %q, want %q", key, got, want)
		}
	}
}
