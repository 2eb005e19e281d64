package push

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/snapshot"
)

// readBackClient answers the read-back after a write with a fixed
// document (nil: the function does not exist); the read-back asks for
// nothing else.
type readBackClient struct {
	Client
	doc fc.Function
}

func (c readBackClient) GetFunction(_ context.Context, name string) (fc.Function, error) {
	if c.doc == nil {
		return nil, &fc.Error{Op: "GetFunction", Subject: name, Kind: fc.KindNotFound}
	}
	return c.doc, nil
}

// TestReadBackChecksTheStamp: the read-back after a write (deployer.verify)
// accepts the function only when it carries this push's stamp, commit and
// content both. A function with exactly the configuration this push sent,
// stamped by another deploy (a concurrent push of another commit with the
// same files), is not this push's deploy: the other push may be what stuck,
// and its commit is what the function records.
func TestReadBackChecksTheStamp(t *testing.T) {
	t.Parallel()
	const (
		thisCommit  = "1111111111111111111111111111111111111111"
		otherCommit = "2222222222222222222222222222222222222222"
		codeTree    = "3333333333333333333333333333333333333333"
	)
	st, err := snapshot.Decode("functions/api/function.toml", []byte("handler = \"index.handler\"\nruntime = \"python3.10\"\ntimeout = 5\n"), "api")
	if err != nil {
		t.Fatal(err)
	}
	local := &fetch.Function{Name: "api", State: st, CodeTree: plumbing.NewHash(codeTree)}
	content := fetch.ContentOf(local)
	otherContent := fetch.ContentOf(&fetch.Function{Name: "api", State: st})
	if content == otherContent {
		t.Fatal("the two contents must differ for the test to mean anything")
	}

	// doc is the function as GetFunction returns it, with config and tags.
	doc := func(timeout int, tags map[string]string) fc.Function {
		var list []map[string]string
		for k, v := range tags {
			list = append(list, map[string]string{"key": k, "value": v})
		}
		b, err := json.Marshal(map[string]any{
			"functionName": "api", "handler": "index.handler", "runtime": "python3.10",
			"timeout": timeout, "tags": list,
		})
		if err != nil {
			t.Fatal(err)
		}
		var f fc.Function
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if err := d.Decode(&f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	tests := []struct {
		name string
		doc  fc.Function
		want string // "" = accepted, else what OverwrittenError says
	}{
		{"this deploy", doc(5, map[string]string{StampTag: thisCommit, ContentTag: content}), ""},
		{"same configuration, another commit's stamp", doc(5, map[string]string{StampTag: otherCommit, ContentTag: content}), "it carries another deploy's stamp"},
		{"same configuration, another content stamp", doc(5, map[string]string{StampTag: thisCommit, ContentTag: otherContent}), "it carries another deploy's stamp"},
		{"same configuration, no stamp", doc(5, nil), "it carries another deploy's stamp"},
		{"this deploy's stamp, another configuration", doc(6, map[string]string{StampTag: thisCommit, ContentTag: content}), "its configuration differs: timeout"},
		{"deleted", nil, "it was deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &deployer{client: readBackClient{doc: tt.doc}, commit: thisCommit}
			err := d.verify(context.Background(), Action{Function: "api", Op: "update", Local: local}, nil)
			var over *OverwrittenError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("verify = %v, want it accepted", err)
			case tt.want == "":
			case !errors.As(err, &over) || over.Function != "api" || over.By != tt.want:
				t.Fatalf("verify = %#v, want OverwrittenError{api, %q}", err, tt.want)
			}
		})
	}
}
