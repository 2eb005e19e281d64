package cmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/config"
	"github.com/fcgit/fcgit/gitremote"
	"github.com/fcgit/fcgit/watch"
)

// minInterval keeps a mistyped --interval (1ms) from hammering FC and the
// remote; tests run cycles a few hundred milliseconds apart.
const minInterval = 100 * time.Millisecond

func watchCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "watch",
		Usage: "fetch on an interval and push the online branch and version tags to the team's remote",
		Description: `Every interval, records each target's online state on its online branch
(as fcgit fetch) and pushes that branch and the version tags
(refs/tags/fcgit/...) to the team's git remote, fast-forward only: when the
remote's branch moved (another watcher, a colleague), its commits are fetched
and the states recorded here replayed on top; nothing is ever forced. Git's
transports and your git credentials (credential helpers, ssh-agent) are used
as git uses them.

Drift is measured against the base branch as the remote has it (--base, or
the remote's default branch): a function or domain whose online state that
branch does not hold. Each change of drift is one JSON line on stdout:
drift-appeared (the first cycle reports all drift so), drift-changed,
drift-cleared, with the changed fields old -> new (secrets masked) and the
online commit; also merge, error (kind network, auth, conflict, rejected or
other) and recovered events. Messages for people go to stderr. --exec runs a
command per event with its JSON on stdin (FCGIT_EVENT holds its type).

With --merge-branch, the merge of the online branch into the base branch
(as fcgit pull would make it) is pushed to that branch, fast-forward only,
for a pull request; a merge with conflicts pushes nothing and is an error
event naming the paths.

Network and authentication errors are reported once per outage and retried
with exponential backoff (up to 16 intervals, at most 5 minutes). SIGINT or
SIGTERM stops the watcher after the current cycle (given 30 seconds at
most). One watcher per repository: a second one exits 1 naming the first.

EXAMPLES:
   fcgit watch
   fcgit watch --interval 5m --remote origin
   fcgit watch --once                           # one cycle, for cron and scheduled CI
   fcgit watch --exec 'curl -fsS -X POST -H "Content-Type: application/json" -d @- "$WEBHOOK_URL"'
   fcgit watch --merge-branch fcgit/online-merge --base main

EXIT CODES (--once):
   0  the cycle ran, no drift
   1  errors (the remote or FC unreachable, credentials refused, a ref refused, merge conflicts)
   3  drift present (as fcgit status --exit-code)
Without --once fcgit watch runs until stopped and exits 0 (1 when it cannot start).

` + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "interval", Value: time.Minute, Usage: "run a cycle every `DURATION` (at least 100ms)"},
			&cli.StringFlag{Name: "remote", Value: "origin", Usage: "the team's git `REMOTE`: a configured remote's name, or a URL"},
			&cli.StringSliceFlag{Name: "target", Aliases: []string{"t"}, Usage: "watch target `NAME` (repeatable; default: every target)"},
			&cli.BoolFlag{Name: "once", Usage: "run one cycle and exit (exit codes above)"},
			&cli.StringFlag{Name: "exec", Usage: "run shell `COMMAND` for each event, with the event's JSON on stdin"},
			&cli.StringFlag{Name: "merge-branch", Usage: "also push the merge of the online branch into the base branch to `BRANCH`"},
			&cli.StringFlag{Name: "base", Usage: "measure drift against, and merge into, `BRANCH` (default: the remote's default branch)"},
			jobsFlag("read"),
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			opts := watchOptions{
				interval: c.Duration("interval"), remote: c.String("remote"), targets: c.StringSlice("target"),
				once: c.Bool("once"), exec: c.String("exec"), mergeBranch: c.String("merge-branch"), base: c.String("base"),
			}
			if opts.interval < minInterval {
				return usagef("--interval %s: want at least %s", opts.interval, minInterval)
			}
			for _, b := range []struct{ flag, name string }{{"--merge-branch", opts.mergeBranch}, {"--base", opts.base}} {
				if b.name != "" && !validBranchName(b.name) {
					return usagef("%s %q: not a valid branch name", b.flag, b.name)
				}
			}
			w, err := openRepo(c, env)
			if err != nil {
				return err
			}
			return runWatch(c, w, opts)
		},
	}
}

// watchOptions are fcgit watch's flags.
type watchOptions struct {
	interval          time.Duration
	remote            string
	targets           []string
	once              bool
	exec              string
	mergeBranch, base string
}

// runWatch runs the watcher until the context ends (or one cycle, with
// --once).
func runWatch(c *cli.Context, w *workspace, opts watchOptions) error {
	targets, err := w.watchTargets(c, opts.targets)
	if err != nil {
		return err
	}
	remote, err := gitremote.OpenRepo(w.repo, opts.remote, gitremote.Options{})
	if err != nil {
		return err
	}
	lock, err := watch.TakeLock(w.repo)
	if err != nil {
		return err
	}
	defer lock.Release()
	wt := watch.New(watch.Config{
		Repo: w.repo, Remote: remote, Targets: targets, Interval: opts.interval,
		Base: opts.base, MergeBranch: opts.mergeBranch, Exec: opts.exec,
		Getenv: w.env.getenv, Hide: w.env.hide,
		Events: w.env.Stdout, Log: w.env.Stderr, Verbose: globalBool(c, "verbose"),
	})
	if !opts.once {
		fmt.Fprintf(w.env.Stderr, "fcgit watch: watching %s every %s, pushing to %s\n", targetList(targets), opts.interval, remote)
		wt.Run(c.Context)
		return nil
	}
	sum := wt.Once(c.Context)
	switch {
	case sum.Errors > 0:
		return silentError{exitError}
	case sum.Drift:
		return silentError{exitDrift}
	}
	return nil
}

// watchTargets lists what fcgit watch watches: one entry per target named
// (every target when none is). A repository without targets has one, the
// implicit target ("default") on the branch of fcgit.toml.
func (w *workspace) watchTargets(c *cli.Context, names []string) ([]watch.Target, error) {
	var targets []*config.Target
	if len(names) == 0 {
		all, err := w.cfg.AllTargets()
		if err != nil {
			return nil, err
		}
		targets = all
	}
	for _, n := range names {
		if n == watch.DefaultTarget && len(w.cfg.Targets) == 0 {
			n = ""
		}
		t, err := w.cfg.Target(n)
		if err != nil {
			return nil, usageError{err}
		}
		if n == "" && len(w.cfg.Targets) > 0 {
			return nil, usagef("-t %s: name a target of %s (%s)", watch.DefaultTarget, config.FileName, strings.Join(w.cfg.TargetNames(), ", "))
		}
		targets = append(targets, t)
	}
	if err := w.refuseCheckedOutElsewhere(targets...); err != nil {
		return nil, err
	}
	var out []watch.Target
	for _, t := range targets {
		tw, err := w.forTarget(c, t)
		if err != nil {
			return nil, err
		}
		opts := tw.fetchOptions(c)
		// No progress line: a watcher's stderr is a log.
		opts.Progress = nil
		// A command's Loader remembers every version it decodes; a watcher
		// runs for days: each cycle decodes afresh (fetch bounds it).
		opts.Loader = nil
		out = append(out, watch.Target{Name: t.Name, Branch: tw.branch(), Fetch: opts, Client: tw.client})
	}
	return out, nil
}

func targetList(ts []watch.Target) string {
	if len(ts) == 1 {
		return fmt.Sprintf("%s (%s)", ts[0].Label(), shortBranch(ts[0].Branch.Ref))
	}
	s := fmt.Sprintf("%d targets:", len(ts))
	for _, t := range ts {
		s += " " + t.Label()
	}
	return s
}

func shortBranch(ref string) string {
	const heads = "refs/heads/"
	if len(ref) > len(heads) && ref[:len(heads)] == heads {
		return ref[len(heads):]
	}
	return ref
}

// validBranchName is git check-ref-format's verdict on refs/heads/<name>.
func validBranchName(name string) bool {
	return name != "" && name[0] != '-' && plumbing.ReferenceName("refs/heads/"+name).Validate() == nil
}
