package emulator

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// faultInjector delays API requests and fails a seeded, reproducible
// fraction of them. One random draw per request decides its fate, so the
// same seed and the same request order give the same faults.
type faultInjector struct {
	mu           sync.Mutex
	rng          *rand.Rand
	latency      time.Duration
	errorRate    float64
	throttleRate float64
	// echo names the operations refused with a message quoting the request
	// body, as validation errors and gateways sometimes quote what they
	// were sent: a client must not print such a message as it is.
	echo map[string]bool
}

func (f *faultInjector) init(seed int64, latency time.Duration, errorRate, throttleRate float64) {
	f.rng = rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	f.set(latency, errorRate, throttleRate)
}

func (f *faultInjector) set(latency time.Duration, errorRate, throttleRate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency, f.errorRate, f.throttleRate = latency, errorRate, throttleRate
}

// wait waits the configured latency alone: code downloads, a round trip to
// the object store, take as long as a request but draw no fault (so the
// faults API requests get do not depend on how many downloads ran).
func (f *faultInjector) wait(ctx context.Context) {
	f.mu.Lock()
	latency := f.latency
	f.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// apply waits the configured latency and returns the injected failure for
// this request, or nil.
func (f *faultInjector) apply(ctx context.Context) *apiError {
	f.mu.Lock()
	latency := f.latency
	draw := f.rng.Float64()
	pick := f.rng.IntN(2)
	errorRate, throttleRate := f.errorRate, f.throttleRate
	f.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	switch {
	case draw < errorRate && pick == 0:
		return errorf(http.StatusInternalServerError, codeInternalServerError, "an internal error occurred (injected)")
	case draw < errorRate:
		return errorf(http.StatusServiceUnavailable, codeServiceUnavailable, "the service is temporarily unavailable (injected)")
	case draw < errorRate+throttleRate:
		return errorf(http.StatusTooManyRequests, codeResourceThrottled, "request was throttled, please retry later (injected)")
	}
	return nil
}

func (f *faultInjector) setEcho(ops []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.echo = map[string]bool{}
	for _, op := range ops {
		f.echo[op] = true
	}
}

// echoed returns the refusal of a request of op that quotes its body, both
// as sent and form-encoded, or nil when op is not to be echoed.
func (f *faultInjector) echoed(op string, body []byte) *apiError {
	f.mu.Lock()
	echo := f.echo[op]
	f.mu.Unlock()
	if !echo {
		return nil
	}
	return invalidArgument("request refused (injected); body: %s; form-encoded: %s", body, url.QueryEscape(string(body)))
}
