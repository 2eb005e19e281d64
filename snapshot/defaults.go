package snapshot

import (
	"encoding/json"
	"strings"
)

// exactTable describes tables whose keys are data (environment variables,
// trigger configs, unknown tables): no member is ever "not set".
var exactTable = &field{kind: kindStruct, explicitDefaults: true}

// secretsTable describes the members of environmentVariables: data keys,
// whose values may be secret references.
var secretsTable = &field{kind: kindStruct, explicitDefaults: true, secrets: true}

// genericStruct describes an undocumented table inside a documented one:
// FC still reports its unset members as empty values.
var genericStruct = &field{kind: kindStruct}

// tableFor returns the description of the members of a table stored under
// member f (nil when unknown) of the table described by parent.
func tableFor(parent, f *field) *field {
	switch {
	case f != nil && f.secrets:
		return secretsTable
	case f != nil && f.kind == kindStruct:
		return f
	case f == nil && parent != nil && parent.kind == kindStruct && !parent.explicitDefaults:
		return genericStruct
	}
	return exactTable
}

// elemTable describes each table in a kindStructList.
func elemTable(f *field) *field {
	if f != nil && f.kind == kindStructList {
		return &field{kind: kindStruct, fields: f.fields}
	}
	return exactTable
}

// isDefault reports whether v, stored under member f (nil when unknown) of a
// table described by parent, is FC's default or empty shape: the same as the
// key being absent.
func isDefault(parent, f *field, v any) bool {
	_, unset := normalizeMember(parent, f, v)
	return unset
}

// normalizeTable returns m without its "not set" members, recursively: the
// form in which two states are compared.
func normalizeTable(f *field, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if f.secrets {
			if _, ok := AsSecretRef(v); ok {
				out[k] = secretMarker
				continue
			}
		}
		if nv, unset := normalizeMember(f, f.member(k), v); !unset {
			out[k] = nv
		}
	}
	return out
}

// normalizeMember returns v normalised and whether it is "not set" (see
// isDefault). Whether a table is "not set" depends on its normalised form,
// so both come from one pass over v: deciding first and normalising after
// would walk every subtree once per level above it.
func normalizeMember(parent, f *field, v any) (any, bool) {
	if f != nil && f.writeOnly {
		return nil, true
	}
	if f != nil {
		if f.readOnly {
			return normalizeValue(parent, f, v), false
		}
		if f.def != nil && valuesEqual(v, f.def) {
			return v, true
		}
		if f.fcChosen {
			return normalizeValue(parent, f, v), false
		}
		switch f.kind {
		case kindStruct:
			nv := normalizeValue(parent, f, v)
			m, ok := nv.(map[string]any)
			if ok && f.switchMember != "" {
				if _, on := m[f.switchMember]; !on {
					return map[string]any{}, true
				}
			}
			return nv, ok && len(m) == 0
		case kindStringMap, kindStringList, kindStructList:
			return normalizeValue(parent, f, v), IsEmptyShape(v)
		}
	}
	nv := normalizeValue(parent, f, v)
	if parent != nil && !parent.explicitDefaults {
		if m, ok := nv.(map[string]any); ok {
			return nv, len(m) == 0
		}
		return nv, IsEmptyShape(v)
	}
	return nv, false
}

func normalizeValue(parent, f *field, v any) any {
	switch x := v.(type) {
	case map[string]any:
		return normalizeTable(tableFor(parent, f), x)
	case []any:
		if f != nil && f.kind == kindStructList {
			out := make([]any, len(x))
			for i, e := range x {
				if m, ok := e.(map[string]any); ok {
					out[i] = normalizeTable(elemTable(f), m)
				} else {
					out[i] = e
				}
			}
			return out
		}
	}
	return v
}

// emptyShapes are the values that clear a table or list setting online
// (UpdateFunction is a partial update: an omitted field keeps its value).
// From fc3-api.md / devsapp/fc3; customDNS and instanceLifecycleConfig are
// inferred from the SDK models.
var emptyShapes = map[string]string{
	"vpcConfig":               `{"securityGroupId":"","vSwitchIds":[],"vpcId":""}`,
	"nasConfig":               `{"groupId":0,"userId":0,"mountPoints":[]}`,
	"ossMountConfig":          `{"mountPoints":[]}`,
	"logConfig":               `{"enableInstanceMetrics":false,"enableRequestMetrics":false,"logBeginRule":"None","logstore":"","project":""}`,
	"tracingConfig":           `{}`,
	"environmentVariables":    `{}`,
	"tags":                    `{}`,
	"layers":                  `[]`,
	"customDNS":               `{"nameServers":[],"searches":[],"dnsOptions":[]}`,
	"instanceLifecycleConfig": `{"initializer":{"handler":"","timeout":3},"preStop":{"handler":"","timeout":3}}`,
}

// EmptyValue returns the value that clears a top-level setting online, for a
// key removed from function.toml: the empty shape ({} for
// environmentVariables, [] for layers, the vpcConfig empty shape, ...) or
// FC's default scalar (memorySize 512, timeout 3, description "",
// internetAccess true, ...).
//
// ok is false for keys that cannot be cleared: cpu and diskSize are chosen by
// FC when omitted, so absent in function.toml means "whatever FC chose" (Equal
// treats an absent cpu or diskSize as equal to any value, and push sends
// nothing for them); handler, runtime, customContainerConfig,
// customRuntimeConfig, gpuConfig and the file-system configs have no known
// "off" value; unknown keys have no known empty shape.
func EmptyValue(key string) (v any, ok bool) {
	if shape, ok := emptyShapes[key]; ok {
		return decodeJSONValue(shape), true
	}
	f := functionFields[key]
	if f == nil || f.fcChosen || f.def == nil {
		return nil, false
	}
	return cloneValue(f.def), true
}

// decodeJSONValue decodes a JSON literal from this package's own tables.
func decodeJSONValue(s string) any {
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		panic("snapshot: bad built-in JSON " + s + ": " + err.Error())
	}
	return v
}
