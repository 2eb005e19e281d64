package emulator

import (
	"crypto/tls"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Custom domains (shapes from the fc-20230330 SDK's CustomDomain,
// CreateCustomDomainInput, UpdateCustomDomainInput and their nested
// RouteConfig/PathConfig/RewriteConfig, CertConfig, TLSConfig, WAFConfig,
// AuthConfig and CORSConfig):
//
//	CreateCustomDomain POST   /2023-03-30/custom-domains          CreateCustomDomainInput → CustomDomain
//	GetCustomDomain    GET    /2023-03-30/custom-domains/{domain}
//	UpdateCustomDomain PUT    /2023-03-30/custom-domains/{domain} UpdateCustomDomainInput → CustomDomain
//	DeleteCustomDomain DELETE /2023-03-30/custom-domains/{domain}
//	ListCustomDomains  GET    /2023-03-30/custom-domains?prefix&limit&nextToken → {"customDomains":[…],"nextToken"}
//
// FC never returns certConfig.privateKey (the alicloud Terraform provider:
// "The FC service will not return private key credential for security
// reason"), so every answer omits it.

// domainNamePattern: a DNS name of at least two labels, optionally a
// wildcard "*." first label (inferred; FC also requires an ICP filing and a
// CNAME to the account's FC endpoint, which the emulator cannot check).
var domainNamePattern = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

var serverSetDomainFields = map[string]bool{
	"domainName": true, "accountId": true, "apiVersion": true, "createdTime": true, "lastModifiedTime": true, "subdomainCount": true,
}

var (
	domainProtocols = map[string]bool{"HTTP": true, "HTTPS": true, "HTTP,HTTPS": true}
	tlsVersions     = map[string]int{"TLSv1.0": 0, "TLSv1.1": 1, "TLSv1.2": 2, "TLSv1.3": 3}
	authTypes       = map[string]bool{"anonymous": true, "function": true, "jwt": true}
)

func domainNotFound(name string) *apiError {
	return errorf(http.StatusNotFound, codeDomainNameNotFound, "custom domain '%s' does not exist", name)
}

func (s *Server) customDomainView(name string, d *customDomainRecord) map[string]any {
	v := copyMap(d.Config)
	if cert, ok := v["certConfig"].(map[string]any); ok {
		c := copyMap(cert)
		delete(c, "privateKey")
		v["certConfig"] = c
	}
	v["domainName"] = name
	v["accountId"] = s.opts.AccountID
	v["apiVersion"] = apiPrefix
	v["createdTime"] = formatFCTime(d.CreatedTime)
	v["lastModifiedTime"] = formatFCTime(d.LastModified)
	v["subdomainCount"] = "1" // a string in the SDK model; one name per domain here (inferred)
	return v
}

// normalizeDomainConfig validates a merged domain config and fills what FC
// fills when omitted (inferred): protocol HTTP, routeConfig {"routes":[]},
// and per route qualifier LATEST (as devsapp/fc3-domain defaults it) and
// methods [] (the SDK serialises unset methods as null). Other unset nested
// settings stay absent (inferred).
func normalizeDomainConfig(cfg map[string]any) *apiError {
	if e := checkStrings(cfg, "", "protocol"); e != nil {
		return e
	}
	setDefault(cfg, "protocol", "HTTP")
	if p := cfg["protocol"].(string); !domainProtocols[p] {
		return invalidArgument("protocol must be HTTP, HTTPS or HTTP,HTTPS, got '%s'", p)
	}
	if e := normalizeRouteConfig(cfg); e != nil {
		return e
	}
	cert, e := optionalObject(cfg, "certConfig", "")
	if e != nil {
		return e
	}
	if len(cert) == 0 {
		delete(cfg, "certConfig") // {} removes the certificate
	} else if e := checkCertConfig(cert); e != nil {
		return e
	}
	if cfg["protocol"] != "HTTP" && cfg["certConfig"] == nil {
		return invalidArgument("protocol %s requires certConfig (certName, certificate, privateKey)", cfg["protocol"])
	}
	if e := checkTLSConfig(cfg); e != nil {
		return e
	}
	waf, e := optionalObject(cfg, "wafConfig", "")
	if e != nil {
		return e
	}
	if e := checkBools(waf, "wafConfig", "enableWAF"); e != nil {
		return e
	}
	auth, e := optionalObject(cfg, "authConfig", "")
	if e != nil {
		return e
	}
	if e := checkStrings(auth, "authConfig", "authType", "authInfo"); e != nil {
		return e
	}
	if t, ok := auth["authType"].(string); ok && !authTypes[t] {
		return invalidArgument("authConfig.authType must be anonymous, function or jwt, got '%s'", t)
	}
	cors, e := optionalObject(cfg, "corsConfig", "")
	if e != nil {
		return e
	}
	for _, field := range []string{"allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders"} {
		if e := checkStringList(cors, field, "corsConfig"); e != nil {
			return e
		}
	}
	if e := checkBools(cors, "corsConfig", "allowCredentials"); e != nil {
		return e
	}
	return checkIntIn(cors, "maxAge", "corsConfig", 0, 1<<31-1)
}

func normalizeRouteConfig(cfg map[string]any) *apiError {
	rc, e := optionalObject(cfg, "routeConfig", "")
	if e != nil {
		return e
	}
	rc = copyMap(rc) // stored maps are replaced, never edited
	routes, e := objectList(rc, "routes", "routeConfig")
	if e != nil {
		return e
	}
	paths := map[string]bool{}
	out := make([]any, 0, len(routes))
	for i, route := range routes {
		prefix := indexPath("routeConfig.routes", i)
		r := withoutNulls(route, nil)
		if e := checkStrings(r, prefix, "path", "functionName", "qualifier"); e != nil {
			return e
		}
		path, _ := r["path"].(string)
		if !strings.HasPrefix(path, "/") {
			return invalidArgument("%s.path is required and must start with '/', got %s", prefix, jsonText(r["path"]))
		}
		if paths[path] {
			return invalidArgument("%s.path '%s' is routed twice", prefix, path)
		}
		paths[path] = true
		// Routes may name functions created under FC 2.0 (service$function).
		if fn, _ := r["functionName"].(string); !functionNamePattern.MatchString(fn) && !v2FunctionNamePattern.MatchString(fn) {
			return invalidArgument("%s.functionName is required and must be a valid function name, got %s", prefix, jsonText(r["functionName"]))
		}
		if q, _ := r["qualifier"].(string); q == "" {
			r["qualifier"] = "LATEST"
		}
		if e := checkStringList(r, "methods", prefix); e != nil {
			return e
		}
		setDefault(r, "methods", []any{})
		for j, m := range r["methods"].([]any) {
			if !httpMethods[m.(string)] {
				return invalidArgument("%s is not an HTTP method: %s", indexPath(prefix+".methods", j), jsonText(m))
			}
		}
		rw, e := optionalObject(r, "rewriteConfig", prefix)
		if e != nil {
			return e
		}
		for _, kind := range []string{"equalRules", "regexRules", "wildcardRules"} {
			rules, e := objectList(rw, kind, prefix+".rewriteConfig")
			if e != nil {
				return e
			}
			for k, rule := range rules {
				rp := indexPath(prefix+".rewriteConfig."+kind, k)
				if e := checkNonEmptyString(rule, "match", rp); e != nil {
					return e
				}
				if e := checkStrings(rule, rp, "replacement"); e != nil {
					return e
				}
				if e := checkRequired(rule, "replacement", rp); e != nil {
					return e
				}
			}
		}
		out = append(out, r)
	}
	rc["routes"] = out
	cfg["routeConfig"] = rc
	return nil
}

// checkCertConfig requires all three fields, as devsapp/fc3-domain does, and
// a certificate and key that belong together, as FC checks (the exact error
// FC gives is inferred).
func checkCertConfig(cert map[string]any) *apiError {
	for _, field := range []string{"certName", "certificate", "privateKey"} {
		if e := checkNonEmptyString(cert, field, "certConfig"); e != nil {
			return e
		}
	}
	if _, err := tls.X509KeyPair([]byte(cert["certificate"].(string)), []byte(cert["privateKey"].(string))); err != nil {
		return invalidArgument("certConfig.certificate and certConfig.privateKey are not a valid PEM certificate and matching private key: %v", err)
	}
	return nil
}

func checkTLSConfig(cfg map[string]any) *apiError {
	t, e := optionalObject(cfg, "tlsConfig", "")
	if e != nil || t == nil {
		return e
	}
	if e := checkStringList(t, "cipherSuites", "tlsConfig"); e != nil {
		return e
	}
	minV, _ := t["minVersion"].(string)
	lo, ok := tlsVersions[minV]
	if !ok {
		return invalidArgument("tlsConfig.minVersion is required and must be one of TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3, got %s", jsonText(t["minVersion"]))
	}
	if t["maxVersion"] != nil {
		maxV, _ := t["maxVersion"].(string)
		hi, ok := tlsVersions[maxV]
		if !ok {
			return invalidArgument("tlsConfig.maxVersion must be one of TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3, got %s", jsonText(t["maxVersion"]))
		}
		if hi < lo {
			return invalidArgument("tlsConfig.maxVersion %s is below minVersion %s", maxV, minV)
		}
	}
	return nil
}

func (s *Server) createCustomDomain(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	name, _ := in["domainName"].(string)
	if len(name) > 253 || !domainNamePattern.MatchString(name) {
		return 0, nil, invalidArgument("invalid domainName %s: want a domain name such as example.com", jsonText(in["domainName"]))
	}
	cfg := withoutNulls(in, serverSetDomainFields)
	if e := normalizeDomainConfig(cfg); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.st.CustomDomains[name]; exists {
		return 0, nil, errorf(http.StatusConflict, codeDomainNameExists, "custom domain '%s' already exists", name)
	}
	stamp := nextStamp(time.Time{}, req.now)
	d := &customDomainRecord{Config: cfg, CreatedTime: stamp, LastModified: stamp}
	s.st.CustomDomains[name] = d
	if e := s.persistDomainLocked(name); e != nil {
		delete(s.st.CustomDomains, name)
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.customDomainView(name, d))
	return http.StatusOK, out, e
}

func (s *Server) getCustomDomain(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.st.CustomDomains[req.Domain]
	if !ok {
		return 0, nil, domainNotFound(req.Domain)
	}
	out, e := marshal(s.customDomainView(req.Domain, d))
	return http.StatusOK, out, e
}

// updateCustomDomain is a partial update, as the alicloud Terraform provider
// uses it (it sends only the changed settings): a field present and
// non-null replaces the stored one whole. A certConfig sent must carry its
// privateKey again, since FC never returns it (inferred).
func (s *Server) updateCustomDomain(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if n, ok := in["domainName"]; ok && n != nil && n != req.Domain {
		return 0, nil, invalidArgument("domainName %s in the body does not match '%s' in the path; custom domains cannot be renamed", jsonText(n), req.Domain)
	}
	changes := withoutNulls(in, serverSetDomainFields)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.st.CustomDomains[req.Domain]
	if !ok {
		return 0, nil, domainNotFound(req.Domain)
	}
	cfg := copyMap(d.Config)
	for k, v := range changes {
		cfg[k] = v
	}
	if e := normalizeDomainConfig(cfg); e != nil {
		return 0, nil, e
	}
	updated := &customDomainRecord{Config: cfg, CreatedTime: d.CreatedTime, LastModified: nextStamp(d.LastModified, req.now)}
	s.st.CustomDomains[req.Domain] = updated
	if e := s.persistDomainLocked(req.Domain); e != nil {
		s.st.CustomDomains[req.Domain] = d
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.customDomainView(req.Domain, updated))
	return http.StatusOK, out, e
}

func (s *Server) deleteCustomDomain(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.st.CustomDomains[req.Domain]
	if !ok {
		return 0, nil, domainNotFound(req.Domain)
	}
	delete(s.st.CustomDomains, req.Domain)
	if e := s.persistDomainLocked(req.Domain); e != nil {
		s.st.CustomDomains[req.Domain] = d
		return 0, nil, e
	}
	s.stats.write()
	return http.StatusNoContent, nil, nil
}

func (s *Server) listCustomDomains(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	limit, e := parseLimit(q.Get("limit"), q.Has("limit"))
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return listByName(q, limit, "customDomains", s.st.CustomDomains, s.customDomainView)
}
