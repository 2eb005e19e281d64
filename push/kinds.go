package push

import (
	"context"
	"fmt"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// KindAction is what push does to one of a function's other kinds.
type KindAction = plan.KindAction

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
	if a.Local != nil {
		l = a.Local.State
	}
	if a.Online != nil {
		o = a.Online.State
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
