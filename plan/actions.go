package plan

import (
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/snapshot"
)

// Action is what push does to one function.
type Action struct {
	Function string `json:"function"`
	Op       string `json:"op"` // "create", "update", "delete"
	// Config names the changed fields (Changes has their values).
	Config   []string        `json:"config,omitempty"`
	Code     bool            `json:"code,omitempty"`
	Triggers []TriggerAction `json:"triggers,omitempty"`
	// Secrets names secret environment variables deployed with a new value
	// from push's environment (never the value itself).
	Secrets []string `json:"secrets,omitempty"`
	// Kinds are the function's other kinds to write: settings, VPC
	// bindings, aliases, the invocation switch.
	Kinds []KindAction `json:"settings,omitempty"`
	// Changes are the field-level changes, online → HEAD; for a create,
	// every field HEAD sets.
	Changes []Change `json:"changes,omitempty"`
	// CodeChanges summarises the code package's change.
	CodeChanges *CodeChange `json:"codeChanges,omitempty"`
	// Publish lists the commits whose versions the aliases name and the
	// target has not yet: push publishes them before it writes the
	// aliases.
	Publish []string `json:"publish,omitempty"`

	// Local is HEAD's function (nil for a delete), Online the function
	// online (nil for a create).
	Local  *fetch.Function `json:"-"`
	Online *fetch.Function `json:"-"`
}

// TriggerAction is what push does to one trigger.
type TriggerAction struct {
	Trigger string `json:"trigger"`
	Op      string `json:"op"` // "create", "update", "delete", "replace" (type or sourceArn changed: delete + create)
}

// KindAction is what push does to one of a function's other kinds: a
// setting (for one qualifier), a VPC binding, an alias, the invocation
// switch.
type KindAction struct {
	Kind string `json:"kind"`           // the function.toml key: "concurrencyConfig", "aliases", …
	Name string `json:"name,omitempty"` // the qualifier, alias name or VPC id
	Op   string `json:"op"`             // "put", "delete", "create", "update", "disable", "enable"
}

func (k KindAction) String() string {
	if k.Name == "" {
		return k.Op + " " + k.Kind
	}
	return fmt.Sprintf("%s %s.%s", k.Op, k.Kind, k.Name)
}

// DomainAction is what push does to one custom domain.
type DomainAction struct {
	Domain  string   `json:"domain"`
	Op      string   `json:"op"` // "create", "update", "delete"
	Config  []string `json:"config,omitempty"`
	Changes []Change `json:"changes,omitempty"`

	Local *fetch.Domain `json:"-"`
}

// Writes is what push writes: function actions, then custom domains.
type Writes struct {
	Actions []Action       `json:"actions"`
	Domains []DomainAction `json:"domains,omitempty"`
}

// Empty reports whether there is nothing to write.
func (w *Writes) Empty() bool { return len(w.Actions) == 0 && len(w.Domains) == 0 }

// Count counts the API write requests (not counting waits and stamps), for
// summaries.
func (w *Writes) Count() int {
	n := 0
	for _, a := range w.Actions {
		if a.Op == "delete" || a.Op == "create" || functionConfig(a.Config) || a.Code || len(a.Secrets) > 0 {
			n++
		}
		n += len(a.Kinds)
		for _, t := range a.Triggers {
			n++
			if t.Op == "replace" {
				n++
			}
		}
	}
	return n + len(w.Domains)
}

// Drift is how one function or custom domain moved online away from what
// fcgit last recorded.
type Drift struct {
	Function string `json:"function,omitempty"`
	Domain   string `json:"domain,omitempty"`
	// Kind: "changed online", "deleted online", "exists online, not
	// deployed from this repository", "changed since the drift check", ...
	Kind     string   `json:"kind"`
	Config   []string `json:"config,omitempty"`
	Code     bool     `json:"code,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	// Secrets names secret environment variables whose value changed
	// online; their values are never shown.
	Secrets []string `json:"secrets,omitempty"`
	// Changes are the field-level changes, recorded → online.
	Changes     []Change    `json:"changes,omitempty"`
	CodeChanges *CodeChange `json:"codeChanges,omitempty"`
}

// Label names what drifted: the function, or "domain <name>".
func (d Drift) Label() string {
	if d.Domain != "" {
		return DomainLabel + d.Domain
	}
	return d.Function
}

// Describe is the drift in one line, by names.
func (d Drift) Describe() string {
	var secrets []string
	for _, n := range d.Secrets {
		secrets = append(secrets, snapshot.Printable(n)+" changed online (value hidden)")
	}
	line := d.describe()
	switch {
	case len(secrets) == 0:
		return line
	case d.Domain == "" && line == d.Function+": "+d.Kind && d.Kind == "changed online":
		return d.Function + ": " + strings.Join(secrets, "; ")
	}
	return line + "; " + strings.Join(secrets, "; ")
}

func (d Drift) describe() string {
	label := d.Label()
	// Keys and names come from FC and go to the terminal and, with
	// --force, into a commit message: escaped.
	var parts []string
	if len(d.Config) > 0 {
		parts = append(parts, "config: "+strings.Join(printable(d.Config), ", "))
	}
	if d.Code {
		parts = append(parts, "code")
	}
	if len(d.Triggers) > 0 {
		parts = append(parts, "triggers: "+strings.Join(printable(d.Triggers), ", "))
	}
	if len(parts) == 0 {
		return label + ": " + d.Kind
	}
	return fmt.Sprintf("%s: %s (%s)", label, d.Kind, strings.Join(parts, "; "))
}

// printable escapes each of names (snapshot.Printable).
func printable(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = snapshot.Printable(n)
	}
	return out
}

// Values renders the drift's values, one change a line: "timeout: 10 → 20".
func (d Drift) Values() []string {
	var out []string
	rotated := map[string]bool{}
	for _, n := range d.Secrets {
		rotated[KeyPath([]string{"environmentVariables", n})] = true
	}
	for _, c := range d.Changes {
		if c.Secret && rotated[c.Path] {
			continue // said below
		}
		out = append(out, c.String())
	}
	if d.Code {
		out = append(out, d.CodeChanges.String())
	}
	for _, n := range d.Secrets {
		out = append(out, n+" changed online (value hidden)")
	}
	return out
}

// Values renders an action's changes, one a line.
func (a *Action) Values() []string {
	var out []string
	for _, c := range a.Changes {
		if a.Op == "create" && !c.Secret {
			out = append(out, c.Path+" = "+FormatValue(c.New))
			continue
		}
		out = append(out, c.String())
	}
	if a.Code && a.Op != "delete" {
		out = append(out, a.CodeChanges.String())
	}
	for _, n := range a.Secrets {
		out = append(out, "environmentVariables."+n+": (secret) new value from the environment")
	}
	for _, c := range a.Publish {
		out = append(out, "publish the version of commit "+c+" (an alias names it; this target has none)")
	}
	return out
}

// Values renders a domain action's changes, one a line.
func (a *DomainAction) Values() []string {
	var out []string
	for _, c := range a.Changes {
		out = append(out, c.String())
	}
	return out
}

// functionConfig reports whether config paths name the function's own
// fields (written by UpdateFunction), not only its other kinds.
func functionConfig(paths []string) bool {
	for _, p := range paths {
		if !IsKindPath(p) {
			return true
		}
	}
	return false
}
