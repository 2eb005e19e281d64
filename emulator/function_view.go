package emulator

import (
	"hash/crc32"
	"sort"
	"time"
)

func (s *Server) functionArn(name string) string {
	return "acs:fc:" + s.opts.Region + ":" + s.opts.AccountID + ":functions/" + name
}

// functionView renders a function as GetFunction (withState) or a
// ListFunctions item (without state*/lastUpdateStatus*) returns it.
// s.mu must be held; the result shares no mutable values with the record
// that a later write could change (maps in Config are replaced, never edited).
func (s *Server) functionView(name string, f *functionRecord, withState bool, now time.Time) map[string]any {
	v := copyMap(f.Config)
	v["functionName"] = name
	v["functionId"] = f.FunctionID
	v["functionArn"] = s.functionArn(name)
	v["createdTime"] = formatFCTime(f.CreatedTime)
	v["lastModifiedTime"] = formatFCTime(f.LastModified)
	v["codeSize"] = f.CodeSize
	if f.CodeChecksum != "" {
		v["codeChecksum"] = f.CodeChecksum
	}
	// Requests take layers as ["arn", …]; FC answers [{"arn":…,"size":…}].
	if arns, ok := f.Config["layers"].([]any); ok {
		layers := make([]any, 0, len(arns))
		for _, a := range arns {
			arn, _ := a.(string)
			layers = append(layers, map[string]any{"arn": arn, "size": layerSize(arn)})
		}
		v["layers"] = layers
	}
	if len(f.Tags) > 0 {
		v["tags"] = tagList(f.Tags)
	}
	// Absent until invocation was first disabled or enabled (inferred: the
	// SDK's FunctionRestriction fields are all optional).
	if r := f.Restriction; r != nil {
		restriction := map[string]any{"disable": r.Disable, "lastModifiedTime": formatFCTime(r.LastModified)}
		if r.Reason != "" {
			restriction["reason"] = r.Reason
		}
		v["invocationRestriction"] = restriction
	}
	if withState {
		for k, val := range functionState(f, now) {
			v[k] = val
		}
	}
	return v
}

// layerSize is a stable, plausible code size for a layer the emulator does
// not host: derived from the ARN so repeated reads agree.
func layerSize(arn string) int64 {
	return int64(crc32.ChecksumIEEE([]byte(arn))%(20<<20)) + 4096
}

// functionState reports FC's state machine: right after a create the function
// is Pending with its last update InProgress; right after an update it stays
// Active with its last update InProgress; once SettleDelay has passed it is
// Active/Successful.
func functionState(f *functionRecord, now time.Time) map[string]any {
	if now.Before(f.SettleUntil) {
		if f.Created {
			return map[string]any{
				"state": "Pending", "stateReason": "Function creating", "stateReasonCode": "Creating",
				"lastUpdateStatus": "InProgress", "lastUpdateStatusReason": "Function creating", "lastUpdateStatusReasonCode": "Creating",
			}
		}
		return map[string]any{
			"state": "Active", "lastUpdateStatus": "InProgress",
			"lastUpdateStatusReason": "Function updating", "lastUpdateStatusReasonCode": "Updating",
		}
	}
	return map[string]any{"state": "Active", "lastUpdateStatus": "Successful"}
}

// tagList renders tags as FC's Tag model: [{"Key":…,"Value":…}] sorted by key.
func tagList(tags map[string]string) []map[string]string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]string{"Key": k, "Value": tags[k]})
	}
	return out
}
