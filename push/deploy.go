package push

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// StampTag and ContentTag are the tags push stamps deployed functions with:
// the commit, and the deployed state by content.
const (
	StampTag   = fetch.StampTag
	ContentTag = fetch.ContentTag
)

// Client is the part of the FC client that deploying needs.
type Client interface {
	fetch.Client
	GetFunction(ctx context.Context, name string) (fc.Function, error)
	CreateFunction(ctx context.Context, input map[string]any) (fc.Function, error)
	UpdateFunction(ctx context.Context, name string, input map[string]any) (fc.Function, error)
	DeleteFunction(ctx context.Context, name string) error
	CreateTrigger(ctx context.Context, function string, input map[string]any) (fc.Trigger, error)
	UpdateTrigger(ctx context.Context, function, trigger string, input map[string]any) (fc.Trigger, error)
	DeleteTrigger(ctx context.Context, function, trigger string) error
	WaitFunctionSettled(ctx context.Context, name string) (fc.Function, error)
	TagFunction(ctx context.Context, function string, tags map[string]string) error
	UntagFunction(ctx context.Context, function string, keys []string) error
}

// deployed is the outcome of one action.
type deployed struct {
	action Action
	meta   fetch.FunctionMeta // after the deploy (empty for deletions)
	urls   []string           // HTTP trigger URLs
	err    error
}

type deployer struct {
	client Client
	repo   *gitstate.Repo
	commit string
	// repoMu serialises object reads: go-git storage is not documented as
	// safe for concurrent use.
	repoMu   sync.Mutex
	progress func(done, total int)
	secrets  secretSource
	code     *codeSender
	// branch says how the target sees a commit (for the versions aliases
	// name by commit) and whose tags those versions get.
	branch BranchInfo

	mu        sync.Mutex
	published []Published
}

// run executes the plan, functions in parallel up to jobs, and returns one
// outcome per action, in plan order. It never stops at the first failure:
// every function that can be deployed is, so the report is exact.
func (d *deployer) run(ctx context.Context, plan *plan.Writes, jobs int) []deployed {
	if jobs <= 0 {
		jobs = 16
	}
	out := make([]deployed, len(plan.Actions))
	var (
		g    errgroup.Group
		mu   sync.Mutex
		done int
	)
	g.SetLimit(jobs)
	for i, a := range plan.Actions {
		g.Go(func() error {
			out[i] = d.deployOne(ctx, a)
			if d.progress != nil {
				mu.Lock()
				done++
				d.progress(done, len(plan.Actions))
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	return out
}

func (d *deployer) deployOne(ctx context.Context, a Action) deployed {
	res := deployed{action: a}
	if err := ctx.Err(); err != nil {
		res.err = err
		return res
	}
	// The code package is made ready first: zipping it, and uploading it to
	// OSS when it is too large to send inline, may take minutes, and the
	// re-read below must come right before the write.
	var code *sentCode
	if sendsCode(a) {
		c, err := d.prepareCode(ctx, a)
		if err != nil {
			res.err = fmt.Errorf("%s %s: %w", a.Op, a.Function, err)
			return res
		}
		defer c.release()
		code = c
	}
	// Compare, then write: FC has no conditional writes, so re-read the
	// function right before writing it and stop if it moved since the drift
	// check. This narrows the race to the time of one request.
	if err := d.checkUnchanged(ctx, a); err != nil {
		res.err = err
		return res
	}
	var err error
	switch a.Op {
	case "create":
		res.meta, res.urls, err = d.create(ctx, a, code)
	case "update":
		res.meta, res.urls, err = d.update(ctx, a, code)
	case "delete":
		err = d.delete(ctx, a)
	}
	if err == nil && a.Op != "delete" {
		// FC has no compare-and-swap: a writer racing this one may have
		// written between our check and our write, or right after it.
		// Read the function back and make sure this deploy is what stuck.
		err = d.verify(ctx, a, code)
	}
	if err != nil {
		res.err = fmt.Errorf("%s %s: %w", a.Op, a.Function, err)
	}
	return res
}

// verify reads a deployed function back: it must carry this push's stamp,
// the configuration this push sent and the code package it sent, if any.
func (d *deployer) verify(ctx context.Context, a Action, code *sentCode) error {
	now, err := d.client.GetFunction(ctx, a.Function)
	if fc.IsNotFound(err) {
		return &OverwrittenError{Function: a.Function, By: "it was deleted"}
	}
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	s := fetch.StampOf(now)
	if s.Commit != d.commit || s.Content != fetch.ContentOf(a.Local) {
		return &OverwrittenError{Function: a.Function, By: "it carries another deploy's stamp"}
	}
	if code != nil && now.CodeChecksum() != code.checksum {
		return &OverwrittenError{Function: a.Function, By: "its code is not the package this push sent"}
	}
	got, err := snapshot.FromAPI(now, nil)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	want := &snapshot.State{Name: a.Local.State.Name, Config: a.Local.State.Config}
	for _, p := range snapshot.Diff(want, &snapshot.State{Name: got.Name, Config: got.Config}) {
		if isSecretPath(a.Local.State, p) || plan.IsKindPath(p) {
			continue // a value, not comparable with a reference; a kind read apart
		}
		return &OverwrittenError{Function: a.Function, By: "its configuration differs: " + p}
	}
	return nil
}

// isSecretPath reports whether a Diff path is a secret environment variable
// of st.
func isSecretPath(st *snapshot.State, p string) bool {
	name, ok := strings.CutPrefix(p, "environmentVariables.")
	if !ok {
		return false
	}
	_, secret := st.SecretRefs()[name]
	return secret
}

func (d *deployer) checkUnchanged(ctx context.Context, a Action) error {
	now, err := d.client.GetFunction(ctx, a.Function)
	switch {
	case a.Online == nil && fc.IsNotFound(err):
		return nil
	case a.Online == nil && err == nil:
		return &RaceError{Drift{Function: a.Function, Kind: "created online since the drift check"}}
	case a.Online != nil && fc.IsNotFound(err):
		return &RaceError{Drift{Function: a.Function, Kind: "deleted online since the drift check"}}
	case err != nil:
		return err
	}
	if now.LastModifiedTime() != a.Online.Raw.LastModifiedTime() || now.CodeChecksum() != a.Online.Raw.CodeChecksum() {
		return &RaceError{Drift{Function: a.Function, Kind: "changed online since the drift check"}}
	}
	return nil
}

// functionInput is the body of a's create or update, with code when it
// carries a package.
func (d *deployer) functionInput(a Action, code *sentCode) (map[string]any, map[string]string, error) {
	in := a.Local.State.FunctionInput()
	deployed, err := resolveSecrets(in, a, d.secrets)
	if err != nil {
		return nil, nil, err
	}
	if a.Online != nil {
		// UpdateFunction is a partial update: a key removed from
		// function.toml must be sent with its empty shape to clear it.
		for k := range a.Online.State.Config {
			if _, kept := a.Local.State.Config[k]; kept || k == "tags" {
				continue
			}
			if v, ok := snapshot.EmptyValue(k); ok {
				in[k] = v
			}
		}
		delete(in, "functionName")
	}
	if code != nil {
		in["code"] = code.input
	}
	return in, deployed, nil
}

func (d *deployer) create(ctx context.Context, a Action, code *sentCode) (fetch.FunctionMeta, []string, error) {
	if a.Local.CodeTree.IsZero() && a.Local.State.Config["runtime"] != "custom-container" {
		return fetch.FunctionMeta{}, nil, fmt.Errorf("functions/%s/code/ is missing or empty: FC needs a code package for runtime %v", a.Function, a.Local.State.Config["runtime"])
	}
	in, secrets, err := d.functionInput(a, code)
	if err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	if tags := a.Local.State.CreateTags(""); len(tags) > 0 {
		in["tags"] = tags
	}
	_, err = d.client.CreateFunction(ctx, in)
	code.release()
	if err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	fn, err := d.client.WaitFunctionSettled(ctx, a.Function)
	if err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	if err := d.writeKinds(ctx, a, "before"); err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	return d.triggersAndStamp(ctx, a, fn, secrets)
}

func (d *deployer) update(ctx context.Context, a Action, code *sentCode) (fetch.FunctionMeta, []string, error) {
	fn := a.Online.Raw
	config, tags := splitTags(a.Config)
	if tags {
		if err := d.syncTags(ctx, a.Function, a.Local.State.Tags(), a.Online.State.Tags()); err != nil {
			return fetch.FunctionMeta{}, nil, err
		}
	}
	// The secrets left deployed: the online ones, unless this update
	// deploys values from push's environment.
	secrets := map[string]string{}
	for name := range a.Local.State.SecretRefs() {
		if v, ok := a.Online.Secrets[name]; ok {
			secrets[name] = v
		}
	}
	if err := d.writeKinds(ctx, a, "before"); err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	if functionConfig(config) || a.Code || len(a.Secrets) > 0 {
		in, deployed, err := d.functionInput(a, code)
		if err != nil {
			return fetch.FunctionMeta{}, nil, err
		}
		secrets = deployed
		_, err = d.client.UpdateFunction(ctx, a.Function, in)
		code.release()
		if err != nil {
			return fetch.FunctionMeta{}, nil, err
		}
		if fn, err = d.client.WaitFunctionSettled(ctx, a.Function); err != nil {
			return fetch.FunctionMeta{}, nil, err
		}
	}
	return d.triggersAndStamp(ctx, a, fn, secrets)
}

// triggersAndStamp applies the trigger actions (deletions first), then stamps
// the function with the commit: the stamp is written last so that it never
// claims a deploy that did not finish.
func (d *deployer) triggersAndStamp(ctx context.Context, a Action, fn fc.Function, secrets map[string]string) (fetch.FunctionMeta, []string, error) {
	a, err := d.publishNeeded(ctx, a)
	if err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	if err := d.writeKinds(ctx, a, "after"); err != nil {
		return fetch.FunctionMeta{}, nil, err
	}
	meta := fetch.FunctionMeta{
		LastModifiedTime: fn.LastModifiedTime(), CodeChecksum: fn.CodeChecksum(), FunctionArn: fn.Arn(),
		Triggers: map[string]fetch.TriggerMeta{},
	}
	if a.Online != nil {
		for _, t := range a.Online.Triggers {
			meta.Triggers[t.Name()] = fetch.TriggerMetaOf(t)
		}
	}
	for _, t := range a.Triggers {
		if t.Op == "delete" || t.Op == "replace" {
			if err := d.client.DeleteTrigger(ctx, a.Function, t.Trigger); err != nil && !fc.IsNotFound(err) {
				return meta, nil, fmt.Errorf("trigger %s: %w", t.Trigger, err)
			}
			delete(meta.Triggers, t.Trigger)
		}
	}
	for _, t := range a.Triggers {
		var (
			tr  fc.Trigger
			err error
		)
		switch t.Op {
		case "create", "replace":
			var in map[string]any
			if in, err = a.Local.State.TriggerInput(t.Trigger); err == nil {
				tr, err = d.client.CreateTrigger(ctx, a.Function, in)
			}
		case "update":
			var in map[string]any
			if in, err = a.Local.State.TriggerInput(t.Trigger); err == nil {
				tr, err = d.client.UpdateTrigger(ctx, a.Function, t.Trigger, updatableTrigger(in))
			}
		default:
			continue
		}
		if err != nil {
			return meta, nil, fmt.Errorf("trigger %s: %w", t.Trigger, err)
		}
		meta.Triggers[t.Trigger] = fetch.TriggerMetaOf(tr)
	}
	for _, phase := range []string{"cleanup", "last"} {
		if err := d.writeKinds(ctx, a, phase); err != nil {
			return meta, nil, err
		}
	}
	if err := d.client.TagFunction(ctx, a.Function, stampTags(d.commit, a.Local, secrets)); err != nil {
		return meta, nil, fmt.Errorf("stamp with commit: %w", err)
	}
	var urls []string
	for _, name := range mapkeys.Sorted(meta.Triggers) {
		if u := meta.Triggers[name].URLInternet; u != "" {
			urls = append(urls, u)
		}
	}
	if len(meta.Triggers) == 0 {
		meta.Triggers = nil
	}
	return meta, urls, nil
}

// updatableTrigger keeps the fields UpdateTrigger takes; the rest (type,
// sourceArn) cannot change in place and are handled by replace.
func updatableTrigger(in map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"description", "invocationRole", "qualifier", "triggerConfig"} {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	return out
}

func (d *deployer) delete(ctx context.Context, a Action) error {
	for _, t := range a.Triggers {
		if err := d.client.DeleteTrigger(ctx, a.Function, t.Trigger); err != nil && !fc.IsNotFound(err) {
			return fmt.Errorf("trigger %s: %w", t.Trigger, err)
		}
	}
	// FC refuses to delete a function with aliases, versions or
	// provisioned instances.
	if err := d.writeKinds(ctx, a, "cleanup"); err != nil {
		return err
	}
	if err := d.deleteVersions(ctx, a.Function); err != nil {
		return err
	}
	if err := d.client.DeleteFunction(ctx, a.Function); err != nil && !fc.IsNotFound(err) {
		return err
	}
	return nil
}

// splitTags separates the tag changes of a config diff from the rest: tags
// are not part of UpdateFunction's body but have their own API.
func splitTags(paths []string) (config []string, tags bool) {
	for _, p := range paths {
		if p == "tags" || strings.HasPrefix(p, "tags.") {
			tags = true
			continue
		}
		config = append(config, p)
	}
	return config, tags
}

// syncTags makes the function's user tags online equal want, leaving the
// deployed-from stamp alone.
func (d *deployer) syncTags(ctx context.Context, function string, want, have map[string]string) error {
	set := map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			set[k] = v
		}
	}
	var drop []string
	for k := range have {
		if _, ok := want[k]; !ok {
			drop = append(drop, k)
		}
	}
	sort.Strings(drop)
	if len(set) > 0 {
		if err := d.client.TagFunction(ctx, function, set); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
	}
	if len(drop) > 0 {
		if err := d.client.UntagFunction(ctx, function, drop); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
	}
	return nil
}
