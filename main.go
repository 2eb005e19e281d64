// Command fcgit keeps Alibaba Cloud Function Compute functions in git and turns
// drift between the repository and the cloud into an ordinary git merge.
package main

import (
	"os"

	"github.com/fcgit/fcgit/internal/cmd"
)

func main() {
	os.Exit(cmd.Run())
}
