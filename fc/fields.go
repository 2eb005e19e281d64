package fc

// Function is a function as FC 3.0 returns it: the JSON document decoded
// with json.Decoder.UseNumber, so numbers keep their exact text and fields
// this package does not know yet survive a read-modify-write cycle.
type Function map[string]any

// Trigger is a trigger as FC 3.0 returns it, decoded like Function.
type Trigger map[string]any

// ReadOnlyFunctionFields are the fields FC sets itself. They are never part of
// a create or update request and never desired state.
var readOnlyFunctionFields = []string{
	"functionId", "functionArn", "createdTime", "lastModifiedTime",
	"codeSize", "codeChecksum", "state", "stateReason", "stateReasonCode",
	"lastUpdateStatus", "lastUpdateStatusReason", "lastUpdateStatusReasonCode",
	"lockInfo", "invocationRestriction",
}

// readOnlyContainerFields are server-set inside customContainerConfig.
var readOnlyContainerFields = []string{"resolvedImageUri", "accelerationInfo"}

// readOnlyTriggerFields are the fields FC sets on a trigger.
var readOnlyTriggerFields = []string{
	"triggerId", "createdTime", "lastModifiedTime", "status", "targetArn", "httpTrigger",
}

// IsReadOnlyFunctionField reports whether a top-level function field is set by FC.
func IsReadOnlyFunctionField(name string) bool { return contains(readOnlyFunctionFields, name) }

// IsReadOnlyTriggerField reports whether a top-level trigger field is set by FC.
func IsReadOnlyTriggerField(name string) bool { return contains(readOnlyTriggerFields, name) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Name returns the function's name.
func (f Function) Name() string { s, _ := f["functionName"].(string); return s }

// LastModifiedTime returns FC's lastModifiedTime as sent.
func (f Function) LastModifiedTime() string { s, _ := f["lastModifiedTime"].(string); return s }

// CodeChecksum returns the CRC-64 of the deployed code package as FC reports it.
func (f Function) CodeChecksum() string { s, _ := f["codeChecksum"].(string); return s }

// Arn returns the functionArn.
func (f Function) Arn() string { s, _ := f["functionArn"].(string); return s }

// Name returns the trigger's name.
func (t Trigger) Name() string { s, _ := t["triggerName"].(string); return s }

// LastModifiedTime returns FC's lastModifiedTime for the trigger.
func (t Trigger) LastModifiedTime() string { s, _ := t["lastModifiedTime"].(string); return s }

// Metadata returns the function's identity and volatile metadata alone:
// its name, id, ARN, runtime, lastModifiedTime, codeChecksum and tags, what
// is read from a document once its configuration has been taken into a
// snapshot. A fetch of thousands of functions keeps this much of each.
func (f Function) Metadata() Function { return pick(f, functionMetadata) }

var functionMetadata = []string{"functionName", "functionId", "functionArn", "runtime", "lastModifiedTime", "codeChecksum", "tags"}

// Metadata returns the trigger's identity and volatile metadata alone: its
// name, id, type, lastModifiedTime and its HTTP trigger's URLs.
func (t Trigger) Metadata() Trigger { return pick(t, triggerMetadata) }

var triggerMetadata = []string{"triggerName", "triggerId", "triggerType", "lastModifiedTime", "httpTrigger"}

func pick[M ~map[string]any](m M, keys []string) M {
	out := make(M, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// Input returns the function as a create/update request body: read-only
// fields removed, layers turned from GetFunction's [{"arn":…}] shape into the
// ["arn", …] shape requests take, and every other field, known or not, kept.
// The receiver is not modified.
func (f Function) Input() map[string]any {
	in := make(map[string]any, len(f))
	for k, v := range f {
		if IsReadOnlyFunctionField(k) {
			continue
		}
		in[k] = v
	}
	if layers, ok := in["layers"].([]any); ok {
		arns := make([]any, 0, len(layers))
		for _, l := range layers {
			if m, ok := l.(map[string]any); ok {
				if arn, ok := m["arn"]; ok {
					arns = append(arns, arn)
					continue
				}
			}
			arns = append(arns, l)
		}
		in["layers"] = arns
	}
	if ccc, ok := in["customContainerConfig"].(map[string]any); ok {
		c := make(map[string]any, len(ccc))
		for k, v := range ccc {
			if !contains(readOnlyContainerFields, k) {
				c[k] = v
			}
		}
		in["customContainerConfig"] = c
	}
	return in
}

// Input returns the trigger as a create request body, read-only fields removed.
func (t Trigger) Input() map[string]any {
	in := make(map[string]any, len(t))
	for k, v := range t {
		if !IsReadOnlyTriggerField(k) {
			in[k] = v
		}
	}
	return in
}

// createOnlyFunctionFields are accepted by CreateFunction only; FC fixes
// them at creation (tags change through the tags API instead).
var createOnlyFunctionFields = []string{"functionName", "tags", "resourceGroupId"}

// createOnlyTriggerFields cannot change on an existing trigger: a different
// type or source means delete and re-create.
var createOnlyTriggerFields = []string{"triggerName", "triggerType", "sourceArn"}

// UpdateInput returns the function as an UpdateFunction request body: Input()
// without the create-only fields (functionName, tags, resourceGroupId).
// Unknown fields are kept, so settings newer than this package survive a
// Get → UpdateInput → Update cycle.
func (f Function) UpdateInput() map[string]any {
	in := f.Input()
	for _, k := range createOnlyFunctionFields {
		delete(in, k)
	}
	return in
}

// UpdateInput returns the trigger as an UpdateTrigger request body: Input()
// without triggerName, triggerType and sourceArn.
func (t Trigger) UpdateInput() map[string]any {
	in := t.Input()
	for _, k := range createOnlyTriggerFields {
		delete(in, k)
	}
	return in
}

// Tags returns the tags GetFunction reports ([{"Key":…,"Value":…}]) as a
// map; nil when the function has none or the field is absent (list items).
func (f Function) Tags() map[string]string {
	list, ok := f["tags"].([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	tags := make(map[string]string, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		key, _ := m["Key"].(string)
		if key == "" {
			key, _ = m["key"].(string)
		}
		value, ok := m["Value"].(string)
		if !ok {
			value, _ = m["value"].(string)
		}
		if key != "" {
			tags[key] = value
		}
	}
	return tags
}
