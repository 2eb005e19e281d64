package fc

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
)

// functionMatchesInput reports whether an online function is what a
// CreateFunction with input would have produced: every field the input sets
// has that value online (FC fills in the fields the input omits, so only the
// input's fields are compared), and the code package is the same.
func functionMatchesInput(online Function, input map[string]any) bool {
	current := online.Input() // layers in request shape, read-only fields gone
	for k, want := range input {
		switch k {
		case "code":
			if !codeMatches(online, want) {
				return false
			}
		case "tags", "resourceGroupId":
			// Not reflected in GetFunction in a comparable form.
		default:
			got, ok := current[k]
			if !ok || !subsetEqual(want, got) {
				return false
			}
		}
	}
	return true
}

// codeMatches compares an InputCodeLocation with the online code checksum.
// Code that cannot be verified (an OSS object without a checksum) does not
// match: claiming someone else's function as ours would be worse than a
// spurious AlreadyExists.
func codeMatches(online Function, code any) bool {
	loc, ok := code.(map[string]any)
	if !ok {
		return false
	}
	have := online.CodeChecksum()
	if have == "" {
		return false
	}
	if sum, ok := loc["checksum"].(string); ok && sum != "" {
		return sum == have
	}
	if zip, ok := loc["zipFile"].(string); ok {
		data, err := base64.StdEncoding.DecodeString(zip)
		return err == nil && Checksum(data) == have
	}
	return false
}

// triggerMatchesInput is functionMatchesInput for triggers. triggerConfig is
// a JSON string: compared as JSON, since FC may reformat it.
func triggerMatchesInput(online Trigger, input map[string]any) bool {
	for k, want := range input {
		got, ok := online[k]
		if !ok {
			return false
		}
		if k == "triggerConfig" {
			ws, wok := want.(string)
			gs, gok := got.(string)
			if !wok || !gok {
				return false
			}
			var wv, gv any
			if decodeJSON([]byte(ws), &wv) != nil || decodeJSON([]byte(gs), &gv) != nil {
				return ws == gs
			}
			if !subsetEqual(wv, gv) {
				return false
			}
			continue
		}
		if !subsetEqual(want, got) {
			return false
		}
	}
	return true
}

// subsetEqual compares a value a caller sent with the value FC returned.
// Objects match when every key of want matches in got (FC adds defaults to
// nested settings); arrays match element by element; numbers by value, so
// 512, 512.0 and json.Number("512") are equal.
func subsetEqual(want, got any) bool {
	want, got = normalize(want), normalize(got)
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				if isEmptyValue(wv) {
					continue // an empty setting may be omitted by FC
				}
				return false
			}
			if !subsetEqual(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subsetEqual(w[i], g[i]) {
				return false
			}
		}
		return true
	case json.Number:
		g, ok := got.(json.Number)
		return ok && numbersEqual(w, g)
	default:
		return want == got
	}
}

// normalize brings caller-built values (ints, float64, []string,
// map[string]string) to the shapes a JSON decode with UseNumber produces.
func normalize(v any) any {
	switch v.(type) {
	case nil, bool, string, json.Number, map[string]any, []any:
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if decodeJSON(data, &out) != nil {
		return v
	}
	return out
}

func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okx := new(big.Rat).SetString(string(a))
	y, oky := new(big.Rat).SetString(string(b))
	return okx && oky && x.Cmp(y) == 0
}

func isEmptyValue(v any) bool {
	switch x := normalize(v).(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
