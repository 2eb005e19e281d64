package plan

import (
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/snapshot"
)

// domains classifies every custom domain, as functions are.
func domains(in *Input, unmerged map[string]bool) []*Resource {
	names := map[string]bool{}
	for _, m := range []map[string]*fetch.Domain{in.LocalDomains, in.RecordedDomains, in.OnlineDomains} {
		for n := range m {
			names[n] = true
		}
	}
	for n := range in.DomainProblems {
		names[n] = true
	}
	var out []*Resource
	for _, name := range mapkeys.Sorted(names) {
		l, t, o := in.LocalDomains[name], in.RecordedDomains[name], in.OnlineDomains[name]
		r := &Resource{Domain: name, Push: "none"}
		if problems := in.DomainProblems[name]; len(problems) > 0 && l == nil {
			// HEAD has it, in a file that does not decode: not a deletion.
			r.State = Invalid
			r.block(BlockedInvalid, problems...)
			out = append(out, r)
			continue
		}
		// A domain online as HEAD has it lost nothing (deleted in both
		// included); one as an interrupted deploy left it is push's own
		// half-finished work.
		drifted := !fetch.SameDomain(t, o) && !fetch.SameDomain(l, o) &&
			!(in.Deploy && in.DeployingDomains != nil && fetch.SameDomain(in.DeployingDomains[name], o))
		if drifted {
			d := Drift{Domain: name, Kind: "changed online"}
			switch {
			case t == nil:
				d.Kind = "exists online, not deployed from this repository"
			case o == nil:
				d.Kind = "deleted online"
			default:
				d.Config = snapshot.DomainDiff(t.State, o.State)
				d.Changes = changesOf(snapshot.DomainChanges(t.State, o.State), noSecrets)
			}
			r.Drift = &d
		}
		switch {
		case l == nil && o != nil && in.Prune:
			r.DomainAction = &DomainAction{Domain: name, Op: "delete"}
		case l != nil && o == nil:
			empty := &snapshot.State{Name: name, Config: map[string]any{}}
			r.DomainAction = &DomainAction{Domain: name, Op: "create", Local: l, Changes: changesOf(snapshot.DomainChanges(empty, l.State), certSecret)}
		case l != nil && !fetch.SameDomain(l, o):
			r.DomainAction = &DomainAction{Domain: name, Op: "update", Config: snapshot.DomainDiff(o.State, l.State), Local: l,
				Changes: changesOf(snapshot.DomainChanges(o.State, l.State), certSecret)}
		}
		if r.DomainAction != nil {
			r.Push = r.DomainAction.Op
		}
		if fetch.SameDomain(l, o) {
			r.State = InSync
		} else {
			r.State = sides{local: l != nil, recorded: t != nil, online: o != nil, drifted: drifted, localIsRecorded: fetch.SameDomain(l, t)}.state()
		}
		if l != nil {
			problems := append([]string(nil), in.DomainProblems[name]...)
			if in.CheckDomain != nil {
				problems = append(problems, in.CheckDomain(l, r.DomainAction)...)
			}
			sortProblems(problems)
			if len(problems) > 0 {
				r.block(BlockedInvalid, problems...)
			}
		}
		if unmerged[DomainLabel+name] {
			r.block(BlockedUnmerged)
			r.State = NotMerged
			if r.Drift == nil {
				r.Drift = &Drift{Domain: name, Kind: "recorded on the online branch, not merged into HEAD"}
			}
		}
		if drifted {
			r.block(BlockedDrift)
		}
		if l == nil && o != nil && !in.Prune && t != nil {
			r.block(BlockedPrune)
		}
		if r.Blocked == BlockedInvalid {
			r.State = Invalid
		}
		out = append(out, r)
	}
	return out
}

func noSecrets([]string) bool { return false }

// certSecret: a domain's private key is secret always.
func certSecret(p []string) bool {
	return len(p) >= 1 && p[0] == "certConfig" && (len(p) == 1 || p[1] == "privateKey")
}
