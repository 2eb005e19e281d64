package fc

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// isolateCredentialChain points every source of the SDK's default chain at
// nothing: no metadata probes, no profile files from the real home.
func isolateCredentialChain(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "")
	t.Setenv("ALIBABA_CLOUD_PROFILE", "")
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", "")
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "")
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "")
}

func TestDefaultCredentialChainUsesEnvironment(t *testing.T) {
	isolateCredentialChain(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "ENVAK")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ENVSK")
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "ENVTOKEN")
	s := &script{responses: []func(*http.Request) (*http.Response, error){reply(200, `{"functionName":"f"}`)}}
	c, err := New(Config{Region: "cn-hangzhou", Transport: s})
	if err != nil {
		t.Fatal(err)
	}
	// Concurrent first use must not race inside the SDK's chain.
	errs := make(chan error, 8)
	for range 8 {
		go func() { _, err := c.GetFunction(context.Background(), "f"); errs <- err }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("GetFunction: %v", err)
		}
	}
	r := s.requests()[0]
	if got := r.Header.Get("Authorization"); !strings.HasPrefix(got, "acs ENVAK:") {
		t.Fatalf("Authorization = %q, want key from environment", got)
	}
	if got := headerValue(r.Header, "x-acs-security-token"); got != "ENVTOKEN" {
		t.Fatalf("x-acs-security-token = %q", got)
	}
	if r.Host != "fcv3.cn-hangzhou.aliyuncs.com" || !strings.HasPrefix(r.URL, "https://fcv3.cn-hangzhou.aliyuncs.com/2023-03-30/") {
		t.Fatalf("default endpoint: host %q url %q", r.Host, r.URL)
	}
}

func TestNoCredentialsFailsWithoutSending(t *testing.T) {
	isolateCredentialChain(t)
	s := &script{responses: []func(*http.Request) (*http.Response, error){reply(200, `{}`)}}
	c, err := New(Config{Region: "cn-hangzhou", Transport: s})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFunction(context.Background(), "f")
	if KindOf(err) != KindAccessDenied || !strings.Contains(err.Error(), "NoCredentials") {
		t.Fatalf("error = %v (kind %v)", err, KindOf(err))
	}
	if n := len(s.requests()); n != 0 {
		t.Fatalf("%d requests sent without credentials", n)
	}
}

func TestExplicitSTSCredentials(t *testing.T) {
	s := &script{responses: []func(*http.Request) (*http.Response, error){reply(200, `{}`)}}
	c, err := New(Config{Endpoint: "http://127.0.0.1:9", AccessKeyID: "STSAK", AccessKeySecret: "SK", SecurityToken: "TOKEN", Transport: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetFunction(context.Background(), "f"); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	if !strings.HasPrefix(r.Header.Get("Authorization"), "acs STSAK:") || headerValue(r.Header, "x-acs-security-token") != "TOKEN" {
		t.Fatalf("headers = %v", r.Header)
	}
	if r.URL != "http://127.0.0.1:9/2023-03-30/functions/f" {
		t.Fatalf("url = %q", r.URL)
	}
}

// TestClientCredentials: other services are signed as the same identity as
// FC's requests, from explicit keys or the default chain, and a chain with
// nothing to offer is a credentials error, not an empty key.
func TestClientCredentials(t *testing.T) {
	isolateCredentialChain(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		env  map[string]string
		want Credentials
		err  string
	}{
		{name: "explicit", cfg: Config{AccessKeyID: "AK", AccessKeySecret: "SK"}, want: Credentials{AccessKeyID: "AK", AccessKeySecret: "SK"}},
		{name: "sts", cfg: Config{AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "TOK"}, want: Credentials{AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "TOK"}},
		{name: "chain", env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "ENVAK", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "ENVSK"},
			want: Credentials{AccessKeyID: "ENVAK", AccessKeySecret: "ENVSK"}},
		{name: "nothing", err: "resolve credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg := tc.cfg
			cfg.Region = "cn-hangzhou"
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Credentials()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Credentials() = %+v, %v; want an error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Credentials() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
