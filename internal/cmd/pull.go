package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/merge/textmerge"
	"github.com/fcgit/fcgit/pull"
	"github.com/fcgit/fcgit/release"
)

func pullCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "pull",
		Usage: "fetch, then merge the online branch into the current branch",
		Description: `Runs fcgit fetch, then merges the online branch (fcgit/online) into the
current branch exactly as git merge would: already up to date, fast-forward,
or a three-way merge with base = the last deploy or pull (the empty tree
when the histories are unrelated, e.g. functions that exist online but were
never deployed from this repository).

function.toml files merge key by key; code merges line by line like git.
Conflicts are left in git's own state (markers, index stages, MERGE_HEAD):
use git status, git diff, git mergetool, then git add and git commit, or
git merge --abort. The conflict style follows merge.conflictStyle.

EXAMPLES:
   fcgit pull
   fcgit pull --no-commit
   fcgit pull -X theirs        # take online's side of every conflicting hunk or key

` + exitCodesHelp,
		Flags: []cli.Flag{
			jobsFlag("read"),
			targetFlag(),
			&cli.StringFlag{Name: "strategy-option", Aliases: []string{"X"}, Usage: "resolve conflicts to `SIDE`, ours or theirs, as git merge -X does"},
			&cli.BoolFlag{Name: "no-commit", Usage: "merge but stop before committing, as git merge --no-commit"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			var favor textmerge.Favor
			switch x := c.String("strategy-option"); x {
			case "":
			case "ours":
				favor = textmerge.FavorOurs
			case "theirs":
				favor = textmerge.FavorTheirs
			default:
				return usagef("-X %s: want ours or theirs", x)
			}
			w, err := openWorkspace(c, env)
			if err != nil {
				return err
			}
			if err := w.refuseCheckedOutElsewhere(w.target); err != nil {
				return err
			}
			// Refuse before fetching: a pull that cannot merge should not
			// leave the user wondering whether it did anything.
			if err := pull.CheckMergeable(w.repo); err != nil {
				return err
			}
			ph := newPhases(w.client)
			if globalBool(c, "verbose") {
				defer ph.print(env.Stderr, "pull")
			}
			fr, err := w.fetch(c, ph)
			if err != nil {
				return err
			}
			if fr.changed && !globalBool(c, "quiet") {
				fr.print(env, globalBool(c, "verbose"))
			}
			fr.printUnmanaged(env)
			if err := w.importVersions(c, fr.names); err != nil {
				return err
			}
			if fr.superseded {
				// The branch records only deploys of states HEAD holds
				// (rebuilt from stamps after a partial deploy, say):
				// merging it would add a commit and nothing else.
				if !globalBool(c, "quiet") {
					fmt.Fprintln(env.Stdout, "Already up to date.")
				}
				return nil
			}
			out, err := pull.Pull(w.repo, pull.Options{
				BranchRef: w.target.BranchRef(), BranchName: w.branchName(), Dir: w.cfg.Dir, DomainsDir: w.cfg.DomainsDir(), Region: w.target.Region,
				Favor: favor, NoCommit: c.Bool("no-commit"),
			})
			ph.mark("merge")
			var ce *pull.ConflictError
			if errors.As(err, &ce) {
				printConflicts(env, ce)
				return silentError{exitConflict}
			}
			if err != nil {
				return err
			}
			if out.Kind == "up-to-date" && globalBool(c, "quiet") {
				return nil // not a result: nothing happened
			}
			printPull(env, w.branchName(), out)
			return nil
		},
	}
}

// importVersions records versions published online from no commit as
// commits of their own, tagged (release.Import); fcgit's own versions whose
// tags a cut-off publish did not write get them.
func (w *workspace) importVersions(c *cli.Context, names []string) error {
	vs, err := w.versions(c.Context, names, true)
	if err != nil {
		return err
	}
	printMovedTags(w.env.Stderr, vs)
	for _, v := range release.Untracked(vs) {
		commit, err := release.Import(c.Context, w.client, w.repo, w.branch(), v, w.fetchOptions(c))
		if err != nil {
			return err
		}
		fmt.Fprintf(w.env.Stdout, "Imported %s version %s, published online, as %s (%s)\n", v.Function, v.ID, v.Tag(), short(commit.String()))
	}
	return nil
}

func printPull(env Env, branch string, out *pull.Outcome) {
	if out.Resumed {
		// What follows is that pull's outcome; anything fetched since is
		// merged by the next pull.
		fmt.Fprintln(env.Stdout, "Finished an interrupted pull (.git/fcgit-checkout).")
	}
	switch out.Kind {
	case "nothing-online":
		fmt.Fprintln(env.Stdout, "Nothing online yet.")
	case "up-to-date":
		fmt.Fprintln(env.Stdout, "Already up to date.")
	case "fast-forward":
		fmt.Fprintf(env.Stdout, "Fast-forward %s..%s\n", short(out.Old.String()), short(out.New.String()))
	case "merged":
		fmt.Fprintf(env.Stdout, "Merged %s: %s\n", branch, short(out.New.String()))
		for _, p := range out.Merged {
			fmt.Fprintf(env.Stdout, "  auto-merged %s\n", p)
		}
	case "merged-uncommitted":
		fmt.Fprintf(env.Stdout, "Automatic merge went well; stopped before committing as requested (git commit to finish).\n")
	}
}

func printConflicts(env Env, ce *pull.ConflictError) {
	for _, c := range ce.Conflicts {
		line := fmt.Sprintf("CONFLICT (%s): %s", c.Kind, c.Path)
		if len(c.Details) > 0 {
			line += ": " + strings.Join(c.Details, ", ")
		}
		fmt.Fprintln(env.Stdout, line)
	}
	fmt.Fprintln(env.Stderr, "Automatic merge failed; fix conflicts and then commit the result (git status shows them; git merge --abort undoes the merge).")
}

func short(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
