package push

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/gitstate"
)

// A deploy cut off by a failure stays recorded (DeployingRef), and the next
// push finishes it. When FC refused the values themselves, running push
// again with the same commit cannot help: status must say so too, so push
// keeps what FC refused next to the deploy record until a deploy finishes.

// rejectedFile is the record, in the git directory.
const rejectedFile = "fcgit-deploy-rejected"

// Rejected is what FC refused in an interrupted deploy.
type Rejected struct {
	Commit string `json:"commit"`
	// Resources maps each refused function (or "domain <name>") to FC's
	// message and the file to fix.
	Resources map[string]RejectedResource `json:"resources"`
}

// RejectedResource is one refused resource.
type RejectedResource struct {
	File    string `json:"file"`
	Message string `json:"message"`
}

// recordRejected keeps what FC refused in a deploy that failed part-way;
// nothing when it refused nothing. Best effort: the record only informs.
func recordRejected(repo *gitstate.Repo, b BranchInfo, commit plumbing.Hash, pe *PartialError) {
	names := pe.Rejected()
	if len(names) == 0 {
		clearRejected(repo, b)
		return
	}
	rec := Rejected{Commit: commit.String(), Resources: map[string]RejectedResource{}}
	files := pe.files(names)
	for i, n := range names {
		rec.Resources[n] = RejectedResource{File: files[i], Message: pe.Failed[n].Error()}
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return
	}
	p := rejectedPath(repo, b)
	tmp := p + ".tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		_ = os.Rename(tmp, p)
	}
}

// clearRejected forgets the record, once a deploy finished.
func clearRejected(repo *gitstate.Repo, b BranchInfo) {
	_ = os.Remove(rejectedPath(repo, b))
}

// rejectedPath is the record of a branch's target.
func rejectedPath(repo *gitstate.Repo, b BranchInfo) string {
	if b.Target == "" {
		return filepath.Join(repo.GitDir(), rejectedFile)
	}
	return filepath.Join(repo.GitDir(), rejectedFile+"-"+b.Target)
}

// ReadRejected returns what FC refused in the interrupted deploy, nil when
// nothing is recorded.
func ReadRejected(repo *gitstate.Repo, b BranchInfo) (*Rejected, error) {
	data, err := os.ReadFile(rejectedPath(repo, b))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec Rejected
	if err := json.Unmarshal(data, &rec); err != nil {
		// A damaged record only informs: ignore it.
		return nil, nil
	}
	return &rec, nil
}
