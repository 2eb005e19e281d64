package fc

import (
	"testing"
	"time"
)

func TestResolveEndpoint(t *testing.T) {
	tests := []struct {
		region, override string
		want             endpoint
		wantErr          bool
	}{
		{region: "cn-hangzhou", want: endpoint{"https", "fcv3.cn-hangzhou.aliyuncs.com", ""}},
		{region: "me-central-1", want: endpoint{"https", "me-central-1.fc.aliyuncs.com", ""}},
		{region: "", wantErr: true},
		{region: "cn hangzhou", wantErr: true},
		{override: "http://127.0.0.1:9000", want: endpoint{"http", "127.0.0.1", "9000"}},
		{override: "HTTP://Localhost:9000/", want: endpoint{"http", "Localhost", "9000"}},
		{override: "127.0.0.1:9000", want: endpoint{"https", "127.0.0.1", "9000"}},
		{override: "fc.internal.example", want: endpoint{"https", "fc.internal.example", ""}},
		{override: "https://fc.example:443", want: endpoint{"https", "fc.example", ""}},
		{override: "http://fc.example:80", want: endpoint{"http", "fc.example", ""}},
		{override: "http://[::1]:9000", want: endpoint{"http", "::1", "9000"}},
		{override: "  http://h:1  ", region: "cn-hangzhou", want: endpoint{"http", "h", "1"}},
		{override: "ftp://h", wantErr: true},
		{override: "http://h/api", wantErr: true},
		{override: "http://h?x=1", wantErr: true},
		{override: "http://user@h", wantErr: true},
		{override: "http://", wantErr: true},
	}
	for _, tt := range tests {
		got, err := resolveEndpoint(tt.region, tt.override)
		if tt.wantErr {
			if err == nil {
				t.Errorf("resolveEndpoint(%q, %q) = %+v, want error", tt.region, tt.override, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolveEndpoint(%q, %q) = %+v, %v; want %+v", tt.region, tt.override, got, err, tt.want)
		}
	}
}

func TestEndpointRendering(t *testing.T) {
	tests := []struct {
		ep          endpoint
		url, domain string
	}{
		{endpoint{"https", "fcv3.cn-hangzhou.aliyuncs.com", ""}, "https://fcv3.cn-hangzhou.aliyuncs.com", "fcv3.cn-hangzhou.aliyuncs.com"},
		{endpoint{"http", "127.0.0.1", "9000"}, "http://127.0.0.1:9000", "127.0.0.1"},
		{endpoint{"http", "::1", "9000"}, "http://[::1]:9000", "[::1]"},
	}
	for _, tt := range tests {
		if got := tt.ep.String(); got != tt.url {
			t.Errorf("%+v.String() = %q, want %q", tt.ep, got, tt.url)
		}
		if got := tt.ep.sdkDomain(); got != tt.domain {
			t.Errorf("%+v.sdkDomain() = %q, want %q", tt.ep, got, tt.domain)
		}
	}
}

func TestRetryPolicyDefaultsAndCeiling(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	if p.MaxAttempts != 6 || p.BaseDelay != 200*time.Millisecond || p.MaxDelay != 5*time.Second {
		t.Fatalf("defaults = %+v", p)
	}
	// Ceilings double from BaseDelay and stop at MaxDelay.
	want := []time.Duration{200, 400, 800, 1600, 3200, 5000, 5000}
	for i, w := range want {
		if got := p.ceiling(i + 1); got != w*time.Millisecond {
			t.Errorf("ceiling(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := p.ceiling(200); got != p.MaxDelay {
		t.Errorf("ceiling(200) = %v, want cap %v (no overflow)", got, p.MaxDelay)
	}
	custom := RetryPolicy{MaxAttempts: 2, BaseDelay: time.Second, MaxDelay: time.Millisecond}.withDefaults()
	if custom.MaxDelay != time.Second || custom.MaxAttempts != 2 {
		t.Errorf("MaxDelay below BaseDelay not raised: %+v", custom)
	}
}

func TestFullJitterStaysWithinBounds(t *testing.T) {
	const max = 50 * time.Millisecond
	var sawLow, sawHigh bool
	for range 2000 {
		d := fullJitter(max)
		if d < 0 || d > max {
			t.Fatalf("fullJitter(%v) = %v out of range", max, d)
		}
		sawLow = sawLow || d < max/4
		sawHigh = sawHigh || d > 3*max/4
	}
	if !sawLow || !sawHigh {
		t.Fatalf("jitter not spread over [0,max]: low=%v high=%v", sawLow, sawHigh)
	}
	if fullJitter(0) != 0 {
		t.Fatal("fullJitter(0) != 0")
	}
}

func TestParseUserAgent(t *testing.T) {
	tokens, extra := parseUserAgent("fcgit/1.2.3 ci/github odd go/1.0")
	if len(tokens) != 2 || tokens[0] != (uaToken{"fcgit", "1.2.3"}) || tokens[1] != (uaToken{"ci", "github"}) {
		t.Fatalf("tokens = %+v", tokens)
	}
	if extra != "odd go/1.0" {
		t.Fatalf("extra = %q", extra)
	}
}

func TestNewValidatesCredentials(t *testing.T) {
	if _, err := New(Config{Region: "cn-hangzhou", AccessKeyID: "AK"}); err == nil {
		t.Fatal("key id without secret accepted")
	}
	if _, err := New(Config{Region: "cn-hangzhou", SecurityToken: "tok"}); err == nil {
		t.Fatal("token without keys accepted")
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("no region and no endpoint accepted")
	}
}

// TestNewChecksTheRegionOnce: with an endpoint given, the region is not
// checked against FC's region names, but what the SDK would refuse on
// every request is refused by New.
func TestNewChecksTheRegionOnce(t *testing.T) {
	tests := []struct {
		region string
		ok     bool
	}{
		{"cn-hangzhou", true},
		{"Test_Region-1", true},
		{"", true},
		{"cn hangzhou", false},
		{"cn-hangzhou\n", false},
		{"cn/hangzhou", false},
	}
	for _, tt := range tests {
		_, err := New(Config{Region: tt.region, Endpoint: "http://127.0.0.1:1", AccessKeyID: "ak", AccessKeySecret: "sk"})
		if (err == nil) != tt.ok {
			t.Errorf("New(region %q) = %v, want ok %v", tt.region, err, tt.ok)
		}
	}
}
