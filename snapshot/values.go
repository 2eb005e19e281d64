package snapshot

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Values in a State are JSON-like: string, bool, json.Number, []any and
// map[string]any (plus *Conflict / Conflict while a merge is rendered).
// normalizeJSON brings a decoded API document to that form: JSON nulls are
// dropped from objects (an absent key and null mean the same to FC), other
// Go number types become json.Number.
func normalizeJSON(path string, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, fmt.Errorf("%s: null is not representable in function.toml", Printable(path))
	case string, bool, json.Number:
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%s: %v is not a JSON number", Printable(path), x)
		}
		return json.Number(formatFloat(x)), nil
	case float32:
		return normalizeJSON(path, float64(x))
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ne, err := normalizeJSON(fmt.Sprintf("%s[%d]", path, i), e)
			if err != nil {
				return nil, err
			}
			out[i] = ne
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out, nil
	case map[string]any:
		return normalizeObject(path, x)
	default:
		return nil, fmt.Errorf("%s: unsupported value type %T", Printable(path), v)
	}
}

// normalizeObject is normalizeJSON for an object, dropping null members.
func normalizeObject(path string, m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		if e == nil {
			continue
		}
		ne, err := normalizeJSON(joinPath(path, k), e)
		if err != nil {
			return nil, err
		}
		out[k] = ne
	}
	return out, nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// formatFloat renders a float so that it reads back as a float in both TOML
// and JSON: shortest round-trip digits, always with a '.' or an exponent
// (1 -> "1.0"), never a 300-digit expansion.
func formatFloat(f float64) string {
	abs := math.Abs(f)
	var s string
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		s = strconv.FormatFloat(f, 'e', -1, 64)
	} else {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// numberText returns the canonical TOML text of a number value and whether
// it is an integer. JSON integers stay integers (they must fit TOML's int64),
// everything else is rendered by formatFloat, so "0.35" stays 0.35 and
// "1e3" becomes 1000.0.
func numberText(v any) (string, bool, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if isIntegerText(s) {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return "", false, fmt.Errorf("integer %s does not fit in 64 bits", s)
			}
			return strconv.FormatInt(i, 10), true, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", false, fmt.Errorf("invalid number %q", s)
		}
		return formatFloat(f), false, nil
	case int, int32, int64, float32, float64:
		n, err := normalizeJSON("", x)
		if err != nil {
			return "", false, err
		}
		return numberText(n)
	}
	return "", false, fmt.Errorf("not a number: %T", v)
}

// isIntegerText reports whether s is a JSON number without fraction or exponent.
func isIntegerText(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isNumber reports whether v is a number value.
func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, int, int32, int64, float32, float64:
		return true
	}
	return false
}

// numberRat returns the exact value of a number, so that FC's 1 and a
// file's 1.0 compare equal without float rounding surprises.
func numberRat(v any) (*big.Rat, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case int:
		s = strconv.Itoa(x)
	case int32:
		s = strconv.FormatInt(int64(x), 10)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// valuesEqual compares two JSON-like values exactly, numbers by value.
func valuesEqual(a, b any) bool {
	if isNumber(a) || isNumber(b) {
		ra, oka := numberRat(a)
		rb, okb := numberRat(b)
		return oka && okb && ra.Cmp(rb) == 0
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !valuesEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	// Conflicts and anything else never equal: they are not desired state.
	return false
}

// IsEmptyShape reports whether v is "", an empty array or an empty table:
// what FC reports for a nested member nobody set.
func IsEmptyShape(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// cloneValue deep-copies a JSON-like value so callers never share maps.
func cloneValue(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case map[string]any:
		return cloneMap(x)
	case *Conflict:
		c := *x
		c.Base, c.Ours, c.Theirs = cloneValue(x.Base), cloneValue(x.Ours), cloneValue(x.Theirs)
		return &c
	case Conflict:
		return cloneValue(&x)
	}
	return v
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}
