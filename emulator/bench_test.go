package emulator

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
)

// BenchmarkEmulatorSeed10k creates 10,000 functions, one after the other,
// through the official Tea SDK's CallApi (ACS3-signed, as the fc-20230330
// client sends them) against an emulator persisting to a data directory,
// as a user seeding a large account does. It reports the time per create
// over all of them and over the first and the last thousand: with a write's
// cost independent of the number of functions, the last thousand take as
// long as the first. ns/op is the time per create.
//
//	go test ./emulator -run '^$' -bench BenchmarkEmulatorSeed10k -benchtime 1x
func BenchmarkEmulatorSeed10k(b *testing.B) {
	const count, window = 10000, 1000
	zip := zipCode(makeZip(b, map[string]string{"index.py": "def handler(event, context):\n    return 'hi'\n"}))
	var total, first, last time.Duration
	for range b.N {
		s, err := New(Options{Credentials: map[string]string{testAK: testSK}, DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		hs := httptest.NewServer(s)
		u, err := url.Parse(hs.URL)
		if err != nil {
			b.Fatal(err)
		}
		client, err := openapi.NewClient(&openapi.Config{
			Endpoint: dara.String(u.Host), Protocol: dara.String("http"),
			AccessKeyId: dara.String(testAK), AccessKeySecret: dara.String(testSK),
		})
		if err != nil {
			b.Fatal(err)
		}
		params := &openapi.Params{
			Action: dara.String("CreateFunction"), Version: dara.String("2023-03-30"), Protocol: dara.String("HTTPS"),
			Pathname: dara.String("/2023-03-30/functions"), Method: dara.String("POST"), AuthType: dara.String("AK"),
			Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String("json"),
		}
		start := time.Now()
		windowStart := start
		for i := range count {
			body := map[string]any{
				"functionName": "seed-" + itoa5(i), "runtime": "python3.10", "handler": "index.handler",
				"memorySize": 256, "code": zip,
				"environmentVariables": map[string]any{"SEED": itoa5(i)},
			}
			if _, err := client.CallApi(params, &openapi.OpenApiRequest{Body: body}, &dara.RuntimeOptions{}); err != nil {
				b.Fatalf("create %d: %v", i, err)
			}
			switch i + 1 {
			case window:
				first += time.Since(windowStart)
			case count - window:
				windowStart = time.Now()
			case count:
				last += time.Since(windowStart)
			}
		}
		total += time.Since(start)
		hs.Close()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	// One op is one create, so ns/op reads as the time per create.
	b.ReportMetric(float64(total.Nanoseconds())/n/count, "ns/op")
	b.ReportMetric(float64(first.Nanoseconds())/n/window, "ns/create-first-1k")
	b.ReportMetric(float64(last.Nanoseconds())/n/window, "ns/create-last-1k")
}

// itoa5 formats i with five digits, so names sort as they were created.
func itoa5(i int) string {
	b := []byte("00000")
	for j := 4; j >= 0 && i > 0; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}
