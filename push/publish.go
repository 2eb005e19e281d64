package push

import (
	"context"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/release"
	"github.com/fcgit/fcgit/snapshot"
)

// An alias may name its versions by the commits they were published from
// (snapshot.CommitRef): what the target has is resolved before planning;
// what it has not yet, push publishes, from the commit named, right before
// it writes the aliases. A version holds the function's code and
// configuration: when the commit's are not what HEAD deploys, the function
// is deployed as the commit has it, published, and deployed as HEAD has it
// again.

// Published is a version push published for an alias.
type Published struct {
	Function string `json:"function"`
	Commit   string `json:"commit"`
	Version  string `json:"version"`
	Tag      string `json:"tag"`
	// Briefly: the function ran the commit's state for the time it took
	// to publish it.
	Briefly bool `json:"briefly,omitempty"`
}

// publishNeeded publishes the versions a's aliases name by commits the
// target has no version of, and returns a with them resolved.
func (d *deployer) publishNeeded(ctx context.Context, a Action) (Action, error) {
	refs := a.Local.State.CommitRefs()
	if len(refs) == 0 {
		return a, nil
	}
	kc, ok := d.client.(KindsClient)
	if !ok {
		return a, fmt.Errorf("this FC client cannot publish versions")
	}
	commits, err := d.commitsOf(refs)
	if err != nil {
		return a, err
	}
	ids := map[string]string{}
	for _, c := range commits {
		p, err := d.publishFrom(ctx, kc, a, c)
		if err != nil {
			return a, fmt.Errorf("publish the version of commit %s that an alias names: %w", shortHash(c), err)
		}
		for _, ref := range refs {
			if len(ref) <= len(c.String()) && c.String()[:len(ref)] == ref {
				ids[ref] = p.Version
			}
		}
		d.mu.Lock()
		d.published = append(d.published, p)
		d.mu.Unlock()
	}
	st, missing := a.Local.State.ResolveCommitRefs(func(c string) (string, bool) {
		id, ok := ids[c]
		return id, ok
	})
	if len(missing) > 0 {
		return a, fmt.Errorf("aliases name commits %v that were not published", missing)
	}
	local := *a.Local
	local.State = st
	a.Local = &local
	return a, nil
}

// commitsOf resolves commit references (full ids or prefixes) to commits
// of this repository, oldest first.
func (d *deployer) commitsOf(refs []string) ([]plumbing.Hash, error) {
	d.repoMu.Lock()
	defer d.repoMu.Unlock()
	var out []plumbing.Hash
	when := map[plumbing.Hash]int64{}
	for _, ref := range refs {
		c, err := d.repo.ResolveCommitPrefix(ref)
		if err != nil {
			return nil, fmt.Errorf("an alias names commit:%s: %w", ref, err)
		}
		cc, err := d.repo.ReadCommit(c)
		if err != nil {
			return nil, err
		}
		if _, seen := when[c]; !seen {
			when[c] = cc.Committer.When.Unix()
			out = append(out, c)
		}
	}
	// Oldest first: by history where one holds the other (commits of one
	// second are common), else by date.
	sort.SliceStable(out, func(i, j int) bool { return when[out[i]] < when[out[j]] })
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			older, err := d.repo.IsAncestor(out[j], out[j-1])
			if err != nil {
				return nil, err
			}
			if !older || out[j] == out[j-1] {
				break
			}
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// publishFrom publishes a version of a's function as commit c has it, and
// tags c with it.
func (d *deployer) publishFrom(ctx context.Context, kc KindsClient, a Action, c plumbing.Hash) (Published, error) {
	p := Published{Function: a.Function, Commit: c.String()}
	then, err := d.functionAt(c, a.Function)
	if err != nil {
		return p, err
	}
	if then == nil {
		return p, fmt.Errorf("commit %s has no function %s", shortHash(c), a.Function)
	}
	same := then.CodeTree == a.Local.CodeTree && sameFunctionFields(then.State, a.Local.State)
	if !same {
		p.Briefly = true
		if err := d.deployState(ctx, a, then); err != nil {
			return p, err
		}
	}
	v, err := kc.PublishVersion(ctx, a.Function, "fcgit "+c.String())
	if !same {
		// Back to what HEAD deploys, whatever the publish did.
		if rerr := d.deployState(ctx, a, a.Local); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return p, err
	}
	id, _ := v["versionId"].(string)
	if id == "" {
		if n, ok := v["versionId"].(fmt.Stringer); ok {
			id = n.String()
		}
	}
	if id == "" {
		return p, fmt.Errorf("FC returned no versionId")
	}
	p.Version = id
	p.Tag = release.TagName(d.branch.Target, a.Function, id)
	d.repoMu.Lock()
	defer d.repoMu.Unlock()
	ref := release.TagRef(d.branch.Target, a.Function, id)
	cur, ok, err := d.repo.ResolveRef(ref)
	if err != nil {
		return p, err
	}
	if !ok {
		err = d.repo.UpdateRef(ref, c, plumbing.ZeroHash, "fcgit push: publish a version an alias names")
	} else if cur != c {
		err = fmt.Errorf("%s names commit %s already, not %s", ref, cur, c)
	}
	return p, err
}

// functionAt is a function as commit c has it, in the target's view.
func (d *deployer) functionAt(c plumbing.Hash, name string) (*fetch.Function, error) {
	d.repoMu.Lock()
	defer d.repoMu.Unlock()
	cc, err := d.repo.ReadCommit(c)
	if err != nil {
		return nil, err
	}
	managed, err := d.branch.ManagedFunctions(d.repo, cc.TreeHash)
	if err != nil {
		return nil, err
	}
	fns, err := fetch.LoadFunctions(d.repo, d.branch.Dir, managed)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", shortHash(c), err)
	}
	return fns[name], nil
}

// deployState writes a function's own configuration and code (no kinds,
// no triggers) as f has them.
func (d *deployer) deployState(ctx context.Context, a Action, f *fetch.Function) error {
	b := a
	b.Local = f
	var code *sentCode
	if !f.CodeTree.IsZero() {
		c, err := d.prepareTree(ctx, a.Function, f.CodeTree, false)
		if err != nil {
			return err
		}
		defer c.release()
		code = c
	}
	in, _, err := d.functionInput(b, code)
	if err != nil {
		return err
	}
	delete(in, "functionName")
	if _, err := d.client.UpdateFunction(ctx, a.Function, in); err != nil {
		return err
	}
	_, err = d.client.WaitFunctionSettled(ctx, a.Function)
	return err
}

// sameFunctionFields reports whether two states hold the same function
// configuration (what a version holds), kinds and triggers aside.
func sameFunctionFields(a, b *snapshot.State) bool {
	own := func(st *snapshot.State) *snapshot.State {
		cfg := map[string]any{}
		for k, v := range st.Config {
			if !kinds.IsFunctionKey(k) {
				cfg[k] = v
			}
		}
		return &snapshot.State{Name: st.Name, Config: cfg}
	}
	return snapshot.Equal(own(a), own(b))
}

func shortHash(h plumbing.Hash) string { return h.String()[:12] }
