package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

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

// KindsClient is the part of the FC client writing the other kinds.
type KindsClient interface {
	PutSetting(ctx context.Context, s *kinds.Setting, fn, qualifier string, body map[string]any) (fc.Doc, error)
	DeleteSetting(ctx context.Context, s *kinds.Setting, fn, qualifier string) error
	CreateVpcBinding(ctx context.Context, fn, vpcID string) error
	DeleteVpcBinding(ctx context.Context, fn, vpcID string) error
	SetInvocation(ctx context.Context, fn string, disable bool, reason string) error
	CreateAlias(ctx context.Context, fn string, input map[string]any) (fc.Doc, error)
	UpdateAlias(ctx context.Context, fn, alias string, input map[string]any) (fc.Doc, error)
	DeleteAlias(ctx context.Context, fn, alias string) error
	ListVersions(ctx context.Context, fn string) ([]fc.Doc, error)
	DeleteVersion(ctx context.Context, fn, id string) error
	PublishVersion(ctx context.Context, fn, description string) (fc.Doc, error)
}

// kindActions compares a function's kinds online (o, nil when the function
// is new) with HEAD's (l, nil when it is deleted).
func kindActions(l, o *snapshot.State) []KindAction {
	var out []KindAction
	get := func(st *snapshot.State, key string) any {
		if st == nil {
			return nil
		}
		return st.Config[key]
	}
	for _, s := range kinds.Settings {
		lv, ov := get(l, s.Key), get(o, s.Key)
		if !s.Qualified {
			out = append(out, compareOne(s.Key, "", lv, ov, "put")...)
			continue
		}
		lm, _ := lv.(map[string]any)
		om, _ := ov.(map[string]any)
		for _, q := range unionKeys(lm, om) {
			out = append(out, compareOne(s.Key, q, lm[q], om[q], "put")...)
		}
	}
	// VPC bindings: a set.
	lids, oids := idSet(get(l, kinds.VpcBindingsKey)), idSet(get(o, kinds.VpcBindingsKey))
	for _, id := range sortedKeys(lids) {
		if !oids[id] {
			out = append(out, KindAction{Kind: kinds.VpcBindingsKey, Name: id, Op: "create"})
		}
	}
	for _, id := range sortedKeys(oids) {
		if !lids[id] {
			out = append(out, KindAction{Kind: kinds.VpcBindingsKey, Name: id, Op: "delete"})
		}
	}
	// Aliases: created, updated or deleted by name.
	la, _ := get(l, kinds.AliasesKey).(map[string]any)
	oa, _ := get(o, kinds.AliasesKey).(map[string]any)
	for _, name := range unionKeys(la, oa) {
		out = append(out, compareOne(kinds.AliasesKey, name, la[name], oa[name], "update")...)
	}
	// The invocation switch.
	li, oi := get(l, kinds.InvocationKey), get(o, kinds.InvocationKey)
	if !snapshot.KindEqual(kinds.InvocationKey, li, oi) {
		op := "enable"
		if disabled(li) {
			op = "disable"
		}
		out = append(out, KindAction{Kind: kinds.InvocationKey, Op: op})
	}
	return out
}

// compareOne is the action turning online value ov into local lv for one
// table of kind key (a qualifier's setting, an alias).
func compareOne(key, name string, lv, ov any, change string) []KindAction {
	wrap := func(v any) any {
		if name == "" || v == nil {
			return v
		}
		return map[string]any{name: v}
	}
	if snapshot.KindEqual(key, wrap(lv), wrap(ov)) {
		return nil
	}
	switch {
	case isUnset(key, wrap(lv)):
		return []KindAction{{Kind: key, Name: name, Op: "delete"}}
	case isUnset(key, wrap(ov)) && change == "update":
		return []KindAction{{Kind: key, Name: name, Op: "create"}}
	}
	return []KindAction{{Kind: key, Name: name, Op: change}}
}

// isUnset reports whether a kind's value is absent or only FC's defaults.
func isUnset(key string, v any) bool { return v == nil || snapshot.KindEqual(key, v, nil) }

func disabled(v any) bool {
	m, _ := v.(map[string]any)
	d, _ := m["disable"].(bool)
	return d
}

func idSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, e := range list {
		if s, ok := e.(string); ok {
			out[s] = true
		}
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return sortedKeys(m)
}

// isKindPath reports whether a Diff path is about one of the other kinds.
func isKindPath(p string) bool {
	k, _, _ := strings.Cut(p, ".")
	k, _, _ = strings.Cut(k, " ")
	return kinds.IsFunctionKey(k)
}

// writeKinds applies a function's kind actions in a safe order around its
// own write: a switch turned off first (before) … then, after the function
// is written, VPC bindings, settings and aliases (triggers, written later,
// may target an alias), and a switch turned on last.
func (d *deployer) writeKinds(ctx context.Context, a Action, phase string) error {
	kc, ok := d.client.(KindsClient)
	if !ok {
		if len(a.Kinds) > 0 {
			return fmt.Errorf("this FC client cannot write %s", a.Kinds[0].Kind)
		}
		return nil
	}
	var l, o *snapshot.State
	if a.local != nil {
		l = a.local.State
	}
	if a.online != nil {
		o = a.online.State
	}
	for _, k := range a.Kinds {
		if !inPhase(k, phase) {
			continue
		}
		if err := d.writeKind(ctx, kc, a.Function, l, o, k); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// inPhase orders kind actions: "before" the function's own write, "after"
// it (creations and updates), "cleanup" after the triggers (deletions), and
// "last".
func inPhase(k KindAction, phase string) bool {
	switch {
	case k.Kind == kinds.InvocationKey && k.Op == "disable":
		return phase == "before"
	case k.Kind == kinds.InvocationKey:
		return phase == "last"
	case k.Op == "delete":
		return phase == "cleanup"
	}
	return phase == "after"
}

func (d *deployer) writeKind(ctx context.Context, kc KindsClient, fn string, l, o *snapshot.State, k KindAction) error {
	if s := kinds.SettingFor(k.Kind); s != nil {
		if k.Op == "delete" {
			return kc.DeleteSetting(ctx, s, fn, k.Name)
		}
		body, err := snapshot.SettingInput(settingValue(l, s, k.Name))
		if err != nil {
			return err
		}
		// Put may keep fields it is not sent (a partial update): a field
		// removed from the file is sent at FC's default. One without a
		// default cannot be cleared that way: the setting is written anew
		// (deleted, then put), which a removed field requires.
		online, _ := settingValue(o, s, k.Name).(map[string]any)
		anew := false
		for f := range online {
			if _, kept := body[f]; kept {
				continue
			}
			if def := s.Fields[f]; def != nil && def.Default != nil {
				body[f] = def.Default
			} else if def == nil || !def.ReadOnly {
				anew = true
			}
		}
		if anew {
			if err := kc.DeleteSetting(ctx, s, fn, k.Name); err != nil {
				return err
			}
		}
		_, err = kc.PutSetting(ctx, s, fn, k.Name, body)
		return err
	}
	switch k.Kind {
	case kinds.VpcBindingsKey:
		if k.Op == "delete" {
			return kc.DeleteVpcBinding(ctx, fn, k.Name)
		}
		return kc.CreateVpcBinding(ctx, fn, k.Name)
	case kinds.InvocationKey:
		m, _ := l.Config[kinds.InvocationKey].(map[string]any)
		reason, _ := m["reason"].(string)
		return kc.SetInvocation(ctx, fn, k.Op == "disable", reason)
	case kinds.AliasesKey:
		if k.Op == "delete" {
			return kc.DeleteAlias(ctx, fn, k.Name)
		}
		in, err := snapshot.SettingInput(l.Config[kinds.AliasesKey].(map[string]any)[k.Name])
		if err != nil {
			return err
		}
		for _, f := range kinds.AliasUpdateFields {
			// An update omitting a field keeps it: send its empty shape.
			if _, ok := in[f]; !ok {
				in[f] = map[string]any{"description": "", "additionalVersionWeight": map[string]any{}}[f]
			}
		}
		if k.Op == "create" {
			in["aliasName"] = k.Name
			_, err = kc.CreateAlias(ctx, fn, in)
			return err
		}
		_, err = kc.UpdateAlias(ctx, fn, k.Name, in)
		return err
	}
	return fmt.Errorf("unknown kind %s", k.Kind)
}

// settingValue is a setting's table in a state (for a qualifier), nil when
// absent.
func settingValue(st *snapshot.State, s *kinds.Setting, qualifier string) any {
	if st == nil {
		return nil
	}
	v := st.Config[s.Key]
	if !s.Qualified {
		return v
	}
	m, _ := v.(map[string]any)
	return m[qualifier]
}

// deleteVersions removes a function's published versions before the
// function itself (FC refuses to delete a function that has versions).
func (d *deployer) deleteVersions(ctx context.Context, fn string) error {
	kc, ok := d.client.(KindsClient)
	if !ok {
		return nil
	}
	versions, err := kc.ListVersions(ctx, fn)
	if err != nil {
		return err
	}
	for _, v := range versions {
		id, _ := v["versionId"].(string)
		if err := kc.DeleteVersion(ctx, fn, id); err != nil {
			return fmt.Errorf("version %s: %w", id, err)
		}
	}
	return nil
}
