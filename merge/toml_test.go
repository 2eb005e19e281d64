package merge

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/merge/textmerge"
	"github.com/fcgit/fcgit/snapshot"
)

const tomlPath = "functions/api/function.toml"

// baseTOML is a canonical function.toml (what snapshot.Encode writes).
const baseTOML = `# Function Compute function "api". Fields: FC 3.0 API names; see docs/.

description = "orders API"
handler = "index.handler"
layers = ["acs:fc:cn-hangzhou:123:layers/a/versions/1"]
memorySize = 512
runtime = "python3.10"
timeout = 60

[environmentVariables]
DB_URL = "db"
LOG_LEVEL = "info"

[vpcConfig]
securityGroupId = "sg-1"
vSwitchIds = ["vsw-1"]
vpcId = "vpc-1"

[triggers.http]
qualifier = "LATEST"
triggerType = "http"

[triggers.http.config]
authType = "anonymous"
methods = ["GET"]

[triggers.timer]
triggerType = "timer"

[triggers.timer.config]
cronExpression = "@every 5m"
enable = true
`

// repl is one text edit of a function.toml; edits in a case never overlap,
// so applying any subset of them in order is well defined.
type repl struct{ old, new string }

func apply(doc string, edits ...[]repl) string {
	for _, list := range edits {
		for _, r := range list {
			doc = edit(doc, r.old, r.new)
		}
	}
	return doc
}

// tomlCase: ours = base + same + oursOnly + oursC, theirs = base + same +
// theirsOnly + theirsC. The *Only edits touch keys the other side leaves alone; the *C
// edits are the two sides' versions of the keys in conflicts.
type tomlCase struct {
	name                 string
	oursOnly, theirsOnly []repl
	oursC, theirsC       []repl
	same                 []repl // made identically on both sides
	conflicts            []string
	// gitConflicts: git's text merge of the same bytes conflicts (the
	// reason the key-level merge exists).
	gitConflicts bool
}

var (
	trigQueue = "[triggers.queue]\ntriggerType = \"mns_topic\"\n\n[triggers.queue.config]\ntopicName = \"orders\"\n\n"
	trigAudit = "[triggers.audit]\ntriggerType = \"oss\"\n\n[triggers.audit.config]\nevents = [\"oss:ObjectCreated:*\"]\n\n"
)

func tomlCases() []tomlCase {
	return []tomlCase{
		{
			name:         "different keys on adjacent lines",
			oursOnly:     []repl{{"memorySize = 512", "memorySize = 1024"}},
			theirsOnly:   []repl{{`runtime = "python3.10"`, `runtime = "python3.12"`}},
			gitConflicts: true,
		},
		{
			name:         "tables merge recursively",
			oursOnly:     []repl{{`vpcId = "vpc-1"`, `vpcId = "vpc-2"`}},
			theirsOnly:   []repl{{`vSwitchIds = ["vsw-1"]`, `vSwitchIds = ["vsw-1", "vsw-2"]`}},
			gitConflicts: true,
		},
		{
			name:       "keys added and deleted in one table",
			oursOnly:   []repl{{"DB_URL = \"db\"\n", "CACHE = \"redis\"\nDB_URL = \"db\"\n"}},
			theirsOnly: []repl{{"LOG_LEVEL = \"info\"\n", ""}},
		},
		{
			name:       "the same change on both sides",
			same:       []repl{{"timeout = 60", "timeout = 120"}, {`vpcId = "vpc-1"`, `vpcId = "vpc-2"`}},
			oursOnly:   []repl{{`handler = "index.handler"`, `handler = "app.handler"`}},
			theirsOnly: []repl{{`description = "orders API"`, `description = "orders"`}},
		},
		{
			name:       "triggers added on both sides",
			oursOnly:   []repl{{"[triggers.timer]\n", trigQueue + "[triggers.timer]\n"}},
			theirsOnly: []repl{{"[triggers.http]\n", trigAudit + "[triggers.http]\n"}},
		},
		{
			name:         "one trigger changed in different fields",
			oursOnly:     []repl{{`qualifier = "LATEST"`, `qualifier = "prod"`}},
			theirsOnly:   []repl{{`methods = ["GET"]`, `methods = ["GET", "POST"]`}},
			gitConflicts: false,
		},
		{
			name:       "one key changed differently",
			oursOnly:   []repl{{`description = "orders API"`, `description = "orders"`}},
			theirsOnly: []repl{{`LOG_LEVEL = "info"`, `LOG_LEVEL = "debug"`}},
			oursC:      []repl{{"memorySize = 512", "memorySize = 1024"}},
			theirsC:    []repl{{"memorySize = 512", "memorySize = 2048"}},
			conflicts:  []string{"memorySize"},
		},
		{
			name:       "arrays are single values",
			theirsOnly: []repl{{"timeout = 60", "timeout = 30"}},
			oursC:      []repl{{`layers = ["acs:fc:cn-hangzhou:123:layers/a/versions/1"]`, `layers = ["acs:fc:cn-hangzhou:123:layers/a/versions/2"]`}},
			theirsC:    []repl{{`layers = ["acs:fc:cn-hangzhou:123:layers/a/versions/1"]`, "layers = [\n  \"acs:fc:cn-hangzhou:123:layers/a/versions/1\",\n  \"acs:fc:cn-hangzhou:123:layers/b/versions/1\",\n]"}},
			conflicts:  []string{"layers"},
		},
		{
			name:      "a key deleted on one side and changed on the other",
			oursOnly:  []repl{{"memorySize = 512", "memorySize = 1024"}},
			oursC:     []repl{{"timeout = 60\n", ""}},
			theirsC:   []repl{{"timeout = 60", "timeout = 90"}},
			conflicts: []string{"timeout"},
		},
		{
			name:       "a nested key changed differently",
			theirsOnly: []repl{{`vpcId = "vpc-1"`, `vpcId = "vpc-9"`}},
			oursC:      []repl{{`cronExpression = "@every 5m"`, `cronExpression = "@every 1m"`}},
			theirsC:    []repl{{`cronExpression = "@every 5m"`, `cronExpression = "@every 10m"`}},
			conflicts:  []string{"triggers.timer.config.cronExpression"},
		},
		{
			name:       "a trigger deleted on one side and changed on the other",
			theirsOnly: []repl{{"memorySize = 512", "memorySize = 640"}},
			oursC:      []repl{{"\n[triggers.http]\nqualifier = \"LATEST\"\ntriggerType = \"http\"\n\n[triggers.http.config]\nauthType = \"anonymous\"\nmethods = [\"GET\"]\n", ""}},
			theirsC:    []repl{{`methods = ["GET"]`, `methods = ["GET", "POST"]`}},
			conflicts:  []string{"triggers.http"},
		},
		{
			name:      "a table deleted on one side and changed on the other",
			oursOnly:  []repl{{`LOG_LEVEL = "info"`, `LOG_LEVEL = "warn"`}},
			oursC:     []repl{{`vpcId = "vpc-1"`, `vpcId = "vpc-3"`}},
			theirsC:   []repl{{"\n[vpcConfig]\nsecurityGroupId = \"sg-1\"\nvSwitchIds = [\"vsw-1\"]\nvpcId = \"vpc-1\"\n", ""}},
			conflicts: []string{"vpcConfig"},
		},
		{
			name:      "the same trigger added differently on both sides",
			oursC:     []repl{{"[triggers.timer]\n", trigQueue + "[triggers.timer]\n"}},
			theirsC:   []repl{{"[triggers.timer]\n", strings.Replace(trigQueue, `"orders"`, `"payments"`, 1) + "[triggers.timer]\n"}},
			conflicts: []string{"triggers.queue.config.topicName"},
		},
		{
			name:      "several conflicts",
			oursC:     []repl{{"memorySize = 512", "memorySize = 1024"}, {`DB_URL = "db"`, `DB_URL = "db-local"`}},
			theirsC:   []repl{{"memorySize = 512", "memorySize = 2048"}, {`DB_URL = "db"`, `DB_URL = "db-console"`}},
			conflicts: []string{"environmentVariables.DB_URL", "memorySize"},
		},
	}
}

func decodeTOML(t *testing.T, label, doc string) *snapshot.State {
	t.Helper()
	st, err := snapshot.Decode(tomlPath, []byte(doc), "api")
	if err != nil {
		t.Fatalf("%s does not decode: %v\n%s", label, err, doc)
	}
	return st
}

// canonical re-encodes doc; a canonical file comes back unchanged.
func canonical(t *testing.T, doc string) string {
	t.Helper()
	st := decodeTOML(t, "canonical", doc)
	out, err := snapshot.Encode(st, st)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestTOMLMerge(t *testing.T) {
	if canonical(t, baseTOML) != baseTOML {
		t.Fatalf("baseTOML is not canonical:\n%s", canonical(t, baseTOML))
	}
	for _, c := range tomlCases() {
		ours := apply(baseTOML, c.same, c.oursOnly, c.oursC)
		theirs := apply(baseTOML, c.same, c.theirsOnly, c.theirsC)
		for _, st := range styles {
			t.Run(c.name+"/"+st.name, func(t *testing.T) {
				opts := textmerge.Options{Style: st.style, OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: "1234abc"}
				if c.gitConflicts {
					if r := textmerge.Merge([]byte(baseTOML), []byte(ours), []byte(theirs), opts); r.Conflicts == 0 {
						t.Fatalf("git's text merge is clean here; the case shows nothing:\n%s", r.Content)
					}
				}
				res, err := TOML(tomlPath, "api", []byte(baseTOML), []byte(ours), []byte(theirs), opts)
				if err != nil {
					t.Fatal(err)
				}
				got := string(res.Content)
				if strings.Join(res.Conflicts, ",") != strings.Join(c.conflicts, ",") {
					t.Fatalf("conflicts %q, want %q\n%s", res.Conflicts, c.conflicts, got)
				}
				both := apply(baseTOML, c.same, c.oursOnly, c.theirsOnly)
				if len(c.conflicts) == 0 {
					if got != both {
						t.Fatalf("merged:\n%s\nwant (both edits applied to base):\n%s", got, both)
					}
					if canonical(t, got) != got {
						t.Errorf("clean result is not canonical:\n%s", got)
					}
					return
				}
				// One marker block per conflicting key, and nothing else.
				if n := strings.Count(got, "<<<<<<< HEAD\n"); n != len(c.conflicts) {
					t.Errorf("%d conflict blocks for %d conflicts:\n%s", n, len(c.conflicts), got)
				}
				if hasBase := strings.Contains(got, "||||||| 1234abc\n"); hasBase != (st.style != textmerge.StyleMerge) {
					t.Errorf("base section present = %v in %s style:\n%s", hasBase, st.name, got)
				}
				// Keeping one side of every block gives the merge where that
				// side wins those keys, and the file decodes.
				if st.style != textmerge.StyleMerge {
					// The base section is no side's file when keys were
					// added on both sides, but it too must decode.
					decodeTOML(t, "resolved to base", resolveMarkers(got, "base"))
				}
				for _, side := range []struct {
					name string
					want string
				}{
					{"ours", apply(both, c.oursC)},
					{"theirs", apply(both, c.theirsC)},
				} {
					resolved := resolveMarkers(got, side.name)
					gotState := decodeTOML(t, "resolved to "+side.name, resolved)
					wantState := decodeTOML(t, "expected "+side.name, side.want)
					if !reflect.DeepEqual(gotState, wantState) {
						t.Errorf("resolved to %s:\n%s\nwant the state of:\n%s", side.name, resolved, side.want)
					}
				}
				// -X ours / -X theirs give the same merges, clean and canonical.
				for _, f := range []struct {
					favor textmerge.Favor
					want  string
				}{{textmerge.FavorOurs, apply(both, c.oursC)}, {textmerge.FavorTheirs, apply(both, c.theirsC)}} {
					fo := opts
					fo.Favor = f.favor
					r, err := TOML(tomlPath, "api", []byte(baseTOML), []byte(ours), []byte(theirs), fo)
					if err != nil {
						t.Fatal(err)
					}
					if len(r.Conflicts) != 0 || string(r.Content) != f.want {
						t.Errorf("favor %d: conflicts %v\n%s\nwant\n%s", f.favor, r.Conflicts, r.Content, f.want)
					}
				}
			})
		}
	}
}

// resolveMarkers keeps one section of every conflict block: what a user (or
// an editor's "accept ours/theirs/base") does.
func resolveMarkers(text, side string) string {
	var out strings.Builder
	section := ""
	for _, line := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(line, "<<<<<<<"):
			section = "ours"
		case strings.HasPrefix(line, "|||||||"):
			section = "base"
		case strings.HasPrefix(line, "=======") && section != "":
			section = "theirs"
		case strings.HasPrefix(line, ">>>>>>>"):
			section = ""
		case section == "" || section == side:
			out.WriteString(line)
		}
	}
	return out.String()
}

// TestTOMLConflictBytes pins the exact output of a conflict: markers around
// the conflicting key's line only, git's labels, and the base section in
// diff3 and zdiff3 style (zdiff3 has nothing to move out of a one-key
// conflict, so it writes what diff3 writes).
func TestTOMLConflictBytes(t *testing.T) {
	base := "# Function Compute function \"api\". Fields: FC 3.0 API names; see docs/.\n\n" +
		"handler = \"index.handler\"\nmemorySize = 512\nruntime = \"python3.10\"\n"
	ours := strings.Replace(base, "512", "1024", 1)
	theirs := strings.Replace(strings.Replace(base, "512", "2048", 1), "python3.10", "python3.12", 1)
	head := "# Function Compute function \"api\". Fields: FC 3.0 API names; see docs/.\n\nhandler = \"index.handler\"\n"
	tail := "runtime = \"python3.12\"\n"
	for _, tc := range []struct {
		style textmerge.Style
		size  int
		want  string
	}{
		{textmerge.StyleMerge, 0, head + "<<<<<<< HEAD\nmemorySize = 1024\n=======\nmemorySize = 2048\n>>>>>>> fcgit/online\n" + tail},
		{textmerge.StyleDiff3, 0, head + "<<<<<<< HEAD\nmemorySize = 1024\n||||||| 1234abc\nmemorySize = 512\n=======\nmemorySize = 2048\n>>>>>>> fcgit/online\n" + tail},
		{textmerge.StyleZDiff3, 0, head + "<<<<<<< HEAD\nmemorySize = 1024\n||||||| 1234abc\nmemorySize = 512\n=======\nmemorySize = 2048\n>>>>>>> fcgit/online\n" + tail},
		{textmerge.StyleMerge, 9, head + "<<<<<<<<< HEAD\nmemorySize = 1024\n=========\nmemorySize = 2048\n>>>>>>>>> fcgit/online\n" + tail},
	} {
		opts := textmerge.Options{Style: tc.style, MarkerSize: tc.size, OursLabel: "HEAD", TheirsLabel: "fcgit/online", BaseLabel: "1234abc"}
		res, err := TOML(tomlPath, "api", []byte(base), []byte(ours), []byte(theirs), opts)
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Content) != tc.want {
			t.Errorf("style %d size %d:\n%s\nwant\n%s", tc.style, tc.size, res.Content, tc.want)
		}
		if strings.Join(res.Conflicts, ",") != "memorySize" {
			t.Errorf("conflicts %v", res.Conflicts)
		}
	}
}

// TestTOMLTriggerConflictBytes pins the block of a trigger deleted on one
// side and changed on the other: each side's whole section, so that either
// choice is a canonical file.
func TestTOMLTriggerConflictBytes(t *testing.T) {
	base := "# Function Compute function \"api\". Fields: FC 3.0 API names; see docs/.\n\nhandler = \"h\"\n\n" +
		"[triggers.a]\ntriggerType = \"http\"\n\n[triggers.b]\ntriggerType = \"timer\"\n\n[triggers.b.config]\nenable = true\n\n[triggers.c]\ntriggerType = \"oss\"\n"
	ours := strings.Replace(base, "\n[triggers.b]\ntriggerType = \"timer\"\n\n[triggers.b.config]\nenable = true\n", "", 1)
	theirs := strings.Replace(base, "enable = true", "enable = false", 1)
	res, err := TOML(tomlPath, "api", []byte(base), []byte(ours), []byte(theirs), textmerge.Options{
		Style: textmerge.StyleDiff3, OursLabel: "HEAD", TheirsLabel: "fcgit/online", BaseLabel: "1234abc"})
	if err != nil {
		t.Fatal(err)
	}
	want := "# Function Compute function \"api\". Fields: FC 3.0 API names; see docs/.\n\nhandler = \"h\"\n\n" +
		"[triggers.a]\ntriggerType = \"http\"\n" +
		"<<<<<<< HEAD\n" +
		"||||||| 1234abc\n\n[triggers.b]\ntriggerType = \"timer\"\n\n[triggers.b.config]\nenable = true\n" +
		"=======\n\n[triggers.b]\ntriggerType = \"timer\"\n\n[triggers.b.config]\nenable = false\n" +
		">>>>>>> fcgit/online\n" +
		"\n[triggers.c]\ntriggerType = \"oss\"\n"
	if string(res.Content) != want {
		t.Fatalf("got\n%s\nwant\n%s", res.Content, want)
	}
	if got := resolveMarkers(want, "ours"); got != ours {
		t.Errorf("keeping ours:\n%s\nwant\n%s", got, ours)
	}
	if got := resolveMarkers(want, "theirs"); got != theirs {
		t.Errorf("keeping theirs:\n%s\nwant\n%s", got, theirs)
	}
}

// TestTOMLAddAdd: an empty base is a file both sides added.
func TestTOMLAddAdd(t *testing.T) {
	opts := textmerge.Options{OursLabel: "HEAD", TheirsLabel: theirsBranch}
	res, err := TOML(tomlPath, "api", nil, []byte(baseTOML), []byte(baseTOML), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 0 || string(res.Content) != baseTOML {
		t.Fatalf("identical add/add: conflicts %v\n%s", res.Conflicts, res.Content)
	}
	theirs := apply(baseTOML, []repl{{"memorySize = 512", "memorySize = 2048"}, {`qualifier = "LATEST"`, `qualifier = "prod"`}})
	res, err = TOML(tomlPath, "api", nil, []byte(baseTOML), []byte(theirs), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"memorySize", "triggers.http.qualifier"}; !reflect.DeepEqual(res.Conflicts, want) {
		t.Fatalf("conflicts %v, want %v\n%s", res.Conflicts, want, res.Content)
	}
	// The keys both sides added alike are not in a conflict block.
	outside := resolveMarkers(string(res.Content), "none")
	for _, line := range []string{`handler = "index.handler"`, `DB_URL = "db"`, `triggerType = "timer"`} {
		if !strings.Contains(outside, line+"\n") {
			t.Errorf("%s is not outside the conflict blocks:\n%s", line, res.Content)
		}
	}
	decodeTOML(t, "add/add resolved to theirs", resolveMarkers(string(res.Content), "theirs"))
}

// TestFunctionTOMLMerger: which paths the merger takes, and that it hands
// files it cannot parse back to the text merge.
func TestFunctionTOMLMerger(t *testing.T) {
	ours := apply(baseTOML, []repl{{"memorySize = 512", "memorySize = 1024"}})
	theirs := apply(baseTOML, []repl{{`runtime = "python3.10"`, `runtime = "python3.12"`}})
	broken := apply(baseTOML, []repl{{"memorySize = 512", "memorySize = = 512"}})
	typo := apply(baseTOML, []repl{{"memorySize = 512", "memorySise = 512"}})
	merger := FunctionTOML("functions")
	for _, tc := range []struct {
		name               string
		path               string
		base, ours, theirs string
		handled            bool
	}{
		{"function.toml in the managed directory", "functions/api/function.toml", baseTOML, ours, theirs, true},
		{"managed directory given with a slash", "functions/api/function.toml", baseTOML, ours, theirs, true},
		{"elsewhere", "other/api/function.toml", baseTOML, ours, theirs, false},
		{"too deep", "functions/api/code/function.toml", baseTOML, ours, theirs, false},
		{"too shallow", "functions/function.toml", baseTOML, ours, theirs, false},
		{"another file name", "functions/api/config.toml", baseTOML, ours, theirs, false},
		{"ours does not parse", "functions/api/function.toml", baseTOML, broken, theirs, false},
		{"theirs has a typo", "functions/api/function.toml", baseTOML, ours, typo, false},
		{"base does not parse", "functions/api/function.toml", broken, ours, theirs, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := merger
			if strings.Contains(tc.name, "slash") {
				m = FunctionTOML("functions/")
			}
			res, handled := m(tc.path, []byte(tc.base), []byte(tc.ours), []byte(tc.theirs), textmerge.Options{OursLabel: "HEAD", TheirsLabel: theirsBranch})
			if handled != tc.handled {
				t.Fatalf("handled = %v, want %v", handled, tc.handled)
			}
			if handled && len(res.Conflicts) != 0 {
				t.Errorf("conflicts %v", res.Conflicts)
			}
		})
	}
	if _, err := TOML(tomlPath, "api", []byte(baseTOML), []byte(broken), []byte(theirs), textmerge.Options{}); err == nil {
		t.Error("TOML merged a side that does not parse")
	}
}

// TestResolvedConflictDecodes: a conflict file with every block resolved to
// one side is a valid function.toml holding that side's values, for every
// conflict case in every style.
func TestResolvedConflictDecodes(t *testing.T) {
	ours := apply(baseTOML, []repl{{"memorySize = 512", "memorySize = 1024"}, {`vpcId = "vpc-1"`, `vpcId = "vpc-2"`}})
	theirs := apply(baseTOML, []repl{{"memorySize = 512", "memorySize = 2048"},
		{"\n[vpcConfig]\nsecurityGroupId = \"sg-1\"\nvSwitchIds = [\"vsw-1\"]\nvpcId = \"vpc-1\"\n", ""}})
	res, err := TOML(tomlPath, "api", []byte(baseTOML), []byte(ours), []byte(theirs), textmerge.Options{
		Style: textmerge.StyleZDiff3, OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: "1234abc"})
	if err != nil {
		t.Fatal(err)
	}
	for side, want := range map[string]string{"ours": ours, "theirs": theirs, "base": baseTOML} {
		got := decodeTOML(t, side, resolveMarkers(string(res.Content), side))
		if w := decodeTOML(t, "want", want); !reflect.DeepEqual(got, w) {
			t.Errorf("resolved to %s: %#v\nwant %#v", side, got, w)
		}
	}
	if bytes.Contains(res.Content, []byte("<<<<<<<")) == false {
		t.Fatalf("no conflict:\n%s", res.Content)
	}
}

// baseDomain is a canonical domain file (what snapshot.EncodeDomain writes).
const baseDomain = `# Function Compute custom domain "api.example.com". Fields: FC 3.0 API names; see docs/.

protocol = "HTTP"

[routeConfig]
routes = [
  {functionName = "api", path = "/*"},
]
`

func TestDomainTOMLMerger(t *testing.T) {
	routes := apply(baseDomain, []repl{{`path = "/*"`, `path = "/v2/*"`}})
	otherRoutes := apply(baseDomain, []repl{{`path = "/*"`, `path = "/v3/*"`}})
	cors := baseDomain + "\n[corsConfig]\nmaxAge = 600\n"
	merger := Mergers(FunctionTOML("functions"), DomainTOML("domains"))
	opts := textmerge.Options{OursLabel: "HEAD", TheirsLabel: theirsBranch}
	for _, tc := range []struct {
		name, path, ours, theirs string
		handled                  bool
		conflicts                []string
		contains                 []string
	}{
		{"different keys merge", "domains/api.example.com.toml", routes, cors, true, nil,
			[]string{`path = "/v2/*"`, "maxAge = 600"}},
		{"routes both changed", "domains/api.example.com.toml", routes, otherRoutes, true, []string{"routeConfig.routes"},
			[]string{"<<<<<<< HEAD\nroutes = [\n  {functionName = \"api\", path = \"/v2/*\"},\n]\n=======\n", "  {functionName = \"api\", path = \"/v3/*\"},\n]\n>>>>>>> " + theirsBranch}},
		{"not in the domains directory", "other/api.example.com.toml", routes, cors, false, nil, nil},
		{"not a domain's file name", "domains/notes.txt", routes, cors, false, nil, nil},
		{"does not parse", "domains/api.example.com.toml", routes, "routes = = 1", false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, handled := merger(tc.path, []byte(baseDomain), []byte(tc.ours), []byte(tc.theirs), opts)
			if handled != tc.handled {
				t.Fatalf("handled = %v, want %v", handled, tc.handled)
			}
			if !handled {
				return
			}
			if !reflect.DeepEqual(res.Conflicts, tc.conflicts) {
				t.Errorf("conflicts %v, want %v", res.Conflicts, tc.conflicts)
			}
			for _, want := range tc.contains {
				if !bytes.Contains(res.Content, []byte(want)) {
					t.Errorf("merged file lacks %q:\n%s", want, res.Content)
				}
			}
			if len(tc.conflicts) == 0 {
				if _, err := snapshot.DecodeDomain(tc.path, res.Content, "api.example.com"); err != nil {
					t.Errorf("clean merge does not decode: %v\n%s", err, res.Content)
				}
			}
		})
	}
}
