package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/push"
)

// Plans, drift and status are rendered here, from the one plan: the same
// resource reads the same wherever it is shown.

var pastTense = map[string]string{"create": "created", "update": "updated", "delete": "deleted"}

// actionLine is an action's heading: "update shop-a (config: timeout; code)".
func actionLine(a plan.Action) string {
	return a.Function + actionDetail(a)
}

func actionDetail(a plan.Action) string {
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

func domainDetail(d plan.DomainAction) string {
	if len(d.Config) == 0 {
		return ""
	}
	return " (config: " + strings.Join(d.Config, ", ") + ")"
}

// printValues prints one value change a line, indented.
func printValues(w io.Writer, indent string, values []string) {
	for _, v := range values {
		fmt.Fprintf(w, "%s%s\n", indent, v)
	}
}

// printWrites prints what a push writes (or would write), with values.
func printWrites(w io.Writer, writes *plan.Writes, verb func(op string) string, deployed func(name string) bool, urls map[string][]string) {
	for _, a := range writes.Actions {
		if deployed != nil && !deployed(a.Function) {
			continue
		}
		fmt.Fprintf(w, "%s %s\n", verb(a.Op), actionLine(a))
		printValues(w, "    ", a.Values())
		for _, u := range urls[a.Function] {
			fmt.Fprintf(w, "  %s\n", u)
		}
	}
	for _, d := range writes.Domains {
		if deployed != nil && !deployed(plan.DomainLabel+d.Domain) {
			continue
		}
		fmt.Fprintf(w, "%s domain %s%s\n", verb(d.Op), d.Domain, domainDetail(d))
		printValues(w, "    ", d.Values())
	}
}

// printDrift prints drifted resources with the values that changed online.
func printDrift(w io.Writer, indent string, drift []plan.Drift) {
	for _, d := range drift {
		fmt.Fprintf(w, "%s%s\n", indent, d.Describe())
		printValues(w, indent+"    ", d.Values())
	}
}

// statusDetail is what a status line says after the resource's name:
// the values that changed, the problems, why push refuses.
func statusDetail(r *plan.Resource, pullHint bool) string {
	var parts []string
	switch {
	case r.State == plan.NotManaged:
		return r.NotManaged + "; push never changes or deletes it"
	case r.Blocked == plan.BlockedInvalid || r.Blocked == plan.BlockedScope:
		return strings.Join(oneLine(r.Problems), "; ")
	case r.Drift != nil && (r.HasBlock(plan.BlockedDrift) || r.HasBlock(plan.BlockedUnmerged)):
		values := r.Drift.Values()
		if len(values) == 0 {
			if r.State != plan.OnlineOnly && r.State != plan.DeletedOnline && r.State != plan.NotMerged {
				parts = append(parts, r.Drift.Kind)
			} else if r.State == plan.OnlineOnly && r.Drift.Kind != "exists online, not deployed from this repository" {
				parts = append(parts, r.Drift.Kind)
			}
		}
		parts = append(parts, values...)
		if r.State == plan.NotMerged && pullHint {
			parts = append(parts, "run fcgit pull")
		}
	case r.Action != nil:
		parts = append(parts, r.Action.Values()...)
	case r.DomainAction != nil:
		parts = append(parts, r.DomainAction.Values()...)
	}
	if r.HasBlock(plan.BlockedPrune) {
		parts = append(parts, "push --prune deletes it online")
	}
	if r.Stale != nil {
		parts = append(parts, r.Stale.Error())
	}
	if r.Unverified != "" {
		parts = append(parts, "deployed from beyond this shallow clone's history: online is exactly that deploy; git fetch --unshallow to check it is in HEAD's history")
	}
	return strings.Join(parts, "; ")
}

// oneLine keeps the first line of each multi-line message.
func oneLine(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i], _, _ = strings.Cut(m, "\n")
	}
	return out
}

// summaryLine counts resources by state: "3 functions, 1 domain: 2 in
// sync, 1 changed online, 1 local changes to deploy".
func summaryLine(rep *push.StatusReport) string {
	what := plural(len(rep.Functions), "function")
	if len(rep.Domains) > 0 {
		what += ", " + plural(len(rep.Domains), "domain")
	}
	total := len(rep.Functions) + len(rep.Domains)
	var parts []string
	for _, c := range rep.Summary {
		if c.State == plan.InSync && c.N == total {
			return what + ": all in sync"
		}
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.State))
	}
	return what + ": " + strings.Join(parts, ", ")
}

// encodeJSON writes one indented JSON document. Values are written as they
// are ("<name>", not "\u003cname\u003e"): the output is for scripts, not
// for embedding in HTML.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
