package emulator

import (
	"strconv"
)

// Field checks for the nested request shapes of settings, aliases and
// custom domains. A null value counts as absent, as in function bodies: the
// Go SDK serialises unset slices and maps as null. path is the field's
// location for messages, e.g. "scheduledActions[0].target".

func fieldPath(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

func indexPath(prefix string, i int) string { return prefix + "[" + strconv.Itoa(i) + "]" }

func checkRequired(m map[string]any, field, prefix string) *apiError {
	if m[field] == nil {
		return invalidArgument("%s is required", fieldPath(prefix, field))
	}
	return nil
}

// checkIntIn checks an optional integer field against [lo, hi].
func checkIntIn(m map[string]any, field, prefix string, lo, hi int64) *apiError {
	v := m[field]
	if v == nil {
		return nil
	}
	n, ok := asInt(v)
	if !ok || n < lo || n > hi {
		return invalidArgument("%s must be an integer in [%d, %d], got %s", fieldPath(prefix, field), lo, hi, jsonText(v))
	}
	return nil
}

// checkNumberIn checks an optional number field against [lo, hi].
func checkNumberIn(m map[string]any, field, prefix string, lo, hi float64) *apiError {
	v := m[field]
	if v == nil {
		return nil
	}
	f, ok := asFloat(v)
	if !ok || f < lo || f > hi {
		return invalidArgument("%s must be a number in [%v, %v], got %s", fieldPath(prefix, field), lo, hi, jsonText(v))
	}
	return nil
}

func checkBools(m map[string]any, prefix string, fields ...string) *apiError {
	for _, field := range fields {
		if v := m[field]; v != nil {
			if _, ok := v.(bool); !ok {
				return invalidArgument("%s must be a boolean", fieldPath(prefix, field))
			}
		}
	}
	return nil
}

func checkStrings(m map[string]any, prefix string, fields ...string) *apiError {
	for _, field := range fields {
		if v := m[field]; v != nil {
			if _, ok := v.(string); !ok {
				return invalidArgument("%s must be a string", fieldPath(prefix, field))
			}
		}
	}
	return nil
}

// checkNonEmptyString checks a required, non-empty string field.
func checkNonEmptyString(m map[string]any, field, prefix string) *apiError {
	if s, ok := m[field].(string); !ok || s == "" {
		return invalidArgument("%s is required and must be a non-empty string", fieldPath(prefix, field))
	}
	return nil
}

// checkStringList checks an optional array of strings.
func checkStringList(m map[string]any, field, prefix string) *apiError {
	v := m[field]
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return invalidArgument("%s must be an array of strings", fieldPath(prefix, field))
	}
	for i, item := range list {
		if _, isStr := item.(string); !isStr {
			return invalidArgument("%s must be a string", indexPath(fieldPath(prefix, field), i))
		}
	}
	return nil
}

// optionalObject returns field as an object, nil when absent.
func optionalObject(m map[string]any, field, prefix string) (map[string]any, *apiError) {
	v := m[field]
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalidArgument("%s must be a JSON object", fieldPath(prefix, field))
	}
	return obj, nil
}

// objectList returns field as an array of objects, nil when absent.
func objectList(m map[string]any, field, prefix string) ([]map[string]any, *apiError) {
	v := m[field]
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalidArgument("%s must be an array of objects", fieldPath(prefix, field))
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		obj, isObj := item.(map[string]any)
		if !isObj {
			return nil, invalidArgument("%s must be a JSON object", indexPath(fieldPath(prefix, field), i))
		}
		out = append(out, obj)
	}
	return out, nil
}

// withoutNulls returns a copy of in without the fields the server sets,
// which callers may echo from a previous response, and without null values
// at any depth of nested objects: the Go SDK sends every unset slice and
// map of a nested model (CORSConfig.allowHeaders, RewriteConfig.equalRules,
// TLSConfig.cipherSuites …) as null, which means "not set", not a value to
// store and return.
func withoutNulls(in map[string]any, serverSet map[string]bool) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if v != nil && !serverSet[k] {
			out[k] = dropNestedNulls(v)
		}
	}
	return out
}

func dropNestedNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return withoutNulls(x, nil)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = dropNestedNulls(item)
		}
		return out
	}
	return v
}
