package cmd

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/sync/errgroup"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/push"
	"github.com/fcgit/fcgit/release"
	"github.com/fcgit/fcgit/snapshot"
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
			targetFlag(),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list the resources in sync too"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (docs/commands.md documents the shape)"},
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 3 when push would refuse because of online state (drift, online changes not merged, a deletion without --prune)"},
		},
		ArgsUsage: "[PATHSPEC...]",
		Action: func(c *cli.Context) error {
			asJSON := c.Bool("json")
			w, err := openRepo(c, env)
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			if len(w.cfg.Targets) > 0 && targetArg(c) == "" {
				return statusAllTargets(c, env, w)
			}
			t, err := w.cfg.Target(targetArg(c))
			if err != nil {
				return jsonFailure(env, asJSON, usageError{err})
			}
			if err := w.use(c, t); err != nil {
				return jsonFailure(env, asJSON, err)
			}
			st, err := targetStatus(c, env, w)
			if err != nil {
				return jsonFailure(env, asJSON, err)
			}
			if asJSON {
				if err := encodeJSON(env.Stdout, st); err != nil {
					return err
				}
			} else {
				printStatus(env, w.branchName(), st.StatusReport, c.Bool("all"))
				printUntracked(env, st.versions)
				printMovedTags(env.Stdout, st.versions)
			}
			if c.Bool("exit-code") && st.Refused() {
				return silentError{exitDrift}
			}
			return nil
		},
	}
}

// targetStatus is one target's status, with its untracked versions.
func targetStatus(c *cli.Context, env Env, w *workspace) (*statusJSON, error) {
	only, err := w.pathspecFunctions(c)
	if err != nil {
		return nil, err
	}
	rep, err := push.Status(c.Context, w.client, w.repo, push.Options{
		Branch: w.branch(), Fetch: w.fetchOptions(c), Only: only, Getenv: env.getenv, Hide: env.hide,
	})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range rep.Functions {
		if f.State != plan.NotManaged {
			names = append(names, f.Function)
		}
	}
	vs, err := w.versions(c.Context, names, false)
	if err != nil {
		return nil, err
	}
	return &statusJSON{StatusReport: rep, UntrackedVersions: release.Untracked(vs), MovedTags: release.MovedTags(vs), versions: vs}, nil
}

// statusAllTargets reads every target at once and prints one table:
// resource × target, one verdict per cell, then each target's details.
func statusAllTargets(c *cli.Context, env Env, w *workspace) error {
	asJSON := c.Bool("json")
	targets, err := w.cfg.AllTargets()
	if err != nil {
		return jsonFailure(env, asJSON, err)
	}
	reports := make([]*statusJSON, len(targets))
	g, _ := errgroup.WithContext(c.Context)
	for i, t := range targets {
		tw, err := w.forTarget(c, t)
		if err != nil {
			return jsonFailure(env, asJSON, err)
		}
		g.Go(func() error {
			st, err := targetStatus(c, env, tw)
			if err != nil {
				return fmt.Errorf("target %s: %w", t.Name, err)
			}
			reports[i] = st
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return jsonFailure(env, asJSON, err)
	}
	refused := false
	for _, r := range reports {
		refused = refused || r.Refused()
	}
	if asJSON {
		if err := encodeJSON(env.Stdout, allTargetsJSON{Targets: reports}); err != nil {
			return err
		}
	} else {
		printTargetsTable(env.Stdout, reports, c.Bool("all"))
	}
	if c.Bool("exit-code") && refused {
		return silentError{exitDrift}
	}
	return nil
}

// allTargetsJSON is status --json's document for every target.
type allTargetsJSON struct {
	Targets []*statusJSON `json:"targets"`
}

// printTargetsTable prints each target's summary, the table of resources
// not in sync everywhere (all of them with all), then each target's
// details.
func printTargetsTable(w io.Writer, reports []*statusJSON, all bool) {
	rows := map[string]map[string]*plan.Resource{}
	var order []string
	for _, r := range reports {
		fmt.Fprintf(w, "%s (%s): %s\n", r.Target, r.Region, summaryLine(r.StatusReport))
		for _, list := range [][]*plan.Resource{r.Functions, r.Domains} {
			for _, res := range list {
				n := res.Name()
				if rows[n] == nil {
					rows[n] = map[string]*plan.Resource{}
					order = append(order, n)
				}
				rows[n][r.Target] = res
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		di, dj := strings.HasPrefix(order[i], plan.DomainLabel), strings.HasPrefix(order[j], plan.DomainLabel)
		if di != dj {
			return dj
		}
		return order[i] < order[j]
	})
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	header := false
	for _, n := range order {
		line := "  " + snapshot.Printable(n)
		synced := true
		for _, r := range reports {
			cell := "-"
			if res := rows[n][r.Target]; res != nil {
				cell = res.State
				synced = synced && res.State == plan.InSync
			}
			line += "\t" + cell
		}
		if synced && !all {
			continue
		}
		if !header {
			h := "\n  "
			for _, r := range reports {
				h += "\t" + r.Target
			}
			fmt.Fprintln(tw, h)
			header = true
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	for _, r := range reports {
		var lines []string
		for _, list := range [][]*plan.Resource{r.Functions, r.Domains} {
			for _, res := range list {
				if res.State == plan.InSync {
					continue
				}
				if d := statusDetail(res, true); d != "" {
					lines = append(lines, fmt.Sprintf("  %-26s %s  %s", res.State+":", snapshot.Printable(res.Name()), d))
				}
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(w, "\n%s:\n%s\n", r.Target, strings.Join(lines, "\n"))
		}
	}
}

// statusJSON is status --json's document (docs/commands.md).
type statusJSON struct {
	*push.StatusReport
	// UntrackedVersions are versions published online from no commit.
	UntrackedVersions []release.Version `json:"untrackedVersions,omitempty"`
	// MovedTags are versions whose tags name another commit than theirs.
	MovedTags []release.Version `json:"movedTags,omitempty"`

	versions []release.Version
}

func printStatus(env Env, branch string, rep *push.StatusReport, all bool) {
	out := env.Stdout
	if rep.Deploying != "" {
		switch {
		case rep.Rejected != nil && rep.Rejected.Commit == rep.Head:
			fmt.Fprintf(out, "A deploy of %s stopped: FC refused the configuration of %s; pushing the same commit again cannot help: fix it and commit, then fcgit push.\n",
				short(rep.Deploying), strings.Join(mapkeys.Sorted(rep.Rejected.Resources), ", "))
			for _, n := range mapkeys.Sorted(rep.Rejected.Resources) {
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
	if len(rep.Problems) > 0 {
		fmt.Fprintln(out, "Files push refuses (fix them and commit):")
		for _, p := range rep.Problems {
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
			// Names come from FC: escaped.
			line := fmt.Sprintf("  %-26s %s", r.State+":", snapshot.Printable(r.Name()))
			if d := statusDetail(r, !rep.MergeInProgress && rep.OtherMerge == ""); d != "" {
				line += "  " + d
			}
			fmt.Fprintln(out, line)
		}
	}
}
