package cmd

import (
	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/push"
)

func diffCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "show, as git diff does, how online state differs from HEAD (changes nothing)",
		Description: `Reads online state and prints a unified diff, in git's format, of each
function's function.toml and code files (and each custom domain's file)
whose online state differs from HEAD's: a/ is online, b/ is HEAD, so the
diff reads as what fcgit push would change. Functions whose states are the
same (FC's defaults and absent keys alike) are left out, and the online
function.toml is written in HEAD's style, so the lines that differ are the
values that differ. Secrets are references in both files: no value is ever
shown.

With --drift, a/ is the online branch's record (the last fetch or deploy)
and b/ is online now: what changed online since.

EXAMPLES:
   fcgit diff
   fcgit diff functions/api      # only the function api
   fcgit diff --drift            # what changed online since the last fetch or deploy
   fcgit diff --exit-code        # exit 3 when anything differs

` + exitCodesHelp,
		Flags: []cli.Flag{
			jobsFlag("read"),
			targetFlag(),
			&cli.BoolFlag{Name: "drift", Usage: "compare the last fetch or deploy with online state, instead of online state with HEAD"},
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 3 when anything differs (as status --exit-code)"},
		},
		ArgsUsage: "[PATHSPEC...]",
		Action: func(c *cli.Context) error {
			w, err := openWorkspace(c, env)
			if err != nil {
				return err
			}
			only, err := w.pathspecFunctions(c)
			if err != nil {
				return err
			}
			changed, err := push.Diff(c.Context, w.client, w.repo, env.Stdout, push.DiffOptions{
				Options: push.Options{Branch: w.branch(), Fetch: w.fetchOptions(c), Only: only, Getenv: env.getenv, Hide: env.hide},
				Drift:   c.Bool("drift"),
			})
			if err != nil {
				return err
			}
			if changed && c.Bool("exit-code") {
				return silentError{exitDrift}
			}
			return nil
		},
	}
}
