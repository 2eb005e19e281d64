package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
)

// State is one function's desired state, the document form of function.toml.
type State struct {
	Name string
	// Config holds the top-level config fields (no triggers key) as
	// JSON-like values: string, bool, json.Number, []any, map[string]any.
	Config map[string]any
	// Triggers maps trigger name -> fields; "config" holds the decoded
	// triggerConfig.
	Triggers map[string]map[string]any
}

// triggerConfigKey is the key under which a trigger's decoded triggerConfig
// is kept in State.Triggers and in function.toml.
const triggerConfigKey = "config"

// FromAPI builds the desired state from GetFunction's document and
// ListTriggers' documents. Read-only and volatile fields, functionName, code
// and tags are dropped, layers become ARN strings, JSON nulls are dropped and
// each triggerConfig JSON string is decoded into the trigger's "config".
//
// It refuses what fcgit will not import, naming the function and the
// field: a name FC would not accept (ValidFunctionName, ValidTriggerName),
// values nested more than MaxDepth levels deep, strings or keys over
// MaxStringLen, a function or trigger document over MaxDocumentSize, and
// numbers function.toml cannot hold exactly. Nesting is checked before
// anything recursive reads the document.
func FromAPI(fn fc.Function, triggers []fc.Trigger) (*State, error) {
	name := fn.Name()
	if name == "" {
		return nil, fmt.Errorf("function document has no functionName")
	}
	if err := ValidFunctionName(name); err != nil {
		return nil, fmt.Errorf("function document: %w", err)
	}
	in := fn.Input()
	for k := range notInFile {
		delete(in, k)
	}
	delete(in, "tags")
	if tags := UserTags(fn); len(tags) > 0 {
		m := make(map[string]any, len(tags))
		for k, v := range tags {
			m[k] = v
		}
		in["tags"] = m
	}
	if _, ok := in["triggers"]; ok {
		return nil, fmt.Errorf("function %s: field triggers: function.toml keeps this name for the [triggers.<name>] tables", name)
	}
	if err := new(docCheck).members(in, 0); err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	cfg, err := normalizeObject("", in)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	st := &State{Name: name, Config: cfg, Triggers: map[string]map[string]any{}}
	for _, k := range IgnoredFields(name, cfg["runtime"]) {
		delete(st.Config, k)
	}
	for _, t := range triggers {
		tname := t.Name()
		if tname == "" {
			return nil, fmt.Errorf("function %s: trigger document has no triggerName", name)
		}
		if err := ValidTriggerName(tname); err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
		if _, dup := st.Triggers[tname]; dup {
			return nil, fmt.Errorf("function %s: trigger %s listed twice", name, tname)
		}
		fields, err := triggerFromAPI(t)
		if err != nil {
			return nil, fmt.Errorf("function %s: trigger %s: %w", name, tname, err)
		}
		st.Triggers[tname] = fields
	}
	return st, nil
}

// IgnoredFields lists the fields FC 3.0 reports but neither applies nor
// changes for a function: on a function created under FC 2.0 (FC2Name)
// with a standard (not custom) runtime, instanceConcurrency keeps the value
// FC 2.0 had, whatever an update sends, and FC 3.0 serves one request per
// instance there. Such a field is not desired state: fetch leaves it out,
// so it never shows as drift, and Check refuses a file that sets it.
func IgnoredFields(name string, runtime any) []string {
	rt, _ := runtime.(string)
	if FC2Name(name) && !strings.HasPrefix(rt, "custom") {
		return []string{"instanceConcurrency"}
	}
	return nil
}

// triggerFromAPI turns one trigger document into its function.toml fields.
func triggerFromAPI(t fc.Trigger) (map[string]any, error) {
	in := t.Input()
	delete(in, "triggerName")
	raw, hasConfig := in["triggerConfig"]
	delete(in, "triggerConfig")
	// A trigger's fields sit two tables deep in function.toml, under
	// [triggers.<name>].
	check := &docCheck{}
	if err := check.members(in, 2); err != nil {
		return nil, err
	}
	fields, err := normalizeObject("", in)
	if err != nil {
		return nil, err
	}
	if !hasConfig || raw == nil {
		return fields, nil
	}
	var cfg any
	switch x := raw.(type) {
	case string:
		check.path = append(check.path[:0], "triggerConfig")
		if err := check.str(x); err != nil {
			return nil, err
		}
		if strings.TrimSpace(x) == "" {
			return fields, nil
		}
		if jsonTooDeep(x, MaxDepth-2) {
			return nil, check.fail("%s", depthMessage)
		}
		d := json.NewDecoder(strings.NewReader(x))
		d.UseNumber()
		if err := d.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("triggerConfig is not valid JSON: %w", err)
		}
		if d.More() {
			return nil, fmt.Errorf("triggerConfig holds more than one JSON value")
		}
	case map[string]any:
		cfg = x
	default:
		return nil, fmt.Errorf("triggerConfig: want a JSON string, got %T", raw)
	}
	m, ok := cfg.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("triggerConfig: want a JSON object, got %s", describe(cfg))
	}
	check.path = append(check.path[:0], "triggerConfig")
	if err := check.value(m, 2); err != nil {
		return nil, err
	}
	cm, err := normalizeObject(triggerConfigKey, m)
	if err != nil {
		return nil, err
	}
	fields[triggerConfigKey] = cm
	return fields, nil
}

// FunctionInput is the CreateFunction/UpdateFunction body for this state
// (no code): layers as ARNs, functionName set, and no tags, which
// UpdateFunction does not take (see Tags and CreateTags). The result shares
// nothing with s.
func (s *State) FunctionInput() map[string]any {
	in := cloneMap(s.Config)
	if in == nil {
		in = map[string]any{}
	}
	delete(in, "tags")
	for _, k := range kinds.FunctionKeys() {
		delete(in, k) // written through their own APIs
	}
	in["functionName"] = s.Name
	return in
}

// StampTag is the FC tag in which push records the commit a function was
// deployed from, and ContentTag the one holding the deployed state's
// ContentID. They are metadata, never desired state: FromAPI leaves every
// tag named ReservedTagPrefix* out of function.toml, and Decode refuses them
// there.
const (
	StampTag          = "fcgit-commit"
	ContentTag        = "fcgit-content"
	ReservedTagPrefix = "fcgit-"
)

// IsReservedTag reports whether an FC tag key is one of fcgit's records.
func IsReservedTag(key string) bool { return strings.HasPrefix(key, ReservedTagPrefix) }

// Tags returns the user tags of the state ([tags] in function.toml).
func (s *State) Tags() map[string]string {
	out := map[string]string{}
	if m, ok := s.Config["tags"].(map[string]any); ok {
		for k, v := range m {
			if str, ok := v.(string); ok {
				out[k] = str
			}
		}
	}
	return out
}

// CreateTags is the tags field of a CreateFunction request: the user tags
// and the stamp, in FC's [{"Key","Value"}] shape, sorted by key.
func (s *State) CreateTags(stamp string) []any {
	tags := s.Tags()
	if stamp != "" {
		tags[StampTag] = stamp
	}
	out := make([]any, 0, len(tags))
	for _, k := range mapkeys.Sorted(tags) {
		out = append(out, map[string]any{"Key": k, "Value": tags[k]})
	}
	return out
}

// UserTags reads FC's tags field ([{"Key","Value"}], any casing) without
// the stamp.
func UserTags(fn fc.Function) map[string]string {
	out := map[string]string{}
	list, _ := fn["tags"].([]any)
	for _, t := range list {
		m, _ := t.(map[string]any)
		k, _ := stringField(m, "Key", "key")
		v, _ := stringField(m, "Value", "value")
		if k != "" && !IsReservedTag(k) {
			out[k] = v
		}
	}
	return out
}

func stringField(m map[string]any, keys ...string) (string, bool) {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			return s, true
		}
	}
	return "", false
}

// TriggerInput is the CreateTrigger/UpdateTrigger body for one trigger:
// triggerConfig re-encoded as a JSON string (compact, keys sorted, numbers as
// written), triggerName set.
func (s *State) TriggerInput(name string) (map[string]any, error) {
	t, ok := s.Triggers[name]
	if !ok {
		return nil, fmt.Errorf("function %s has no trigger %s", s.Name, name)
	}
	in := cloneMap(t)
	delete(in, triggerConfigKey)
	if cfg, ok := t[triggerConfigKey]; ok {
		text, err := encodeJSON(cfg)
		if err != nil {
			return nil, fmt.Errorf("trigger %s: triggerConfig: %w", name, err)
		}
		in["triggerConfig"] = text
	}
	in["triggerName"] = name
	return in, nil
}

// encodeJSON renders v compactly without HTML escaping, so "<" in a payload
// stays "<" for whoever reads the trigger in the console.
func encodeJSON(v any) (string, error) {
	if err := checkNoConflict("", v); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// checkNoConflict refuses unresolved merge conflicts where a request body is built.
func checkNoConflict(path string, v any) error {
	switch x := v.(type) {
	case *Conflict, Conflict:
		return fmt.Errorf("%s: unresolved merge conflict", path)
	case map[string]any:
		for k, e := range x {
			if err := checkNoConflict(joinPath(path, k), e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := checkNoConflict(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// describe names a value's type for error messages: `string "big"`, `integer 5`.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("string %q", x)
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case json.Number:
		if isIntegerText(string(x)) {
			return "integer " + string(x)
		}
		return "float " + string(x)
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
