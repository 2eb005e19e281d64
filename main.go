// Command fcgit keeps Alibaba Cloud Function Compute functions in git and turns
// drift between the repository and the cloud into an ordinary git merge.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fcgit/fcgit/internal/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Main(ctx, os.Args, cmd.Std())
	stop()
	os.Exit(code)
}
