//go:build unix

package compiler

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used
// so far: what a benchmark reports beside wall time, since on a shared
// machine wall time says as much about the neighbours as about the code.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
