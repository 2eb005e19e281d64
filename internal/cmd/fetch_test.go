package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
)

var testRuntimes = []string{"python3.10", "nodejs18", "go1", "custom.debian10", "java11"}

// populate creates n functions of mixed runtimes, with triggers on some.
func populate(t *testing.T, w *world, n int) {
	t.Helper()
	ctx := t.Context()
	for i := range n {
		name := fmt.Sprintf("fn-%03d", i)
		in := map[string]any{
			"functionName": name, "runtime": testRuntimes[i%len(testRuntimes)], "handler": "index.handler",
			"memorySize": 128 * (1 + i%4), "environmentVariables": map[string]any{"INDEX": fmt.Sprint(i)},
			"code": codeInput(t, map[string]string{"index.py": fmt.Sprintf("# function %d\n", i), "lib/util.py": "X = 1\n"}),
		}
		if _, err := w.client.CreateFunction(ctx, in); err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0:
			_, err := w.client.CreateTrigger(ctx, name, map[string]any{"triggerName": "web", "triggerType": "http",
				"triggerConfig": `{"authType":"anonymous","methods":["GET"]}`})
			if err != nil {
				t.Fatal(err)
			}
		case 1:
			_, err := w.client.CreateTrigger(ctx, name, map[string]any{"triggerName": "tick", "triggerType": "timer",
				"triggerConfig": `{"cronExpression":"@every 5m","enable":true,"payload":"x"}`})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestFetch250 is issue 3's acceptance: paging, one root commit, an unchanged
// fetch that commits nothing and downloads nothing, one commit per console
// edit showing just that edit, and real git agreeing throughout.
func TestFetch250(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	populate(t, w, 250)
	w.git("add", "-A")
	w.git("commit", "-q", "-m", "init")

	out := w.mustRun("fetch")
	if !strings.Contains(out, "250 functions online") {
		t.Fatalf("first fetch: %s", out)
	}
	if parents := strings.TrimSpace(w.git("log", "--format=%P", "fcgit/online")); parents != "" {
		t.Fatalf("first fetch must make a root commit, parents %q", parents)
	}
	if n := strings.Count(w.git("ls-tree", "-d", "--name-only", "fcgit/online:functions"), "\n"); n != 250 {
		t.Fatalf("online branch holds %d functions, want 250", n)
	}
	w.git("fsck", "--strict")
	// The read's objects went into one pack: only what was written after
	// it (the commit, its note) is loose.
	counts := map[string]int{}
	for _, line := range strings.Split(w.git("count-objects", "-v"), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			counts[k], _ = strconv.Atoi(v)
		}
	}
	if counts["in-pack"] < 3*250 || counts["count"] > 10 || counts["packs"] != 1 {
		t.Fatalf("objects after a first fetch: %v, want them in one pack", counts)
	}
	if st := w.git("status", "--porcelain"); st != "" {
		t.Fatalf("fetch touched the work tree or index:\n%s", st)
	}
	note := w.git("notes", "--ref", "fcgit", "show", "fcgit/online")
	if !strings.Contains(note, `"codeChecksum"`) || !strings.Contains(note, `"fn-249"`) {
		t.Fatalf("note lacks metadata:\n%.400s", note)
	}

	tip := w.git("rev-parse", "fcgit/online")
	w.srv.ResetStats()
	out = w.mustRun("fetch")
	if !strings.Contains(out, "up to date") {
		t.Fatalf("second fetch: %s", out)
	}
	if got := w.git("rev-parse", "fcgit/online"); got != tip {
		t.Fatal("an unchanged fetch made a commit")
	}
	if st := w.srv.Stats(); st.Requests["DownloadCode"] != 0 || st.Requests["GetFunctionCode"] != 0 {
		t.Fatalf("an unchanged fetch downloaded code: %v", st.Requests)
	}

	if _, err := w.client.UpdateFunction(t.Context(), "fn-042", map[string]any{"timeout": 42}); err != nil {
		t.Fatal(err)
	}
	w.mustRun("fetch")
	if n := strings.TrimSpace(w.git("rev-list", "--count", "fcgit/online")); n != "2" {
		t.Fatalf("console edit made %s commits in all, want 2", n)
	}
	diff := w.git("diff", "fcgit/online~1", "fcgit/online")
	if !strings.Contains(diff, "+timeout = 42") || strings.Count(diff, "diff --git") != 1 {
		t.Fatalf("diff of the console edit:\n%s", diff)
	}
	if msg := w.git("log", "-1", "--format=%B", "fcgit/online"); !strings.Contains(msg, "changed: fn-042 (config: timeout)") {
		t.Fatalf("commit message: %s", msg)
	}
	w.git("fsck", "--strict")
	// git's own maintenance takes fcgit's packs as its own.
	w.git("gc", "-q")
	w.git("fsck", "--strict")
	if out := w.mustRun("fetch"); !strings.Contains(out, "up to date") {
		t.Fatalf("fetch after git gc: %s", out)
	}
}

// TestFetchFailureChangesNothing: an error part-way leaves the branch and
// notes exactly as they were.
func TestFetchFailureChangesNothing(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	populate(t, w, 20)
	w.mustRun("fetch")
	before := w.git("for-each-ref")
	for i := range 20 {
		if _, err := w.client.UpdateFunction(t.Context(), fmt.Sprintf("fn-%03d", i), map[string]any{"timeout": 60}); err != nil {
			t.Fatal(err)
		}
	}
	// Every request fails from now on: retries give up and fetch errors.
	w.srv.SetFaults(0, 1, 0)
	code, out := w.run("fetch")
	if code != exitError {
		t.Fatalf("fetch under failures: exit %d\n%s", code, out)
	}
	if after := w.git("for-each-ref"); after != before {
		t.Fatalf("a failed fetch moved refs:\nbefore %s\nafter %s", before, after)
	}
	w.srv.SetFaults(0, 0, 0)
	w.mustRun("fetch")
	if after := w.git("for-each-ref"); after == before {
		t.Fatal("fetch after recovery recorded nothing")
	}
}

// TestFetchCancelledChangesNothing: Ctrl-C part-way (the context cancelled
// while functions are being read) leaves the branch and notes as they were.
func TestFetchCancelledChangesNothing(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	populate(t, w, 40)
	w.mustRun("fetch")
	for i := range 40 {
		if _, err := w.client.UpdateFunction(t.Context(), fmt.Sprintf("fn-%03d", i), map[string]any{"timeout": 61}); err != nil {
			t.Fatal(err)
		}
	}
	before := w.git("for-each-ref")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	seen := 0
	w.srv.SetBefore(func(op, fn string) {
		mu.Lock()
		defer mu.Unlock()
		if op == "ListTriggers" {
			if seen++; seen == 10 {
				cancel()
			}
		}
	})
	var out bytes.Buffer
	code := Main(ctx, []string{"fcgit", "-C", w.dir, "fetch"}, Env{Stdout: &out, Stderr: &out, Getenv: testCredentials})
	w.srv.SetBefore(nil)
	if code != exitError || !strings.Contains(out.String(), "interrupted") {
		t.Fatalf("cancelled fetch: exit %d\n%s", code, out.String())
	}
	if after := w.git("for-each-ref"); after != before {
		t.Fatalf("a cancelled fetch moved refs:\nbefore %s\nafter %s", before, after)
	}
	// What it had stored was in its unfinished pack: gone, and nothing
	// left behind for git to trip on.
	if tmp, _ := filepath.Glob(filepath.Join(w.dir, ".git", "objects", "pack", "tmp_*")); len(tmp) > 0 {
		t.Fatalf("a cancelled fetch left %v", tmp)
	}
	w.git("fsck", "--strict")
}

// TestFetchSettingsRequestCount: what an unchanged fetch of 200 functions
// with nothing configured asks FC for beyond listing functions and their
// triggers, as readForEveryFunction says: the region's settings cost one
// listing per kind (async invoke, concurrency, provision, scaling), custom
// domains one; aliases and VPC bindings, read for every function by
// default, one request per function each; left out, none (nothing declares
// them).
func TestFetchSettingsRequestCount(t *testing.T) {
	tests := []struct {
		name  string
		reads string // readForEveryFunction's line, "" for none (the default)
		want  map[string]int
	}{
		{"default: everything", "", map[string]int{"ListAsyncInvokeConfigs": 1, "ListConcurrencyConfigs": 1, "ListProvisionConfigs": 1,
			"ListScalingConfigs": 1, "ListCustomDomains": 1, "ListAliases": 200, "ListVpcBindings": 200}},
		{"the region's settings only", `readForEveryFunction = ["asyncInvokeConfig", "concurrencyConfig", "provisionConfig", "scalingConfig"]`,
			map[string]int{"ListAsyncInvokeConfigs": 1, "ListConcurrencyConfigs": 1, "ListProvisionConfigs": 1, "ListScalingConfigs": 1, "ListCustomDomains": 1}},
		{"the old watch key, empty", `watch = []`,
			map[string]int{"ListAsyncInvokeConfigs": 1, "ListConcurrencyConfigs": 1, "ListProvisionConfigs": 1, "ListScalingConfigs": 1, "ListCustomDomains": 1}},
		{"nothing for every function", `readForEveryFunction = []`, map[string]int{"ListCustomDomains": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, emulator.Options{})
			if tt.reads != "" {
				data, err := os.ReadFile(filepath.Join(w.dir, "fcgit.toml"))
				if err != nil {
					t.Fatal(err)
				}
				w.write("fcgit.toml", strings.Replace(string(data), "\n[scope]\n", "\n"+tt.reads+"\n\n[scope]\n", 1))
			}
			populate(t, w, 200)
			w.mustRun("fetch")
			w.srv.ResetStats()
			w.mustRun("fetch")
			got := map[string]int{}
			for op, n := range w.srv.Stats().Requests {
				if op != "ListFunctions" && op != "ListTriggers" {
					got[op] = n
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("an unchanged fetch of 200 functions made, beyond listing functions and triggers:\n%v\nwant %v", got, tt.want)
			}
			if n := w.srv.Stats().Requests["ListTriggers"]; n != 200 {
				t.Fatalf("ListTriggers: %d requests, want one per function", n)
			}
		})
	}
}

// TestVerbosePhases: fetch -v says, per phase, how long it took and what it
// asked FC for; the total agrees with what the emulator served.
//
// Not parallel: tests that run Main in this process run one at a time, as
// fcgit does (urfave/cli's help flag is a package variable that each run
// writes).
func TestVerbosePhases(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	populate(t, w, 12)
	w.srv.ResetStats()
	out := w.mustRun("-v", "fetch")
	for _, phase := range []string{"list", "read", "record", "total"} {
		if !regexp.MustCompile(`(?m)^fetch: ` + phase + ` +[0-9]+\.[0-9]{2}s`).MatchString(out) {
			t.Errorf("no %s phase line in\n%s", phase, out)
		}
	}
	served := 0
	for op, n := range w.srv.Stats().Requests {
		if op != "DownloadCode" {
			served += n
		}
	}
	total := regexp.MustCompile(`(?m)^fetch: total .* (\d+) requests  12 downloads`).FindStringSubmatch(out)
	if total == nil || total[1] != strconv.Itoa(served) {
		t.Fatalf("total line %v, the emulator served %d API requests and 12 downloads:\n%s", total, served, out)
	}
}

// TestFetchReadsWhileListing: the triggers of the functions on the first
// listing page are read while the next page is still being listed, not
// after the whole listing: the emulator holds the second page back until a
// ListTriggers request arrives (or gives up after 10 s, and the test fails).
func TestFetchReadsWhileListing(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	populate(t, w, 150) // two pages of 100
	triggersSeen := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	pages, overlapped := 0, false
	w.srv.SetBefore(func(op, fn string) {
		switch op {
		case "ListTriggers":
			once.Do(func() { close(triggersSeen) })
		case "ListFunctions":
			mu.Lock()
			pages++
			second := pages == 2
			mu.Unlock()
			if second {
				select {
				case <-triggersSeen:
					mu.Lock()
					overlapped = true
					mu.Unlock()
				case <-time.After(10 * time.Second):
				}
			}
		}
	})
	w.mustRun("fetch")
	w.srv.SetBefore(nil)
	mu.Lock()
	defer mu.Unlock()
	if pages != 2 || !overlapped {
		t.Fatalf("%d listing pages; triggers read during the listing: %v", pages, overlapped)
	}
}
