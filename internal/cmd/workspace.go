package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/config"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/ossupload"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/push"
	"github.com/fcgit/fcgit/release"
	"github.com/fcgit/fcgit/snapshot"
)

// workspace is what most commands work on: the repository, its fcgit.toml,
// the target the command works on and a client for it.
type workspace struct {
	env    Env
	repo   *gitstate.Repo
	cfg    *config.Config
	target *config.Target
	client *fc.Client
	// layout maps commits to what the target deploys (its overlay); nil
	// for a repository without targets.
	layout *fetch.Layout
	// ossEndpointFrom names where the target's OSS endpoint came from, for
	// errors.
	ossEndpointFrom string
	// loader decodes the function directories the command looks at, each
	// version once (fetch.Loader).
	loader *fetch.Loader
}

// targetFlag is -t/--target: which of fcgit.toml's targets a command works on.
func targetFlag() cli.Flag {
	return &cli.StringFlag{Name: "target", Aliases: []string{"t"}, EnvVars: []string{"FCGIT_TARGET"},
		Usage: "work on target `NAME` of fcgit.toml's [targets] (default: defaultTarget)"}
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
	w, err := openRepo(c, env)
	if err != nil {
		return nil, err
	}
	t, err := w.cfg.Target(targetArg(c))
	if err != nil {
		return nil, usageError{err}
	}
	if err := w.use(c, t); err != nil {
		return nil, err
	}
	return w, nil
}

// refuseCheckedOutElsewhere refuses to go on when another work tree of the
// repository (git worktree add) has one of the online branches checked
// out: fcgit commits onto them, which would leave that work tree's index
// and files showing a revert of the new commit (git branch -f refuses the
// same). The commands that record online state call it; status and diff
// only read.
func (w *workspace) refuseCheckedOutElsewhere(targets ...*config.Target) error {
	out, err := w.repo.CheckedOut()
	if err != nil {
		return err
	}
	for _, t := range targets {
		dir, ok := out[t.BranchRef()]
		if !ok {
			continue
		}
		if dir == "" {
			dir = "another work tree"
		}
		return fmt.Errorf("the online branch %s is checked out in %s: fcgit records online state on it, which would leave that work tree showing a revert of each new record; switch that work tree to another branch (git -C %s switch --detach) or remove it (git worktree remove %s), then run fcgit again", t.Branch, dir, dir, dir)
	}
	return nil
}

// targetArg is the target named by -t (or FCGIT_TARGET), "" for the
// default one.
func targetArg(c *cli.Context) string {
	if hasFlag(c.Command.Flags, "target") {
		return c.String("target")
	}
	return ""
}

// openRepo opens the repository and its fcgit.toml, with no target chosen
// yet (use chooses one).
func openRepo(c *cli.Context, env Env) (*workspace, error) {
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
	removeLeftovers(env, repo, globalBool(c, "verbose"))
	all, err := cfg.AllTargets()
	if err != nil {
		return nil, err
	}
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	for _, at := range all {
		if head.Branch != at.BranchRef() {
			continue
		}
		// fetch commits onto the online branch without touching the work
		// tree or index: on the checked-out branch that would leave both
		// stale and mix fcgit's records with the user's commits.
		if strings.HasPrefix(at.Branch, "fcgit/") {
			// fcgit's own branch, checked out by hand (to look at it).
			return nil, fmt.Errorf("the online branch %s is checked out here: fcgit records online state on it, so it must not be the branch you work on; switch back to your branch (git switch main), then run fcgit again", at.Branch)
		}
		return nil, fmt.Errorf("%s: branch = %q is the branch checked out here; the online branch must be fcgit's own (the default is %q): change branch in %s", config.FileName, at.Branch, config.DefaultBranch, config.FileName)
	}
	return &workspace{env: env, repo: repo, cfg: cfg, loader: fetch.NewLoader(repo, cfg.Dir)}, nil
}

// use points the workspace at target t: the global --region and --endpoint
// flags (and their environment variables) apply to it, and it gets a client
// signed with its credentials.
func (w *workspace) use(c *cli.Context, t *config.Target) error {
	cp := *t
	t = &cp
	if r := globalString(c, "region"); r != "" {
		t.Region = r
	}
	if e := globalString(c, "endpoint"); e != "" {
		t.Endpoint = e
	}
	w.ossEndpointFrom = config.FileName + " [code] ossEndpoint"
	if e := w.env.getenv("FCGIT_OSS_ENDPOINT"); e != "" {
		t.Code.OSSEndpoint, w.ossEndpointFrom = e, "FCGIT_OSS_ENDPOINT"
	}
	fcc := fc.Config{Region: t.Region, Endpoint: t.Endpoint, UserAgent: "fcgit", Profile: t.Profile, Hide: w.env.hide}
	if t.Profile == "" {
		fcc.AccessKeyID = w.env.getenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
		fcc.AccessKeySecret = w.env.getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
		fcc.SecurityToken = w.env.getenv("ALIBABA_CLOUD_SECURITY_TOKEN")
	}
	if w.env.tweakClient != nil {
		w.env.tweakClient(&fcc)
	}
	client, err := fc.New(fcc)
	if err != nil {
		if t.Name != "" {
			return fmt.Errorf("target %s: %w", t.Name, err)
		}
		return err
	}
	w.target, w.client = t, client
	w.layout = nil
	if t.Name != "" {
		w.layout = fetch.NewLayout(t.Name, w.cfg.Overlay(t), t.InScope)
	}
	return nil
}

// forTarget is the workspace of another target of the same repository.
func (w *workspace) forTarget(c *cli.Context, t *config.Target) (*workspace, error) {
	o := &workspace{env: w.env, repo: w.repo, cfg: w.cfg, loader: w.loader}
	if err := o.use(c, t); err != nil {
		return nil, err
	}
	return o, nil
}

// legacyTempAge is how old a code package an earlier fcgit left in the
// system's temporary directory must be before it is removed: those names
// do not say which process made them, and no push takes a day.
const legacyTempAge = 24 * time.Hour

// removeLeftovers removes the temporary files runs of fcgit that were
// killed left behind: the repository's (gitstate's RemoveStaleTemps, by
// their process), and code packages earlier versions zipped into the
// system's temporary directory (fcgit-code-*.zip, by their age). It is a
// clean-up, not the command's work: what cannot be removed is left for the
// next run, said only with --verbose.
func removeLeftovers(env Env, repo *gitstate.Repo, verbose bool) {
	var errs []error
	if _, err := repo.RemoveStaleTemps(); err != nil {
		errs = append(errs, err)
	}
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "fcgit-code-*.zip"))
	for _, p := range old {
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > legacyTempAge {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 && verbose {
		fmt.Fprintf(env.Stderr, "note: temporary files an earlier run left could not be removed: %v\n", errors.Join(errs...))
	}
}

// codeOptions say how push sends code packages: packages over FC's inline
// limit go to the [code] bucket, signed as the identity FC's requests are.
func (w *workspace) codeOptions() (push.CodeOptions, error) {
	opts := push.CodeOptions{Bucket: w.target.Code.OSSBucket, Prefix: w.target.Code.Prefix()}
	if opts.Bucket != "" {
		lim := w.client.Limits()
		up, err := ossupload.New(ossupload.Config{
			Region: w.target.Region, Endpoint: w.target.Code.OSSEndpoint, UserAgent: "fcgit",
			StallWindow: lim.StallWindow, StallMinBytes: lim.StallMinBytes,
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

// branchName is the online branch's short name, for messages.
func (w *workspace) branchName() string { return w.target.Branch }

func (w *workspace) branch() fetch.Branch {
	return fetch.Branch{Ref: w.target.BranchRef(), Dir: w.cfg.Dir, Region: w.target.Region, DomainsDir: w.cfg.DomainsDir(), Target: w.target.Name, Layout: w.layout}
}

func (w *workspace) fetchOptions(c *cli.Context) fetch.Options {
	resolver := release.NewResolver(c.Context, w.client)
	opts := fetch.Options{Prefix: w.target.Scope.Prefix, InScope: w.target.InScope, FCVersion: w.target.Scope.FCVersion, Jobs: c.Int("jobs"),
		ResolveRefs: resolver.Resolve, HasVersion: resolver.Has,
		Secrets: snapshot.SecretRules{Patterns: w.cfg.SecretPatterns()}, Hide: w.env.hide, ReadAll: map[string]bool{},
		NotListed: map[string]bool{}, DomainsDir: w.cfg.DomainsDir(), Loader: w.loader}
	// The per-function kinds are read for every function, and the
	// settings listed for the region, as readForEveryFunction says; the
	// others only where declared.
	for _, k := range fetch.DeclarableKinds {
		every := w.cfg.ReadsEveryFunction(k)
		if kinds.SettingFor(k) != nil {
			opts.NotListed[k] = !every
		} else {
			opts.ReadAll[k] = every
		}
	}
	if w.env.terminal() && !globalBool(c, "quiet") {
		opts.Progress = func(done, total int) {
			fmt.Fprintf(w.env.progress, "\rReading functions: %d/%d", done, total)
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
