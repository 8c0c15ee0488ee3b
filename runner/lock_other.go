//go:build !unix

package runner

import "os"

// lockFile is a no-op where flock does not exist; the single O_APPEND write
// still keeps lines whole.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) error { return nil }
