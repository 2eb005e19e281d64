package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/config"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/ossupload"
	"github.com/fcgit/fcgit/push"
	"github.com/fcgit/fcgit/snapshot"
)

// workspace is what most commands work on: the repository, its fcgit.toml and
// a client for the configured region.
type workspace struct {
	env    Env
	repo   *gitstate.Repo
	cfg    *config.Config
	client *fc.Client
	// ossEndpointFrom names where cfg.Code.OSSEndpoint came from, for errors.
	ossEndpointFrom string
	// loader decodes the function directories the command looks at, each
	// version once (fetch.Loader).
	loader *fetch.Loader
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
	if head, err := repo.Head(); err != nil {
		return nil, err
	} else if head.Branch == cfg.BranchRef() {
		// fetch commits onto the online branch without touching the work
		// tree or index: on the checked-out branch that would leave both
		// stale and mix fcgit's records with the user's commits.
		return nil, fmt.Errorf("%s: branch = %q is the branch checked out here; the online branch must be fcgit's own (the default is %q): change branch in %s", config.FileName, cfg.Branch, config.DefaultBranch, config.FileName)
	}
	if r := globalString(c, "region"); r != "" {
		cfg.Region = r
	}
	if e := globalString(c, "endpoint"); e != "" {
		cfg.Endpoint = e
	}
	ossEndpointFrom := config.FileName + " [code] ossEndpoint"
	if e := env.getenv("FCGIT_OSS_ENDPOINT"); e != "" {
		cfg.Code.OSSEndpoint, ossEndpointFrom = e, "FCGIT_OSS_ENDPOINT"
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
	return &workspace{env: env, repo: repo, cfg: cfg, client: client, ossEndpointFrom: ossEndpointFrom, loader: fetch.NewLoader(repo, cfg.Dir)}, nil
}

// codeOptions say how push sends code packages: packages over FC's inline
// limit go to the [code] bucket, signed as the identity FC's requests are.
func (w *workspace) codeOptions() (push.CodeOptions, error) {
	opts := push.CodeOptions{Bucket: w.cfg.Code.OSSBucket, Prefix: w.cfg.Code.Prefix()}
	if opts.Bucket != "" {
		up, err := ossupload.New(ossupload.Config{
			Region: w.cfg.Region, Endpoint: w.cfg.Code.OSSEndpoint, UserAgent: "fcgit",
			Credentials: func(context.Context) (ossupload.Credentials, error) {
				c, err := w.client.Credentials()
				return ossupload.Credentials(c), err
			},
		})
		if err != nil {
			return opts, fmt.Errorf("%s: %w", w.ossEndpointFrom, err)
		}
		opts.Uploader = up
	}
	if w.env.tweakCode != nil {
		w.env.tweakCode(&opts)
	}
	return opts, nil
}

func (w *workspace) branch() fetch.Branch {
	return fetch.Branch{Ref: w.cfg.BranchRef(), Dir: w.cfg.Dir, Region: w.cfg.Region, DomainsDir: w.cfg.DomainsDir()}
}

func (w *workspace) fetchOptions(c *cli.Context) fetch.Options {
	opts := fetch.Options{Prefix: w.cfg.Scope.Prefix, InScope: w.cfg.InScope, Jobs: c.Int("jobs"),
		Secrets: snapshot.SecretRules{Patterns: w.cfg.SecretPatterns()}, Hide: w.env.hide, ReadAll: map[string]bool{},
		DomainsDir: w.cfg.DomainsDir(), Loader: w.loader}
	for _, k := range w.cfg.Watch {
		opts.ReadAll[k] = true
	}
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

// pathspecFunctions turns a command's arguments, paths of function
// directories or of files in them relative to where fcgit runs (as git takes
// pathspecs), into function names; nil means every function (no arguments,
// or the managed directory itself).
func (w *workspace) pathspecFunctions(c *cli.Context) ([]string, error) {
	if !c.Args().Present() {
		return nil, nil
	}
	cwd, err := startDir(c)
	if err != nil {
		return nil, err
	}
	root := w.repo.WorkDir()
	seen := map[string]bool{}
	var out []string
	for _, a := range c.Args().Slice() {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		rel, err := filepath.Rel(root, filepath.Clean(p))
		if err != nil {
			return nil, usagef("%s: outside the repository", a)
		}
		rel = filepath.ToSlash(rel)
		if rel == w.cfg.Dir {
			return nil, nil
		}
		rest, ok := strings.CutPrefix(rel, w.cfg.Dir+"/")
		if !ok {
			return nil, usagef("%s: not a function: pathspecs name function directories, %s/<name>", a, w.cfg.Dir)
		}
		name, _, _ := strings.Cut(rest, "/")
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out, nil
}
