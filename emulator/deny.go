package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Denied actions (Options.Deny, SetDenied) make the emulator answer as FC
// does for a RAM user whose policies do not allow an action: 403
// AccessDenied, before the request's body is read. Every operation is
// authorized as the RAM action "fc:<OperationName>" (FC 3.0's RAM
// authorization reference names its actions after its operations).
//
// The message and AccessDeniedDetail are those FC 3.0 returns for a RAM
// user without a matching policy, as captured from ListFunctions and
// CreateTrigger refusals ("the caller is not authorized to perform
// 'fc:ListFunctions' on resource 'acs:fc:<region>:<account>:functions/*'",
// detail NoPermissionType ImplicitDeny, PolicyType
// AccountLevelIdentityBasedPolicy). The resource named for the other
// operations follows the same pattern and is inferred (ramResource).

// ramAction is the RAM action an operation is authorized as.
func ramAction(op string) string { return "fc:" + op }

// ramActions lists every action the emulator authorizes, sorted.
func ramActions() []string {
	out := make([]string, 0, len(handlers))
	for op := range handlers {
		out = append(out, ramAction(op))
	}
	sort.Strings(out)
	return out
}

// CheckRAMActions reports an error for the first of actions no operation
// the emulator serves is authorized as: what SetDenied and Options.Deny
// refuse.
func CheckRAMActions(actions []string) error {
	_, err := deniedSet(actions)
	return err
}

// deniedSet validates actions and returns them as a set.
func deniedSet(actions []string) (map[string]bool, error) {
	known := map[string]bool{}
	for op := range handlers {
		known[ramAction(op)] = true
	}
	set := map[string]bool{}
	for _, a := range actions {
		a = strings.TrimSpace(a)
		if !known[a] {
			return nil, fmt.Errorf("cannot deny %q: not a RAM action of an FC operation the emulator serves (fc:<OperationName>, e.g. fc:ListAliases)", a)
		}
		set[a] = true
	}
	return set, nil
}

// SetDenied replaces the set of denied RAM actions ("fc:ListAliases", …);
// nil or empty allows everything again. An action no operation is
// authorized as is an error, so that a typo cannot silently deny nothing.
func (s *Server) SetDenied(actions []string) error {
	set, err := deniedSet(actions)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	s.denied.Store(&set)
	return nil
}

// checkDenied refuses an operation whose action is denied.
func (s *Server) checkDenied(rt route) *apiError {
	set := s.denied.Load()
	action := ramAction(rt.Op)
	if set == nil || !(*set)[action] {
		return nil
	}
	e := errorf(http.StatusForbidden, codeAccessDenied, "the caller is not authorized to perform '%s' on resource '%s'", action, s.ramResource(rt))
	e.Detail = map[string]string{"NoPermissionType": "ImplicitDeny", "PolicyType": "AccountLevelIdentityBasedPolicy"}
	return e
}

// ramResource is the resource ARN an operation is authorized on: the
// function, trigger or custom domain the path names, "*" for all of them
// when the path names none (lists, creates whose name is in the body, tags).
// functions/* (ListFunctions) and functions/<fn>/triggers/<trigger>
// (CreateTrigger) are FC's; the rest is inferred.
func (s *Server) ramResource(rt route) string {
	base := "acs:fc:" + s.opts.Region + ":" + s.opts.AccountID + ":"
	switch {
	case rt.Domain != "":
		return base + "custom-domains/" + rt.Domain
	case strings.HasSuffix(rt.Op, "CustomDomain") || rt.Op == "ListCustomDomains":
		return base + "custom-domains/*"
	case rt.Trigger != "":
		return base + "functions/" + rt.Function + "/triggers/" + rt.Trigger
	case rt.Op == "ListTriggers" || rt.Op == "CreateTrigger":
		return base + "functions/" + rt.Function + "/triggers/*"
	case rt.Function != "":
		return base + "functions/" + rt.Function
	}
	return base + "functions/*"
}
