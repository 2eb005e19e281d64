package emulator

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// VPC bindings (CreateVpcBindingInput, ListVpcBindingsOutput) and the
// invocation switch (DisableFunctionInvocationRequest, FunctionRestriction):
//
//	CreateVpcBinding          POST   /functions/{fn}/vpc-bindings        {vpcId}  → 200, no body
//	DeleteVpcBinding          DELETE /functions/{fn}/vpc-bindings/{vpcId} → 204
//	ListVpcBindings           GET    /functions/{fn}/vpc-bindings        → {"vpcIds":[…]}
//	DisableFunctionInvocation POST   /functions/{fn}/invoke/disable      {reason, abortOngoingRequest} → {"success":true}
//	EnableFunctionInvocation  POST   /functions/{fn}/invoke/enable       → {"success":true}

// vpcIDPattern: VPC ids look like vpc-8vb8x8dggvr0a… (inferred from the
// SDK's example; FC would look the VPC up, the emulator only checks shape).
var vpcIDPattern = regexp.MustCompile(`^vpc-[A-Za-z0-9]+$`)

func (s *Server) createVpcBinding(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	id, _ := in["vpcId"].(string)
	if !vpcIDPattern.MatchString(id) {
		return 0, nil, invalidArgument("vpcId is required and must look like vpc-xxxxxxxx, got %s", jsonText(in["vpcId"]))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	if slices.Contains(f.VpcBindings, id) {
		return 0, nil, errorf(http.StatusConflict, codeVpcBindingExists, "function '%s' is already bound to VPC '%s'", req.Function, id)
	}
	old := f.VpcBindings
	bindings := append(slices.Clone(old), id)
	slices.Sort(bindings)
	f.VpcBindings = bindings
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.VpcBindings = old
		return 0, nil, e
	}
	s.stats.write()
	return http.StatusOK, nil, nil
}

func (s *Server) deleteVpcBinding(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	i := slices.Index(f.VpcBindings, req.VpcID)
	if i < 0 {
		return 0, nil, errorf(http.StatusNotFound, codeVpcBindingNotFound, "function '%s' is not bound to VPC '%s'", req.Function, req.VpcID)
	}
	old := f.VpcBindings
	f.VpcBindings = slices.Delete(slices.Clone(old), i, i+1)
	if len(f.VpcBindings) == 0 {
		f.VpcBindings = nil
	}
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.VpcBindings = old
		return 0, nil, e
	}
	s.stats.write()
	return http.StatusNoContent, nil, nil
}

func (s *Server) listVpcBindings(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	ids := append([]string{}, f.VpcBindings...) // [] rather than null when none
	out, e := marshal(map[string]any{"vpcIds": ids})
	return http.StatusOK, out, e
}

func (s *Server) disableFunctionInvocation(req *apiRequest) (int, []byte, *apiError) {
	in := map[string]any{}
	if len(bytes.TrimSpace(req.body)) > 0 { // the SDK sends no body when neither field is set
		var e *apiError
		if in, e = decodeObject(req.body); e != nil {
			return 0, nil, e
		}
	}
	if e := checkStrings(in, "", "reason"); e != nil {
		return 0, nil, e
	}
	if e := checkBools(in, "", "abortOngoingRequest"); e != nil {
		return 0, nil, e
	}
	reason, _ := in["reason"].(string)
	return s.setRestriction(req, true, reason)
}

func (s *Server) enableFunctionInvocation(req *apiRequest) (int, []byte, *apiError) {
	return s.setRestriction(req, false, "")
}

// setRestriction records the invocation switch. It is reported in function
// documents as the read-only invocationRestriction and, being no part of
// the function's configuration, leaves its lastModifiedTime alone
// (inferred). abortOngoingRequest concerns running instances, which the
// emulator has none of.
func (s *Server) setRestriction(req *apiRequest, disable bool, reason string) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	old := f.Restriction
	prev := time.Time{}
	if old != nil {
		prev = old.LastModified
	}
	f.Restriction = &restrictionRecord{Disable: disable, Reason: reason, LastModified: nextStamp(prev, req.now)}
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.Restriction = old
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(map[string]bool{"success": true})
	return http.StatusOK, out, e
}
