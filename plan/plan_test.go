package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/snapshot"
)

// fn builds a function from a config document and triggers, with code tree
// id code ("" = none).
func fn(name string, cfg string, triggers map[string]string, code string) *fetch.Function {
	st := &snapshot.State{Name: name, Config: map[string]any{}, Triggers: map[string]map[string]any{}}
	dec := func(s string) map[string]any {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			panic(err)
		}
		return m
	}
	st.Config = dec(cfg)
	for n, t := range triggers {
		st.Triggers[n] = dec(t)
	}
	f := &fetch.Function{Name: name, State: st}
	if code != "" {
		f.CodeTree = plumbing.NewHash(code)
	}
	return f
}

const (
	code1 = "1111111111111111111111111111111111111111"
	code2 = "2222222222222222222222222222222222222222"
	http1 = `{"triggerType":"http","config":{"methods":["GET"]}}`
	http2 = `{"triggerType":"http","config":{"methods":["GET","POST"]}}`
	timer = `{"triggerType":"timer","config":{"cronExpression":"@every 1m"}}`
)

func TestMakeActions(t *testing.T) {
	base := `{"runtime":"python3.10","handler":"index.handler"}`
	tests := []struct {
		name          string
		online, local map[string]*fetch.Function
		prune         bool
		want          []Action
		wantRefused   []string
	}{
		{
			name:   "nothing changed",
			online: map[string]*fetch.Function{"a": fn("a", base, nil, code1)},
			local:  map[string]*fetch.Function{"a": fn("a", base, nil, code1)},
		},
		{
			name:   "absent key equals FC's default: no write",
			online: map[string]*fetch.Function{"a": fn("a", `{"runtime":"python3.10","handler":"index.handler","timeout":3,"environmentVariables":{}}`, nil, code1)},
			local:  map[string]*fetch.Function{"a": fn("a", base, nil, code1)},
		},
		{
			name:   "create with triggers",
			online: map[string]*fetch.Function{},
			local:  map[string]*fetch.Function{"a": fn("a", base, map[string]string{"web": http1, "cron": timer}, code1)},
			want: []Action{{Function: "a", Op: "create", Code: true,
				Triggers: []TriggerAction{{Trigger: "cron", Op: "create"}, {Trigger: "web", Op: "create"}}}},
		},
		{
			name:   "config and code",
			online: map[string]*fetch.Function{"a": fn("a", base, nil, code1)},
			local:  map[string]*fetch.Function{"a": fn("a", `{"runtime":"python3.10","handler":"index.handler","memorySize":1024}`, nil, code2)},
			want:   []Action{{Function: "a", Op: "update", Config: []string{"memorySize"}, Code: true}},
		},
		{
			name:   "trigger update, create, delete, replace",
			online: map[string]*fetch.Function{"a": fn("a", base, map[string]string{"web": http1, "old": timer, "swap": timer}, code1)},
			local:  map[string]*fetch.Function{"a": fn("a", base, map[string]string{"web": http2, "new": timer, "swap": http1}, code1)},
			want: []Action{{Function: "a", Op: "update", Triggers: []TriggerAction{
				{Trigger: "new", Op: "create"}, {Trigger: "old", Op: "delete"}, {Trigger: "swap", Op: "replace"}, {Trigger: "web", Op: "update"}}}},
		},
		{
			name:        "deletion refused without prune",
			online:      map[string]*fetch.Function{"a": fn("a", base, nil, code1)},
			local:       map[string]*fetch.Function{},
			wantRefused: []string{"a"},
		},
		{
			name:   "deletion with prune deletes triggers too",
			online: map[string]*fetch.Function{"a": fn("a", base, map[string]string{"web": http1}, code1)},
			local:  map[string]*fetch.Function{},
			prune:  true,
			want:   []Action{{Function: "a", Op: "delete", Triggers: []TriggerAction{{Trigger: "web", Op: "delete"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Make(&Input{Local: tt.local, Recorded: tt.online, Online: tt.online, Prune: tt.prune})
			if err != nil {
				t.Fatal(err)
			}
			got := p.Writes(func(*Resource) bool { return true }).Actions
			for i := range got {
				got[i].Local, got[i].Online, got[i].Changes, got[i].CodeChanges = nil, nil, nil, nil
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n got %+v\nwant %+v", got, tt.want)
			}
			var refused []string
			for _, r := range p.Blocked(BlockedPrune) {
				refused = append(refused, r.Function)
			}
			if !reflect.DeepEqual(refused, tt.wantRefused) {
				t.Errorf("refused = %v, want %v", refused, tt.wantRefused)
			}
		})
	}
}

func TestBetween(t *testing.T) {
	base := `{"runtime":"python3.10","handler":"index.handler"}`
	more := `{"runtime":"python3.10","handler":"index.handler","memorySize":1024}`
	tip := fn("a", base, map[string]string{"web": http1}, code1)
	deploying := fn("a", more, map[string]string{"web": http2, "cron": timer}, code2)
	tests := []struct {
		name   string
		t, d   *fetch.Function
		online *fetch.Function
		want   bool
	}{
		{"untouched", tip, deploying, fn("a", base, map[string]string{"web": http1}, code1), true},
		{"config and code written, triggers not yet", tip, deploying, fn("a", more, map[string]string{"web": http1}, code2), true},
		{"one trigger written", tip, deploying, fn("a", more, map[string]string{"web": http1, "cron": timer}, code2), true},
		{"all written", tip, deploying, fn("a", more, map[string]string{"web": http2, "cron": timer}, code2), true},
		{"a console edit", tip, deploying, fn("a", `{"runtime":"python3.10","handler":"index.handler","timeout":9}`, map[string]string{"web": http1}, code1), false},
		{"a trigger neither side has", tip, deploying, fn("a", base, map[string]string{"web": http1, "x": timer}, code1), false},
		{"created, no triggers yet", nil, deploying, fn("a", more, nil, code2), true},
		{"deleted while pruning", tip, nil, nil, true},
		{"deleted online, not by us", tip, deploying, nil, false},
	}
	for _, tt := range tests {
		if got := between(tt.t, tt.d, tt.online); got != tt.want {
			t.Errorf("%s: between = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestStates: each combination of HEAD, the online branch's record and FC
// gives the state status prints and the block push refuses with.
func TestStates(t *testing.T) {
	base := `{"runtime":"python3.10","handler":"index.handler"}`
	v1 := fn("a", base, nil, code1)
	v2 := fn("a", `{"runtime":"python3.10","handler":"index.handler","timeout":9}`, nil, code1)
	v3 := fn("a", `{"runtime":"python3.10","handler":"index.handler","timeout":12}`, nil, code1)
	tests := []struct {
		name      string
		l, r, o   *fetch.Function
		unmerged  bool
		want      string
		wantPush  string
		wantBlock string
	}{
		{"all three agree", v1, v1, v1, false, InSync, "none", ""},
		{"online only, never recorded", nil, nil, v1, false, OnlineOnly, "none", BlockedDrift},
		{"new in HEAD", v1, nil, nil, false, NewLocally, "create", ""},
		{"deleted online", v1, v1, nil, false, DeletedOnline, "create", BlockedDrift},
		{"deleted online, changed in HEAD", v2, v1, nil, false, DeletedOnline, "create", BlockedDrift},
		{"deleted in HEAD", nil, v1, v1, false, DeletedLocal, "none", BlockedPrune},
		{"changed in HEAD", v2, v1, v1, false, LocalChanges, "update", ""},
		{"changed online", v1, v1, v2, false, ChangedOnline, "update", BlockedDrift},
		{"both changed alike", v2, v1, v2, false, InSync, "none", ""},
		{"deleted in HEAD and online", nil, v1, nil, false, InSync, "none", ""},
		{"both changed apart", v2, v1, v3, false, Diverged, "update", BlockedDrift},
		{"fetched, not merged", v1, v2, v2, true, NotMerged, "update", BlockedUnmerged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &Input{Local: map[string]*fetch.Function{}, Recorded: map[string]*fetch.Function{}, Online: map[string]*fetch.Function{}}
			for m, f := range map[*map[string]*fetch.Function]*fetch.Function{&in.Local: tc.l, &in.Recorded: tc.r, &in.Online: tc.o} {
				if f != nil {
					(*m)["a"] = f
				}
			}
			if tc.unmerged {
				in.Unmerged = []string{"a"}
			}
			p, err := Make(in)
			if err != nil {
				t.Fatal(err)
			}
			r := p.Resources[0]
			if r.State != tc.want || r.Push != tc.wantPush || r.Blocked != tc.wantBlock {
				t.Errorf("state %q, push %q, blocked %q; want %q, %q, %q", r.State, r.Push, r.Blocked, tc.want, tc.wantPush, tc.wantBlock)
			}
		})
	}
}

// TestNotManaged: a function online that fcgit cannot represent is "not
// managed" whatever HEAD and the record hold: never an action, never a
// block, with --prune too, and counted in the summary.
func TestNotManaged(t *testing.T) {
	base := `{"runtime":"python3.10","handler":"index.handler"}`
	v1 := fn("a", base, nil, code1)
	v2 := fn("a", `{"runtime":"python3.10","handler":"index.handler","timeout":9}`, nil, code1)
	tests := []struct {
		name  string
		l, r  *fetch.Function
		prune bool
	}{
		{"never recorded, not in HEAD", nil, nil, false},
		{"recorded, HEAD the same", v1, v1, false},
		{"recorded, changed in HEAD", v2, v1, false},
		{"recorded, deleted in HEAD, --prune", nil, v1, true},
		{"in HEAD only", v1, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &Input{Local: map[string]*fetch.Function{}, Recorded: map[string]*fetch.Function{}, Online: map[string]*fetch.Function{},
				Unmanaged: map[string]string{"a": "fcgit cannot represent it: …"}, Prune: tc.prune, Unmerged: []string{"a"},
				InScope: func(string) bool { return true }}
			if tc.l != nil {
				in.Local["a"] = tc.l
			}
			if tc.r != nil {
				in.Recorded["a"] = tc.r
			}
			p, err := Make(in)
			if err != nil {
				t.Fatal(err)
			}
			r := p.Resources[0]
			if r.State != NotManaged || r.Push != "none" || r.Blocked != "" || r.Action != nil || r.NotManaged != "fcgit cannot represent it: …" {
				t.Errorf("state %q, push %q, blocked %q, action %v, reason %q", r.State, r.Push, r.Blocked, r.Action, r.NotManaged)
			}
			if w := p.Writes(func(*Resource) bool { return true }); !w.Empty() {
				t.Errorf("writes %+v", w)
			}
			if c := p.Counts(); len(c) != 1 || c[0] != (Count{State: NotManaged, N: 1}) {
				t.Errorf("counts %v", c)
			}
		})
	}
}
