//go:build !unix

package pull

// runPullCrashHelper: killing a process at a step needs SIGKILL (unix).
func runPullCrashHelper(string) {}
