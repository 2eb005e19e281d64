package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/push"
	"github.com/fcgit/fcgit/release"
)

func statusCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "say what fcgit push would do, and why (changes nothing)",
		Description: `Reads online state and plans a push of HEAD, as push itself would,
and prints a summary line, then each function and custom domain that is not
in sync with its state and values: local changes to deploy (old -> new),
changed online (drift: the values that changed), diverged (both), new
locally, exists online only, deleted online, deleted locally (push needs
--prune), online changes not merged (fetched, not pulled), cannot be
deployed (the file's problems, at file:line); then versions published
online from no commit. Status's verdict for each resource is what push does
with it. Also says when a deploy was interrupted, and what FC refused in it.

EXAMPLES:
   fcgit status
   fcgit status --all           # also the resources in sync
   fcgit status --json
   fcgit status --exit-code     # exit 3 when push would refuse because of online state
   fcgit status functions/api   # only the function api

` + exitCodesHelp,
		Flags: []cli.Flag{
			jobsFlag("read"),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list the resources in sync too"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (docs/commands.md documents the shape)"},
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 3 when push would refuse because of online state (drift, online changes not merged, a deletion without --prune)"},
		},
		ArgsUsage: "[PATHSPEC...]",
		Action: func(c *cli.Context) error {
			w, err := openWorkspace(c, env)
			if err != nil {
				return jsonFailure(env, c.Bool("json"), err)
			}
			only, err := w.pathspecFunctions(c)
			if err != nil {
				return jsonFailure(env, c.Bool("json"), err)
			}
			rep, err := push.Status(c.Context, w.client, w.repo, push.Options{
				Branch: w.branch(), Fetch: w.fetchOptions(c), Only: only, Getenv: env.getenv, Hide: env.hide,
			})
			if err != nil {
				return jsonFailure(env, c.Bool("json"), err)
			}
			var names []string
			for _, f := range rep.Functions {
				names = append(names, f.Function)
			}
			vs, err := w.versions(c.Context, names, false)
			if err != nil {
				return jsonFailure(env, c.Bool("json"), err)
			}
			untracked := release.Untracked(vs)
			if c.Bool("json") {
				if err := encodeJSON(env.Stdout, statusJSON{StatusReport: rep, UntrackedVersions: untracked}); err != nil {
					return err
				}
			} else {
				printStatus(env, w.cfg.Branch, rep, c.Bool("all"))
				printUntracked(env, vs)
			}
			if c.Bool("exit-code") && rep.Refused() {
				return silentError{exitDrift}
			}
			return nil
		},
	}
}

// statusJSON is status --json's document (docs/commands.md).
type statusJSON struct {
	*push.StatusReport
	// UntrackedVersions are versions published online from no commit.
	UntrackedVersions []release.Version `json:"untrackedVersions,omitempty"`
}

func printStatus(env Env, branch string, rep *push.StatusReport, all bool) {
	out := env.Stdout
	if rep.Deploying != "" {
		switch {
		case rep.Rejected != nil && rep.Rejected.Commit == rep.Head:
			fmt.Fprintf(out, "A deploy of %s stopped: FC refused the configuration of %s; pushing the same commit again cannot help: fix it and commit, then fcgit push.\n",
				short(rep.Deploying), strings.Join(sortedKeys(rep.Rejected.Resources), ", "))
			for _, n := range sortedKeys(rep.Rejected.Resources) {
				r := rep.Rejected.Resources[n]
				fmt.Fprintf(out, "\t%s: %s\n", r.File, r.Message)
			}
		case rep.Deploying == rep.Head:
			fmt.Fprintf(out, "A deploy of %s was interrupted; fcgit push finishes it.\n", short(rep.Deploying))
		default:
			fmt.Fprintf(out, "A deploy of %s was interrupted; fcgit push deploys HEAD (%s) and finishes it.\n", short(rep.Deploying), short(rep.Head))
		}
	}
	switch {
	case rep.MergeInProgress:
		// pull would refuse now: the next step is finishing the merge.
		fmt.Fprintf(out, "A merge of %s is in progress: resolve any conflicts (git status), git add and git commit, or git merge --abort; then fcgit push.\n", branch)
	case rep.OtherMerge != "":
		fmt.Fprintf(out, "A merge (git merge of %s) is in progress: finish it (git commit) or abort it (git merge --abort) before fcgit pull or push.\n", short(rep.OtherMerge))
	case rep.Unmerged && len(rep.UnmergedFunctions) == 0:
		fmt.Fprintf(out, "%s has online changes HEAD does not contain: run fcgit pull.\n", branch)
	}
	if len(rep.Uncommitted) > 0 && !rep.MergeInProgress {
		fmt.Fprintf(out, "Uncommitted changes (push deploys commits only: git add, git commit):\n")
		for _, p := range rep.Uncommitted {
			fmt.Fprintf(out, "\t%s\n", p)
		}
	}
	if len(rep.Functions)+len(rep.Domains) == 0 {
		fmt.Fprintln(out, "No functions, locally or online.")
		return
	}
	fmt.Fprintln(out, summaryLine(rep))
	for _, list := range [][]*plan.Resource{rep.Functions, rep.Domains} {
		for _, r := range list {
			if r.State == plan.InSync && !all && r.Unverified == "" {
				continue
			}
			line := fmt.Sprintf("  %-26s %s", r.State+":", r.Name())
			if d := statusDetail(r, !rep.MergeInProgress && rep.OtherMerge == ""); d != "" {
				line += "  " + d
			}
			fmt.Fprintln(out, line)
		}
	}
}
