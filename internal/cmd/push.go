package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/plan"
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
			jobsFlag("read and deploy"),
			targetFlag(),
			&cli.BoolFlag{Name: "force", Aliases: []string{"use-local", "f"}, Usage: "overwrite online changes (recorded on the online branch first)"},
			&cli.BoolFlag{Name: "prune", Usage: "delete functions online that HEAD no longer has"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan; change nothing"},
			&cli.BoolFlag{Name: "publish", Usage: "after deploying, publish a version of each function that changed since its last version, tagged fcgit/<function>/v<id> on HEAD"},
			&cli.BoolFlag{Name: "json", Usage: "with --dry-run: print the plan as JSON"},
		},
		ArgsUsage: "[PATHSPEC...]",
		Action: func(c *cli.Context) error {
			asJSON := c.Bool("json")
			if asJSON && !c.Bool("dry-run") {
				return jsonFailure(env, true, usagef("push: --json goes with --dry-run"))
			}
			w, err := openWorkspace(c, env)
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			if !c.Bool("dry-run") {
				if err := w.refuseCheckedOutElsewhere(w.target); err != nil {
					return jsonFailure(env, asJSON, err)
				}
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
				in := bufio.NewReader(env.Stdin)
				opts.Confirm = func(r *plan.Resource) push.Decision { return askOverwrite(env, in, r) }
			}
			res, err := push.Push(c.Context, w.client, w.repo, opts)
			if res != nil {
				warnUnverified(env, res.Unverified)
			}
			var partial *push.PartialError
			if errors.As(err, &partial) && res != nil {
				printOverwritten(env, w.branchName(), res)
				printDeployed(env, res)
			}
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			if opts.DryRun {
				var pending []release.Pending
				if c.Bool("publish") {
					vs, err := w.versions(c.Context, res.Functions, false)
					if err != nil {
						return jsonFailure(env, asJSON, err)
					}
					if pending, err = release.WouldPublish(w.repo, w.cfg.Dir, vs, res.Functions, res.Head); err != nil {
						return jsonFailure(env, asJSON, err)
					}
				}
				if asJSON {
					return encodeJSON(env.Stdout, dryRunJSON{Plan: res.Writes, Drift: orEmpty(res.Drift), Writes: res.Writes.Count(), Publish: pending})
				}
				printPlan(env, res)
				if c.Bool("publish") {
					printPending(env, pending)
				}
				return nil
			}
			if res.Resumed {
				fmt.Fprintf(env.Stdout, "Finished an interrupted deploy (%s).\n", push.DeployingRefOf(opts.Branch))
			}
			printOverwritten(env, w.branchName(), res)
			printSkipped(env, res)
			if res.Writes.Empty() {
				fmt.Fprintln(env.Stdout, "Everything up to date: nothing to deploy.")
			} else {
				printDeployed(env, res)
			}
			if c.Bool("publish") {
				// Every function, not only those just deployed: a publish
				// cut off before its tag gets the tag; an unchanged
				// function is skipped.
				if _, err := release.Scan(c.Context, w.client, w.repo, w.target.Name, res.Functions, true); err != nil {
					return fmt.Errorf("versions: %w", err)
				}
				pubs, err := release.Publish(c.Context, w.client, w.repo, w.target.Name, res.Functions, res.Head)
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

// askOverwrite shows one drifted resource's online changes, with values,
// and asks what to do with it; anything but overwrite or skip aborts.
func askOverwrite(env Env, in *bufio.Reader, r *plan.Resource) push.Decision {
	out := env.Stdout
	fmt.Fprintf(out, "%s\n", r.Drift.Describe())
	printValues(out, "    ", r.Drift.Values())
	if r.Action != nil {
		fmt.Fprintf(out, "  push would %s it:\n", r.Action.Op)
		printValues(out, "    ", r.Action.Values())
	}
	fmt.Fprintf(out, "Overwrite the online change of %s? [o]verwrite, [s]kip this one, [a]bort (default abort): ", r.Name())
	line, _ := in.ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "o", "overwrite", "y", "yes":
		return push.Overwrite
	case "s", "skip":
		return push.Skip
	}
	return push.Abort
}

// dryRunJSON is push --dry-run --json's output: a documented, stable shape
// (docs/commands.md).
type dryRunJSON struct {
	Plan  *plan.Writes `json:"plan"`
	Drift []push.Drift `json:"overwrittenDrift"`
	// Writes counts the write requests.
	Writes int `json:"writes"`
	// Publish lists the versions push --publish would publish.
	Publish []release.Pending `json:"publish,omitempty"`
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printPlan(env Env, res *push.Result) {
	if len(res.Drift) > 0 {
		fmt.Fprintln(env.Stdout, "Would overwrite online changes:")
		printDrift(env.Stdout, "  ", res.Drift)
	}
	if res.Writes.Empty() {
		fmt.Fprintln(env.Stdout, "Nothing to deploy.")
		return
	}
	fmt.Fprintf(env.Stdout, "Plan (%s):\n", planCounts(res.Writes))
	printWrites(env.Stdout, res.Writes, func(op string) string { return "  " + op }, nil, nil)
}

// planCounts says how many resources a plan creates, updates and deletes.
func planCounts(w *plan.Writes) string {
	n := map[string]int{}
	for _, a := range w.Actions {
		n[a.Op]++
	}
	for _, d := range w.Domains {
		n[d.Op]++
	}
	return fmt.Sprintf("%d to create, %d to update, %d to delete; %s", n["create"], n["update"], n["delete"], plural(w.Count(), "write request"))
}

func printPending(env Env, pending []release.Pending) {
	if len(pending) == 0 {
		fmt.Fprintln(env.Stdout, "Nothing to publish: every function's newest version is what would run.")
		return
	}
	for _, p := range pending {
		if p.Since == "" {
			fmt.Fprintf(env.Stdout, "would publish %s (its first version)\n", p.Function)
		} else {
			fmt.Fprintf(env.Stdout, "would publish %s (changed since version %s)\n", p.Function, p.Since)
		}
	}
}

// printOverwritten names the online changes a push overwrote, with values.
func printOverwritten(env Env, branch string, res *push.Result) {
	if len(res.Drift) == 0 {
		return
	}
	fmt.Fprintf(env.Stdout, "Overwrote online changes (recorded on %s first):\n", branch)
	printDrift(env.Stdout, "  ", res.Drift)
}

// printSkipped names the drifted resources left as they are online.
func printSkipped(env Env, res *push.Result) {
	for _, n := range res.Skipped {
		fmt.Fprintf(env.Stdout, "skipped %s: its online change stays; it stays drifted until you pull (fcgit pull) or overwrite it\n", n)
	}
}

func printDeployed(env Env, res *push.Result) {
	for _, p := range res.Published {
		how := ""
		if p.Briefly {
			how = ", deployed as that commit has it for the time it took"
		}
		fmt.Fprintf(env.Stdout, "published %s version %s from commit %s for an alias (tag %s%s)\n", p.Function, p.Version, short(p.Commit), p.Tag, how)
	}
	done := map[string]bool{}
	for _, n := range res.Deployed {
		done[n] = true
	}
	for _, n := range res.DeployedDomains {
		done[plan.DomainLabel+n] = true
	}
	printWrites(env.Stdout, res.Writes, func(op string) string { return pastTense[op] }, func(n string) bool { return done[n] }, res.URLs)
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
	if werr := encodeJSON(env.Stdout, doc); werr != nil {
		return werr
	}
	return jsonPrinted{err}
}

// jsonPrinted is an error already printed as a JSON document.
type jsonPrinted struct{ error }

func (e jsonPrinted) Unwrap() error { return e.error }

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
