package fetch

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

type fixture struct {
	client *fc.Client
	srv    *emulator.Server
	repo   *gitstate.Repo
	dir    string
	branch Branch
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	srv, err := emulator.New(emulator.Options{Credentials: map[string]string{"ak": "sk"}})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(func() { ts.Close(); srv.Close() })
	client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: ts.URL, AccessKeyID: "ak", AccessKeySecret: "sk"})
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	repo, err := gitstate.Init(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("GIT_AUTHOR_NAME", "T")
	tb.Setenv("GIT_AUTHOR_EMAIL", "t@example.com")
	tb.Setenv("GIT_COMMITTER_NAME", "T")
	tb.Setenv("GIT_COMMITTER_EMAIL", "t@example.com")
	return &fixture{client: client, srv: srv, repo: repo, dir: dir,
		branch: Branch{Ref: "refs/heads/fcgit/online", Dir: "functions", Region: "cn-hangzhou"}}
}

func zipOf(tb testing.TB, files map[string]string) string {
	var cf []snapshot.CodeFile
	for p, c := range files {
		c := c
		cf = append(cf, snapshot.CodeFile{Path: p, Mode: 0o644, Size: int64(len(c)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(c)), nil }})
	}
	var buf bytes.Buffer
	if err := snapshot.WriteZip(&buf, cf); err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func (f *fixture) create(tb testing.TB, name string, extra map[string]any) {
	tb.Helper()
	in := map[string]any{"functionName": name, "runtime": "python3.10", "handler": "index.handler",
		"code": map[string]any{"zipFile": zipOf(tb, map[string]string{"index.py": "# " + name + "\n"})}}
	for k, v := range extra {
		in[k] = v
	}
	if _, err := f.client.CreateFunction(context.Background(), in); err != nil {
		tb.Fatal(err)
	}
}

// fetch is what `fcgit fetch` does, for tests of the pieces.
func (f *fixture) fetch(tb testing.TB) (plumbing.Hash, bool, []Change) {
	tb.Helper()
	ctx := context.Background()
	prep, err := Prepare(ctx, f.client, f.repo, f.branch, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	on, err := prep.Read(ctx, f.client, f.repo, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := prep.Commit(f.repo, f.branch); err != nil {
		tb.Fatal(err)
	}
	changes, err := Changes(f.repo, prep.Tip, on)
	if err != nil {
		tb.Fatal(err)
	}
	h, changed, err := Record(f.repo, f.branch, prep.Tip, on, changes)
	if err != nil {
		tb.Fatal(err)
	}
	return h, changed, changes
}

func TestRecordChangesAndMessages(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a", nil)
	f.create(t, "b", nil)
	first, changed, changes := f.fetch(t)
	if !changed || len(changes) != 2 || changes[0].Kind != "added" {
		t.Fatalf("first fetch: changed=%v changes=%+v", changed, changes)
	}
	c, err := f.repo.ReadCommit(first)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ParentHashes) != 0 || !strings.HasPrefix(c.Message, "Online state of cn-hangzhou: 2 added") {
		t.Fatalf("root commit: parents %v, message %q", c.ParentHashes, c.Message)
	}

	ctx := context.Background()
	if _, err := f.client.UpdateFunction(ctx, "a", map[string]any{"memorySize": 1024, "code": map[string]any{"zipFile": zipOf(t, map[string]string{"index.py": "v2"})}}); err != nil {
		t.Fatal(err)
	}
	if err := f.client.DeleteFunction(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	f.create(t, "c", nil)
	second, changed, changes := f.fetch(t)
	if !changed {
		t.Fatal("changes online made no commit")
	}
	want := map[string]string{"a": "changed", "b": "deleted", "c": "added"}
	for _, ch := range changes {
		if want[ch.Name] != ch.Kind {
			t.Errorf("%s: kind %s, want %s", ch.Name, ch.Kind, want[ch.Name])
		}
		if ch.Name == "a" && ch.Describe() != "config: memorySize; code" {
			t.Errorf("a: %q", ch.Describe())
		}
	}
	c, err = f.repo.ReadCommit(second)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ParentHashes) != 1 || c.ParentHashes[0] != first {
		t.Fatalf("parent = %v, want %s", c.ParentHashes, first)
	}
	for _, line := range []string{"1 added, 1 changed, 1 deleted", "changed: a (config: memorySize; code)", "deleted: b", "added: c"} {
		if !strings.Contains(c.Message, line) {
			t.Errorf("message lacks %q:\n%s", line, c.Message)
		}
	}
	note, ok, err := f.repo.ReadNote(NotesRef, second)
	if err != nil || !ok {
		t.Fatalf("note: %v %v", ok, err)
	}
	n, err := DecodeNote(note)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.client.GetFunction(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if n.Functions["a"].CodeChecksum != got.CodeChecksum() || n.Functions["a"].LastModifiedTime != got.LastModifiedTime() {
		t.Fatalf("note for a = %+v, online %s %s", n.Functions["a"], got.CodeChecksum(), got.LastModifiedTime())
	}
	if _, ok := n.Functions["b"]; ok {
		t.Fatal("note keeps a deleted function")
	}
}

// TestRecordKeepsRestOfTree: the online branch's commits keep everything
// outside the managed directory as the old tip had it.
func TestRecordKeepsRestOfTree(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a", nil)
	readme, _ := f.repo.StoreBlob([]byte("readme\n"))
	root, err := f.repo.StoreTree([]gitstate.TreeEntry{{Name: "README", Mode: 0o100644, Hash: readme}})
	if err != nil {
		t.Fatal(err)
	}
	sig := gitstate.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1700000000, 0)}
	base, err := f.repo.StoreCommit(gitstate.CommitSpec{Tree: root, Message: "base", Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.repo.UpdateRef(f.branch.Ref, base, plumbing.ZeroHash, "test"); err != nil {
		t.Fatal(err)
	}
	h, _, _ := f.fetch(t)
	c, _ := f.repo.ReadCommit(h)
	if e, ok, err := f.repo.TreeEntryAt(c.TreeHash, "README"); err != nil || !ok || e.Hash != readme {
		t.Fatalf("README lost: %v %v", ok, err)
	}
	if _, ok, _ := f.repo.TreeEntryAt(c.TreeHash, "functions/a/function.toml"); !ok {
		t.Fatal("function missing")
	}
}

func TestResolveTipFromStamps(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a", nil)
	f.create(t, "b", nil)
	first, _, _ := f.fetch(t)
	ctx := context.Background()
	stamp := func(fn string, h plumbing.Hash) {
		if err := f.client.TagFunction(ctx, fn, map[string]string{StampTag: h.String()}); err != nil {
			t.Fatal(err)
		}
	}
	// A commit after the tip that the branch does not contain, deployed to a.
	c1, _ := f.repo.ReadCommit(first)
	sig := gitstate.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1700000000, 0)}
	later, err := f.repo.StoreCommit(gitstate.CommitSpec{Tree: c1.TreeHash, Parents: []plumbing.Hash{first}, Message: "later", Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	stamp("a", first)
	tip, err := LoadTip(f.repo, f.branch)
	if err != nil {
		t.Fatal(err)
	}
	fns, err := List(ctx, f.client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, st, err := ResolveTip(f.repo, f.branch, tip, fns, plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rebuilt || got.Commit != first {
		t.Fatalf("a stamp the branch contains must not rebuild: %+v", st)
	}

	stamp("a", later)
	stamp("b", plumbing.NewHash(strings.Repeat("ab", 20)))
	fns, _ = List(ctx, f.client, Options{})
	got, st, err = ResolveTip(f.repo, f.branch, tip, fns, plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Rebuilt || got.Commit != later {
		t.Fatalf("stamp past the tip: rebuilt=%v commit=%s, want %s", st.Rebuilt, got.Commit, later)
	}
	if st.Unknown["b"] != strings.Repeat("ab", 20) || !strings.Contains(st.Explain("b"), "which this repository does not have") {
		t.Fatalf("unknown stamp: %+v %q", st.Unknown, st.Explain("b"))
	}

	// A fresh clone: no branch at all. a is stamped with a known commit, b
	// with an unknown one: the rebuilt state holds a alone, in a commit whose
	// parent is the stamped commit.
	fresh := &Tip{Note: &Note{Functions: map[string]FunctionMeta{}}}
	got, st, err = ResolveTip(f.repo, f.branch, fresh, fns, plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := f.repo.ReadCommit(got.Commit)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Rebuilt || len(gc.ParentHashes) != 1 || gc.ParentHashes[0] != later {
		t.Fatalf("fresh clone: rebuilt=%v parents=%v, want [%s]", st.Rebuilt, gc.ParentHashes, later)
	}
	if _, ok, _ := f.repo.TreeEntryAt(gc.TreeHash, "functions/a"); !ok {
		t.Fatal("rebuilt tip lacks a")
	}
	if _, ok, _ := f.repo.TreeEntryAt(gc.TreeHash, "functions/b"); ok {
		t.Fatal("rebuilt tip holds b, whose stamp names an unknown commit")
	}
}

func TestStampOf(t *testing.T) {
	tests := []struct {
		tags any
		want Stamp
	}{
		{nil, Stamp{}},
		{[]any{map[string]any{"Key": "team", "Value": "x"}}, Stamp{}},
		{[]any{map[string]any{"Key": StampTag, "Value": "abc"}}, Stamp{Commit: "abc"}},
		{[]any{map[string]any{"key": StampTag, "value": "def"}}, Stamp{Commit: "def"}},
		{[]any{map[string]any{"Key": StampTag, "Value": "abc"}, map[string]any{"Key": ContentTag, "Value": "0123"}}, Stamp{Commit: "abc", Content: "0123"}},
	}
	for _, tt := range tests {
		if got := StampOf(fc.Function{"tags": tt.tags}); got != tt.want {
			t.Errorf("StampOf(%v) = %+v, want %+v", tt.tags, got, tt.want)
		}
	}
}

// BenchmarkFetchUnchanged measures the common case: nothing changed online
// since the last fetch (listing, triggers, no downloads, no commit).
func BenchmarkFetchUnchanged(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not on PATH")
	}
	f := newFixture(b)
	for i := range 200 {
		f.create(b, fmt.Sprintf("fn-%03d", i), map[string]any{"environmentVariables": map[string]any{"I": fmt.Sprint(i)}})
	}
	f.fetch(b)
	b.ResetTimer()
	for b.Loop() {
		if _, changed, _ := f.fetch(b); changed {
			b.Fatal("unchanged fetch committed")
		}
	}
}

// BenchmarkFetchFirst measures a first fetch: every package downloaded and
// unpacked into git objects.
func BenchmarkFetchFirst(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		for i := range 50 {
			f.create(b, fmt.Sprintf("fn-%03d", i), nil)
		}
		b.StartTimer()
		f.fetch(b)
	}
}

// TestChangeTextIsEscaped: keys and names from FC reach the terminal and
// commit messages escaped.
func TestChangeTextIsEscaped(t *testing.T) {
	t.Parallel()
	ch := Change{Name: "api", Kind: "changed", Config: []string{"x\x1b]0;owned\x07", "environmentVariables.K\x1b[2J", "triggers.t\u009b1m"},
		Secrets: []string{"DB\x1b[31m"}}
	for name, text := range map[string]string{"Describe": ch.Describe(), "Message": Message("cn-hangzhou", []Change{ch}),
		"Label": Change{Name: "a\x1b[2J", Domain: true}.Label()} {
		if strings.ContainsAny(text, "\x1b\x07\u009b") {
			t.Errorf("%s holds a raw control character: %q", name, text)
		}
	}
	if d := ch.Describe(); !strings.Contains(d, `"environmentVariables.K\x1b[2J"`) {
		t.Errorf("Describe = %q, want the key quoted with its escape visible", d)
	}
}

// hostileClient is the emulator's client with what the emulator never
// holds but FC may send: functions and triggers whose names or documents
// fcgit refuses.
type hostileClient struct {
	c        *fc.Client
	extra    []fc.Function
	triggers map[string][]fc.Trigger
}

func (h *hostileClient) ListFunctions(ctx context.Context, prefix string) ([]fc.Function, error) {
	list, err := h.c.ListFunctions(ctx, prefix)
	return append(list, h.extra...), err
}

func (h *hostileClient) ListTriggers(ctx context.Context, fn string) ([]fc.Trigger, error) {
	for _, f := range h.extra {
		if f.Name() == fn {
			return nil, nil
		}
	}
	list, err := h.c.ListTriggers(ctx, fn)
	return append(list, h.triggers[fn]...), err
}

func (h *hostileClient) GetFunctionCode(ctx context.Context, name string) (fc.CodeLocation, error) {
	return h.c.GetFunctionCode(ctx, name)
}

func (h *hostileClient) DownloadCode(ctx context.Context, url string) (io.ReadCloser, error) {
	return h.c.DownloadCode(ctx, url)
}

// TestUnrepresentableFunctionsAreLeftOut: a function whose name, document,
// trigger or code package fcgit refuses is left out of the record, with the
// reason, escaped, and the others are read and recorded; one recorded
// before it became unrepresentable keeps its recorded copy.
func TestUnrepresentableFunctionsAreLeftOut(t *testing.T) {
	deep := map[string]any{}
	for i, m := 0, deep; i < 40; i++ {
		next := map[string]any{}
		m["x"] = next
		m = next
	}
	tests := []struct {
		name string
		// setup makes the function "bad" unrepresentable, or adds one.
		setup  func(t *testing.T, f *fixture, h *hostileClient)
		bad    string
		reason string
	}{
		{"code entry no file system takes", func(t *testing.T, f *fixture, h *hostileClient) {
			f.create(t, "bad", map[string]any{"code": map[string]any{"zipFile": zipOf(t, map[string]string{
				"index.py": "x\n", strings.Repeat("n", 5000) + ".py": "y\n"})}})
		}, "bad", "its code package cannot be stored: read code zip: entry"},
		{"hostile function name", func(t *testing.T, f *fixture, h *hostileClient) {
			h.extra = append(h.extra, fc.Function{"functionName": "evil\x1b[2J", "runtime": "python3.10", "handler": "index.handler"})
		}, "evil\x1b[2J", `fcgit cannot represent it: function document: invalid function name "evil\x1b[2J"`},
		{"hostile trigger name", func(t *testing.T, f *fixture, h *hostileClient) {
			f.create(t, "bad", nil)
			h.triggers["bad"] = []fc.Trigger{{"triggerName": "t\x07", "triggerType": "timer"}}
		}, "bad", `fcgit cannot represent it: function bad: invalid trigger name "t\a"`},
		{"document too deep", func(t *testing.T, f *fixture, h *hostileClient) {
			h.extra = append(h.extra, fc.Function{"functionName": "deep", "runtime": "python3.10", "handler": "index.handler", "futureField": deep})
		}, "deep", "fcgit cannot represent it: function deep: field futureField.x.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.create(t, "good", nil)
			h := &hostileClient{c: f.client, triggers: map[string][]fc.Trigger{}}
			tt.setup(t, f, h)
			ctx := context.Background()
			prep, err := Prepare(ctx, h, f.repo, f.branch, Options{})
			if err != nil {
				t.Fatal(err)
			}
			on, err := prep.Read(ctx, h, f.repo, Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			reason := on.Unmanaged[tt.bad]
			if !strings.Contains(reason, tt.reason) || strings.ContainsAny(reason, "\x1b\x07") {
				t.Errorf("reason = %q, want it to hold %q, escaped", reason, tt.reason)
			}
			if on.Functions["good"] == nil || on.Functions[tt.bad] != nil || len(on.Unmanaged) != 1 {
				t.Fatalf("functions %v, unmanaged %v", on.Names(), on.Unmanaged)
			}
			if _, ok, _ := f.repo.TreeEntryAt(on.Tree, tt.bad); ok {
				t.Errorf("%q stored", tt.bad)
			}
		})
	}
}

// TestFunctionTurnedUnrepresentableKeepsItsRecord: a recorded function that
// FC now sends in a form fcgit refuses keeps its recorded copy: the record
// neither deletes nor changes it.
func TestFunctionTurnedUnrepresentableKeepsItsRecord(t *testing.T) {
	f := newFixture(t)
	f.create(t, "good", nil)
	f.create(t, "later", nil)
	first, _, _ := f.fetch(t)
	c, err := f.repo.ReadCommit(first)
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := f.repo.TreeEntryAt(c.TreeHash, "functions/later")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.UpdateFunction(context.Background(), "good", map[string]any{"memorySize": 1024}); err != nil {
		t.Fatal(err)
	}
	h := &hostileClient{c: f.client, triggers: map[string][]fc.Trigger{"later": {{"triggerName": "bad name", "triggerType": "timer"}}}}
	ctx := context.Background()
	prep, err := Prepare(ctx, h, f.repo, f.branch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	on, err := prep.Read(ctx, h, f.repo, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if on.Unmanaged["later"] == "" {
		t.Fatalf("unmanaged = %v", on.Unmanaged)
	}
	changes, err := Changes(f.repo, prep.Tip, on)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Name != "good" || changes[0].Kind != "changed" {
		t.Fatalf("changes = %+v, want good changed only", changes)
	}
	second, changed, err := Record(f.repo, f.branch, prep.Tip, on, changes)
	if err != nil || !changed {
		t.Fatalf("Record: %v, changed %v", err, changed)
	}
	c, err = f.repo.ReadCommit(second)
	if err != nil {
		t.Fatal(err)
	}
	after, ok, err := f.repo.TreeEntryAt(c.TreeHash, "functions/later")
	if err != nil || !ok || after.Hash != before.Hash {
		t.Fatalf("later's record: %v %v, was %v", after, err, before)
	}
}

// TestDeniedReadsNameTheActionAndTheSetting: a read FC refuses for a
// missing RAM permission names the action, and the fcgit.toml setting that
// stops fcgit from making it, where one does.
func TestDeniedReadsNameTheActionAndTheSetting(t *testing.T) {
	tests := []struct {
		deny string
		opts Options
		fix  string // "" when only the permission helps
	}{
		{"fc:ListAsyncInvokeConfigs", Options{}, `leave asyncInvokeConfig out of readForEveryFunction in fcgit.toml (readForEveryFunction = ["concurrencyConfig", "provisionConfig", "scalingConfig"])`},
		{"fc:ListAliases", Options{ReadAll: map[string]bool{"aliases": true, "vpcBindings": true}}, `leave aliases out of readForEveryFunction in fcgit.toml (readForEveryFunction = ["asyncInvokeConfig", "concurrencyConfig", "provisionConfig", "scalingConfig", "vpcBindings"])`},
		{"fc:ListVpcBindings", Options{ReadAll: map[string]bool{"vpcBindings": true}}, `leave vpcBindings out of readForEveryFunction`},
		{"fc:ListCustomDomains", Options{DomainsDir: "domains"}, `set domains = "" in fcgit.toml to leave custom domains unmanaged`},
		{"fc:ListTriggers", Options{}, `leave api out of [scope] in fcgit.toml (exclude = ["api"])`},
		{"fc:GetFunctionCode", Options{}, `leave api out of [scope] in fcgit.toml`},
		{"fc:ListFunctions", Options{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.deny, func(t *testing.T) {
			f := newFixture(t)
			f.create(t, "api", nil)
			if err := f.srv.SetDenied([]string{tt.deny}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			prep, err := Prepare(ctx, f.client, f.repo, f.branch, tt.opts)
			if err == nil {
				_, err = prep.Read(ctx, f.client, f.repo, tt.opts)
			}
			var de *DeniedError
			if !errors.As(err, &de) || de.Action != tt.deny || de.Fix != tt.fix && !strings.HasPrefix(de.Fix, tt.fix) {
				t.Fatalf("err = %v, want a DeniedError for %s, fix %q", err, tt.deny, tt.fix)
			}
			msg := err.Error()
			if !strings.Contains(msg, "lacks "+tt.deny+": grant it") || !strings.Contains(msg, "not authorized to perform '"+tt.deny+"'") {
				t.Errorf("message %q does not name the action", msg)
			}
		})
	}
}

// TestSettingsReadWhereDeclared: a setting not listed region-wide is read
// function by function, for the qualifiers HEAD's files or the record
// name, without the listing FC may deny.
func TestSettingsReadWhereDeclared(t *testing.T) {
	f := newFixture(t)
	f.create(t, "api", nil)
	f.create(t, "worker", nil)
	ctx := context.Background()
	for _, fn := range []string{"api", "worker"} {
		if _, err := f.client.PutSetting(ctx, kinds.AsyncInvokeConfig, fn, "LATEST", map[string]any{"maxAsyncRetryAttempts": 1}); err != nil {
			t.Fatal(err)
		}
	}
	f.fetch(t) // records both: read region-wide
	// A function neither recorded nor declared: what it has goes unseen.
	f.create(t, "other", nil)
	if err := f.srv.SetDenied([]string{"fc:ListAsyncInvokeConfigs"}); err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"api", "worker", "other"} {
		if _, err := f.client.PutSetting(ctx, kinds.AsyncInvokeConfig, fn, "LATEST", map[string]any{"maxAsyncRetryAttempts": 2}); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{NotListed: map[string]bool{"asyncInvokeConfig": true}}
	prep, err := Prepare(ctx, f.client, f.repo, f.branch, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.ResetStats()
	on, err := prep.Read(ctx, f.client, f.repo, opts)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	for _, fn := range []string{"api", "worker"} {
		got := on.Functions[fn].State.Config["asyncInvokeConfig"].(map[string]any)["LATEST"].(map[string]any)["maxAsyncRetryAttempts"]
		if fmt.Sprint(got) != "2" {
			t.Errorf("%s: maxAsyncRetryAttempts = %v, want 2", fn, got)
		}
	}
	if _, ok := on.Functions["other"].State.Config["asyncInvokeConfig"]; ok {
		t.Error("other's setting was read: neither declared nor recorded")
	}
	if n := f.srv.Stats().Requests["GetAsyncInvokeConfig"]; n != 2 {
		t.Errorf("%d GetAsyncInvokeConfig requests, want 2", n)
	}
}

// TestListingKeepsDocumentsUntilRead: Prepare keeps, of each listed
// function, its metadata and its document as sent; Read decodes the
// document and reads the same state as a read of the whole listing.
func TestListingKeepsDocumentsUntilRead(t *testing.T) {
	f := newFixture(t)
	f.create(t, "api", map[string]any{"description": "the api", "memorySize": 512,
		"environmentVariables": map[string]any{"MODE": "prod"}})
	f.create(t, "worker", map[string]any{"timeout": 30})
	ctx := context.Background()
	prep, err := Prepare(ctx, f.client, f.repo, f.branch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range prep.Listed {
		if _, ok := l["memorySize"]; ok {
			t.Fatalf("listed %s holds its configuration until read: %v", l.Name(), l)
		}
	}
	on, err := prep.Read(ctx, f.client, f.repo, Options{})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := f.client.ListFunctions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	direct, err := ReadListed(ctx, f.client, f.repo, Base{}, whole, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api", "worker"} {
		a, b := on.Functions[name], direct.Functions[name]
		if a == nil || b == nil || string(a.TOML) != string(b.TOML) || a.Tree != b.Tree {
			t.Fatalf("%s read from the kept document:\n%s\nfrom the whole listing:\n%s", name, tomlOf(a), tomlOf(b))
		}
	}
	if !strings.Contains(string(on.Functions["api"].TOML), `MODE = "prod"`) {
		t.Fatalf("api's configuration is missing:\n%s", on.Functions["api"].TOML)
	}
}

func tomlOf(f *Function) string {
	if f == nil {
		return "(none)"
	}
	return string(f.TOML)
}
