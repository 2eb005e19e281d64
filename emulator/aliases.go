package emulator

import (
	"net/http"
	"regexp"
	"time"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// Aliases (shapes from the fc-20230330 SDK's Alias, CreateAliasInput and
// UpdateAliasInput):
//
//	CreateAlias  POST   /functions/{fn}/aliases           {aliasName, versionId, description, additionalVersionWeight}
//	GetAlias     GET    /functions/{fn}/aliases/{alias}
//	UpdateAlias  PUT    /functions/{fn}/aliases/{alias}   {versionId, description, additionalVersionWeight}
//	DeleteAlias  DELETE /functions/{fn}/aliases/{alias}
//	ListAliases  GET    /functions/{fn}/aliases?prefix&limit&nextToken → {"aliases":[…],"nextToken"}

// aliasNamePattern: as trigger names, 1-128 letters, digits, '_' and '-',
// not starting with a digit or '-' (inferred: the SDK documents no pattern,
// and a leading digit would make an alias indistinguishable from a version
// id as a qualifier).
var aliasNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`)

var serverSetAliasFields = map[string]bool{"aliasName": true, "createdTime": true, "lastModifiedTime": true}

func (s *Server) aliasView(name string, a *aliasRecord) map[string]any {
	v := copyMap(a.Config)
	v["aliasName"] = name
	// Unset fields come back as their empty shapes (inferred): the SDK always
	// serialises additionalVersionWeight, so an alias without a canary
	// version is read back as {} rather than null.
	setDefault(v, "description", "")
	setDefault(v, "additionalVersionWeight", map[string]any{})
	v["createdTime"] = formatFCTime(a.CreatedTime)
	v["lastModifiedTime"] = formatFCTime(a.LastModified)
	return v
}

func checkAliasStrings(in map[string]any) *apiError {
	if e := checkStrings(in, "", "aliasName", "versionId", "description"); e != nil {
		return e
	}
	if d, ok := in["description"].(string); ok && len([]rune(d)) > 256 {
		return invalidArgument("description must be at most 256 characters")
	}
	return nil
}

// checkAliasTargetsLocked checks what the alias routes to: versionId must
// name an existing version, and each additionalVersionWeight entry must
// name another existing version with a weight in [0, 1], the weights
// summing to at most 1 (the sum rule is inferred: weights are fractions of
// the alias's traffic). s.mu is held.
func checkAliasTargetsLocked(fn string, f *functionRecord, cfg map[string]any) *apiError {
	id, _ := cfg["versionId"].(string)
	if id == "" {
		return invalidArgument("versionId is required")
	}
	if _, ok := f.Versions[id]; !ok {
		return versionNotFound(fn, id)
	}
	w := cfg["additionalVersionWeight"]
	if w == nil {
		return nil
	}
	weights, ok := w.(map[string]any)
	if !ok {
		return invalidArgument("additionalVersionWeight must be an object of version id to weight")
	}
	sum := 0.0
	for _, other := range mapkeys.Sorted(weights) {
		weight, isNum := asFloat(weights[other])
		if !isNum || weight < 0 || weight > 1 {
			return invalidArgument("additionalVersionWeight.%s must be a number in [0, 1], got %s", other, jsonText(weights[other]))
		}
		if other == id {
			return invalidArgument("additionalVersionWeight must not name the alias's own version '%s'", id)
		}
		if _, ok := f.Versions[other]; !ok {
			return versionNotFound(fn, other)
		}
		sum += weight
	}
	if sum > 1+1e-9 {
		return invalidArgument("the weights in additionalVersionWeight add up to %v, more than 1", sum)
	}
	return nil
}

func (s *Server) createAlias(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if e := checkAliasStrings(in); e != nil {
		return 0, nil, e
	}
	name, _ := in["aliasName"].(string)
	if !aliasNamePattern.MatchString(name) || name == "LATEST" {
		return 0, nil, invalidArgument("invalid aliasName '%s': 1-128 characters of letters, digits, '_' and '-', not starting with a digit or '-', and not LATEST", name)
	}
	cfg := withoutNulls(in, serverSetAliasFields)

	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	if _, exists := f.Aliases[name]; exists {
		return 0, nil, errorf(http.StatusConflict, codeAliasAlreadyExists, "alias '%s' of function '%s' already exists", name, req.Function)
	}
	if e := checkAliasTargetsLocked(req.Function, f, cfg); e != nil {
		return 0, nil, e
	}
	stamp := nextStamp(time.Time{}, req.now)
	a := &aliasRecord{Config: cfg, CreatedTime: stamp, LastModified: stamp}
	if f.Aliases == nil {
		f.Aliases = map[string]*aliasRecord{}
	}
	f.Aliases[name] = a
	if e := s.persistFunctionLocked(req.Function); e != nil {
		delete(f.Aliases, name)
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.aliasView(name, a))
	return http.StatusOK, out, e
}

func (s *Server) getAlias(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, a, e := s.aliasLocked(req)
	if e != nil {
		return 0, nil, e
	}
	out, e := marshal(s.aliasView(req.Alias, a))
	return http.StatusOK, out, e
}

// updateAlias is a partial update like UpdateFunction: a field present and
// non-null replaces the stored one, so {} clears additionalVersionWeight.
func (s *Server) updateAlias(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if e := checkAliasStrings(in); e != nil {
		return 0, nil, e
	}
	if n, ok := in["aliasName"].(string); ok && n != req.Alias {
		return 0, nil, invalidArgument("aliasName '%s' in the body does not match '%s' in the path; aliases cannot be renamed", n, req.Alias)
	}
	changes := withoutNulls(in, serverSetAliasFields)
	s.mu.Lock()
	defer s.mu.Unlock()
	f, a, e := s.aliasLocked(req)
	if e != nil {
		return 0, nil, e
	}
	cfg := copyMap(a.Config)
	for k, v := range changes {
		cfg[k] = v
	}
	if e := checkAliasTargetsLocked(req.Function, f, cfg); e != nil {
		return 0, nil, e
	}
	updated := &aliasRecord{Config: cfg, CreatedTime: a.CreatedTime, LastModified: nextStamp(a.LastModified, req.now)}
	f.Aliases[req.Alias] = updated
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.Aliases[req.Alias] = a
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.aliasView(req.Alias, updated))
	return http.StatusOK, out, e
}

func (s *Server) deleteAlias(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, a, e := s.aliasLocked(req)
	if e != nil {
		return 0, nil, e
	}
	delete(f.Aliases, req.Alias)
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.Aliases[req.Alias] = a
		return 0, nil, e
	}
	s.stats.write()
	return http.StatusNoContent, nil, nil
}

func (s *Server) listAliases(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	limit, e := parseLimit(q.Get("limit"), q.Has("limit"))
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	return listByName(q, limit, "aliases", f.Aliases, s.aliasView)
}

// aliasLocked finds the request's function and alias; the caller holds s.mu.
func (s *Server) aliasLocked(req *apiRequest) (*functionRecord, *aliasRecord, *apiError) {
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return nil, nil, functionNotFound(req.Function)
	}
	a, ok := f.Aliases[req.Alias]
	if !ok {
		return nil, nil, aliasNotFound(req.Function, req.Alias)
	}
	return f, a, nil
}
