package cmd

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/push"
	"github.com/fcgit/fcgit/release"
)

func statusCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "compare HEAD, the online branch and online state (changes nothing)",
		Description: `Reads online state and prints each function's state: in sync, local
changes to deploy, changed online (drift), diverged (both), new locally,
exists online only, deleted online, deleted locally; then each custom
domain's (without pathspecs), and versions published online from no commit.
Also says when the online branch has commits HEAD lacks, and when a deploy
was interrupted.

EXAMPLES:
   fcgit status
   fcgit status --json
   fcgit status --exit-code     # exit 3 when anything drifted online
   fcgit status functions/api   # only the function api

` + exitCodesHelp,
		Flags: []cli.Flag{
			jobsFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (docs/commands.md documents the shape)"},
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 3 when there is drift"},
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
			rep, err := push.Status(c.Context, w.client, w.repo, w.branch(), w.fetchOptions(c), only)
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
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(statusJSON{StatusReport: rep, UntrackedVersions: untracked, MovedTags: release.MovedTags(vs)}); err != nil {
					return err
				}
			} else {
				printStatus(env, w.cfg.Branch, rep)
				printUntracked(env, vs)
				printMovedTags(env.Stdout, vs)
			}
			if c.Bool("exit-code") && rep.HasDrift() {
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
	// MovedTags are versions whose tags name another commit than theirs.
	MovedTags []release.Version `json:"movedTags,omitempty"`
}

func printStatus(env Env, branch string, rep *push.StatusReport) {
	if rep.Deploying != "" {
		fmt.Fprintf(env.Stdout, "A deploy of %s was interrupted; fcgit push finishes it.\n", short(rep.Deploying))
	}
	switch {
	case rep.MergeInProgress:
		// pull would refuse now: the next step is finishing the merge.
		fmt.Fprintf(env.Stdout, "A merge of %s is in progress: resolve any conflicts (git status), git add and git commit, or git merge --abort; then fcgit push.\n", branch)
	case rep.Unmerged:
		if len(rep.UnmergedFunctions) > 0 {
			fmt.Fprintf(env.Stdout, "%s records online state HEAD does not hold (%s): run fcgit pull.\n", branch, strings.Join(rep.UnmergedFunctions, ", "))
		} else {
			fmt.Fprintf(env.Stdout, "%s has online changes HEAD does not contain: run fcgit pull.\n", branch)
		}
	}
	if len(rep.Uncommitted) > 0 && !rep.MergeInProgress {
		fmt.Fprintf(env.Stdout, "Uncommitted changes (push deploys commits only: git add, git commit):\n")
		for _, p := range rep.Uncommitted {
			fmt.Fprintf(env.Stdout, "\t%s\n", p)
		}
	}
	defer printDomainStatus(env, rep.Domains)
	if len(rep.Functions) == 0 {
		fmt.Fprintln(env.Stdout, "No functions, locally or online.")
		return
	}
	unverified := map[string]bool{}
	for _, n := range rep.Unverified {
		unverified[n] = true
	}
	for _, f := range rep.Functions {
		line := fmt.Sprintf("  %-26s %s", f.State+":", f.Function)
		if f.Drift != nil && f.State != push.OnlineOnly {
			if d := f.Drift.Describe(); d != "" {
				line += "  [" + d + "]"
			}
		}
		if unverified[f.Function] {
			line += "  [deployed from beyond this shallow clone's history: online is exactly that deploy; git fetch --unshallow to check it is in HEAD's history]"
		}
		fmt.Fprintln(env.Stdout, line)
	}
}

func printDomainStatus(env Env, domains []push.DomainStatus) {
	for _, d := range domains {
		line := fmt.Sprintf("  %-26s domain %s", d.State+":", d.Domain)
		if d.Drift != nil && d.State != push.OnlineOnly {
			line += "  [" + d.Drift.Describe() + "]"
		}
		fmt.Fprintln(env.Stdout, line)
	}
}
