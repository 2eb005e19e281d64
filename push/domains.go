package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// DomainAction is what push does to one custom domain.
type DomainAction = plan.DomainAction

// DomainsClient is the part of the FC client writing custom domains.
type DomainsClient interface {
	CreateCustomDomain(ctx context.Context, input map[string]any) (fc.Doc, error)
	UpdateCustomDomain(ctx context.Context, name string, input map[string]any) (fc.Doc, error)
	DeleteCustomDomain(ctx context.Context, name string) error
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
		found, _, err := fetch.DomainInHistory(repo, b, head.Head, rec[name].State, nil)
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
		if a.Local == nil {
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
	st := a.Local.State
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
