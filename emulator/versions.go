package emulator

import (
	"bytes"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Versions (shapes from the fc-20230330 SDK's Version, PublishVersionInput
// and ListVersionsOutput):
//
//	PublishFunctionVersion POST   /functions/{fn}/versions           {description} → Version
//	ListFunctionVersions   GET    /functions/{fn}/versions?limit&nextToken&direction
//	                       → {"versions":[Version…],"nextToken","direction"}
//	DeleteFunctionVersion  DELETE /functions/{fn}/versions/{id}
//
// A version snapshots the function's config and code (not its triggers,
// tags or settings, which FC documents as configured per version/alias).
// Ids count up per function from "1" and are never reused.

var versionIDPattern = regexp.MustCompile(`^[1-9][0-9]*$`)

// resolveQualifierLocked returns the version a qualifier selects, nil for
// LATEST. A qualifier of digits names a version, anything else an alias
// (alias names cannot start with a digit). s.mu is held.
func resolveQualifierLocked(fn string, f *functionRecord, q string) (*versionRecord, *apiError) {
	switch {
	case q == "" || q == "LATEST":
		return nil, nil
	case versionIDPattern.MatchString(q):
		v, ok := f.Versions[q]
		if !ok {
			return nil, versionNotFound(fn, q)
		}
		return v, nil
	default:
		a, ok := f.Aliases[q]
		if !ok {
			return nil, aliasNotFound(fn, q)
		}
		id, _ := a.Config["versionId"].(string)
		return f.Versions[id], nil // an alias's version cannot be deleted
	}
}

// checkQualifierLocked accepts LATEST, an existing version or an existing
// alias. s.mu is held.
func checkQualifierLocked(fn string, f *functionRecord, q string) *apiError {
	_, e := resolveQualifierLocked(fn, f, q)
	return e
}

// sortedVersionIDs returns the function's version ids in ascending order.
func (f *functionRecord) sortedVersionIDs() []string {
	ids := make([]string, 0, len(f.Versions))
	for id := range f.Versions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return versionLess(ids[i], ids[j]) })
	return ids
}

func versionLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b) // no leading zeros, so length orders numbers
	}
	return a < b
}

func versionView(id string, v *versionRecord) map[string]any {
	out := copyMap(v.Extra)
	out["versionId"] = id
	out["description"] = v.Description
	out["createdTime"] = formatFCTime(v.CreatedTime)
	out["lastModifiedTime"] = formatFCTime(v.LastModified)
	return out
}

// versionFunctionView renders a version as GetFunction with a qualifier
// returns it: the snapshot's config and code with the function's identity,
// and its tags and invocation restriction, which belong to the function
// rather than to a version (inferred). lastModifiedTime is the function's
// at publish time. s.mu is held.
func (s *Server) versionFunctionView(name string, f *functionRecord, v *versionRecord, now time.Time) map[string]any {
	snap := &functionRecord{
		Config: v.Config, FunctionID: f.FunctionID, CreatedTime: f.CreatedTime, LastModified: v.FunctionLastModified,
		CodeChecksum: v.CodeChecksum, CodeSize: v.CodeSize, Tags: f.Tags, Restriction: f.Restriction,
	}
	return s.functionView(name, snap, true, now)
}

func (s *Server) publishFunctionVersion(req *apiRequest) (int, []byte, *apiError) {
	in := map[string]any{}
	if len(bytes.TrimSpace(req.body)) > 0 { // the SDK sends no body when the input is unset
		var e *apiError
		if in, e = decodeObject(req.body); e != nil {
			return 0, nil, e
		}
	}
	extra := withoutNulls(in, map[string]bool{"versionId": true, "createdTime": true, "lastModifiedTime": true})
	description := ""
	if d, ok := extra["description"]; ok {
		s, isStr := d.(string)
		if !isStr || len([]rune(s)) > 256 {
			return 0, nil, invalidArgument("description must be a string of at most 256 characters")
		}
		description = s
		delete(extra, "description")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	// FC refuses to publish when the function has not changed since the
	// last publish, with code VersionPublishError and "No changes were made
	// since last publish" (FC 2.0's message: "can not publish version …,
	// detail: 'No changes were made since last publish'"). "Changed" is
	// decided by content against the newest remaining version; the 400
	// status is inferred.
	if ids := f.sortedVersionIDs(); len(ids) > 0 {
		last := f.Versions[ids[len(ids)-1]]
		if last.CodeChecksum == f.CodeChecksum && jsonText(last.Config) == jsonText(f.Config) {
			return 0, nil, errorf(http.StatusBadRequest, codeVersionPublishError,
				"can not publish version for function '%s', detail: 'No changes were made since last publish' (version %s)", req.Function, ids[len(ids)-1])
		}
	}
	stamp := nextStamp(time.Time{}, req.now)
	v := &versionRecord{
		Description: description, Extra: extra, CreatedTime: stamp, LastModified: stamp,
		Config: copyMap(f.Config), FunctionLastModified: f.LastModified,
		CodeChecksum: f.CodeChecksum, CodeSize: f.CodeSize, code: f.code,
	}
	if len(extra) == 0 {
		v.Extra = nil
	}
	f.LastVersion++
	id := strconv.Itoa(f.LastVersion)
	if f.Versions == nil {
		f.Versions = map[string]*versionRecord{}
	}
	f.Versions[id] = v
	if e := s.persistFunctionLocked(req.Function); e != nil {
		delete(f.Versions, id)
		f.LastVersion--
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(versionView(id, v))
	return http.StatusOK, out, e
}

// listFunctionVersions pages by version id: nextToken is the id of the next
// version to return (the SDK's example is "3"), and direction BACKWARD,
// newest first, is the default (devsapp/fc3 takes versions[0] of a limit-1
// list as the latest version).
func (s *Server) listFunctionVersions(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	limit, e := parseLimit(q.Get("limit"), q.Has("limit"))
	if e != nil {
		return 0, nil, e
	}
	direction := q.Get("direction")
	switch direction {
	case "":
		direction = "BACKWARD"
	case "BACKWARD", "FORWARD":
	default:
		return 0, nil, invalidArgument("direction must be FORWARD or BACKWARD, got '%s'", direction)
	}
	token := q.Get("nextToken")
	if token != "" && !versionIDPattern.MatchString(token) {
		return 0, nil, invalidArgument("invalid nextToken '%s'", token)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	ids := f.sortedVersionIDs()
	before := func(a, b string) bool { return versionLess(a, b) }
	if direction == "BACKWARD" {
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
		}
		before = func(a, b string) bool { return versionLess(b, a) }
	}
	start := 0
	if token != "" {
		start = sort.Search(len(ids), func(i int) bool { return !before(ids[i], token) })
	}
	end := min(start+limit, len(ids))
	items := make([]any, 0, end-start)
	for _, id := range ids[start:end] {
		items = append(items, versionView(id, f.Versions[id]))
	}
	resp := map[string]any{"versions": items, "direction": direction}
	if end < len(ids) {
		resp["nextToken"] = ids[end]
	}
	out, e := marshal(resp)
	return http.StatusOK, out, e
}

// deleteFunctionVersion refuses while an alias routes traffic to the
// version, as its main version or in additionalVersionWeight: FC's docs ask
// for such aliases to be removed first; the refusal and its 412
// PreconditionFailed are inferred.
func (s *Server) deleteFunctionVersion(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	v, ok := f.Versions[req.Version]
	if !ok {
		return 0, nil, versionNotFound(req.Function, req.Version)
	}
	var users []string
	for name, a := range f.Aliases {
		weights, _ := a.Config["additionalVersionWeight"].(map[string]any)
		if _, weighted := weights[req.Version]; weighted || a.Config["versionId"] == req.Version {
			users = append(users, name)
		}
	}
	if len(users) > 0 {
		sort.Strings(users)
		return 0, nil, errorf(http.StatusPreconditionFailed, codeFunctionNotEmpty,
			"version '%s' of function '%s' is used by aliases [%s]; update or delete them first",
			req.Version, req.Function, strings.Join(users, ", "))
	}
	delete(f.Versions, req.Version)
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.Versions[req.Version] = v
		return 0, nil, e
	}
	if !f.codeReferenced(v.CodeChecksum) {
		s.removeCodeFile(f.FunctionID, v.CodeChecksum)
	}
	s.stats.write()
	return http.StatusNoContent, nil, nil
}
