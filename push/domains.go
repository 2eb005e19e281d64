package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// DomainAction is what push does to one custom domain.
type DomainAction struct {
	Domain string   `json:"domain"`
	Op     string   `json:"op"` // "create", "update", "delete"
	Config []string `json:"config,omitempty"`

	local *fetch.Domain
}

// DomainsClient is the part of the FC client writing custom domains.
type DomainsClient interface {
	CreateCustomDomain(ctx context.Context, input map[string]any) (fc.Doc, error)
	UpdateCustomDomain(ctx context.Context, name string, input map[string]any) (fc.Doc, error)
	DeleteCustomDomain(ctx context.Context, name string) error
}

// domainDrift compares recorded domains with the domains online. A domain
// online as HEAD (local, unless nil) has it lost nothing, deleted in both
// included; one as an interrupted deploy left it (deploying, when there is
// one) is push's own half-finished work.
func domainDrift(rec, online, local, deploying map[string]*fetch.Domain) []Drift {
	var out []Drift
	for _, name := range unionDomains(rec, online) {
		t, o := rec[name], online[name]
		if fetch.SameDomain(t, o) || (local != nil && fetch.SameDomain(local[name], o)) {
			continue
		}
		if deploying != nil && fetch.SameDomain(deploying[name], o) {
			continue
		}
		d := Drift{Domain: name, Kind: "changed online"}
		switch {
		case t == nil:
			d.Kind = "exists online, not deployed from this repository"
		case o == nil:
			d.Kind = "deleted online"
		default:
			d.Config = snapshot.DomainDiff(t.State, o.State)
		}
		out = append(out, d)
	}
	return out
}

// domainPlan compares the domains online with HEAD's; deletions need prune.
func domainPlan(online, local map[string]*fetch.Domain, prune bool) (actions []DomainAction, refused []string) {
	for _, name := range unionDomains(online, local) {
		l, o := local[name], online[name]
		switch {
		case l == nil && !prune:
			refused = append(refused, name)
		case l == nil:
			actions = append(actions, DomainAction{Domain: name, Op: "delete"})
		case o == nil:
			actions = append(actions, DomainAction{Domain: name, Op: "create", local: l})
		case !fetch.SameDomain(l, o):
			actions = append(actions, DomainAction{Domain: name, Op: "update", Config: snapshot.DomainDiff(o.State, l.State), local: l})
		}
	}
	return actions, refused
}

func unionDomains(a, b map[string]*fetch.Domain) []string {
	m := map[string]bool{}
	for n := range a {
		m[n] = true
	}
	for n := range b {
		m[n] = true
	}
	return sortedKeys(m)
}

// deployDomains writes the domain actions, after the functions they route
// to exist. It stops at the first failure (domains are few and ordered),
// reporting it in failed and the rest in skipped, by domain name.
func deployDomains(ctx context.Context, client Client, actions []DomainAction, src secretSource) (done []string, failed map[string]error, skipped []string) {
	if len(actions) == 0 {
		return nil, nil, nil
	}
	dc, ok := client.(DomainsClient)
	if !ok {
		return nil, map[string]error{actions[0].Domain: fmt.Errorf("this FC client cannot write custom domains")}, nil
	}
	for i, a := range actions {
		var err error
		switch a.Op {
		case "delete":
			err = dc.DeleteCustomDomain(ctx, a.Domain)
		default:
			var in map[string]any
			in, err = snapshot.DomainInput(domainBody(a), func(_ []string, ref snapshot.SecretRef) (string, bool) {
				return src.value(ref)
			})
			if err == nil && a.Op == "create" {
				in["domainName"] = a.Domain
				_, err = dc.CreateCustomDomain(ctx, in)
			} else if err == nil {
				_, err = dc.UpdateCustomDomain(ctx, a.Domain, in)
			}
		}
		if err != nil {
			for _, rest := range actions[i+1:] {
				skipped = append(skipped, rest.Domain)
			}
			return done, map[string]error{a.Domain: fmt.Errorf("%s domain %s: %w", a.Op, a.Domain, err)}, skipped
		}
		done = append(done, a.Domain)
	}
	return done, nil, nil
}

// domainsContained reports the recorded domains HEAD's history does not
// hold (by state): online changes to domains that were fetched, not merged.
func domainsContained(repo *gitstate.Repo, b BranchInfo, rec, local map[string]*fetch.Domain, head *fetch.Prepared) ([]string, error) {
	var missing []string
	for _, name := range fetch.DomainNames(rec) {
		if fetch.SameDomain(rec[name], local[name]) {
			continue
		}
		found, _, err := fetch.DomainInHistory(repo, b.DomainsDir, head.Head, rec[name].State, nil)
		if err != nil {
			return nil, err
		}
		if found == nil {
			missing = append(missing, DomainLabel+name)
		}
	}
	return missing, nil
}

// checkDomains refuses, before anything is written, domain files whose
// secrets cannot be sourced for a create or a certificate change.
func checkDomains(dir string, actions []DomainAction, src secretSource) error {
	for _, a := range actions {
		if a.local == nil {
			continue
		}
		if _, err := snapshot.DomainInput(domainBody(a), func(_ []string, ref snapshot.SecretRef) (string, bool) {
			return src.value(ref)
		}); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, snapshot.DomainFile(a.Domain), err)
		}
	}
	return nil
}

// domainBody is the state a domain action sends: an update whose
// certificate did not change leaves certConfig out (UpdateCustomDomain
// keeps what it is not sent), so a route change does not need the private
// key at hand.
func domainBody(a DomainAction) *snapshot.State {
	st := a.local.State
	if a.Op != "update" {
		return st
	}
	for _, p := range a.Config {
		if p == "certConfig" || strings.HasPrefix(p, "certConfig.") {
			return st
		}
	}
	cfg := map[string]any{}
	for k, v := range st.Config {
		if k != "certConfig" {
			cfg[k] = v
		}
	}
	return &snapshot.State{Name: st.Name, Config: cfg}
}
