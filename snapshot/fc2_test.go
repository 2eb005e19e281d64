package snapshot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/fc"
)

// TestFC2Functions: a function created under FC 2.0 (service$function) is
// a function like any other, but for what FC 3.0 ignores on it:
// instanceConcurrency on a standard runtime is neither state read from FC
// nor a value a file may ask for.
func TestFC2Functions(t *testing.T) {
	tests := []struct {
		name, runtime string
		ignored       bool
	}{
		{"legacy$worker", "python3.9", true},
		{"legacy$worker", "nodejs18", true},
		{"legacy$worker", "custom.debian10", false},
		{"legacy$worker", "custom-container", false},
		{"worker", "python3.9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.runtime, func(t *testing.T) {
			doc := fc.Function{"functionName": tt.name, "runtime": tt.runtime, "handler": "index.handler", "instanceConcurrency": json.Number("10")}
			st, err := FromAPI(doc, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, kept := st.Config["instanceConcurrency"]
			if kept == tt.ignored {
				t.Errorf("instanceConcurrency kept = %v, want %v", kept, !tt.ignored)
			}
			path := "functions/" + tt.name + "/function.toml"
			text := []byte("handler = \"index.handler\"\ninstanceConcurrency = 10\nruntime = \"" + tt.runtime + "\"\n")
			local, problems := DecodeAll(path, text, tt.name)
			if len(problems) > 0 {
				t.Fatalf("DecodeAll: %v", problems)
			}
			// Against online state as read: what a file sets that FC
			// ignores is refused, at its line.
			got := Check(path, text, local, st)
			switch {
			case tt.ignored && (len(got) != 1 || got[0].Line != 2 || !strings.Contains(got[0].Msg, "FC 3.0 ignores it on a function created under FC 2.0 (legacy$worker)")):
				t.Errorf("Check = %v, want the line refused", got)
			case !tt.ignored && strings.HasPrefix(tt.runtime, "custom") && len(got) > 0:
				t.Errorf("Check = %v, want none", got)
			}
		})
	}
}

// TestFC2DirectoryNames: the directory of a function created under FC 2.0
// is its name, service$function, as FC 3.0's API gives it; other names
// with '$' are not function names.
func TestFC2DirectoryNames(t *testing.T) {
	text := []byte("handler = \"index.handler\"\nruntime = \"python3.9\"\n")
	for name, ok := range map[string]bool{"legacy$worker": true, "legacy$": false, "$worker": false, "a$b$c": false, "legacy@worker": false} {
		_, problems := DecodeAll("functions/"+name+"/function.toml", text, name)
		if (len(problems) == 0) != ok {
			t.Errorf("%s: problems %v, want ok %v", name, problems, ok)
		}
	}
}

// TestFC2Overlay: a target's overlay names a function created under FC
// 2.0 by its name, quoted as TOML quotes a key holding '$', and reads it
// back.
func TestFC2Overlay(t *testing.T) {
	o := &Overlay{Functions: map[string]*OverlayEntry{"legacy$worker": {Set: map[string]any{"memorySize": json.Number("1024")}}}, Domains: map[string]*OverlayEntry{}}
	text, err := o.Encode("production")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), `[functions."legacy$worker"]`) {
		t.Fatalf("overlay:\n%s", text)
	}
	back, problems := DecodeOverlay("targets/production.toml", text)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if e := back.Functions["legacy$worker"]; e == nil || e.Set["memorySize"] != json.Number("1024") {
		t.Fatalf("read back %+v", back.Functions)
	}
}
