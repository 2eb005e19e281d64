package fetch

import (
	"reflect"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestDeployRecord(t *testing.T) {
	head := plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")
	for _, tc := range []struct {
		name string
		msg  string
		want DeployRecord
		ok   bool
	}{
		{"written", DeployMessage("cn-hangzhou", head, []string{"a", "svc$fn"}),
			DeployRecord{From: head.String(), Functions: []string{"a", "svc$fn"}}, true},
		{"before trailers", "Deploy a, b of 0123456789ab to cn-hangzhou\n",
			DeployRecord{From: "0123456789ab", Functions: []string{"a", "b"}}, true},
		{"fetch record", "Online state of cn-hangzhou: 1 changed\n\nchanged: a (config: timeout)\n", DeployRecord{}, false},
		{"join", "Deploy 0123456789ab to cn-hangzhou\n", DeployRecord{}, false},
		{"trailer without functions", "Deploy\n\nFcgit-Deployed-From: " + head.String() + "\n", DeployRecord{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseDeployRecord(tc.msg)
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDeployRecord(%q) = %+v, %v; want %+v, %v", tc.msg, got, ok, tc.want, tc.ok)
			}
		})
	}
}
