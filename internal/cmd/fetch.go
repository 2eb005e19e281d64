package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/snapshot"
)

// jobsFlag is a constructor, not a shared value: urfave/cli flags keep parse
// state, and tests run many apps at once.
// jobsFlag is --jobs; what says what the command does with N functions at
// once ("read", "read and deploy").
func jobsFlag(what string) cli.Flag {
	return &cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 16, Usage: what + " up to `N` functions at once"}
}

func fetchCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "fetch",
		Usage: "record the online state on the online branch (work tree and index untouched)",
		Description: `Reads every function in scope (fcgit.toml [scope]) with its triggers,
settings and code, and the custom domains routing to them, and when that
differs from the online branch (fcgit/online) commits it there: one commit
per observed online state, whose message says what changed online. Code is downloaded only when its checksum changed. The work tree, the
index and your branches are not touched; an error or Ctrl-C leaves the online
branch and its notes as they were.

EXAMPLES:
   fcgit fetch
   git log -p fcgit/online
   git notes --ref fcgit show fcgit/online

` + exitCodesHelp,
		Flags: []cli.Flag{jobsFlag("read"), targetFlag()},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			w, err := openWorkspace(c, env)
			if err != nil {
				return err
			}
			if err := w.refuseCheckedOutElsewhere(w.target); err != nil {
				return err
			}
			ph := newPhases(w.client)
			res, err := w.fetch(c, ph)
			if err != nil {
				return err
			}
			if !globalBool(c, "quiet") || res.changed {
				res.print(w.env, globalBool(c, "verbose"))
			}
			res.printUnmanaged(w.env)
			if globalBool(c, "verbose") {
				ph.print(w.env.Stderr, "fetch")
			}
			return nil
		},
	}
}

// fetchResult is what a fetch did, for printing.
type fetchResult struct {
	branch    string
	commit    string
	changed   bool
	changes   []fetch.Change
	functions int
	downloads int
	// superseded: the online branch holds nothing HEAD lacks, only a state
	// rebuilt from deployed-from stamps (see fetch.Prepared.Superseded).
	superseded bool
	names      []string // the functions online
	// unmanaged are the functions fetch left out: fcgit cannot represent
	// them (name → reason, escaped).
	unmanaged map[string]string
}

// fetch reads online state and records it on the online branch; ph times
// its phases (list, read, record) for --verbose.
func (w *workspace) fetch(c *cli.Context, ph *phases) (*fetchResult, error) {
	b := w.branch()
	opts := w.fetchOptions(c)
	// A fetch keeps, of the versions it decodes, only those the read has
	// under way (its own bounded Loader), and of the functions it reads,
	// only what it records: it needs no more after.
	opts.Loader = nil
	opts.ChangedOnly = true
	prep, err := fetch.Prepare(c.Context, w.client, w.repo, b, opts)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	ph.mark("list")
	on, err := prep.Read(c.Context, w.client, w.repo, opts)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	ph.mark("read")
	if err := prep.Commit(w.repo, b); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	tip := prep.Tip
	changes, err := fetch.Changes(w.repo, tip, on)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if !prep.Head.IsZero() {
		hc, err := w.repo.ReadCommit(prep.Head)
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		headTree, err := b.ManagedFunctions(w.repo, hc.TreeHash)
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		if err := fetch.MarkInHead(w.repo, changes, on, headTree); err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
	}
	commit, changed, err := fetch.Record(w.repo, b, tip, on, changes)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	ph.mark("record")
	res := &fetchResult{branch: w.branchName(), commit: commit.String(), changed: changed, changes: changes,
		functions: len(on.Functions), downloads: on.Downloads, names: on.Names(), unmanaged: on.Unmanaged}
	if !changed && !prep.Head.IsZero() {
		if res.superseded, err = prep.Superseded(prep.Head); err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
	}
	return res, nil
}

func (r *fetchResult) print(env Env, verbose bool) {
	if !r.changed {
		fmt.Fprintf(env.Stdout, "%s is up to date with online state (%s)\n", r.branch, plural(r.functions, "function"))
		return
	}
	fmt.Fprintf(env.Stdout, "%s -> %s: %s online\n", r.branch, r.commit[:12], plural(r.functions, "function"))
	for _, ch := range r.changes {
		line := fmt.Sprintf("  %-8s %s", ch.Kind, ch.Label())
		if d := ch.Describe(); d != "" && !ch.InHead {
			line += " (" + d + ")"
		}
		if ch.InHead {
			// A record rebuilt from deploys in a fresh clone: the online
			// state is one HEAD merged long ago.
			line += " (HEAD holds this state already)"
		}
		fmt.Fprintln(env.Stdout, line)
	}
	if verbose {
		fmt.Fprintf(env.Stdout, "  %d code packages downloaded\n", r.downloads)
	}
}

// printUnmanaged says, once per fetch, which functions were left out and
// why: on stderr, every name escaped, since FC's names may be anything.
func (r *fetchResult) printUnmanaged(env Env) {
	if len(r.unmanaged) == 0 {
		return
	}
	fmt.Fprintf(env.Stderr, "warning: %s left out, not managed (fcgit cannot represent %s: the record keeps what it had, push never changes or deletes %s, fcgit status lists %s):\n",
		plural(len(r.unmanaged), "function"), pick(len(r.unmanaged), "it", "them"), pick(len(r.unmanaged), "it", "them"), pick(len(r.unmanaged), "it", "them"))
	for _, n := range mapkeys.Sorted(r.unmanaged) {
		fmt.Fprintf(env.Stderr, "  %s: %s\n", snapshot.Printable(n), r.unmanaged[n])
	}
}

// pick is one or many, by n.
func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
