package cmd

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/snapshot"
)

// variedFunction returns a CreateFunction input with a seeded mix of the
// settings real functions carry.
func variedFunction(t testing.TB, r *rand.Rand, i int) map[string]any {
	name := fmt.Sprintf("svc-%03d", i)
	in := map[string]any{
		"functionName": name,
		"runtime":      testRuntimes[r.IntN(len(testRuntimes))],
		"handler":      "index.handler",
		"code": codeInput(t, map[string]string{
			"index.py":        fmt.Sprintf("# %s\n", name),
			"lib/helpers.py":  strings.Repeat("x = 1\n", 1+r.IntN(50)),
			"static/ünï.txt":  "unicode path\n",
			"config/app.json": fmt.Sprintf(`{"n": %d}`, i),
		}),
	}
	if r.IntN(2) == 0 {
		in["memorySize"] = 128 * (1 + r.IntN(16))
	}
	if r.IntN(2) == 0 {
		in["timeout"] = 1 + r.IntN(600)
	}
	if r.IntN(2) == 0 {
		in["description"] = fmt.Sprintf("service %d: \"quoted\", tab\there, ünïcode", i)
	}
	if r.IntN(2) == 0 {
		env := map[string]any{}
		for j := range r.IntN(5) {
			env[fmt.Sprintf("VAR_%d", j)] = fmt.Sprintf("value=%d;x\\y", r.IntN(1000))
		}
		in["environmentVariables"] = env
	}
	if r.IntN(3) == 0 {
		in["vpcConfig"] = map[string]any{"vpcId": "vpc-" + fmt.Sprint(i), "vSwitchIds": []any{"vsw-a", "vsw-b"}, "securityGroupId": "sg-1"}
	}
	if r.IntN(3) == 0 {
		in["layers"] = []any{fmt.Sprintf("acs:fc:cn-hangzhou:1234567890123456:layers/l%d/versions/%d", r.IntN(3), 1+r.IntN(4))}
	}
	if r.IntN(3) == 0 {
		in["logConfig"] = map[string]any{"project": "p", "logstore": "s", "enableRequestMetrics": true, "logBeginRule": "DefaultRegex"}
	}
	// FC takes instanceConcurrency above 1 on custom runtimes only.
	if r.IntN(4) == 0 && strings.HasPrefix(in["runtime"].(string), "custom") {
		in["instanceConcurrency"] = 1 + r.IntN(100)
	}
	if r.IntN(4) == 0 {
		in["internetAccess"] = false
	}
	return in
}

// TestPullThenPushWritesNothing: pull 100 varied functions, then push: zero
// write requests and unchanged lastModifiedTime everywhere.
func TestPullThenPushWritesNothing(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	r := rand.New(rand.NewPCG(7, 100))
	ctx := t.Context()
	for i := range 100 {
		in := variedFunction(t, r, i)
		if _, err := w.client.CreateFunction(ctx, in); err != nil {
			t.Fatalf("create %v: %v", in["functionName"], err)
		}
		name := in["functionName"].(string)
		switch r.IntN(4) {
		case 0:
			_, err := w.client.CreateTrigger(ctx, name, map[string]any{"triggerName": "http", "triggerType": "http",
				"triggerConfig": `{"authType":"function","methods":["GET","POST","PUT"],"disableURLInternet":false}`})
			if err != nil {
				t.Fatal(err)
			}
		case 1:
			_, err := w.client.CreateTrigger(ctx, name, map[string]any{"triggerName": "cron", "triggerType": "timer",
				"description": "every hour", "triggerConfig": `{"cronExpression":"0 0 * * * *","enable":true,"payload":"{\"k\":1}"}`})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	w.commitAll("init")
	before := map[string]string{}
	fns, err := w.client.ListFunctions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fns {
		before[f.Name()] = f.LastModifiedTime()
	}

	w.mustRun("pull")
	w.srv.ResetStats()
	out := w.mustRun("push")
	if !strings.Contains(out, "Everything up to date") {
		t.Fatalf("push after pull: %s", out)
	}
	if st := w.srv.Stats(); st.Writes != 0 {
		t.Fatalf("push after pull made %d writes: %v", st.Writes, st.Requests)
	}
	fns, err = w.client.ListFunctions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fns {
		if f.LastModifiedTime() != before[f.Name()] {
			t.Errorf("%s lastModifiedTime moved: %s -> %s", f.Name(), before[f.Name()], f.LastModifiedTime())
		}
	}
	// And the files are stable: a fetch after the push changes nothing.
	if out := w.mustRun("fetch"); !strings.Contains(out, "up to date") {
		t.Errorf("fetch after push: %s", out)
	}
	if st := w.git("status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean: %s", st)
	}
}

// TestPushThenFetchChangesNothing is the other direction: functions written
// as files (with triggers of several types), pushed, then fetched: FC's
// filled-in defaults must not show up as changes, so no commit and no byte
// differs between HEAD and the online branch.
func TestPushThenFetchChangesNothing(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	r := rand.New(rand.NewPCG(11, 12))
	triggers := []map[string]any{
		{"triggerName": "http", "triggerType": "http", "triggerConfig": map[string]any{"authType": "anonymous", "methods": []any{"GET", "POST"}}},
		{"triggerName": "cron", "triggerType": "timer", "description": "nightly", "triggerConfig": map[string]any{"cronExpression": "0 0 2 * * *", "enable": true, "payload": "{}"}},
		{"triggerName": "uploads", "triggerType": "oss", "sourceArn": "acs:oss:cn-hangzhou:1234567890123456:bucket", "invocationRole": "acs:ram::1234567890123456:role/fc-oss",
			"triggerConfig": map[string]any{"events": []any{"oss:ObjectCreated:*"}, "filter": map[string]any{"key": map[string]any{"prefix": "in/", "suffix": ".csv"}}}},
	}
	for i := range 30 {
		in := variedFunction(t, r, i)
		name := in["functionName"].(string)
		delete(in, "code")
		if rt, _ := in["runtime"].(string); !strings.HasPrefix(rt, "custom") {
			// Files ask FC for what it takes: more than one request per
			// instance on custom runtimes only. (Functions that hold more,
			// as the pull test's do, keep it.)
			delete(in, "instanceConcurrency")
		}
		cfg := map[string]any{}
		for k, v := range in {
			if k != "functionName" {
				cfg[k] = normalizeTestValue(v)
			}
		}
		st := &snapshot.State{Name: name, Config: cfg, Triggers: map[string]map[string]any{}}
		for _, tr := range triggers[:i%4] {
			fields := map[string]any{}
			for k, v := range tr {
				switch k {
				case "triggerName":
				case "triggerConfig":
					fields["config"] = normalizeTestValue(v)
				default:
					fields[k] = v
				}
			}
			st.Triggers[tr["triggerName"].(string)] = fields
		}
		data, err := snapshot.Encode(st, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w.write("functions/"+name+"/function.toml", string(data))
		w.write("functions/"+name+"/code/index.py", fmt.Sprintf("# %s\n", name))
	}
	w.commitAll("thirty functions")
	w.mustRun("push")
	if out := w.mustRun("fetch"); !strings.Contains(out, "up to date") {
		t.Fatalf("fetch after push recorded a change:\n%s", out)
	}
	if diff := w.git("diff", "HEAD", "fcgit/online", "--", "functions"); diff != "" {
		t.Fatalf("online branch differs from HEAD:\n%s", diff)
	}
	w.srv.ResetStats()
	if out := w.mustRun("push"); !strings.Contains(out, "Everything up to date") {
		t.Fatalf("second push: %s", out)
	}
	if st := w.srv.Stats(); st.Writes != 0 {
		t.Fatalf("second push wrote %d times", st.Writes)
	}
}

// normalizeTestValue turns Go test literals into the JSON-like values a
// snapshot.State holds (json.Number for numbers).
func normalizeTestValue(v any) any {
	switch x := v.(type) {
	case int:
		return json.Number(fmt.Sprint(x))
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalizeTestValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeTestValue(e)
		}
		return out
	}
	return v
}
