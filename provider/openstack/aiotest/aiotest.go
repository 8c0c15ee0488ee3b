// Package aiotest finds the OpenStack all-in-one that e2e/openstack/aio.sh
// starts (real Keystone, Glance, Placement, Nova with the fake virt driver,
// Neutron, from Debian 12's packages), for tests that run the provider
// against real services rather than openstacktest's double.
//
// Tests skip with a one-line reason when it is not up, unless
// PALLET_OPENSTACK_REQUIRED is set (for a run that started the cloud with aio.sh up),
// so a cloud that failed to come up fails the run instead of hiding.
package aiotest

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The clouds aio.sh writes into clouds.yaml (passwords in secure.yaml).
const (
	Cloud      = "pallet"       // member of project pallet
	AdminCloud = "pallet-admin" // admin of project admin
	QuotaCloud = "pallet-quota" // member of project pallet-quota, whose instance quota is 1
)

// Address is where the container's services listen (aio.sh's CT_IP).
const Address = "10.199.12.2"

// What aio.sh registers.
const (
	ImageDebian      = "debian-12-fake"       // os_distro debian, os_version 12, x86_64
	ImageUbuntu      = "ubuntu-22.04-fake"    // os_distro ubuntu, os_version 22.04, default_user ubuntu
	ImageDebianArm   = "debian-12-arm64-fake" // aarch64
	FlavorTiny       = "pallet.tiny"          // 1 vCPU, 512 MB, 1 GB
	FlavorSmall      = "pallet.small"         // 2 vCPUs, 2048 MB, 10 GB
	FlavorUnplacable = "pallet.unplaceable"   // requires a trait no host has: ERROR, no valid host
	Network          = "pallet-net"           // shared flat network, subnet 127.0.0.0/16
	// PoolStart..PoolEnd is pallet-subnet's allocation pool: loopback
	// addresses, so a test's listener on 0.0.0.0 answers at every server.
	PoolStart = "127.0.250.2"
	PoolEnd   = "127.0.250.254"
)

// CloudsFile returns the clouds.yaml of a running all-in-one, or skips t.
func CloudsFile(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PALLET_OPENSTACK_STATE")
	if dir == "" {
		dir = "/var/tmp/pallet-openstack"
	}
	file := filepath.Join(dir, "clouds.yaml")
	miss := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("PALLET_OPENSTACK_REQUIRED") != "" {
			t.Fatalf("PALLET_OPENSTACK_REQUIRED is set but "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := os.Stat(file); err != nil {
		miss("OpenStack all-in-one not up (no %s): start it with e2e/openstack/aio.sh up", file)
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(Address, "5000"), 3*time.Second)
	if err != nil {
		miss("OpenStack all-in-one not answering (%v): restart it with e2e/openstack/aio.sh up", err)
	}
	c.Close()
	return file
}
