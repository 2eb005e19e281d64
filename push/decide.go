package push

import (
	"strings"

	"github.com/fcgit/fcgit/plan"
)

// Decision is the answer to the prompt for one drifted resource.
type Decision int

// The answers: abort the push (the default), overwrite the online change,
// or leave this resource as it is online and deploy the others.
const (
	Abort Decision = iota
	Overwrite
	Skip
)

// decision is what push does with the plan's blocked resources.
type decision struct {
	overwrite   func(*plan.Resource) bool
	overwritten []Drift
	skipped     []string
	// drift: online changes will be overwritten; they are recorded on the
	// online branch first.
	drift bool
}

// decide refuses the plan, or says which blocked resources push
// overwrites. Refusals come in the plan's order of blocks: the files' own
// problems (exit 1), online changes not merged, drift (asked per resource
// on a terminal), a stale secret, deletions without --prune (exit 3).
func decide(p *plan.Plan, s *sides, b BranchInfo, opts Options) (*decision, error) {
	if err := invalidError(p); err != nil {
		return nil, err
	}
	if s.unmergedCommits && !opts.Force {
		return nil, &DriftError{Unmerged: true, Branch: strings.TrimPrefix(b.Ref, "refs/heads/"), Functions: s.unmerged}
	}
	d := &decision{}
	var drifted []*plan.Resource
	for _, r := range p.Resources {
		if r.HasBlock(plan.BlockedDrift) {
			drifted = append(drifted, r)
		}
	}
	answers := map[*plan.Resource]bool{}
	if len(drifted) > 0 && !opts.Force {
		if opts.DryRun || opts.Confirm == nil {
			return nil, &DriftError{Drift: driftsOf(drifted)}
		}
		for _, r := range drifted {
			switch opts.Confirm(r) {
			case Overwrite:
				answers[r] = true
			case Skip:
				d.skipped = append(d.skipped, r.Name())
			default:
				return nil, &DriftError{Drift: driftsOf(drifted), Aborted: true}
			}
		}
	}
	d.overwrite = func(r *plan.Resource) bool {
		if opts.Force {
			return true
		}
		// Answered at the prompt: a drifted resource's other
		// overridable block (a stale secret) goes with it.
		return answers[r]
	}
	for _, r := range p.Resources {
		if r.HasBlock(plan.BlockedStale) && !d.overwrite(r) {
			return nil, r.Stale
		}
	}
	var deleted []string
	for _, r := range p.Resources {
		if r.HasBlock(plan.BlockedPrune) && !(r.HasBlock(plan.BlockedDrift) && !d.overwrite(r)) {
			deleted = append(deleted, r.Name())
		}
	}
	if len(deleted) > 0 {
		return nil, &DriftError{Deleted: deleted}
	}
	for _, r := range drifted {
		if d.overwrite(r) {
			d.overwritten = append(d.overwritten, *r.Drift)
			d.drift = true
		}
	}
	if opts.Force {
		// --force also overwrites what the online branch recorded that
		// HEAD never merged: say so, as for drift.
		for _, r := range p.Resources {
			if r.HasBlock(plan.BlockedUnmerged) && !r.HasBlock(plan.BlockedDrift) {
				d.overwritten = append(d.overwritten, Drift{Function: r.Function, Domain: r.Domain, Kind: "recorded on the online branch, not merged into HEAD"})
			}
		}
	}
	return d, nil
}

// driftsOf lists the drift of resources.
func driftsOf(rs []*plan.Resource) []Drift {
	out := make([]Drift, 0, len(rs))
	for _, r := range rs {
		out = append(out, *r.Drift)
	}
	return out
}
