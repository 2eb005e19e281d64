package fc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
)

func TestFunctionLifecycle(t *testing.T) {
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	ctx := bg()
	code := codeZip(t, "v1")

	created, err := e.client.CreateFunction(ctx, functionInput("shop-api", code))
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if created.Name() != "shop-api" || created.CodeChecksum() != fc.Checksum(code) {
		t.Fatalf("created = %v", created)
	}
	if !strings.HasSuffix(created.Arn(), ":functions/shop-api") || created.LastModifiedTime() == "" {
		t.Fatalf("server-set fields missing: %v", created)
	}
	// FC fills defaults and returns numbers the client keeps as json.Number.
	if created["memorySize"] != json.Number("512") || created["timeout"] != json.Number("3") {
		t.Fatalf("defaults: memorySize=%#v timeout=%#v", created["memorySize"], created["timeout"])
	}

	got, err := e.client.GetFunction(ctx, "shop-api")
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	if got["handler"] != "index.handler" || got["state"] != "Active" {
		t.Fatalf("GetFunction = %v", got)
	}

	loc, err := e.client.GetFunctionCode(ctx, "shop-api")
	if err != nil {
		t.Fatalf("GetFunctionCode: %v", err)
	}
	if loc.Checksum != fc.Checksum(code) {
		t.Fatalf("code checksum %s, want %s", loc.Checksum, fc.Checksum(code))
	}
	body, err := e.client.DownloadCode(ctx, loc.URL)
	if err != nil {
		t.Fatalf("DownloadCode: %v", err)
	}
	h := fc.NewChecksum()
	data, err := io.ReadAll(io.TeeReader(body, h))
	body.Close()
	if err != nil || string(data) != string(code) || strconv.FormatUint(h.Sum64(), 10) != loc.Checksum {
		t.Fatalf("downloaded %d bytes (err %v), want the uploaded zip", len(data), err)
	}

	code2 := codeZip(t, "v2")
	upd := got.UpdateInput()
	upd["description"] = "second"
	upd["code"] = map[string]any{"zipFile": functionInput("", code2)["code"].(map[string]any)["zipFile"]}
	updated, err := e.client.UpdateFunction(ctx, "shop-api", upd)
	if err != nil {
		t.Fatalf("UpdateFunction: %v", err)
	}
	if updated["description"] != "second" || updated.CodeChecksum() != fc.Checksum(code2) {
		t.Fatalf("update not applied: %v", updated)
	}
	if updated.LastModifiedTime() == got.LastModifiedTime() {
		t.Fatalf("lastModifiedTime unchanged by update: %s", updated.LastModifiedTime())
	}

	if err := e.client.DeleteFunction(ctx, "shop-api"); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	_, err = e.client.GetFunction(ctx, "shop-api")
	var fcErr *fc.Error
	if !fc.IsNotFound(err) || !errors.As(err, &fcErr) {
		t.Fatalf("GetFunction after delete: %v", err)
	}
	if fcErr.Op != "GetFunction" || fcErr.Subject != "shop-api" || fcErr.Status != 404 ||
		fcErr.Code != "FunctionNotFound" || fcErr.RequestID == "" {
		t.Fatalf("error fields = %+v", fcErr)
	}
	if !strings.HasPrefix(err.Error(), "GetFunction shop-api: FunctionNotFound: ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error text = %q", err.Error())
	}
}

func TestTriggerLifecycle(t *testing.T) {
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	ctx := bg()
	if _, err := e.client.CreateFunction(ctx, functionInput("web", codeZip(t, "w"))); err != nil {
		t.Fatal(err)
	}
	in := map[string]any{
		"triggerName": "http", "triggerType": "http",
		"triggerConfig": `{"authType":"anonymous","methods":["GET","POST"]}`,
	}
	tr, err := e.client.CreateTrigger(ctx, "web", in)
	if err != nil {
		t.Fatalf("CreateTrigger: %v", err)
	}
	if tr.Name() != "http" || tr["qualifier"] != "LATEST" || tr.LastModifiedTime() == "" {
		t.Fatalf("created trigger = %v", tr)
	}
	got, err := e.client.GetTrigger(ctx, "web", "http")
	if err != nil {
		t.Fatalf("GetTrigger: %v", err)
	}
	upd := got.UpdateInput()
	upd["triggerConfig"] = `{"authType":"function","methods":["GET"]}`
	updated, err := e.client.UpdateTrigger(ctx, "web", "http", upd)
	if err != nil {
		t.Fatalf("UpdateTrigger: %v", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(updated["triggerConfig"].(string)), &cfg); err != nil || cfg["authType"] != "function" {
		t.Fatalf("triggerConfig after update = %v (%v)", updated["triggerConfig"], err)
	}
	list, err := e.client.ListTriggers(ctx, "web")
	if err != nil || len(list) != 1 || list[0].Name() != "http" {
		t.Fatalf("ListTriggers = %v, %v", list, err)
	}
	if err := e.client.DeleteTrigger(ctx, "web", "http"); err != nil {
		t.Fatalf("DeleteTrigger: %v", err)
	}
	if _, err := e.client.GetTrigger(ctx, "web", "http"); !fc.IsNotFound(err) {
		t.Fatalf("GetTrigger after delete: %v", err)
	}
	if err := e.client.DeleteTrigger(ctx, "web", "http"); !fc.IsNotFound(err) {
		t.Fatalf("second DeleteTrigger: %v", err)
	}
}

func TestPagingPastOneHundred(t *testing.T) {
	// FC allows 50 triggers per function; paging triggers past one page of
	// 100 needs the emulator's limit raised.
	e := startEmulator(t, emulator.Options{MaxTriggersPerFunction: 200}, fc.Config{})
	ctx := bg()
	code := codeZip(t, "p")
	var want []string
	for i := range 205 {
		name := fmt.Sprintf("shop-%03d", i)
		want = append(want, name)
		if _, err := e.client.CreateFunction(ctx, functionInput(name, code)); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	for _, other := range []string{"admin-a", "admin-b"} {
		if _, err := e.client.CreateFunction(ctx, functionInput(other, code)); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.ResetStats()
	fns, err := e.client.ListFunctions(ctx, "shop-")
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	var names []string
	for _, f := range fns {
		names = append(names, f.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Fatalf("ListFunctions(shop-) returned %d names, want %d", len(names), len(want))
	}
	if pages := e.srv.Stats().Requests["ListFunctions"]; pages != 3 {
		t.Errorf("listed 205 functions in %d pages, want 3 of at most 100", pages)
	}
	all, err := e.client.ListFunctions(ctx, "")
	if err != nil || len(all) != 207 {
		t.Fatalf("ListFunctions() = %d, %v", len(all), err)
	}
	// The documents handed out beside the functions decode to them, page
	// by page, as a read decodes them later.
	docs := 0
	err = e.client.ListFunctionDocPages(ctx, fc.ListQuery{Prefix: "shop-"}, func(page []fc.Function, raw []json.RawMessage) error {
		if len(page) != len(raw) {
			t.Fatalf("a page of %d functions and %d documents", len(page), len(raw))
		}
		for i, doc := range raw {
			f, err := fc.DecodeFunction(doc)
			if err != nil {
				t.Fatalf("DecodeFunction(%s): %v", doc, err)
			}
			if !reflect.DeepEqual(f, page[i]) {
				t.Fatalf("document %d decodes to\n%v\nthe page holds\n%v", i, f, page[i])
			}
			if f.Name() != want[docs] {
				t.Fatalf("document %d is %s, want %s", docs, f.Name(), want[docs])
			}
			docs++
		}
		return nil
	})
	if err != nil || docs != len(want) {
		t.Fatalf("ListFunctionDocPages(shop-): %d documents, %v", docs, err)
	}

	var wantTriggers []string
	for i := range 105 {
		name := fmt.Sprintf("timer-%03d", i)
		wantTriggers = append(wantTriggers, name)
		_, err := e.client.CreateTrigger(ctx, "shop-000", map[string]any{
			"triggerName": name, "triggerType": "timer",
			"triggerConfig": `{"cronExpression":"@every 1m","enable":true}`,
		})
		if err != nil {
			t.Fatalf("create trigger %s: %v", name, err)
		}
	}
	triggers, err := e.client.ListTriggers(ctx, "shop-000")
	if err != nil {
		t.Fatalf("ListTriggers: %v", err)
	}
	var tnames []string
	for _, tr := range triggers {
		tnames = append(tnames, tr.Name())
	}
	slices.Sort(tnames)
	if !slices.Equal(tnames, wantTriggers) {
		t.Fatalf("ListTriggers returned %d triggers, want 105", len(tnames))
	}
}

func TestErrorKinds(t *testing.T) {
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	ctx := bg()
	code := codeZip(t, "k")
	if _, err := e.client.CreateFunction(ctx, functionInput("exists", code)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateTrigger(ctx, "exists", map[string]any{"triggerName": "t", "triggerType": "timer",
		"triggerConfig": `{"cronExpression":"@every 1m","enable":true}`}); err != nil {
		t.Fatal(err)
	}
	badRuntime := functionInput("bad", code)
	badRuntime["runtime"] = "cobol85"
	badMemory := functionInput("bad", code)
	badMemory["memorySize"] = 100

	wrongSecret := startEmulatorClient(t, e.url, "AK", "wrong")
	unknownKey := startEmulatorClient(t, e.url, "NOPE", "SK")

	// A port that was open a moment ago and is now closed: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + l.Addr().String()
	l.Close()
	closed := startEmulatorClient(t, closedURL, "AK", "SK")

	tests := []struct {
		name string
		call func() error
		want fc.Kind
		code string
	}{
		{"function not found", func() error { _, err := e.client.GetFunction(ctx, "missing"); return err }, fc.KindNotFound, "FunctionNotFound"},
		{"trigger not found", func() error { _, err := e.client.GetTrigger(ctx, "exists", "missing"); return err }, fc.KindNotFound, "TriggerNotFound"},
		{"code of missing function", func() error { _, err := e.client.GetFunctionCode(ctx, "missing"); return err }, fc.KindNotFound, "FunctionNotFound"},
		{"function exists", func() error { _, err := e.client.CreateFunction(ctx, functionInput("exists", code)); return err }, fc.KindAlreadyExists, "FunctionAlreadyExists"},
		{"trigger exists", func() error {
			_, err := e.client.CreateTrigger(ctx, "exists", map[string]any{"triggerName": "t", "triggerType": "timer",
				"triggerConfig": `{"cronExpression":"@every 1m","enable":true}`})
			return err
		}, fc.KindAlreadyExists, "TriggerAlreadyExists"},
		{"bad runtime", func() error { _, err := e.client.CreateFunction(ctx, badRuntime); return err }, fc.KindInvalidArgument, ""},
		{"bad memory", func() error { _, err := e.client.CreateFunction(ctx, badMemory); return err }, fc.KindInvalidArgument, ""},
		{"wrong secret", func() error { _, err := wrongSecret.GetFunction(ctx, "exists"); return err }, fc.KindAccessDenied, ""},
		{"unknown key", func() error { _, err := unknownKey.ListFunctions(ctx, ""); return err }, fc.KindAccessDenied, ""},
		{"connection refused", func() error { _, err := closed.GetFunction(ctx, "exists"); return err }, fc.KindNetwork, ""},
		{"tags of missing function", func() error { return e.client.TagFunction(ctx, "missing", map[string]string{"a": "b"}) }, fc.KindNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if fc.KindOf(err) != tt.want {
				t.Fatalf("err = %v (kind %v), want kind %v", err, fc.KindOf(err), tt.want)
			}
			var fcErr *fc.Error
			if !errors.As(err, &fcErr) {
				t.Fatalf("%T is not *fc.Error", err)
			}
			if tt.code != "" && fcErr.Code != tt.code {
				t.Fatalf("code = %q, want %q", fcErr.Code, tt.code)
			}
			if tt.want != fc.KindNetwork && fcErr.RequestID == "" {
				t.Errorf("no request id in %v", err)
			}
		})
	}

	// Faults injected on every request exhaust the retries with the right kind.
	faults := []struct {
		name                  string
		errorRate, throttling float64
		want                  fc.Kind
	}{
		{"always throttled", 0, 1, fc.KindThrottled},
		{"always failing", 1, 0, fc.KindServer},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			fe := startEmulator(t, emulator.Options{ErrorRate: f.errorRate, ThrottleRate: f.throttling},
				fc.Config{Retry: fc.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}})
			_, err := fe.client.GetFunction(ctx, "x")
			if fc.KindOf(err) != f.want {
				t.Fatalf("err = %v (kind %v), want %v", err, fc.KindOf(err), f.want)
			}
			if n := fe.srv.Stats().Requests["GetFunction"]; n != 3 {
				t.Fatalf("%d attempts, want MaxAttempts=3", n)
			}
		})
	}
}

// startEmulatorClient is a client with the given keys for an existing server.
func startEmulatorClient(t *testing.T, url, ak, sk string) *fc.Client {
	t.Helper()
	c, err := fc.New(fc.Config{Endpoint: url, AccessKeyID: ak, AccessKeySecret: sk,
		Retry: fc.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetriesUnderInjectedFaults(t *testing.T) {
	e := startEmulator(t, emulator.Options{ErrorRate: 0.3, ThrottleRate: 0.3, Seed: 7}, fc.Config{})
	ctx := bg()
	const n = 25
	for i := range n {
		name := fmt.Sprintf("f-%02d", i)
		if _, err := e.client.CreateFunction(ctx, functionInput(name, codeZip(t, name))); err != nil {
			t.Fatalf("CreateFunction %s: %v", name, err)
		}
		if _, err := e.client.UpdateFunction(ctx, name, map[string]any{"description": "d-" + name}); err != nil {
			t.Fatalf("UpdateFunction %s: %v", name, err)
		}
	}
	fns, err := e.client.ListFunctions(ctx, "f-")
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	if len(fns) != n {
		t.Fatalf("listed %d functions, want %d", len(fns), n)
	}
	for _, f := range fns {
		got, err := e.client.GetFunction(ctx, f.Name())
		if err != nil {
			t.Fatalf("GetFunction: %v", err)
		}
		if got["description"] != "d-"+f.Name() || got.CodeChecksum() != fc.Checksum(codeZip(t, f.Name())) {
			t.Fatalf("%s: description %v checksum %s", f.Name(), got["description"], got.CodeChecksum())
		}
	}
	stats := e.srv.Stats()
	if stats.Requests["CreateFunction"] <= n || stats.Requests["GetFunction"] <= n {
		t.Fatalf("no retries observed (faults not injected?): %v", stats.Requests)
	}
	// Exactly one create and one update per function took effect.
	if stats.Writes != 2*n {
		t.Fatalf("writes = %d, want %d", stats.Writes, 2*n)
	}
}

func TestContextCancellationReturnsPromptly(t *testing.T) {
	e := startEmulator(t, emulator.Options{Latency: 5 * time.Second}, fc.Config{})
	ctx, cancel := context.WithTimeout(bg(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.client.ListFunctions(ctx, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("returned after %v, deadline was 100ms", el)
	}
}

func TestWaitFunctionSettled(t *testing.T) {
	const settle = 300 * time.Millisecond
	e := startEmulator(t, emulator.Options{SettleDelay: settle}, fc.Config{})
	ctx := bg()
	start := time.Now()
	created, err := e.client.CreateFunction(ctx, functionInput("slow", codeZip(t, "s")))
	if err != nil {
		t.Fatal(err)
	}
	now, err := e.client.GetFunction(ctx, "slow")
	if err != nil {
		t.Fatal(err)
	}
	if now["state"] != "Pending" && created["state"] != "Pending" {
		t.Fatalf("function not pending right after create: %v / %v", created["state"], now["state"])
	}
	f, err := e.client.WaitFunctionSettled(ctx, "slow")
	if err != nil {
		t.Fatalf("WaitFunctionSettled: %v", err)
	}
	if f["state"] != "Active" || f["lastUpdateStatus"] != "Successful" {
		t.Fatalf("settled function: state %v lastUpdateStatus %v", f["state"], f["lastUpdateStatus"])
	}
	if el := time.Since(start); el < settle {
		t.Fatalf("settled after %v, before the %v settle delay", el, settle)
	}
	// An update right after settling is accepted, and waiting again works.
	if _, err := e.client.UpdateFunction(ctx, "slow", map[string]any{"description": "x"}); err != nil {
		t.Fatalf("UpdateFunction after settle: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.client.WaitFunctionSettled(short, "slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait with short deadline: %v", err)
	}
	if _, err := e.client.WaitFunctionSettled(ctx, "slow"); err != nil {
		t.Fatalf("second wait: %v", err)
	}
	if _, err := e.client.WaitFunctionSettled(ctx, "missing"); !fc.IsNotFound(err) {
		t.Fatalf("wait on missing function: %v", err)
	}
}

func TestDownloadURLExpires(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	e := startEmulator(t, emulator.Options{Now: clock.Now, CodeURLExpiry: 10 * time.Minute}, fc.Config{})
	ctx := bg()
	if _, err := e.client.CreateFunction(ctx, functionInput("dl", codeZip(t, "d"))); err != nil {
		t.Fatal(err)
	}
	loc, err := e.client.GetFunctionCode(ctx, "dl")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(9 * time.Minute)
	body, err := e.client.DownloadCode(ctx, loc.URL)
	if err != nil {
		t.Fatalf("download before expiry: %v", err)
	}
	body.Close()
	clock.Advance(2 * time.Minute)
	_, err = e.client.DownloadCode(ctx, loc.URL)
	if fc.KindOf(err) != fc.KindAccessDenied {
		t.Fatalf("download after expiry: %v (kind %v)", err, fc.KindOf(err))
	}
	if strings.Contains(err.Error(), "Signature=") || strings.Contains(err.Error(), "?") {
		t.Fatalf("error exposes the presigned query: %v", err)
	}
	// Tampering with the signature is refused too.
	if _, err := e.client.DownloadCode(ctx, loc.URL+"0"); fc.KindOf(err) != fc.KindAccessDenied {
		t.Fatalf("tampered URL: %v", err)
	}
}

func TestUnknownFieldsRoundTrip(t *testing.T) {
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	ctx := bg()
	in := functionInput("future", codeZip(t, "f"))
	in["futureField"] = map[string]any{"a": 1}
	in["environmentVariables"] = map[string]string{"K": "V"}
	if _, err := e.client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetFunction(ctx, "future")
	if err != nil {
		t.Fatal(err)
	}
	upd := got.UpdateInput()
	upd["description"] = "edited"
	if _, err := e.client.UpdateFunction(ctx, "future", upd); err != nil {
		t.Fatalf("UpdateFunction with UpdateInput: %v", err)
	}
	after, err := e.client.GetFunction(ctx, "future")
	if err != nil {
		t.Fatal(err)
	}
	ff, ok := after["futureField"].(map[string]any)
	if !ok || ff["a"] != json.Number("1") {
		t.Fatalf("futureField after round trip = %#v", after["futureField"])
	}
	if after["description"] != "edited" || after.CodeChecksum() != got.CodeChecksum() {
		t.Fatalf("after = %v", after)
	}
	// Everything else is as it was.
	for k, v := range got.UpdateInput() {
		if k == "description" {
			continue
		}
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(after[k])
		if string(a) != string(b) {
			t.Errorf("%s changed: %s -> %s", k, a, b)
		}
	}
}

func TestCreateRetriedAfterLostResponse(t *testing.T) {
	ctx := bg()
	t.Run("function", func(t *testing.T) {
		drop := &dropFirstResponse{base: http.DefaultTransport, method: http.MethodPost, path: "/2023-03-30/functions"}
		e := startEmulator(t, emulator.Options{}, fc.Config{Transport: drop})
		code := codeZip(t, "lost")
		f, err := e.client.CreateFunction(ctx, functionInput("lost", code))
		if err != nil {
			t.Fatalf("CreateFunction after lost response: %v", err)
		}
		if f.Name() != "lost" || f.CodeChecksum() != fc.Checksum(code) {
			t.Fatalf("returned %v", f)
		}
		st := e.srv.Stats()
		if st.Requests["CreateFunction"] != 2 || st.Writes != 1 {
			t.Fatalf("stats = %+v, want 2 create requests and 1 write", st)
		}
	})
	t.Run("function created by someone else meanwhile", func(t *testing.T) {
		drop := &dropFirstResponse{base: http.DefaultTransport, method: http.MethodPost, path: "/2023-03-30/functions"}
		e := startEmulator(t, emulator.Options{}, fc.Config{Transport: drop})
		other := startEmulatorClient(t, e.url, "AK", "SK")
		// Another client created a different function under the name; our
		// first answer (409) is lost, so the retry cannot rule out that the
		// function is ours, reads it back, sees other code, and must report
		// AlreadyExists.
		if _, err := other.CreateFunction(ctx, functionInput("taken", codeZip(t, "theirs"))); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.CreateFunction(ctx, functionInput("taken", codeZip(t, "ours")))
		if !fc.IsAlreadyExists(err) {
			t.Fatalf("err = %v, want AlreadyExists", err)
		}
	})
	t.Run("trigger", func(t *testing.T) {
		drop := &dropFirstResponse{base: http.DefaultTransport, method: http.MethodPost, path: "/2023-03-30/functions/web/triggers"}
		e := startEmulator(t, emulator.Options{}, fc.Config{Transport: drop})
		if _, err := e.client.CreateFunction(ctx, functionInput("web", codeZip(t, "w"))); err != nil {
			t.Fatal(err)
		}
		tr, err := e.client.CreateTrigger(ctx, "web", map[string]any{"triggerName": "http", "triggerType": "http",
			"triggerConfig": `{"authType":"anonymous","methods":["GET"]}`})
		if err != nil {
			t.Fatalf("CreateTrigger after lost response: %v", err)
		}
		if tr.Name() != "http" {
			t.Fatalf("returned %v", tr)
		}
		if n := e.srv.Stats().Requests["CreateTrigger"]; n != 2 {
			t.Fatalf("%d create requests, want 2", n)
		}
	})
}

func TestFunctionTags(t *testing.T) {
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	ctx := bg()
	if _, err := e.client.CreateFunction(ctx, functionInput("tagged", codeZip(t, "t"))); err != nil {
		t.Fatal(err)
	}
	tags, err := e.client.FunctionTags(ctx, "tagged")
	if err != nil || len(tags) != 0 {
		t.Fatalf("initial tags = %v, %v", tags, err)
	}
	want := map[string]string{"fcgit-deployed-from": "0123abcd", "team": "shop"}
	for i := range 18 { // FC allows 20 tags per function
		want[fmt.Sprintf("k%02d", i)] = strconv.Itoa(i)
	}
	if err := e.client.TagFunction(ctx, "tagged", want); err != nil {
		t.Fatalf("TagFunction: %v", err)
	}
	got, err := e.client.FunctionTags(ctx, "tagged")
	if err != nil {
		t.Fatalf("FunctionTags: %v", err)
	}
	if !mapsEqual(got, want) {
		t.Fatalf("tags = %v\nwant %v", got, want)
	}
	if err := e.client.TagFunction(ctx, "tagged", map[string]string{"team": "ops"}); err != nil {
		t.Fatal(err)
	}
	var remove []string
	for k := range want {
		if strings.HasPrefix(k, "k") {
			remove = append(remove, k)
		}
	}
	if err := e.client.UntagFunction(ctx, "tagged", append(remove, "absent")); err != nil {
		t.Fatalf("UntagFunction: %v", err)
	}
	got, err = e.client.FunctionTags(ctx, "tagged")
	if err != nil {
		t.Fatal(err)
	}
	if !mapsEqual(got, map[string]string{"fcgit-deployed-from": "0123abcd", "team": "ops"}) {
		t.Fatalf("tags after retag/untag = %v", got)
	}
	// GetFunction reports the same tags.
	f, err := e.client.GetFunction(ctx, "tagged")
	if err != nil {
		t.Fatal(err)
	}
	if !mapsEqual(f.Tags(), got) {
		t.Fatalf("GetFunction tags = %v, ListTagResources = %v", f.Tags(), got)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestDeleteRetriedAfterLostResponse(t *testing.T) {
	ctx := bg()
	drop := &dropFirstResponse{base: http.DefaultTransport, method: http.MethodDelete, path: "/2023-03-30/functions/gone"}
	e := startEmulator(t, emulator.Options{}, fc.Config{Transport: drop})
	if _, err := e.client.CreateFunction(ctx, functionInput("gone", codeZip(t, "g"))); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteFunction(ctx, "gone"); err != nil {
		t.Fatalf("DeleteFunction after lost response: %v", err)
	}
	if n := e.srv.Stats().Requests["DeleteFunction"]; n != 2 {
		t.Fatalf("%d delete requests, want 2", n)
	}
	if err := e.client.DeleteFunction(ctx, "gone"); !fc.IsNotFound(err) {
		t.Fatalf("deleting a missing function: %v", err)
	}
}

func TestConcurrentUseUnderFaults(t *testing.T) {
	e := startEmulator(t, emulator.Options{ErrorRate: 0.2, ThrottleRate: 0.2, Seed: 3}, fc.Config{})
	ctx := bg()
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		go func() {
			name := fmt.Sprintf("c-%02d", i)
			if _, err := e.client.CreateFunction(ctx, functionInput(name, codeZip(t, name))); err != nil {
				errs <- err
				return
			}
			for range 3 {
				if _, err := e.client.GetFunction(ctx, name); err != nil {
					errs <- err
					return
				}
				if _, err := e.client.ListFunctions(ctx, "c-"); err != nil {
					errs <- err
					return
				}
			}
			errs <- e.client.TagFunction(ctx, name, map[string]string{"n": name})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	fns, err := e.client.ListFunctions(ctx, "c-")
	if err != nil || len(fns) != n {
		t.Fatalf("ListFunctions = %d, %v", len(fns), err)
	}
}
