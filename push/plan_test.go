package push

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

func TestMakePlan(t *testing.T) {
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
			plan, refused := makePlan(tt.online, tt.local, tt.prune)
			got := plan.Actions
			for i := range got {
				got[i].local, got[i].online = nil, nil
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n got %+v\nwant %+v", got, tt.want)
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
