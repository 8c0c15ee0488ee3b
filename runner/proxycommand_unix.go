//go:build unix

package runner

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the command in its own process group so that
// killProcessGroup reaches whatever sh started.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
