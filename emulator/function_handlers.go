package emulator

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// listFunctions lists FC 3.0 functions and those created under FC 2.0
// (v2.go), or only one kind with fcVersion.
func (s *Server) listFunctions(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	limit, e := parseLimit(q.Get("limit"), q.Has("limit"))
	if e != nil {
		return 0, nil, e
	}
	keep, e := fcVersionFilter(q.Get("fcVersion"))
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fns := s.st.Functions
	if q.Get("fcVersion") != "" {
		fns = make(map[string]*functionRecord, len(s.st.Functions))
		for name, f := range s.st.Functions {
			if keep(f) {
				fns[name] = f
			}
		}
	}
	return listByName(q, limit, "functions", fns, func(name string, f *functionRecord) any {
		return s.functionView(name, f, false, req.now)
	})
}

// getFunction answers the function, or with qualifier=<versionId|alias>
// the snapshot that version holds.
func (s *Server) getFunction(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	v, e := resolveQualifierLocked(req.Function, f, req.http.URL.Query().Get("qualifier"))
	if e != nil {
		return 0, nil, e
	}
	if v != nil {
		out, e := marshal(s.versionFunctionView(req.Function, f, v, req.now))
		return http.StatusOK, out, e
	}
	out, e := marshal(s.functionView(req.Function, f, true, req.now))
	return http.StatusOK, out, e
}

// functionInput removes from a create/update body what is not stored in
// Config: the name, the code (kept apart), tags (kept apart), server-set
// fields, and nulls (the Go SDK sends unset maps and slices as null).
func functionInput(in map[string]any) map[string]any {
	cfg := make(map[string]any, len(in))
	for k, v := range in {
		switch {
		case v == nil, k == "functionName", k == "code", k == "tags", serverSetFunctionFields[k]:
			continue
		}
		cfg[k] = v
	}
	if ccc, ok := cfg["customContainerConfig"].(map[string]any); ok {
		c := copyMap(ccc)
		delete(c, "resolvedImageUri")
		delete(c, "accelerationInfo")
		cfg["customContainerConfig"] = c
	}
	return cfg
}

// checkCodeRules enforces that a custom-container function has an image and
// no code package, and every other function has a code package.
func checkCodeRules(cfg map[string]any, hasCode bool) *apiError {
	if cfg["runtime"] == runtimeCustomContainer {
		ccc, _ := cfg["customContainerConfig"].(map[string]any)
		if img, _ := ccc["image"].(string); img == "" {
			return invalidArgument("customContainerConfig.image is required for runtime custom-container")
		}
		if hasCode {
			return invalidArgument("code must not be set for runtime custom-container; configure either code or customContainerConfig")
		}
		return nil
	}
	if !hasCode {
		return invalidArgument("code is required for runtime '%v'", cfg["runtime"])
	}
	return nil
}

func (s *Server) createFunction(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if e := validateFunctionFields(in, true); e != nil {
		return 0, nil, e
	}
	tags, e := parseCreateTags(in["tags"])
	if e != nil {
		return 0, nil, e
	}
	var pkg codePackage
	if c := in["code"]; c != nil {
		if pkg, e = s.decodeCode(c); e != nil {
			return 0, nil, e
		}
		defer pkg.release()
	}
	cfg := functionInput(in)
	if e := checkCodeRules(cfg, pkg.blob != nil); e != nil {
		return 0, nil, e
	}
	applyCreateDefaults(cfg)
	if e := checkFunctionRules(cfg, nil, false); e != nil {
		return 0, nil, e
	}
	name := in["functionName"].(string) // validated above

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.st.Functions[name]; exists {
		return 0, nil, errorf(http.StatusConflict, codeFunctionAlreadyExists, "function '%s' already exists", name)
	}
	stamp := nextStamp(time.Time{}, req.now)
	f := &functionRecord{
		Config: cfg, FunctionID: newUUID(), CreatedTime: stamp, LastModified: stamp,
		CodeChecksum: pkg.checksum, Tags: tags,
		Triggers: map[string]*triggerRecord{}, code: pkg.blob,
	}
	if pkg.blob != nil {
		f.CodeSize = pkg.blob.size
	}
	if s.opts.SettleDelay > 0 {
		f.SettleUntil, f.Created = req.now.Add(s.opts.SettleDelay), true
	}
	if e := s.storeCodeLocked(f, &pkg); e != nil {
		return 0, nil, e
	}
	s.st.Functions[name] = f
	if e := s.persistFunctionLocked(name); e != nil {
		delete(s.st.Functions, name)
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.functionView(name, f, true, req.now))
	return http.StatusOK, out, e
}

func (s *Server) updateFunction(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if n, ok := in["functionName"]; ok && n != nil && n != req.Function {
		return 0, nil, invalidArgument("functionName '%v' in the body does not match '%s' in the path; functions cannot be renamed", n, req.Function)
	}
	delete(in, "resourceGroupId") // changed by ChangeResourceGroup, not UpdateFunction
	if e := validateFunctionFields(in, false); e != nil {
		return 0, nil, e
	}
	var pkg codePackage
	if c := in["code"]; c != nil {
		if pkg, e = s.decodeCode(c); e != nil {
			return 0, nil, e
		}
		defer pkg.release()
	}
	changes := functionInput(in)

	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	if req.now.Before(f.SettleUntil) {
		return 0, nil, errorf(http.StatusConflict, codeConcurrentUpdateError,
			"function '%s' is being updated (lastUpdateStatus InProgress); retry once it is Successful", req.Function)
	}
	// Partial update: a field in the body replaces the stored one whole, an
	// omitted field keeps its value; sending an empty shape stores the empty
	// shape, which is how a setting is removed.
	cfg := copyMap(f.Config)
	for k, v := range changes {
		cfg[k] = v
	}
	v2 := f.FCVersion == fcVersion2
	if v2 && !customRuntimes[fmt.Sprint(cfg["runtime"])] {
		// Ignored for an FC 2.0 function on a standard runtime (v2.go).
		if old, ok := f.Config["instanceConcurrency"]; ok {
			cfg["instanceConcurrency"] = old
		} else {
			delete(cfg, "instanceConcurrency")
		}
	}
	if e := checkFunctionRules(cfg, changes, v2); e != nil {
		return 0, nil, e
	}
	hasCode := pkg.blob != nil || (f.CodeChecksum != "" && cfg["runtime"] != runtimeCustomContainer)
	if e := checkCodeRules(cfg, hasCode); e != nil {
		return 0, nil, e
	}
	updated := *f
	updated.Config = cfg
	updated.LastModified = nextStamp(f.LastModified, req.now)
	if cfg["runtime"] == runtimeCustomContainer {
		updated.code, updated.CodeChecksum, updated.CodeSize = nil, "", 0
	}
	if pkg.blob != nil {
		updated.code, updated.CodeChecksum, updated.CodeSize = pkg.blob, pkg.checksum, pkg.blob.size
		if e := s.storeCodeLocked(&updated, &pkg); e != nil {
			return 0, nil, e
		}
	}
	if s.opts.SettleDelay > 0 {
		updated.SettleUntil, updated.Created = req.now.Add(s.opts.SettleDelay), false
	}
	s.st.Functions[req.Function] = &updated
	if e := s.persistFunctionLocked(req.Function); e != nil {
		s.st.Functions[req.Function] = f
		return 0, nil, e
	}
	if !updated.codeReferenced(f.CodeChecksum) {
		s.removeCodeFile(f.FunctionID, f.CodeChecksum)
	}
	s.stats.write()
	out, e := marshal(s.functionView(req.Function, &updated, true, req.now))
	return http.StatusOK, out, e
}

// deleteFunction refuses while triggers exist. FC 2.0 documents "before you
// delete a function, you must delete its triggers", and devsapp/fc3's remove
// deletes triggers (and aliases, versions) before the function; FC 3.0's own
// doc is silent, so the emulator keeps the stricter, documented behaviour: a
// client that deletes triggers first works either way. Status and code are
// inferred.
//
// For the same reason it refuses while aliases or versions exist (inferred;
// devsapp/fc3 deletes aliases, then versions, then the function), and while
// a provision config holds instances, which FC answers with
// ProvisionConfigExist (devsapp/fc3 retries on that code; its status here is
// inferred). The other per-function settings (async invoke configs,
// concurrency, scaling configs, VPC bindings, the invocation switch) belong
// to the function and go with it (inferred).
func (s *Server) deleteFunction(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	if len(f.Triggers) > 0 {
		return 0, nil, errorf(http.StatusPreconditionFailed, codeFunctionNotEmpty,
			"function '%s' still has triggers [%s]; delete them before deleting the function",
			req.Function, strings.Join(mapkeys.Sorted(f.Triggers), ", "))
	}
	if len(f.Aliases) > 0 {
		return 0, nil, errorf(http.StatusPreconditionFailed, codeFunctionNotEmpty,
			"function '%s' still has aliases [%s]; delete them before deleting the function",
			req.Function, strings.Join(mapkeys.Sorted(f.Aliases), ", "))
	}
	if len(f.Versions) > 0 {
		return 0, nil, errorf(http.StatusPreconditionFailed, codeFunctionNotEmpty,
			"function '%s' still has versions [%s]; delete them before deleting the function",
			req.Function, strings.Join(f.sortedVersionIDs(), ", "))
	}
	provisioned := f.settings(provisionConfigKind.key, false)
	for _, q := range mapkeys.Sorted(provisioned) {
		if provisionTarget(provisioned[q].Config) > 0 {
			return 0, nil, errorf(http.StatusPreconditionFailed, codeProvisionConfigExist,
				"function '%s' still has provisioned instances (qualifier '%s'); delete its provision config first", req.Function, q)
		}
	}
	delete(s.st.Functions, req.Function)
	if e := s.persistFunctionLocked(req.Function); e != nil {
		s.st.Functions[req.Function] = f
		return 0, nil, e
	}
	s.removeCodeFile(f.FunctionID, f.CodeChecksum) // state no longer references it
	s.stats.write()
	return http.StatusNoContent, nil, nil
}

// storeCodeLocked gives f's package its file: an inline zip is written
// when persisting, a package staged from OSS is renamed into place (in the
// DataDir, or the temporary root when not persisting). The name includes
// the checksum: the function's file still names the old package until
// persistFunctionLocked replaces it, so a crash in between leaves a
// consistent pair (and the new package unused, removed at the next start).
// s.mu is held.
func (s *Server) storeCodeLocked(f *functionRecord, pkg *codePackage) *apiError {
	if f.code == nil {
		return nil
	}
	fail := func(err error) *apiError {
		return errorf(http.StatusInternalServerError, codeInternalServerError, "persist code of %s: %v", f.FunctionID, err)
	}
	if pkg.staged != "" {
		if s.opts.DataDir != "" && s.closed {
			pkg.staged = "" // served from the staging file: nothing is persisted any more
			return nil
		}
		root, err := s.files.dir()
		if err != nil {
			return fail(err)
		}
		dst := codeFilePath(root, f.FunctionID, f.CodeChecksum)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fail(err)
		}
		if err := os.Rename(pkg.staged, dst); err != nil {
			return fail(err)
		}
		if s.opts.DataDir != "" {
			if err := syncDir(filepath.Dir(dst)); err != nil {
				return fail(err)
			}
		}
		// The blob is shared with nobody yet, so pointing it at its final
		// name races with no reader.
		f.code.path, pkg.staged = dst, ""
		return nil
	}
	if s.disk == nil || s.closed || f.code.data == nil {
		return nil
	}
	if err := s.disk.writeFile(codeFilePath(s.disk.dir, f.FunctionID, f.CodeChecksum), f.code.data); err != nil {
		return fail(err)
	}
	return nil
}

// removeCodeFile deletes the file of a package nothing references any more.
// In-memory packages have none, and a missing file is no error.
func (s *Server) removeCodeFile(functionID, checksum string) {
	if checksum == "" {
		return
	}
	if root := s.files.existing(); root != "" {
		_ = os.Remove(codeFilePath(root, functionID, checksum))
	}
}
