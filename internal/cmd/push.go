package cmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/push"
	"github.com/fcgit/fcgit/release"
)

func pushCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "push",
		Usage: "deploy the committed HEAD; refuse when online state drifted",
		Description: `Deploys what HEAD holds under the managed directory (and, without
pathspecs, its custom domain files, after the functions they route to),
and nothing else: only the difference between the online branch and HEAD
is written.

Refuses (exit 3) when the online branch has commits HEAD does not contain
("run fcgit pull"), when a function changed online since the last fetch or
deploy (each drifted function is named with what drifted), or when a
function deleted locally would be deleted online without --prune.
On a terminal a drift refusal asks whether to overwrite (default no);
without a terminal it never asks and never picks a side.

--force (alias --use-local, as Serverless Devs users know it) overwrites
drift, for CI: the drifted online state is committed on the online branch
first, so the overwritten console edit stays in git log -p fcgit/online.

A push cut off part-way (Ctrl-C, a failure, a killed process) is recorded
in refs/fcgit/deploying; the next push finishes it without calling it drift.

Code packages over FC's 100 MB inline limit (up to 500 MB) are uploaded to
the OSS bucket [code] ossBucket in fcgit.toml names, and deployed from it.

EXAMPLES:
   fcgit push --dry-run
   fcgit push --dry-run --json
   fcgit push
   fcgit push --use-local        # CI: deploy local state even over console edits
   fcgit push --prune            # also delete functions removed from the repository
   fcgit push functions/api      # only api: drift elsewhere does not block it
   fcgit push --publish          # then publish versions, tagged fcgit/<function>/v<id>

` + exitCodesHelp,
		Flags: []cli.Flag{
			jobsFlag(),
			&cli.BoolFlag{Name: "force", Aliases: []string{"use-local", "f"}, Usage: "overwrite online changes (recorded on the online branch first)"},
			&cli.BoolFlag{Name: "prune", Usage: "delete functions online that HEAD no longer has"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan; change nothing"},
			&cli.BoolFlag{Name: "publish", Usage: "after deploying, publish a version of each function that changed since its last version, tagged fcgit/<function>/v<id> on HEAD"},
			&cli.BoolFlag{Name: "json", Usage: "with --dry-run: print the plan as JSON"},
		},
		ArgsUsage: "[PATHSPEC...]",
		Action: func(c *cli.Context) error {
			if c.Bool("json") && !c.Bool("dry-run") {
				return usagef("push: --json goes with --dry-run")
			}
			asJSON := c.Bool("json")
			w, err := openWorkspace(c, env)
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			only, err := w.pathspecFunctions(c)
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			code, err := w.codeOptions()
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			opts := push.Options{
				Branch: w.branch(), Fetch: w.fetchOptions(c), Force: c.Bool("force"), Prune: c.Bool("prune"),
				DryRun: c.Bool("dry-run"), Jobs: c.Int("jobs"), Only: only,
				Getenv: env.getenv, Hide: env.hide, Code: code,
			}
			ph := newPhases(w.client)
			opts.Phase = ph.mark
			if globalBool(c, "verbose") {
				defer ph.print(env.Stderr, "push")
			}
			if env.terminal() && !globalBool(c, "quiet") {
				opts.Progress = func(done, total int) {
					fmt.Fprintf(env.progress, "\rDeploying: %d/%d", done, total)
					if done == total {
						fmt.Fprintln(env.Stderr)
					}
				}
			}
			if env.terminal() && !c.Bool("json") {
				opts.Confirm = func(drift []push.Drift) bool {
					fmt.Fprintln(env.Stdout, (&push.DriftError{Drift: drift}).Error())
					fmt.Fprint(env.Stdout, "Overwrite online changes with local? [y/N] ")
					line, _ := bufio.NewReader(env.Stdin).ReadString('\n')
					ans := strings.ToLower(strings.TrimSpace(line))
					return ans == "y" || ans == "yes"
				}
			}
			res, err := push.Push(c.Context, w.client, w.repo, opts)
			if res != nil {
				warnUnverified(env, res.Unverified)
			}
			var partial *push.PartialError
			if errors.As(err, &partial) && res != nil {
				printOverwritten(env, w.cfg.Branch, res)
				printDeployed(env, res)
			}
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			if opts.DryRun {
				if asJSON {
					enc := json.NewEncoder(env.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(dryRunJSON{Plan: res.Plan, Drift: res.Drift, Writes: res.Plan.Writes()})
				}
				printPlan(env, res.Plan, res.Drift)
				return nil
			}
			if res.Resumed {
				fmt.Fprintf(env.Stdout, "Finished an interrupted deploy (%s).\n", push.DeployingRef)
			}
			printOverwritten(env, w.cfg.Branch, res)
			if res.Plan.Empty() {
				fmt.Fprintln(env.Stdout, "Everything up to date: nothing to deploy.")
			} else {
				printDeployed(env, res)
			}
			if c.Bool("publish") {
				// Every function, not only those just deployed: a publish
				// cut off before its tag gets the tag; an unchanged
				// function is skipped.
				if _, err := release.Scan(c.Context, w.client, w.repo, res.Functions, true); err != nil {
					return fmt.Errorf("versions: %w", err)
				}
				pubs, err := release.Publish(c.Context, w.client, w.repo, res.Functions, res.Head)
				for _, p := range pubs {
					fmt.Fprintf(env.Stdout, "published %s version %s (tag %s)\n", p.Function, p.Version, p.Tag)
				}
				if err != nil {
					return err
				}
				if len(pubs) == 0 {
					fmt.Fprintln(env.Stdout, "Nothing to publish: every function's newest version is what runs.")
				}
			}
			return nil
		},
	}
}

// dryRunJSON is push --dry-run --json's output: a documented, stable shape
// (docs/commands.md).
type dryRunJSON struct {
	Plan   *push.Plan   `json:"plan"`
	Drift  []push.Drift `json:"overwrittenDrift,omitempty"`
	Writes int          `json:"writes"`
}

func printPlan(env Env, plan *push.Plan, drift []push.Drift) {
	for _, d := range drift {
		fmt.Fprintf(env.Stdout, "would overwrite online change: %s\n", d.Describe())
	}
	if plan.Empty() {
		fmt.Fprintln(env.Stdout, "Nothing to deploy.")
		return
	}
	fmt.Fprintln(env.Stdout, "Plan:")
	for _, a := range plan.Actions {
		fmt.Fprintf(env.Stdout, "  %s %s%s\n", a.Op, a.Function, actionDetail(a))
	}
	for _, d := range plan.Domains {
		fmt.Fprintf(env.Stdout, "  %s domain %s%s\n", d.Op, d.Domain, domainDetail(d))
	}
}

func domainDetail(d push.DomainAction) string {
	if len(d.Config) == 0 {
		return ""
	}
	return " (config: " + strings.Join(d.Config, ", ") + ")"
}

func actionDetail(a push.Action) string {
	var parts []string
	if len(a.Config) > 0 {
		parts = append(parts, "config: "+strings.Join(a.Config, ", "))
	}
	if a.Code && a.Op != "delete" {
		parts = append(parts, "code")
	}
	for _, t := range a.Triggers {
		parts = append(parts, fmt.Sprintf("%s trigger %s", t.Op, t.Trigger))
	}
	if len(a.Secrets) > 0 {
		parts = append(parts, "secrets: "+strings.Join(a.Secrets, ", ")+" (new values from the environment)")
	}
	if a.Op != "update" {
		// An update's config paths already name the kinds that change.
		for _, k := range a.Kinds {
			parts = append(parts, k.String())
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// printOverwritten names the online changes a forced push overwrote.
func printOverwritten(env Env, branch string, res *push.Result) {
	if len(res.Drift) == 0 {
		return
	}
	fmt.Fprintf(env.Stdout, "Overwrote online changes (recorded on %s first):\n", branch)
	for _, d := range res.Drift {
		fmt.Fprintf(env.Stdout, "  %s\n", d.Describe())
	}
}

func printDeployed(env Env, res *push.Result) {
	done := map[string]bool{}
	for _, n := range res.Deployed {
		done[n] = true
	}
	for _, a := range res.Plan.Actions {
		if !done[a.Function] {
			continue
		}
		verb := map[string]string{"create": "created", "update": "updated", "delete": "deleted"}[a.Op]
		fmt.Fprintf(env.Stdout, "%s %s%s\n", verb, a.Function, actionDetail(a))
		for _, u := range res.URLs[a.Function] {
			fmt.Fprintf(env.Stdout, "  %s\n", u)
		}
	}
	doneDomains := map[string]bool{}
	for _, n := range res.DeployedDomains {
		doneDomains[n] = true
	}
	for _, d := range res.Plan.Domains {
		if doneDomains[d.Domain] {
			verb := map[string]string{"create": "created", "update": "updated", "delete": "deleted"}[d.Op]
			fmt.Fprintf(env.Stdout, "%s domain %s%s\n", verb, d.Domain, domainDetail(d))
		}
	}
}

// warnUnverified says, for a shallow clone, which deploys it could not place
// in history and how to let fcgit check them.
func warnUnverified(env Env, unverified map[string]string) {
	names := make([]string, 0, len(unverified))
	for n := range unverified {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(env.Stderr, "warning: %s: deployed from commit %s, beyond this shallow clone's history: online is exactly that deploy, but whether HEAD descends from it is not checked (git fetch --unshallow; actions/checkout fetch-depth: 0)\n", n, short(unverified[n]))
	}
}

// jsonFailure keeps --json's promise that stdout holds one JSON document,
// refusals and errors included: it prints the error as JSON (the message
// still goes to stderr) and returns err for its exit code.
func jsonFailure(env Env, asJSON bool, err error) error {
	if !asJSON || err == nil {
		return err
	}
	doc := jsonErrorDoc{Error: jsonError{Message: err.Error(), ExitCode: exitCodeOf(err), Kind: "error"}}
	var de *push.DriftError
	switch {
	case errors.As(err, &de) && de.Unmerged:
		doc.Error.Kind, doc.Error.Functions = "unmerged", de.Functions
	case errors.As(err, &de) && len(de.Drift) > 0:
		doc.Error.Kind, doc.Error.Drift = "drift", de.Drift
	case errors.As(err, &de):
		doc.Error.Kind, doc.Error.Functions = "deletion-needs-prune", de.Deleted
	}
	if doc.Error.ExitCode == exitUsage {
		doc.Error.Kind = "usage"
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if werr := enc.Encode(doc); werr != nil {
		return werr
	}
	return err
}

// jsonErrorDoc is the JSON document of a refused or failed command
// (docs/commands.md).
type jsonErrorDoc struct {
	Error jsonError `json:"error"`
}

type jsonError struct {
	Kind      string       `json:"kind"` // "drift", "unmerged", "deletion-needs-prune", "usage", "error"
	Message   string       `json:"message"`
	ExitCode  int          `json:"exitCode"`
	Drift     []push.Drift `json:"drift,omitempty"`
	Functions []string     `json:"functions,omitempty"`
}
