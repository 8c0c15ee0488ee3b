// Package live runs every built-in crate for real: each crate has a case
// (crates_<name>_test.go) that applies it to a Debian node of each release
// (systemd-nspawn containers running OpenSSH, from
// provider/nspawn/nspawntest), checks the result on the node over ssh(1),
// applies it again to see nothing change, and runs its other actions.
// TestEveryBuiltinCrateHasALiveCase fails for a crate without a case.
//
// The tests need root, systemd-nspawn, debootstrap and the OpenSSH client;
// without them, and under -short, they skip saying why. Run them with
//
//	go test ./e2e/live/ -v
package live
