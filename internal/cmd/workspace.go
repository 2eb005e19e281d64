package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/config"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
)

// workspace is what most commands work on: the repository, its fcgit.toml and
// a client for the configured region.
type workspace struct {
	env    Env
	repo   *gitstate.Repo
	cfg    *config.Config
	client *fc.Client
}

// startDir is the directory fcgit runs in: -C, relative to the process's.
func startDir(c *cli.Context) (string, error) {
	dir := globalString(c, "C")
	if dir == "" {
		return os.Getwd()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", usagef("-C %s: not a directory", dir)
	}
	return abs, nil
}

func openWorkspace(c *cli.Context, env Env) (*workspace, error) {
	dir, err := startDir(c)
	if err != nil {
		return nil, err
	}
	repo, err := gitstate.Open(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(repo.WorkDir())
	if err != nil {
		return nil, err
	}
	if r := globalString(c, "region"); r != "" {
		cfg.Region = r
	}
	if e := globalString(c, "endpoint"); e != "" {
		cfg.Endpoint = e
	}
	client, err := fc.New(fc.Config{
		Region:          cfg.Region,
		Endpoint:        cfg.Endpoint,
		AccessKeyID:     env.getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"),
		AccessKeySecret: env.getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
		SecurityToken:   env.getenv("ALIBABA_CLOUD_SECURITY_TOKEN"),
		UserAgent:       "fcgit",
	})
	if err != nil {
		return nil, fmt.Errorf("FC client: %w", err)
	}
	return &workspace{env: env, repo: repo, cfg: cfg, client: client}, nil
}

func (w *workspace) branch() fetch.Branch {
	return fetch.Branch{Ref: w.cfg.BranchRef(), Dir: w.cfg.Dir, Region: w.cfg.Region}
}

func (w *workspace) fetchOptions(c *cli.Context) fetch.Options {
	opts := fetch.Options{Prefix: w.cfg.Scope.Prefix, InScope: w.cfg.InScope, Jobs: c.Int("jobs")}
	if w.env.terminal() && !globalBool(c, "quiet") {
		opts.Progress = func(done, total int) {
			fmt.Fprintf(w.env.Stderr, "\rReading functions: %d/%d", done, total)
			if done == total {
				fmt.Fprintln(w.env.Stderr)
			}
		}
	}
	return opts
}
