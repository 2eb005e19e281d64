package emulator

import (
	"net/http"
	"net/url"
	"strings"
)

const apiPrefix = "2023-03-30"

// route is a matched API operation and its decoded path parameters.
type route struct {
	Op       string // FC API operation name, e.g. "GetFunction"
	Function string // decoded function name, "" when the path has none
	Trigger  string // decoded trigger name
}

// matchRoute maps method and path to an FC operation. Path segments are
// split on the escaped path and decoded one by one, so a percent-encoded
// name is read as its decoded value and an encoded "/" cannot split a name.
// ok is false for paths and methods FC 3.0 does not serve here.
func matchRoute(method, escapedPath string) (route, bool) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil || (d == "" && i > 0) {
			return route{}, false
		}
		segs[i] = d
	}
	if len(segs) < 2 || segs[0] != apiPrefix {
		return route{}, false
	}
	pick := func(byMethod map[string]string, fn, trig string) (route, bool) {
		op, ok := byMethod[method]
		return route{Op: op, Function: fn, Trigger: trig}, ok
	}
	switch {
	case len(segs) == 2 && segs[1] == "functions":
		return pick(map[string]string{http.MethodGet: "ListFunctions", http.MethodPost: "CreateFunction"}, "", "")
	case len(segs) == 2 && segs[1] == "tags-v2":
		return pick(map[string]string{http.MethodGet: "ListTagResources", http.MethodPost: "TagResources", http.MethodDelete: "UntagResources"}, "", "")
	case len(segs) == 3 && segs[1] == "functions":
		return pick(map[string]string{http.MethodGet: "GetFunction", http.MethodPut: "UpdateFunction", http.MethodDelete: "DeleteFunction"}, segs[2], "")
	case len(segs) == 4 && segs[1] == "functions" && segs[3] == "code":
		return pick(map[string]string{http.MethodGet: "GetFunctionCode"}, segs[2], "")
	case len(segs) == 4 && segs[1] == "functions" && segs[3] == "triggers":
		return pick(map[string]string{http.MethodGet: "ListTriggers", http.MethodPost: "CreateTrigger"}, segs[2], "")
	case len(segs) == 5 && segs[1] == "functions" && segs[3] == "triggers":
		return pick(map[string]string{http.MethodGet: "GetTrigger", http.MethodPut: "UpdateTrigger", http.MethodDelete: "DeleteTrigger"}, segs[2], segs[4])
	}
	return route{}, false
}

// pathNotSupported answers an unknown path or method. FC documents
// PathNotSupported with status 400; the emulator answers 404 so that clients
// treat it as "no such resource/operation" and never retry it (inferred
// trade-off, see DESIGN "The emulator").
func pathNotSupported(method, path string) *apiError {
	return errorf(http.StatusNotFound, codePathNotSupported, "'%s' against '%s' is not supported", method, path)
}
