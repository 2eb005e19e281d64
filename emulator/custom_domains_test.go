package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const domainsPath = "/2023-03-30/custom-domains"

func TestCustomDomainLifecycle(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	cert, key := selfSignedPEM(t, "www.example.com")
	s.ResetStats()

	// Defaults: protocol HTTP, routes [], per route qualifier LATEST and methods [].
	plain := c.expect(200, http.MethodPost, domainsPath, nil, map[string]any{"domainName": "plain.example.com"})
	if plain.JSON["protocol"] != "HTTP" || canonicalJSON(t, plain.JSON["routeConfig"]) != `{"routes":[]}` {
		t.Errorf("defaults = %s", plain.Body)
	}
	body := map[string]any{
		"domainName": "www.example.com", "protocol": "HTTP,HTTPS",
		"certConfig": map[string]any{"certName": "www", "certificate": cert, "privateKey": key},
		"routeConfig": map[string]any{"routes": []any{
			map[string]any{"path": "/api/*", "functionName": "api", "methods": []any{"GET", "POST"},
				"rewriteConfig": map[string]any{"wildcardRules": []any{map[string]any{"match": "/api/*", "replacement": "/$1"}}}},
			map[string]any{"path": "/", "functionName": "web", "qualifier": "prod", "methods": nil},
		}},
		"tlsConfig":  map[string]any{"minVersion": "TLSv1.2", "maxVersion": "TLSv1.3", "cipherSuites": []any{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}},
		"wafConfig":  map[string]any{"enableWAF": true},
		"authConfig": map[string]any{"authType": "anonymous"},
		"corsConfig": map[string]any{"allowOrigins": []any{"https://example.com"}, "maxAge": 600, "allowCredentials": true},
		"isE2B":      false,
		"future":     "kept",
	}
	created := c.expect(200, http.MethodPost, domainsPath, nil, body)
	routes := created.JSON["routeConfig"].(map[string]any)["routes"].([]any)
	first, second := routes[0].(map[string]any), routes[1].(map[string]any)
	if first["qualifier"] != "LATEST" || canonicalJSON(t, first["methods"]) != `["GET","POST"]` || first["rewriteConfig"] == nil ||
		second["qualifier"] != "prod" || canonicalJSON(t, second["methods"]) != "[]" {
		t.Errorf("routes = %v", routes)
	}
	for k, want := range map[string]any{
		"accountId": "1234567890123456", "apiVersion": "2023-03-30", "subdomainCount": "1", "protocol": "HTTP,HTTPS",
		"future": "kept", "isE2B": false, "domainName": "www.example.com",
	} {
		if created.JSON[k] != want {
			t.Errorf("%s = %v, want %v", k, created.JSON[k], want)
		}
	}
	for _, k := range []string{"tlsConfig", "wafConfig", "authConfig", "corsConfig"} {
		if canonicalJSON(t, created.JSON[k]) != canonicalJSON(t, body[k]) {
			t.Errorf("%s = %v", k, created.JSON[k])
		}
	}
	// FC never returns the private key, in any answer.
	wantCert := canonicalJSON(t, map[string]any{"certName": "www", "certificate": cert})
	got := c.expect(200, http.MethodGet, domainsPath+"/www.example.com", nil, nil)
	list := c.expect(200, http.MethodGet, domainsPath, nil, nil)
	for what, r := range map[string]apiResponse{"create": created, "get": got, "list": list} {
		if strings.Contains(string(r.Body), "PRIVATE KEY") || strings.Contains(string(r.Body), "privateKey") {
			t.Errorf("%s answer carries the private key", what)
		}
	}
	if canonicalJSON(t, got.JSON["certConfig"]) != wantCert {
		t.Errorf("certConfig = %v", got.JSON["certConfig"])
	}
	if canonicalJSON(t, got.JSON) != canonicalJSON(t, created.JSON) {
		t.Errorf("get differs from create:\n%s\n%s", got.Body, created.Body)
	}
	c.expectError(409, codeDomainNameExists, http.MethodPost, domainsPath, nil, map[string]any{"domainName": "www.example.com"})

	// Update is partial; the stored key still satisfies HTTPS.
	upd := c.expect(200, http.MethodPut, domainsPath+"/www.example.com", nil, map[string]any{
		"protocol": "HTTPS", "routeConfig": map[string]any{"routes": []any{map[string]any{"path": "/", "functionName": "web"}}},
	})
	if upd.JSON["protocol"] != "HTTPS" || canonicalJSON(t, upd.JSON["certConfig"]) != wantCert || canonicalJSON(t, upd.JSON["wafConfig"]) != `{"enableWAF":true}` ||
		upd.JSON["createdTime"] != created.JSON["createdTime"] || upd.JSON["lastModifiedTime"] == created.JSON["lastModifiedTime"] {
		t.Errorf("update = %s", upd.Body)
	}
	// Echoing the certConfig FC returned (no key) is refused: the key must be sent again.
	c.expectError(400, codeInvalidArgument, http.MethodPut, domainsPath+"/www.example.com", nil, map[string]any{"certConfig": got.JSON["certConfig"]})
	// Dropping the certificate requires going back to HTTP.
	c.expectError(400, codeInvalidArgument, http.MethodPut, domainsPath+"/www.example.com", nil, map[string]any{"certConfig": map[string]any{}})
	dropped := c.expect(200, http.MethodPut, domainsPath+"/www.example.com", nil, map[string]any{"protocol": "HTTP", "certConfig": map[string]any{}})
	if _, has := dropped.JSON["certConfig"]; has {
		t.Errorf("certConfig after removal = %v", dropped.JSON["certConfig"])
	}
	c.expectError(400, codeInvalidArgument, http.MethodPut, domainsPath+"/www.example.com", nil, map[string]any{"domainName": "other.example.com"})
	c.expectError(404, codeDomainNameNotFound, http.MethodPut, domainsPath+"/none.example.com", nil, map[string]any{"protocol": "HTTP"})
	c.expectError(404, codeDomainNameNotFound, http.MethodGet, domainsPath+"/none.example.com", nil, nil)

	c.expect(204, http.MethodDelete, domainsPath+"/www.example.com", nil, nil)
	c.expectError(404, codeDomainNameNotFound, http.MethodDelete, domainsPath+"/www.example.com", nil, nil)
	st := s.Stats()
	if st.Writes != 5 || st.Requests["CreateCustomDomain"] != 3 || st.Requests["UpdateCustomDomain"] != 6 ||
		st.Requests["GetCustomDomain"] != 2 || st.Requests["ListCustomDomains"] != 1 || st.Requests["DeleteCustomDomain"] != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestCustomDomainValidation(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	cert, key := selfSignedPEM(t, "a.example.com")
	_, otherKey := selfSignedPEM(t, "b.example.com")
	route := func(over map[string]any) map[string]any {
		r := map[string]any{"path": "/", "functionName": "fn"}
		for k, v := range over {
			r[k] = v
		}
		return map[string]any{"routes": []any{r}}
	}
	domain := func(over map[string]any) map[string]any {
		d := map[string]any{"domainName": "v.example.com", "routeConfig": route(nil)}
		for k, v := range over {
			d[k] = v
		}
		return d
	}
	tests := []struct {
		name string
		body any
	}{
		{"no domain name", map[string]any{"protocol": "HTTP"}},
		{"single label", domain(map[string]any{"domainName": "localhost"})},
		{"bad characters", domain(map[string]any{"domainName": "a_b.example.com"})},
		{"unknown protocol", domain(map[string]any{"protocol": "HTTP2"})},
		{"https without cert", domain(map[string]any{"protocol": "HTTPS"})},
		{"cert without key", domain(map[string]any{"protocol": "HTTPS", "certConfig": map[string]any{"certName": "c", "certificate": cert}})},
		{"cert and key mismatch", domain(map[string]any{"protocol": "HTTPS", "certConfig": map[string]any{"certName": "c", "certificate": cert, "privateKey": otherKey}})},
		{"cert not PEM", domain(map[string]any{"certConfig": map[string]any{"certName": "c", "certificate": "x", "privateKey": key}})},
		{"path without slash", domain(map[string]any{"routeConfig": route(map[string]any{"path": "api"})})},
		{"route without function", domain(map[string]any{"routeConfig": route(map[string]any{"functionName": nil})})},
		{"route with bad function name", domain(map[string]any{"routeConfig": route(map[string]any{"functionName": "9fn"})})},
		{"route with bad method", domain(map[string]any{"routeConfig": route(map[string]any{"methods": []any{"FETCH"}})})},
		{"duplicate path", domain(map[string]any{"routeConfig": map[string]any{"routes": []any{
			map[string]any{"path": "/", "functionName": "a"}, map[string]any{"path": "/", "functionName": "b"},
		}}})},
		{"routes not a list", domain(map[string]any{"routeConfig": map[string]any{"routes": "x"}})},
		{"rewrite rule without match", domain(map[string]any{"routeConfig": route(map[string]any{"rewriteConfig": map[string]any{"equalRules": []any{map[string]any{"replacement": "/b"}}}})})},
		{"tls without min version", domain(map[string]any{"tlsConfig": map[string]any{"maxVersion": "TLSv1.3"}})},
		{"tls max below min", domain(map[string]any{"tlsConfig": map[string]any{"minVersion": "TLSv1.3", "maxVersion": "TLSv1.2"}})},
		{"waf flag not bool", domain(map[string]any{"wafConfig": map[string]any{"enableWAF": "yes"}})},
		{"unknown auth type", domain(map[string]any{"authConfig": map[string]any{"authType": "basic"}})},
		{"cors origins not strings", domain(map[string]any{"corsConfig": map[string]any{"allowOrigins": []any{1}}})},
		{"cors max age negative", domain(map[string]any{"corsConfig": map[string]any{"maxAge": -1}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(http.MethodPost, domainsPath, nil, tc.body)
			if r.Status != 400 || r.code() != codeInvalidArgument {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
		})
	}
	if r := c.expect(200, http.MethodGet, domainsPath, nil, nil); canonicalJSON(t, r.JSON) != `{"customDomains":[]}` {
		t.Errorf("refused domains were stored: %s", r.Body)
	}
	// A wildcard domain is a valid name.
	c.expect(200, http.MethodPost, domainsPath, nil, domain(map[string]any{"domainName": "*.example.com"}))
	c.expect(200, http.MethodGet, domainsPath+"/"+url.PathEscape("*.example.com"), nil, nil)
}

func TestListCustomDomainsPaging(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	for i := 0; i < 7; i++ {
		c.expect(200, http.MethodPost, domainsPath, nil, map[string]any{"domainName": fmt.Sprintf("d%d.example.com", i)})
	}
	c.expect(200, http.MethodPost, domainsPath, nil, map[string]any{"domainName": "other.example.org"})
	var names []string
	token := ""
	for {
		q := url.Values{"limit": {"3"}, "prefix": {"d"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		r := c.expect(200, http.MethodGet, domainsPath, q, nil)
		for _, d := range r.JSON["customDomains"].([]any) {
			names = append(names, d.(map[string]any)["domainName"].(string))
		}
		if token, _ = r.JSON["nextToken"].(string); token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "d0.example.com,d1.example.com,d2.example.com,d3.example.com,d4.example.com,d5.example.com,d6.example.com" {
		t.Errorf("paged domains = %v", names)
	}
	c.expectError(400, codeInvalidArgument, http.MethodGet, domainsPath, url.Values{"limit": {"0"}}, nil)
}
