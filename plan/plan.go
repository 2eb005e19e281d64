// Package plan decides, once, what every command that compares the
// repository with Function Compute says and does: for each resource (a
// function with its triggers, settings and aliases; a custom domain) it
// takes its sides — HEAD, the online branch's record of the last deploy or
// fetch, what runs online now, a deploy in flight — and returns its state,
// whether push would write it or refuse, and the field-level changes
// (old → new) both ways. fcgit status renders the plan, push --dry-run
// renders it, push carries it out: none of them classifies on its own, so
// status's verdict for a resource is what push does with it.
package plan

import (
	"sort"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// States of a resource, as status names them.
const (
	InSync        = "in sync"
	LocalChanges  = "local changes to deploy"
	ChangedOnline = "changed online"
	Diverged      = "diverged"
	NewLocally    = "new locally"
	OnlineOnly    = "exists online only"
	DeletedOnline = "deleted online"
	DeletedLocal  = "deleted locally"
	NotMerged     = "online changes not merged"
	OutOfScope    = "outside the scope of fcgit.toml"
	Invalid       = "cannot be deployed"
	// NotManaged: online, in scope, in a form fcgit cannot represent
	// (fetch.UnrepresentableError): push neither changes nor deletes it,
	// whatever HEAD and the record hold, and never refuses for it.
	NotManaged = "not managed"
)

// Why push refuses a resource (Resource.Blocked). Push refuses as a whole
// when any resource it covers is blocked; --force overwrites the blocks
// Overridable accepts.
const (
	BlockedDrift    = "drift"        // changed online since the last fetch or deploy
	BlockedUnmerged = "unmerged"     // the online branch records online state HEAD lacks
	BlockedPrune    = "prune"        // deleted locally; deleting online needs --prune
	BlockedStale    = "stale-secret" // the secret value to deploy is the one rotated away online
	BlockedInvalid  = "invalid"      // the files hold what FC would refuse or not keep
	BlockedScope    = "scope"        // HEAD holds a function fcgit.toml's [scope] excludes
)

// Overridable reports whether push --force (or an answer at the prompt)
// overwrites a block: online state, yes; the files' own problems, no.
func Overridable(blocked string) bool {
	return blocked == BlockedDrift || blocked == BlockedUnmerged || blocked == BlockedStale
}

// Input is what the plan is made from: one target's sides.
type Input struct {
	// Repo holds the code trees, for the code summaries.
	Repo *gitstate.Repo
	// Dir and DomainsDir are the managed directories ("" DomainsDir: no
	// custom domains).
	Dir, DomainsDir string

	// The functions of HEAD (Local), of the online branch's tip
	// (Recorded), online (Online) and of the deploy in flight (Deploying,
	// when Deploy is set).
	Local, Recorded, Online, Deploying map[string]*fetch.Function
	Deploy                             bool
	// The same for custom domains; used when Domains is set (a plan of
	// everything: pathspecs name functions).
	LocalDomains, RecordedDomains, OnlineDomains, DeployingDomains map[string]*fetch.Domain
	Domains                                                        bool

	// Stamps say what the deployed-from stamps told (unknown deploys).
	Stamps *fetch.Stamps
	// Unmerged names the functions (and "domain <name>") whose online state
	// the online branch records and HEAD does not hold.
	Unmerged []string
	// InScope reports whether fcgit.toml's [scope] takes a function.
	InScope func(string) bool
	// Unmanaged are the functions in scope online that fcgit cannot
	// represent (fetch.Online.Unmanaged), with the reason, escaped.
	Unmanaged map[string]string
	// Only, when set, names the functions planned (pathspecs).
	Only map[string]bool
	// Prune plans the deletion of functions and domains HEAD no longer has.
	Prune bool
	// SecretValue sources a secret reference's value where push runs (nil:
	// none can be sourced).
	SecretValue func(snapshot.SecretRef) (string, bool)
	// CheckFunction lists the problems of HEAD's files for a function:
	// what FC would refuse, or not keep, in what its action writes (nil:
	// nothing to write), found before anything is written, as file:line
	// messages.
	CheckFunction func(l *fetch.Function, a *Action) []string
	// CheckDomain is CheckFunction for a domain of HEAD.
	CheckDomain func(l *fetch.Domain, a *DomainAction) []string
	// FileProblems and DomainProblems are the problems found reading
	// HEAD's files, by function and domain: a function whose file does not
	// decode at all is in neither Local nor LocalDomains, and is not
	// deleted for that. Problems belong to no resource (a file in the
	// domains directory that names no domain).
	FileProblems, DomainProblems map[string][]string
	Problems                     []string
}

// Resource is one function or custom domain, and what push does with it.
type Resource struct {
	Function string `json:"function,omitempty"`
	Domain   string `json:"domain,omitempty"`
	State    string `json:"state"`
	// Push is what fcgit push would do: "create", "update", "delete" or
	// "none".
	Push string `json:"push"`
	// Blocked says why push refuses (see the Blocked constants); "" when
	// it does not.
	Blocked string `json:"blocked,omitempty"`
	// Problems are the files' problems (Blocked "invalid", "scope",
	// "stale-secret"), each naming file:line.
	Problems []string `json:"problems,omitempty"`
	// Drift is what changed online since the last fetch or deploy, or,
	// for an unmerged resource, how the online branch's record differs
	// from HEAD.
	Drift *Drift `json:"drift,omitempty"`
	// Unverified: a shallow clone's function whose online state is exactly
	// what was deployed from this commit beyond the clone's history.
	Unverified string `json:"unverifiedShallow,omitempty"`
	// NotManaged says why fcgit cannot represent the function (State
	// NotManaged), escaped.
	NotManaged string `json:"notManaged,omitempty"`

	// Action is what push writes for it (nil: nothing), also when blocked:
	// what --force would write.
	Action       *Action       `json:"-"`
	DomainAction *DomainAction `json:"-"`
	// Stale is the refusal of a stale secret value (Blocked "stale-secret").
	Stale *StaleSecretError `json:"-"`

	blocks []string
}

// Name is the resource's label: the function, or "domain <name>".
func (r *Resource) Name() string {
	if r.Domain != "" {
		return DomainLabel + r.Domain
	}
	return r.Function
}

// DomainLabel prefixes a custom domain's name where functions and domains
// are listed together ("domain api.example.com").
const DomainLabel = "domain "

// Plan is the classification of every resource of one target.
type Plan struct {
	// Resources are the functions (sorted), then the custom domains.
	Resources []*Resource
	// Problems are those of HEAD's files that belong to no resource: push
	// refuses while there are any.
	Problems []string
}

// Make classifies every resource.
func Make(in *Input) (*Plan, error) {
	p := &Plan{Problems: in.Problems}
	unmerged := map[string]bool{}
	for _, n := range in.Unmerged {
		unmerged[n] = true
	}
	fns, err := functions(in, unmerged)
	if err != nil {
		return nil, err
	}
	p.Resources = append(p.Resources, fns...)
	if in.Domains {
		p.Resources = append(p.Resources, domains(in, unmerged)...)
	}
	return p, nil
}

// Blocked lists the resources push refuses, with reason blocked ("" for any).
func (p *Plan) Blocked(blocked string) []*Resource {
	var out []*Resource
	for _, r := range p.Resources {
		if r.Blocked != "" && (blocked == "" || r.Blocked == blocked) {
			out = append(out, r)
		}
	}
	return out
}

// Writes returns what push carries out: the actions of the resources
// nothing blocks, and of those whose overridable block overwrite accepts
// (nil: none). Functions come first (deletions last), then domains.
func (p *Plan) Writes(overwrite func(*Resource) bool) *Writes {
	w := &Writes{Actions: []Action{}}
	for _, r := range p.Resources {
		if r.Blocked != "" && !(r.overridable() && overwrite != nil && overwrite(r)) {
			continue
		}
		if r.Action != nil {
			w.Actions = append(w.Actions, *r.Action)
		}
		if r.DomainAction != nil {
			w.Domains = append(w.Domains, *r.DomainAction)
		}
	}
	sort.SliceStable(w.Actions, func(i, j int) bool {
		di, dj := w.Actions[i].Op == "delete", w.Actions[j].Op == "delete"
		if di != dj {
			return dj
		}
		return w.Actions[i].Function < w.Actions[j].Function
	})
	return w
}

// Counts tallies the resources by state, in the order states are listed.
func (p *Plan) Counts() []Count {
	n := map[string]int{}
	for _, r := range p.Resources {
		n[r.State]++
	}
	var out []Count
	for _, s := range stateOrder {
		if n[s] > 0 {
			out = append(out, Count{State: s, N: n[s]})
		}
	}
	return out
}

// Count is how many resources are in one state.
type Count struct {
	State string `json:"state"`
	N     int    `json:"count"`
}

// stateOrder lists states as the documentation does.
var stateOrder = []string{InSync, LocalChanges, NewLocally, ChangedOnline, Diverged, OnlineOnly, DeletedOnline, DeletedLocal, NotMerged, Invalid, OutOfScope, NotManaged}
