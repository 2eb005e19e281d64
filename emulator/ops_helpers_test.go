package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
)

// expect sends a request and fails the test unless FC answers status.
func (c *apiClient) expect(status int, method, path string, query url.Values, body any) apiResponse {
	c.t.Helper()
	r := c.do(method, path, query, body)
	if r.Status != status {
		c.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.Status, r.Body, status)
	}
	return r
}

// expectError sends a request and fails the test unless FC answers the
// error status and code.
func (c *apiClient) expectError(status int, code, method, path string, query url.Values, body any) apiResponse {
	c.t.Helper()
	r := c.do(method, path, query, body)
	if r.Status != status || r.code() != code {
		c.t.Fatalf("%s %s: got %d %s, want %d %s", method, path, r.Status, r.Body, status, code)
	}
	return r
}

// selfSignedPEM returns a PEM certificate for host and its private key.
func selfSignedPEM(t *testing.T, host string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// teaClient calls the emulator through darabonba-openapi's CallApi with
// the parameters the official fc-20230330 client passes for every
// operation (AuthType AK, Style ROA, json request bodies), i.e. signed with
// ACS3-HMAC-SHA256 and decoded as the official client decodes.
type teaClient struct {
	t      *testing.T
	client *openapi.Client
}

func newTeaClient(t *testing.T) (*Server, *teaClient) {
	t.Helper()
	// Static credentials: the client never consults the provider chain, so
	// tests using it can run in parallel (t.Setenv would forbid that).
	s, host, port := startSDKServer(t)
	return s, newTeaClientFor(t, host, port)
}

// newTeaClientFor is a Tea SDK client of the emulator at host:port.
func newTeaClientFor(t *testing.T, host, port string) *teaClient {
	t.Helper()
	client, err := openapi.NewClient(&openapi.Config{
		Endpoint: dara.String(host + ":" + port), Protocol: dara.String("http"),
		AccessKeyId: dara.String(testAK), AccessKeySecret: dara.String(testSK),
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &teaClient{t: t, client: client}
}

// call sends one operation; bodyType is "json" or "none" as in the
// official client's Params for that operation.
func (c *teaClient) call(action, method, path string, query map[string]*string, body any, bodyType string) (map[string]any, error) {
	return c.client.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2023-03-30"), Protocol: dara.String("HTTPS"),
		Pathname: dara.String(path), Method: dara.String(method), AuthType: dara.String("AK"),
		Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String(bodyType),
	}, &openapi.OpenApiRequest{Query: query, Body: body}, &dara.RuntimeOptions{})
}

// must is call that fails the test on error and converts the response
// body into out (a mirror of an SDK model) the way the official client
// does, with dara.Convert.
func (c *teaClient) must(out any, action, method, path string, query map[string]*string, body any, bodyType string) map[string]any {
	c.t.Helper()
	res, err := c.call(action, method, path, query, body, bodyType)
	if err != nil {
		c.t.Fatalf("%s: %v", action, err)
	}
	if status, _ := res["statusCode"].(int); status != 0 && (status < 200 || status > 299) {
		c.t.Fatalf("%s: status %d", action, status)
	}
	if out != nil {
		if err := dara.Convert(res["body"], out); err != nil {
			c.t.Fatalf("%s: convert body %v into %T: %v", action, res["body"], out, err)
		}
	}
	return res
}

func fnPath(fn string, rest string) string {
	return "/2023-03-30/functions/" + dara.PercentEncode(fn) + rest
}
