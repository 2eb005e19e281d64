package emulator

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// FC 3.0 tags ("tags-v2", shapes from the fc-20230330 SDK):
//
//	TagResources     POST   /2023-03-30/tags-v2  body {"ResourceId":[…],"ResourceType":"function","Tag":[{"Key","Value"}]}
//	UntagResources   DELETE /2023-03-30/tags-v2  query ResourceId=<JSON array>&ResourceType=…&TagKey=<JSON array>&All=true|false
//	ListTagResources GET    /2023-03-30/tags-v2  query ResourceId=<JSON array>&ResourceType=…&Tag=<JSON [{"Key","Value"}]>&Limit&NextToken
//	                 → {"RequestId","NextToken","TagResources":[{"ResourceId","ResourceType","TagKey","TagValue"}]}
//
// A resource id is the function ARN (the SDK's TagResource.ResourceId
// example); a bare function name is accepted too (inferred leniency).
const (
	maxTagsPerResource = 20
	maxTagKeyLength    = 64
	maxTagValueLength  = 128
	tagResourceType    = "function"
)

// validateTag applies FC's tag rules: a key of 1-64 characters, not
// starting with "aliyun" or "acs:"; a value of at most 128 characters,
// possibly empty; neither containing "http://" or "https://".
func validateTag(key, value string) *apiError {
	lk, lv := strings.ToLower(key), strings.ToLower(value)
	switch {
	case key == "" || len([]rune(key)) > maxTagKeyLength:
		return invalidArgument("tag key '%s' must be 1-%d characters", key, maxTagKeyLength)
	case strings.HasPrefix(lk, "aliyun") || strings.HasPrefix(lk, "acs:"):
		return invalidArgument("tag key '%s' must not start with 'aliyun' or 'acs:'", key)
	case strings.Contains(lk, "http://") || strings.Contains(lk, "https://"):
		return invalidArgument("tag key '%s' must not contain http:// or https://", key)
	case len([]rune(value)) > maxTagValueLength:
		return invalidArgument("tag value of '%s' must be at most %d characters", key, maxTagValueLength)
	case strings.Contains(lv, "http://") || strings.Contains(lv, "https://"):
		return invalidArgument("tag value of '%s' must not contain http:// or https://", key)
	}
	return nil
}

// parseTagList reads [{"Key":…,"Value":…}, …].
func parseTagList(v any) (map[string]string, *apiError) {
	list, ok := v.([]any)
	if !ok {
		return nil, invalidArgument("tags must be an array of {\"Key\",\"Value\"} objects")
	}
	out := make(map[string]string, len(list))
	for _, item := range list {
		m, _ := item.(map[string]any)
		key, _ := m["Key"].(string)
		value, _ := m["Value"].(string)
		if e := validateTag(key, value); e != nil {
			return nil, e
		}
		out[key] = value
	}
	if len(out) > maxTagsPerResource {
		return nil, invalidArgument("a resource can have at most %d tags, got %d", maxTagsPerResource, len(out))
	}
	return out, nil
}

// parseCreateTags reads CreateFunctionInput.tags; null or absent means none.
func parseCreateTags(v any) (map[string]string, *apiError) {
	if v == nil {
		return nil, nil
	}
	return parseTagList(v)
}

func checkResourceType(t string) *apiError {
	switch strings.ToLower(t) {
	case "", "function", "aliyun::fc::function":
		return nil
	}
	return invalidArgument("ResourceType '%s' is not supported; use function (ALIYUN::FC::FUNCTION)", t)
}

// resolveResourceLocked maps a resource id to an existing function name.
func (s *Server) resolveResourceLocked(id string) (string, *apiError) {
	name := id
	if strings.HasPrefix(id, "acs:fc:") {
		prefix := "acs:fc:" + s.opts.Region + ":" + s.opts.AccountID + ":functions/"
		var ok bool
		if name, ok = strings.CutPrefix(id, prefix); !ok {
			return "", invalidArgument("ResourceId '%s' is not a function ARN of region %s, account %s", id, s.opts.Region, s.opts.AccountID)
		}
	}
	if _, ok := s.st.Functions[name]; !ok {
		return "", functionNotFound(name)
	}
	return name, nil
}

// parseJSONStringList reads a query parameter the SDK "shrinks" to a JSON array.
func parseJSONStringList(param, raw string) ([]string, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, invalidArgument("%s must be a JSON array of strings, got %s", param, raw)
	}
	return out, nil
}

func (s *Server) tagResources(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	rt, _ := in["ResourceType"].(string)
	if e := checkResourceType(rt); e != nil {
		return 0, nil, e
	}
	ids, _ := in["ResourceId"].([]any)
	if len(ids) == 0 {
		return 0, nil, invalidArgument("ResourceId is required")
	}
	if in["Tag"] == nil {
		return 0, nil, invalidArgument("Tag is required")
	}
	tags, e := parseTagList(in["Tag"])
	if e != nil {
		return 0, nil, e
	}
	if len(tags) == 0 {
		return 0, nil, invalidArgument("Tag must hold at least one tag")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	merged := map[string]map[string]string{}
	for _, raw := range ids {
		id, _ := raw.(string)
		name, e := s.resolveResourceLocked(id)
		if e != nil {
			return 0, nil, e
		}
		m := map[string]string{}
		for k, v := range s.st.Functions[name].Tags {
			m[k] = v
		}
		for k, v := range tags {
			m[k] = v
		}
		if len(m) > maxTagsPerResource {
			return 0, nil, invalidArgument("function '%s' would have %d tags, at most %d are allowed", name, len(m), maxTagsPerResource)
		}
		merged[name] = m
	}
	return s.replaceTagsLocked(merged)
}

func (s *Server) untagResources(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	if e := checkResourceType(q.Get("ResourceType")); e != nil {
		return 0, nil, e
	}
	ids, e := parseJSONStringList("ResourceId", q.Get("ResourceId"))
	if e != nil {
		return 0, nil, e
	}
	if len(ids) == 0 {
		return 0, nil, invalidArgument("ResourceId is required")
	}
	keys, e := parseJSONStringList("TagKey", q.Get("TagKey"))
	if e != nil {
		return 0, nil, e
	}
	all := strings.EqualFold(q.Get("All"), "true")
	if !all && len(keys) == 0 {
		return 0, nil, invalidArgument("TagKey is required unless All is true")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	remaining := map[string]map[string]string{}
	for _, id := range ids {
		name, e := s.resolveResourceLocked(id)
		if e != nil {
			return 0, nil, e
		}
		m := map[string]string{}
		if !all {
			for k, v := range s.st.Functions[name].Tags {
				m[k] = v
			}
			for _, k := range keys {
				delete(m, k)
			}
		}
		remaining[name] = m
	}
	return s.replaceTagsLocked(remaining)
}

// replaceTagsLocked sets the tags of several functions as one write. Each
// function's file is replaced on its own; should one fail, the ones already
// written are written back (FC documents no atomicity across the resources
// of one TagResources call either).
func (s *Server) replaceTagsLocked(tags map[string]map[string]string) (int, []byte, *apiError) {
	old := map[string]map[string]string{}
	for name, m := range tags {
		f := s.st.Functions[name]
		old[name] = f.Tags
		f.Tags = m
	}
	var written []string
	for _, name := range mapkeys.Sorted(tags) {
		if e := s.persistFunctionLocked(name); e != nil {
			for n, m := range old {
				s.st.Functions[n].Tags = m
			}
			for _, n := range written {
				_ = s.persistFunctionLocked(n)
			}
			return 0, nil, e
		}
		written = append(written, name)
	}
	s.stats.write()
	return http.StatusNoContent, nil, nil
}

func (s *Server) listTagResources(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	if e := checkResourceType(q.Get("ResourceType")); e != nil {
		return 0, nil, e
	}
	limit, e := parseLimit(q.Get("Limit"), q.Has("Limit"))
	if e != nil {
		return 0, nil, e
	}
	ids, e := parseJSONStringList("ResourceId", q.Get("ResourceId"))
	if e != nil {
		return 0, nil, e
	}
	var filter []struct{ Key, Value string }
	if raw := q.Get("Tag"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &filter); err != nil {
			return 0, nil, invalidArgument("Tag must be a JSON array of {\"Key\",\"Value\"}, got %s", raw)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wanted := map[string]bool{}
	for _, id := range ids {
		name, e := s.resolveResourceLocked(id)
		if e != nil {
			return 0, nil, e
		}
		wanted[name] = true
	}
	// One entry per (function, tag); keys sort by function then tag key.
	type entry struct{ name, key string }
	entries := map[string]entry{}
	for name, f := range s.st.Functions {
		if len(ids) > 0 && !wanted[name] {
			continue
		}
		if !matchesTagFilter(f.Tags, filter) {
			continue
		}
		for k := range f.Tags {
			entries[name+"\x00"+k] = entry{name, k}
		}
	}
	keys, next, e := page(mapkeys.Sorted(entries), q.Get("NextToken"), limit)
	if e != nil {
		return 0, nil, e
	}
	items := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		en := entries[k]
		items = append(items, map[string]string{
			"ResourceId": s.functionArn(en.name), "ResourceType": tagResourceType,
			"TagKey": en.key, "TagValue": s.st.Functions[en.name].Tags[en.key],
		})
	}
	resp := map[string]any{"RequestId": req.requestID, "TagResources": items}
	if next != "" {
		resp["NextToken"] = next
	}
	out, e := marshal(resp)
	return http.StatusOK, out, e
}

// matchesTagFilter: every filter tag must be present; an empty Value matches
// any value of that key.
func matchesTagFilter(tags map[string]string, filter []struct{ Key, Value string }) bool {
	for _, t := range filter {
		v, ok := tags[t.Key]
		if !ok || (t.Value != "" && v != t.Value) {
			return false
		}
	}
	return true
}
