//go:build !unix

package gitstate

import (
	"os"
	"os/exec"
)

// runCrashHelper: killing a process at a step needs SIGKILL (unix).
func runCrashHelper(string) {}

func killHelperAvailable() bool { return false }

func killSelf() { os.Exit(3) }

func killedBy(cmd *exec.Cmd) string { return cmd.ProcessState.String() }
