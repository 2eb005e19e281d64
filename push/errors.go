package push

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// Drift is one function or domain whose online state moved away from what
// fcgit last recorded.
type Drift = plan.Drift

// DriftError refuses a push because online state is not what the repository
// last saw. Exit code 3.
type DriftError struct {
	Unmerged  bool     // the online branch records state HEAD does not hold
	Functions []string // with Unmerged: the functions whose recorded state HEAD lacks
	Branch    string
	Drift     []Drift
	Deleted   []string // functions deleted locally, refused without --prune
	Aborted   bool     // answered "abort" at the prompt
}

func (e *DriftError) Error() string {
	var b strings.Builder
	switch {
	case e.Unmerged && len(e.Functions) > 0:
		fmt.Fprintf(&b, "online changes not merged: %s records online state of %s that HEAD does not hold; run fcgit pull", e.Branch, strings.Join(e.Functions, ", "))
	case e.Unmerged:
		fmt.Fprintf(&b, "online changes not merged: %s has commits that HEAD does not contain; run fcgit pull", e.Branch)
	case len(e.Drift) > 0:
		fmt.Fprintf(&b, "online state changed since the last fetch or deploy (%s):", countDrift(e.Drift))
		for _, d := range e.Drift {
			fmt.Fprintf(&b, "\n  %s", d.Describe())
		}
		if e.Aborted {
			b.WriteString("\naborted: nothing was deployed")
		} else {
			b.WriteString("\nrun fcgit pull to merge these changes, or fcgit push --force (--use-local) to overwrite them")
		}
	case len(e.Deleted) > 0:
		what := "functions"
		for _, n := range e.Deleted {
			if strings.HasPrefix(n, DomainLabel) {
				what = "functions and domains"
			}
		}
		fmt.Fprintf(&b, "%s deleted locally would be deleted online: %s\nrun fcgit push --prune to delete them online", what, strings.Join(e.Deleted, ", "))
	}
	return b.String()
}

// countDrift says how many functions and domains drifted.
func countDrift(ds []Drift) string {
	fns, doms := 0, 0
	for _, d := range ds {
		if d.Domain != "" {
			doms++
		} else {
			fns++
		}
	}
	switch {
	case doms == 0:
		return fmt.Sprintf("%d function(s)", fns)
	case fns == 0:
		return fmt.Sprintf("%d domain(s)", doms)
	}
	return fmt.Sprintf("%d function(s), %d domain(s)", fns, doms)
}

// ExitCode is the drift exit code.
func (e *DriftError) ExitCode() int { return 3 }

// DomainLabel prefixes a custom domain's name where functions and domains
// are listed together ("domain api.example.com").
const DomainLabel = plan.DomainLabel

// PartialError is a deploy that stopped part-way: some functions were
// deployed, some were not. The deploy stays recorded (refs/fcgit/deploying),
// so the next push finishes it.
type PartialError struct {
	Dir        string // the managed directory, to name the files to fix
	DomainsDir string // the custom domains' directory, likewise
	Deployed   []string
	Failed     map[string]error
	Skipped    []string
}

func (e *PartialError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deploy incomplete: %d deployed, %d failed, %d not attempted", len(e.Deployed), len(e.Failed), len(e.Skipped))
	if len(e.Deployed) > 0 {
		fmt.Fprintf(&b, "\n  deployed: %s", strings.Join(e.Deployed, ", "))
	}
	for _, name := range mapkeys.Sorted(e.Failed) {
		fmt.Fprintf(&b, "\n  failed:   %s: %v", name, e.Failed[name])
	}
	if len(e.Skipped) > 0 {
		fmt.Fprintf(&b, "\n  not attempted: %s", strings.Join(e.Skipped, ", "))
	}
	rejected := e.Rejected()
	if len(rejected) > 0 {
		fmt.Fprintf(&b, "\nFC refused the configuration of %s: fix it (%s) and commit, then run fcgit push; running it again unchanged cannot help",
			strings.Join(rejected, ", "), strings.Join(e.files(rejected), ", "))
	}
	if len(rejected) < len(e.Failed)+len(e.Skipped) {
		b.WriteString("\nrun fcgit push again to finish the rest: it recognises this deploy as its own")
	}
	return b.String()
}

// Rejected lists the failed functions whose failure was FC refusing the
// request itself (an invalid value, a quota): only a new commit can fix
// those, unlike an interrupted or network-failed deploy.
func (e *PartialError) Rejected() []string {
	var out []string
	for _, name := range mapkeys.Sorted(e.Failed) {
		var fe *fc.Error
		if errors.As(e.Failed[name], &fe) && fe.Kind == fc.KindInvalidArgument {
			out = append(out, name)
		}
	}
	return out
}

func (e *PartialError) files(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if d, ok := strings.CutPrefix(n, DomainLabel); ok {
			out[i] = path.Join(e.DomainsDir, snapshot.DomainFile(d))
			continue
		}
		out[i] = path.Join(e.Dir, n, "function.toml")
	}
	return out
}

// ExitCode is 3 when every failure was a function changed online between the
// drift check and its write (drift, like any other), 1 otherwise.
func (e *PartialError) ExitCode() int {
	if len(e.Failed) == 0 {
		return 1
	}
	for _, err := range e.Failed {
		var race *RaceError
		var over *OverwrittenError
		if !errors.As(err, &race) && !errors.As(err, &over) {
			return 1
		}
	}
	return 3
}

// OverwrittenError: push wrote the function, but reading it back shows
// another writer's state (another fcgit push, the console): this push's
// deploy did not stick. Exit code 3, like drift: pull to see what is online.
type OverwrittenError struct{ Function, By string }

func (e *OverwrittenError) Error() string {
	return fmt.Sprintf("overwritten online right after this push wrote it (%s): this deploy did not stick; run fcgit pull to see what runs, then push", e.By)
}

// RaceError: the function changed online after the drift check, right before
// fcgit would have written it. Nothing was written to it.
type RaceError struct{ Drift Drift }

func (e *RaceError) Error() string {
	return "changed online since the drift check; not written (run fcgit pull, then push)"
}

// Action is what push does to one function.
type Action = plan.Action

// TriggerAction is what push does to one trigger.
type TriggerAction = plan.TriggerAction

// functionConfig reports whether config paths name the function's own
// fields (written by UpdateFunction), not only its other kinds.
func functionConfig(paths []string) bool {
	for _, p := range paths {
		if !plan.IsKindPath(p) {
			return true
		}
	}
	return false
}
