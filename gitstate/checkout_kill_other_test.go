//go:build !unix

package gitstate

// runCrashHelper: killing a process at a step needs SIGKILL (unix).
func runCrashHelper(string) {}
