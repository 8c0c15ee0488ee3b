// Package e2e holds pallet's end-to-end tests: crates compiled by the
// compiler package and run by the runner package on real Debian nodes
// (systemd-nspawn containers running OpenSSH, from provider/nspawn/nspawntest),
// then checked on the node over ssh(1).
//
// The tests need root, systemd-nspawn, debootstrap and the OpenSSH client;
// without them, and under -short, they skip saying why. Run them with
//
//	go test ./e2e/ -v
package e2e
