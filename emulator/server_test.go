package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{},
		{Credentials: map[string]string{"ak": ""}},
		{Credentials: map[string]string{"ak": "sk"}, ErrorRate: 1.5},
		{Credentials: map[string]string{"ak": "sk"}, ThrottleRate: -0.1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}

func TestPersistenceAcrossNew(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Credentials: map[string]string{testAK: testSK}, DataDir: dir}
	s1, c1 := newTestServer(t, opts)
	created := c1.createFunction("kept", map[string]any{"environmentVariables": map[string]any{"K": "V"}, "cpu": 0.35, "futureSetting": json.Number("1.50")})
	c1.createFunction("gone", nil)
	c1.do(http.MethodPost, "/2023-03-30/functions/kept/triggers", nil, map[string]any{"triggerName": "t", "triggerType": "http", "triggerConfig": httpTriggerConfig})
	c1.do(http.MethodDelete, "/2023-03-30/functions/gone", nil, nil)
	codeResp := c1.do(http.MethodGet, "/2023-03-30/functions/kept/code", nil, nil)
	before := c1.do(http.MethodGet, "/2023-03-30/functions/kept", nil, nil)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	_, c2 := newTestServer(t, opts)
	after := c2.do(http.MethodGet, "/2023-03-30/functions/kept", nil, nil)
	if canonicalJSON(t, before.JSON) != canonicalJSON(t, after.JSON) {
		t.Errorf("function changed across restart:\n%s\n%s", before.Body, after.Body)
	}
	if after.JSON["futureSetting"] != json.Number("1.50") {
		t.Errorf("number text not kept: %v", after.JSON["futureSetting"])
	}
	if after.JSON["functionId"] != created.JSON["functionId"] {
		t.Errorf("functionId changed")
	}
	if r := c2.do(http.MethodGet, "/2023-03-30/functions/gone", nil, nil); r.Status != 404 {
		t.Errorf("deleted function came back: %d", r.Status)
	}
	if r := c2.do(http.MethodGet, "/2023-03-30/functions/kept/triggers/t", nil, nil); r.Status != 200 {
		t.Errorf("trigger lost: %d", r.Status)
	}
	// The old server's code URL points at the old listener; the object path
	// and signature stay valid against the new one.
	old := codeResp.JSON["url"].(string)
	resp, err := http.Get(c2.base + old[len(c1.base):])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("persisted code download: %d", resp.StatusCode)
	}
	entries, err := os.ReadDir(filepath.Join(dir, codeDirName))
	if err != nil || len(entries) != 1 {
		t.Errorf("code dir holds %d files (%v), want the one live package", len(entries), err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
}

func TestFaultInjectionIsDeterministicBySeed(t *testing.T) {
	run := func(seed int64) []int {
		_, c := newTestServer(t, Options{Seed: seed, ErrorRate: 0.3, ThrottleRate: 0.2})
		var statuses []int
		for i := 0; i < 60; i++ {
			statuses = append(statuses, c.do(http.MethodGet, "/2023-03-30/functions", nil, nil).Status)
		}
		return statuses
	}
	a, b, other := run(7), run(7), run(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(other) {
		t.Errorf("different seeds gave identical faults")
	}
	counts := map[int]int{}
	for _, s := range a {
		counts[s]++
	}
	if counts[200] == 0 || counts[429] == 0 || counts[500]+counts[503] == 0 {
		t.Errorf("status mix %v lacks a kind", counts)
	}
}

func TestSetFaultsAtRuntime(t *testing.T) {
	s, c := newTestServer(t, Options{})
	s.SetFaults(0, 0, 1)
	r := c.do(http.MethodGet, "/2023-03-30/functions", nil, nil)
	if r.Status != http.StatusTooManyRequests || r.code() != codeResourceThrottled {
		t.Fatalf("throttled: %d %s", r.Status, r.Body)
	}
	s.SetFaults(30*time.Millisecond, 0, 0)
	start := time.Now()
	if r := c.do(http.MethodGet, "/2023-03-30/functions", nil, nil); r.Status != 200 {
		t.Fatalf("after clearing faults: %d", r.Status)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
	if got := s.Stats().Requests["ListFunctions"]; got != 2 {
		t.Errorf("ListFunctions count = %d", got)
	}
}

// TestEchoFault: the operations named fail with InvalidArgument quoting the
// body as sent and form-encoded, and change nothing; others are untouched;
// no operation clears it.
func TestEchoFault(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.createFunction("echoed", map[string]any{"description": "base"})
	s.SetEchoFault("UpdateFunction", "CreateTrigger")
	r := c.do(http.MethodPut, "/2023-03-30/functions/echoed", nil, map[string]any{"description": `a "b" c/d+e`})
	msg, _ := r.JSON["Message"].(string)
	if r.Status != http.StatusBadRequest || r.code() != codeInvalidArgument {
		t.Fatalf("echoed update: %d %s", r.Status, r.Body)
	}
	for _, want := range []string{`{"description":"a \"b\" c/d+e"}`, url.QueryEscape(`{"description":"a \"b\" c/d+e"}`)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not quote %q", msg, want)
		}
	}
	if got := c.do(http.MethodGet, "/2023-03-30/functions/echoed", nil, nil); got.Status != 200 || got.JSON["description"] != "base" {
		t.Errorf("after an echoed update: %d %v", got.Status, got.JSON["description"])
	}
	s.SetEchoFault()
	if r := c.do(http.MethodPut, "/2023-03-30/functions/echoed", nil, map[string]any{"description": "mine"}); r.Status != 200 {
		t.Fatalf("after clearing: %d %s", r.Status, r.Body)
	}
}

func TestBeforeHookCanCallServer(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.createFunction("raced", map[string]any{"description": "base"})
	var fired atomic.Bool
	var seen []string
	var mu sync.Mutex
	s.SetBefore(func(op, fn string) {
		mu.Lock()
		seen = append(seen, op+":"+fn)
		mu.Unlock()
		// A console edit lands between the client's check and its write; the
		// nested request passes through this hook too.
		if op == "UpdateFunction" && fired.CompareAndSwap(false, true) {
			c.do(http.MethodPut, "/2023-03-30/functions/raced", nil, map[string]any{"timeout": 42})
		}
	})
	r := c.do(http.MethodPut, "/2023-03-30/functions/raced", nil, map[string]any{"description": "mine"})
	if r.Status != 200 {
		t.Fatalf("update: %d", r.Status)
	}
	got := c.do(http.MethodGet, "/2023-03-30/functions/raced", nil, nil).JSON
	if got["description"] != "mine" || fmt.Sprint(got["timeout"]) != "42" {
		t.Errorf("final state %v / %v", got["description"], got["timeout"])
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seen) != "[UpdateFunction:raced UpdateFunction:raced GetFunction:raced]" {
		t.Errorf("Before calls = %v", seen)
	}
}

func TestConcurrentRequests(t *testing.T) {
	s, c := newTestServer(t, Options{DataDir: t.TempDir()})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("c%d", i)
			c.createFunction(name, nil)
			for j := 0; j < 5; j++ {
				if r := c.do(http.MethodPut, "/2023-03-30/functions/"+name, nil, map[string]any{"timeout": j + 1}); r.Status != 200 {
					t.Errorf("update %s: %d", name, r.Status)
				}
				c.do(http.MethodGet, "/2023-03-30/functions", nil, nil)
				c.do(http.MethodGet, "/2023-03-30/functions/c0", nil, nil)
			}
		}(i)
	}
	wg.Wait()
	st := s.Stats()
	if st.Writes != 8*6 || st.Requests["UpdateFunction"] != 40 || st.Requests["CreateFunction"] != 8 {
		t.Errorf("stats = %+v", st)
	}
}

func TestListenAndServe(t *testing.T) {
	s, err := New(Options{Credentials: map[string]string{testAK: testSK}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, "127.0.0.1:0", func(u string) { urls <- u }) }()
	base := <-urls
	c := &apiClient{t: t, base: base, ak: testAK, sk: testSK, now: time.Now, http: http.DefaultClient}
	if r := c.do(http.MethodGet, "/2023-03-30/functions", nil, nil); r.Status != 200 {
		t.Fatalf("list over ListenAndServe: %d", r.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe returned %v", err)
	}
}
