package fetch

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// A push of some functions (pathspecs) records on the online branch a commit
// of its own: the tip with those functions as deployed. That commit is not in
// HEAD's history (HEAD may hold changes to other functions that were not
// deployed), so git's merge base of HEAD and the online branch predates the
// deploy. Its message names what was deployed from which commit, so that a
// merge can take each function's last deploy as that function's base.

// DeployRecord is what such a commit says.
type DeployRecord struct {
	// From is the commit deployed: 40 hex digits, or 12 in records written
	// before the trailers.
	From      string
	Functions []string
}

// Trailer keys of a deploy record.
const (
	deployedFromKey      = "Fcgit-Deployed-From"
	deployedFunctionsKey = "Fcgit-Deployed-Functions"
)

// DeployMessage is the message of the commit recording a push of functions
// (sorted names) from head.
func DeployMessage(region string, head plumbing.Hash, functions []string) string {
	return fmt.Sprintf("Deploy %s of %s to %s\n\n%s: %s\n%s: %s\n",
		strings.Join(functions, ", "), head.String()[:12], region,
		deployedFromKey, head, deployedFunctionsKey, strings.Join(functions, " "))
}

// oldDeploySubject is the subject such records had before the trailers.
var oldDeploySubject = regexp.MustCompile(`^Deploy (.+) of ([0-9a-f]{12}) to \S+$`)

// ParseDeployRecord reads a deploy record from a commit message; ok is false
// for any other commit.
func ParseDeployRecord(msg string) (rec DeployRecord, ok bool) {
	subject, body, _ := strings.Cut(msg, "\n")
	for _, line := range strings.Split(body, "\n") {
		k, v, found := strings.Cut(line, ": ")
		switch {
		case !found:
		case k == deployedFromKey:
			rec.From = strings.TrimSpace(v)
		case k == deployedFunctionsKey:
			rec.Functions = strings.Fields(v)
		}
	}
	if len(rec.From) == 40 && len(rec.Functions) > 0 {
		return rec, true
	}
	if m := oldDeploySubject.FindStringSubmatch(strings.TrimSpace(subject)); m != nil {
		return DeployRecord{From: m[2], Functions: strings.Split(m[1], ", ")}, true
	}
	return DeployRecord{}, false
}
