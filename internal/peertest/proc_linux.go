package peertest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the peer if the test binary dies
// without running its cleanups (a panic or a -timeout), so no peer outlives
// the test run.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
