//go:build unix

package runner

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock, the same kind OpenSSH tools
// respect, so pallet processes running side by side serialise their writes.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
