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
	Alias    string // decoded alias name
	Version  string // decoded version id
	VpcID    string // decoded VPC id of a VPC binding
	Domain   string // decoded custom domain name
}

// byMethod maps HTTP methods to operation names for one path shape.
type byMethod map[string]string

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
	pick := func(ops byMethod, rt route) (route, bool) {
		op, ok := ops[method]
		rt.Op = op
		return rt, ok
	}
	get := http.MethodGet
	switch {
	case len(segs) == 2:
		top := map[string]byMethod{
			"functions":            {get: "ListFunctions", http.MethodPost: "CreateFunction"},
			"tags-v2":              {get: "ListTagResources", http.MethodPost: "TagResources", http.MethodDelete: "UntagResources"},
			"async-invoke-configs": {get: "ListAsyncInvokeConfigs"},
			"concurrency-configs":  {get: "ListConcurrencyConfigs"},
			"provision-configs":    {get: "ListProvisionConfigs"},
			"scaling-configs":      {get: "ListScalingConfigs"},
			"custom-domains":       {get: "ListCustomDomains", http.MethodPost: "CreateCustomDomain"},
		}
		if ops, ok := top[segs[1]]; ok {
			return pick(ops, route{})
		}
	case len(segs) == 3 && segs[1] == "custom-domains":
		return pick(byMethod{get: "GetCustomDomain", http.MethodPut: "UpdateCustomDomain", http.MethodDelete: "DeleteCustomDomain"}, route{Domain: segs[2]})
	case len(segs) >= 3 && segs[1] == "functions":
		return matchFunctionRoute(segs[2], segs[3:], pick)
	}
	return route{}, false
}

// matchFunctionRoute maps the part of a path after /functions/{name}.
func matchFunctionRoute(fn string, rest []string, pick func(byMethod, route) (route, bool)) (route, bool) {
	get, put, post, del := http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete
	rt := route{Function: fn}
	switch len(rest) {
	case 0:
		return pick(byMethod{get: "GetFunction", put: "UpdateFunction", del: "DeleteFunction"}, rt)
	case 1:
		sub := map[string]byMethod{
			"code":                {get: "GetFunctionCode"},
			"triggers":            {get: "ListTriggers", post: "CreateTrigger"},
			"async-invoke-config": {get: "GetAsyncInvokeConfig", put: "PutAsyncInvokeConfig", del: "DeleteAsyncInvokeConfig"},
			"concurrency":         {get: "GetConcurrencyConfig", put: "PutConcurrencyConfig", del: "DeleteConcurrencyConfig"},
			"provision-config":    {get: "GetProvisionConfig", put: "PutProvisionConfig", del: "DeleteProvisionConfig"},
			"scaling-config":      {get: "GetScalingConfig", put: "PutScalingConfig", del: "DeleteScalingConfig"},
			"vpc-bindings":        {get: "ListVpcBindings", post: "CreateVpcBinding"},
			"versions":            {get: "ListFunctionVersions", post: "PublishFunctionVersion"},
			"aliases":             {get: "ListAliases", post: "CreateAlias"},
		}
		if ops, ok := sub[rest[0]]; ok {
			return pick(ops, rt)
		}
	case 2:
		switch rest[0] {
		case "triggers":
			rt.Trigger = rest[1]
			return pick(byMethod{get: "GetTrigger", put: "UpdateTrigger", del: "DeleteTrigger"}, rt)
		case "aliases":
			rt.Alias = rest[1]
			return pick(byMethod{get: "GetAlias", put: "UpdateAlias", del: "DeleteAlias"}, rt)
		case "versions":
			rt.Version = rest[1]
			return pick(byMethod{del: "DeleteFunctionVersion"}, rt)
		case "vpc-bindings":
			rt.VpcID = rest[1]
			return pick(byMethod{del: "DeleteVpcBinding"}, rt)
		case "invoke":
			switch rest[1] {
			case "disable":
				return pick(byMethod{post: "DisableFunctionInvocation"}, rt)
			case "enable":
				return pick(byMethod{post: "EnableFunctionInvocation"}, rt)
			}
		}
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
