package snapshot

import (
	"fmt"
	"sort"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
)

// The per-function kinds of package kinds (settings, VPC bindings, the
// invocation switch, aliases) are tables of function.toml beside the
// function's own fields; their descriptions become part of the schema here,
// so decoding, defaults, Diff and Encode treat them like any other field.

// withKinds adds the kinds' descriptions to the function schema.
func withKinds(fs fieldSet) fieldSet {
	for _, s := range kinds.Settings {
		f := fromKinds(&kinds.Field{Type: kinds.Struct, Fields: s.Fields})
		if s.Qualified {
			// One table per qualifier: [asyncInvokeConfig.LATEST].
			f = &field{kind: kindStruct, elem: f}
		}
		fs[s.Key] = f
	}
	fs[kinds.VpcBindingsKey] = stringList()
	fs[kinds.InvocationKey] = fromKinds(&kinds.Field{Type: kinds.Struct, Fields: kinds.InvocationFields, Switch: kinds.InvocationSwitch})
	fs[kinds.AliasesKey] = &field{kind: kindStruct, elem: fromKinds(&kinds.Field{Type: kinds.Struct, Fields: kinds.AliasFields})}
	return fs
}

func fromKinds(k *kinds.Field) *field {
	f := &field{def: k.Default, readOnly: k.ReadOnly, switchMember: k.Switch}
	switch k.Type {
	case kinds.String:
		f.kind = kindString
	case kinds.Int:
		f.kind = kindInt
	case kinds.Number:
		f.kind = kindNumber
	case kinds.Bool:
		f.kind = kindBool
	case kinds.StringList:
		f.kind = kindStringList
	case kinds.StringMap:
		f.kind = kindStringMap
	case kinds.Struct:
		f.kind = kindStruct
	case kinds.StructList:
		f.kind = kindStructList
	case kinds.NumberMap:
		// Data keys, compared exactly, numbers by value.
		f.kind = kindNumberMap
	default:
		f.kind = kindAny
	}
	if len(k.Fields) > 0 {
		f.fields = fieldSet{}
		for name, sub := range k.Fields {
			f.fields[name] = fromKinds(sub)
		}
	}
	return f
}

// Extras are a function's kinds as read online, by function.toml key: each
// setting's document (for a qualified setting, documents by qualifier), the
// VPC ids, the aliases by name. Kinds not read are left out, and then keep
// whatever the previous record says (see FromAPIWith).
type Extras map[string]any

// FromAPIWith is FromAPI for a function whose other kinds were read too: the
// documents in extras are cleaned like the function's (read-only fields and
// nulls dropped) and stored under their keys; the invocation switch comes
// from the function document's invocationRestriction.
func FromAPIWith(fn fc.Function, triggers []fc.Trigger, extras Extras) (*State, error) {
	st, err := FromAPI(fn, triggers)
	if err != nil {
		return nil, err
	}
	if r, ok := fn["invocationRestriction"].(map[string]any); ok {
		v, err := cleanDoc(functionFields[kinds.InvocationKey], r)
		if err != nil {
			return nil, fmt.Errorf("function %s: invocationRestriction: %w", st.Name, err)
		}
		st.Config[kinds.InvocationKey] = v
	}
	for _, key := range mapkeys.Sorted(extras) {
		f := functionFields[key]
		if f == nil {
			return nil, fmt.Errorf("function %s: %s is not a kind fcgit knows", st.Name, key)
		}
		var v any
		switch x := extras[key].(type) {
		case map[string]any:
			if f.elem != nil {
				m := map[string]any{}
				for _, name := range mapkeys.Sorted(x) {
					doc, ok := x[name].(map[string]any)
					if !ok {
						return nil, fmt.Errorf("function %s: %s.%s: want a document", st.Name, key, name)
					}
					if m[name], err = cleanDoc(f.elem, doc); err != nil {
						return nil, fmt.Errorf("function %s: %s.%s: %w", st.Name, key, name, err)
					}
				}
				v = m
			} else if v, err = cleanDoc(f, x); err != nil {
				return nil, fmt.Errorf("function %s: %s: %w", st.Name, key, err)
			}
		case []string:
			ids := append([]string(nil), x...)
			sort.Strings(ids)
			list := make([]any, len(ids))
			for i, id := range ids {
				list[i] = id
			}
			v = list
		case nil:
			continue
		default:
			return nil, fmt.Errorf("function %s: %s: unexpected %T", st.Name, key, x)
		}
		st.Config[key] = v
	}
	return st, nil
}

// cleanDoc turns an API document into its function.toml table: read-only
// fields and nulls dropped, numbers as json.Number.
func cleanDoc(f *field, doc map[string]any) (map[string]any, error) {
	// The same bounds as any document from FC: depth, sizes, numbers.
	if err := (&docCheck{}).members(doc, 1); err != nil {
		return nil, err
	}
	in := map[string]any{}
	for k, v := range doc {
		if cf := f.member(k); cf != nil && cf.readOnly {
			continue
		}
		in[k] = v
	}
	return normalizeObject("", in)
}

// FunctionKeysOf returns the kinds a state holds, by key.
func (s *State) Kinds() map[string]any {
	out := map[string]any{}
	for _, k := range kinds.FunctionKeys() {
		if v, ok := s.Config[k]; ok {
			out[k] = v
		}
	}
	return out
}

// SettingInput is the Put body of a setting's value in function.toml.
func SettingInput(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a table, got %s", describe(v))
	}
	if err := checkNoConflict("", m); err != nil {
		return nil, err
	}
	return cloneMap(m), nil
}

// KindEqual reports whether two values of the kind stored under key are
// the same desired state (defaults and empty shapes count as absent).
func KindEqual(key string, a, b any) bool {
	x := &State{Config: map[string]any{}}
	y := &State{Config: map[string]any{}}
	if a != nil {
		x.Config[key] = a
	}
	if b != nil {
		y.Config[key] = b
	}
	return len(Diff(x, y)) == 0
}
