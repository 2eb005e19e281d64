// Package fetch reads the online state of the functions a repository manages,
// stores it as git objects without touching the work tree or the index, and
// records it as a commit on the online branch.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"golang.org/x/sync/errgroup"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// Client is the part of the FC client that reading online state needs.
type Client interface {
	ListFunctions(ctx context.Context, prefix string) ([]fc.Function, error)
	ListTriggers(ctx context.Context, function string) ([]fc.Trigger, error)
	GetFunctionCode(ctx context.Context, name string) (fc.CodeLocation, error)
	DownloadCode(ctx context.Context, url string) (io.ReadCloser, error)
}

// Options say what to read and how.
type Options struct {
	Prefix  string            // server-side name prefix filter
	InScope func(string) bool // further filter on names; nil = all
	Jobs    int               // concurrent functions; <= 0 means 16
	// Progress, when set, is called after each function is read.
	Progress func(done, total int)
	// Limits for code archives; zero values take snapshot's defaults.
	ZipLimits snapshot.ZipLimits
	// Secrets says which environment variables are secrets: their values
	// never reach git (snapshot.ProtectSecrets).
	Secrets snapshot.SecretRules
	// Hide, when set, is given every secret value read online, so that
	// output can be scrubbed of them.
	Hide func(string)
	// Declared reports whether the repository (HEAD) declares the kind key
	// (PerFunctionKinds) for a function: only then, or when the base
	// records it or ReadAll names it, is it read.
	Declared func(function, key string) bool
	// ReadAll names per-function kinds (PerFunctionKinds) read for every
	// function.
	ReadAll map[string]bool
	// NotListed names settings (kinds.Settings) not listed region-wide:
	// they are read function by function, for the qualifiers HEAD's files
	// or the base's record name, like a per-function kind ReadAll lacks.
	NotListed map[string]bool
	// FCVersion narrows the listing on FC's side ("v2": functions created
	// under FC 2.0 only, "v3": the others, "": both); InScope must agree.
	FCVersion string
	// DomainsDir, when set, is the directory of custom domain files: the
	// region's custom domains in scope are read too.
	DomainsDir string
	// ResolveRefs, when set, replaces the versions a state names by commit
	// ("commit:<id>") with their ids in the target, where they exist: the
	// recorded state is compared with online state (which has ids) so.
	ResolveRefs func(function string, st *snapshot.State) *snapshot.State
	// HasVersion reports whether a function has a version of an id in the
	// target (for the aliases that name one); nil: not checked.
	HasVersion func(function, id string) (bool, error)
	// Head, when set, is the commit that stands for HEAD: the desired
	// state whose history and files the stamps are resolved against. fcgit
	// watch sets it to the team's default branch as fetched from its
	// remote, which a long-running watcher's own HEAD does not follow.
	Head plumbing.Hash

	// declared is what HEAD's files declare, with the qualifiers of each
	// setting (set with Declared by Prepare).
	declared *declaredKinds

	// ChangedOnly keeps in Online.Functions, of a function whose files
	// are the base's (nothing changed online) or that the base does not
	// have, only its name and trees: what a fetch records and Changes
	// needs of them. Of thousands of functions, their states and documents
	// would be most of a read's memory.
	ChangedOnly bool
	// Loader, when set, decodes the function directories a read or a
	// Prepare looks at (the base's, HEAD's, the stamped versions') and
	// shares them with its other users: one decode per version per
	// command. Nil: each is decoded where it is needed.
	Loader *Loader
}

// Base is what an earlier snapshot of the online state offers for reuse: the
// managed directory's tree and the note of the commit holding it. Zero values
// mean there is nothing to reuse.
type Base struct {
	Tree    plumbing.Hash
	Note    *Note
	Domains plumbing.Hash // the domains directory's tree, zero when none
}

// Online is the online state of the managed functions, stored as git objects.
type Online struct {
	Tree      plumbing.Hash // the managed directory: one sub-tree per function
	Functions map[string]*Function
	// Domains are the custom domains in scope, and DomainsTree their
	// directory (zero when there are none, or domains are not managed).
	Domains     map[string]*Domain
	DomainsTree plumbing.Hash
	Note        *Note
	// Unmanaged are the functions in scope fcgit cannot represent (their
	// name, document or code package; UnrepresentableError), by name, with
	// the reason, escaped: left out of the record as it was, never changed
	// or deleted by push.
	Unmanaged map[string]string
	// Downloads counts code packages that had to be downloaded (the rest were
	// reused from Base because their checksum had not changed).
	Downloads int
}

// Function is one function's online state.
type Function struct {
	Name string
	// Raw and Triggers are, for a function read online, what FC's
	// documents say of its identity and volatile metadata (fc.Function's
	// and fc.Trigger's Metadata): the configuration they held is State.
	// Of thousands of functions, the whole documents would be most of
	// what a read keeps in memory.
	Raw      fc.Function
	Triggers []fc.Trigger
	State    *snapshot.State
	TOML     []byte
	Tree     plumbing.Hash // <dir>/<name>/
	CodeTree plumbing.Hash // <dir>/<name>/code/, zero when there is no code
	// Secrets holds, for a function read online, the values of its secret
	// environment variables (State holds references). Memory only: never
	// stored, printed or logged.
	Secrets map[string]string
	// SecretsChanged names the secrets whose value online is neither the
	// one the base recorded nor the one push last deployed.
	SecretsChanged []string
}

// Names returns the function names in order.
func (o *Online) Names() []string {
	names := make([]string, 0, len(o.Functions))
	for n := range o.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// reader holds what one Read shares across its workers.
type reader struct {
	client Client
	repo   *gitstate.Repo
	base   Base
	opts   Options
	// pipe holds the request slots (Options.Jobs of them) and what was
	// started early; nil when reading one function, alone.
	pipe *pipeline
	// spools hold the code packages being downloaded and unpacked, which
	// bounds the memory they take.
	spools chan struct{}
	// loader decodes the base's function directories.
	loader *Loader
}

// Read reads every in-scope function with its triggers and code and stores
// the result as git objects. Nothing is written but objects: no ref moves.
func Read(ctx context.Context, client Client, repo *gitstate.Repo, base Base, opts Options) (*Online, error) {
	fns, err := List(ctx, client, opts)
	if err != nil {
		return nil, err
	}
	return ReadListed(ctx, client, repo, base, fns, opts)
}

// List lists the in-scope functions. Their documents carry the
// deployed-from stamps that ResolveTip reads before ReadListed.
func List(ctx context.Context, client Client, opts Options) ([]fc.Function, error) {
	var list []fc.Function
	var err error
	if vl, ok := client.(versionLister); ok && opts.FCVersion != "" {
		err = vl.ListFunctionPagesOf(ctx, fc.ListQuery{Prefix: opts.Prefix, FCVersion: opts.FCVersion}, func(page []fc.Function) error {
			list = append(list, page...)
			return nil
		})
	} else {
		list, err = client.ListFunctions(ctx, opts.Prefix)
	}
	if err != nil {
		return nil, listError(err)
	}
	return inScope(list, opts), nil
}

// versionLister is a client that narrows the listing by fcVersion on FC's
// side.
type versionLister interface {
	ListFunctionPagesOf(ctx context.Context, q fc.ListQuery, page func([]fc.Function) error) error
}

func listError(err error) error {
	return fmt.Errorf("list functions: %w", denied(err, ""))
}

// takes reports whether the options read a function: its name starts with
// the prefix and InScope accepts it.
func (o Options) takes(name string) bool {
	return strings.HasPrefix(name, o.Prefix) && (o.InScope == nil || o.InScope(name))
}

// inScope keeps the functions Options.InScope accepts.
func inScope(list []fc.Function, opts Options) []fc.Function {
	var fns []fc.Function
	for _, f := range list {
		if opts.InScope == nil || opts.InScope(f.Name()) {
			fns = append(fns, f)
		}
	}
	return fns
}

// ReadListed reads the listed functions' triggers and code, as Read does.
func ReadListed(ctx context.Context, client Client, repo *gitstate.Repo, base Base, fns []fc.Function, opts Options) (*Online, error) {
	// The read lets go of each document once it is read: not of the
	// caller's.
	return readPipelined(ctx, client, repo, base, append([]fc.Function(nil), fns...), opts, nil)
}

// defaultJobs is Options.Jobs when unset.
const defaultJobs = 16

// readPipelined is ReadListed taking what pipe started early (nil: start
// from scratch). It lets go of each of fns (sets it to nil) once read.
func readPipelined(ctx context.Context, client Client, repo *gitstate.Repo, base Base, fns []fc.Function, opts Options, pipe *pipeline) (*Online, error) {
	if opts.Jobs <= 0 {
		opts.Jobs = defaultJobs
	}
	if pipe == nil {
		pipe = newPipeline(ctx, opts.Jobs)
		pipe.startRegion(client, opts)
	}
	defer pipe.cancel()
	if base.Note == nil {
		base.Note = &Note{Functions: map[string]FunctionMeta{}}
	}
	// One pack for everything this read stores, instead of a loose object
	// (temporary file, compressor, fsync) each. Until it is committed
	// below, the objects are invisible to other processes and a crash
	// loses them with the repository intact. When a batch is already open
	// (the caller's), objects go there.
	if batch, err := repo.BeginBatch(); err == nil {
		defer batch.Abort()
		on, err := readListed(ctx, client, repo, base, fns, opts, pipe)
		if err != nil {
			return nil, err
		}
		if err := batch.Commit(); err != nil {
			return nil, fmt.Errorf("store objects: %w", err)
		}
		return on, nil
	} else if !errors.Is(err, gitstate.ErrBatchInProgress) {
		return nil, err
	}
	return readListed(ctx, client, repo, base, fns, opts, pipe)
}

func readListed(ctx context.Context, client Client, repo *gitstate.Repo, base Base, fns []fc.Function, opts Options, pipe *pipeline) (*Online, error) {
	r := &reader{client: client, repo: repo, base: base, opts: opts, pipe: pipe, spools: make(chan struct{}, opts.Jobs),
		loader: loaderFor(opts.Loader, repo, "")}
	out := &Online{Functions: make(map[string]*Function, len(fns)), Note: &Note{Functions: map[string]FunctionMeta{}}, Domains: map[string]*Domain{},
		Unmanaged: map[string]string{}}
	// Everything is read at once, through Jobs request slots: the region's
	// settings and custom domains alongside the functions, and each
	// function's triggers alongside its code. More functions are under way
	// than there are slots, so that a slot one frees is taken at once.
	g, gctx := errgroup.WithContext(ctx)
	if pipe.settings != nil {
		// Functions wait for the settings too; this reports their failure
		// when there is no function to.
		g.Go(func() error {
			_, err := pipe.settings.wait(gctx)
			return err
		})
	}
	if dc, ok := client.(DomainsClient); ok && opts.DomainsDir != "" {
		g.Go(func() error {
			var err error
			out.Domains, out.DomainsTree, err = r.readDomains(gctx, dc)
			return err
		})
	}
	var (
		mu   sync.Mutex
		done int
	)
	underway := make(chan struct{}, 4*opts.Jobs)
launch:
	for i, f := range fns {
		select {
		case underway <- struct{}{}:
		case <-gctx.Done():
			break launch
		}
		g.Go(func() error {
			defer func() { <-underway }()
			f, err := pipe.document(i, f)
			if err != nil {
				return fmt.Errorf("read function %s: %w", snapshot.Printable(f.Name()), err)
			}
			fn, meta, downloaded, err := r.readFunction(gctx, f)
			var ue *UnrepresentableError
			if errors.As(err, &ue) && gctx.Err() == nil {
				// One function fcgit cannot represent never stops the
				// others: it is left out, as the record has it.
				mu.Lock()
				defer mu.Unlock()
				out.Unmanaged[f.Name()] = ue.Reason()
				if m, ok := base.Note.Functions[f.Name()]; ok {
					out.Note.Functions[f.Name()] = m
				}
				done++
				if opts.Progress != nil {
					opts.Progress(done, len(fns))
				}
				return nil
			}
			var re regionError
			if errors.As(err, &re) {
				return re.err // the region's, not the function's
			}
			if err != nil {
				// The name is FC's: it reaches a terminal, escaped.
				return fmt.Errorf("read function %s: %w", snapshot.Printable(f.Name()), err)
			}
			if opts.ChangedOnly && !r.changedInBase(fn) {
				fn = &Function{Name: fn.Name, Tree: fn.Tree, CodeTree: fn.CodeTree}
			}
			mu.Lock()
			defer mu.Unlock()
			fns[i] = nil // read: its document is in fn
			out.Functions[fn.Name] = fn
			out.Note.Functions[fn.Name] = meta
			if downloaded {
				out.Downloads++
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(fns))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries := make([]gitstate.TreeEntry, 0, len(out.Functions))
	for _, name := range out.Names() {
		entries = append(entries, gitstate.TreeEntry{Name: name, Mode: filemode.Dir, Hash: out.Functions[name].Tree})
	}
	// Files beside the function directories (a README) are not online
	// state: they stay as the base has them, so a fetch never deletes them.
	// So do the directories of functions outside the scope: they are not
	// read, so nothing is known of them (another target's, or a function
	// the scope no longer takes); and those of functions not managed,
	// which the record keeps as it last could represent them.
	kept, err := r.baseFiles(base.Tree, func(e gitstate.TreeEntry) bool {
		_, unmanaged := out.Unmanaged[e.Name]
		return e.Mode != filemode.Dir || !opts.takes(e.Name) || unmanaged
	})
	if err != nil {
		return nil, err
	}
	entries = append(entries, kept...)
	out.Tree, err = repo.StoreTree(entries)
	if err != nil {
		return nil, fmt.Errorf("store managed directory tree: %w", err)
	}
	return out, nil
}

// regionError is a failure of a region-wide read a function waited for.
type regionError struct{ err error }

func (e regionError) Error() string { return e.err.Error() }
func (e regionError) Unwrap() error { return e.err }

// request runs one request to FC (or a code download) in one of the Jobs
// slots, waiting for a free one; a reader without slots (reading one
// function) runs it at once.
func (r *reader) request(ctx context.Context, call func() error) error {
	if r.pipe == nil {
		return call()
	}
	return r.pipe.request(ctx, call)
}

func (r *reader) readFunction(ctx context.Context, raw fc.Function) (*Function, FunctionMeta, bool, error) {
	name := raw.Name()
	// The code goes its own way meanwhile: it depends on nothing below.
	type codeResult struct {
		tree       plumbing.Hash
		downloaded bool
		err        error
	}
	var code chan codeResult
	if hasCode(raw) {
		code = make(chan codeResult, 1)
		// A function given up on before its code is in (one fcgit cannot
		// represent, which the read goes on without) stops its download,
		// and is not done before the download stops storing objects.
		codeCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		defer func() {
			cancel()
			<-done
		}()
		go func() {
			defer close(done)
			tree, downloaded, err := r.codeTree(codeCtx, name, raw.CodeChecksum())
			code <- codeResult{tree, downloaded, err}
		}()
	}
	var triggers []fc.Trigger
	var err error
	if early := r.pipe.takeTriggers(name); early != nil {
		triggers, err = early.wait(ctx)
	} else {
		err = r.request(ctx, func() (err error) {
			triggers, err = r.client.ListTriggers(ctx, name)
			return err
		})
	}
	if err != nil {
		return nil, FunctionMeta{}, false, denied(err, scopeFix(name))
	}
	prev, prevTree, err := r.previous(name)
	if err != nil {
		return nil, FunctionMeta{}, false, err
	}
	extras := snapshot.Extras{}
	if r.pipe != nil && r.pipe.settings != nil {
		settings, err := r.pipe.settings.wait(ctx)
		if err != nil {
			return nil, FunctionMeta{}, false, regionError{err}
		}
		for k, v := range settings[name] {
			extras[k] = v
		}
	}
	var prevState *snapshot.State
	if prev != nil {
		prevState = prev.state
	}
	if err := r.perFunction(ctx, name, prevState, extras); err != nil {
		return nil, FunctionMeta{}, false, err
	}
	st, err := snapshot.FromAPIWith(raw, triggers, extras)
	if err != nil {
		// What FC sent is not something function.toml can hold.
		return nil, FunctionMeta{}, false, &UnrepresentableError{Function: name, Err: err}
	}
	basis := snapshot.SecretsBasis{Stamp: SecretsStampOf(raw)}
	if prev != nil {
		basis.Prev = prev.state
		lm := r.base.Note.Functions[name].LastModifiedTime
		basis.Unchanged = lm != "" && lm == raw.LastModifiedTime()
	}
	fn := &Function{Name: name, Raw: raw, Triggers: triggers, State: st, Secrets: map[string]string{}}
	fn.SecretsChanged = snapshot.ProtectSecrets(st, r.opts.Secrets, basis, fn.Secrets).Changed
	if r.opts.Hide != nil {
		for _, v := range fn.Secrets {
			r.opts.Hide(v)
		}
	}
	meta := FunctionMeta{
		LastModifiedTime: raw.LastModifiedTime(),
		CodeChecksum:     raw.CodeChecksum(),
		FunctionArn:      raw.Arn(),
		Triggers:         map[string]TriggerMeta{},
	}
	for _, t := range triggers {
		meta.Triggers[t.Name()] = TriggerMetaOf(t)
	}
	if len(meta.Triggers) == 0 {
		meta.Triggers = nil
	}

	downloaded := false
	if code != nil {
		select {
		case res := <-code:
			if res.err != nil {
				return nil, FunctionMeta{}, false, res.err
			}
			fn.CodeTree, downloaded = res.tree, res.downloaded
		case <-ctx.Done():
			return nil, FunctionMeta{}, false, ctx.Err()
		}
	}
	// The documents' configuration is in st now: keep what is read of
	// them later.
	fn.Raw = raw.Metadata()
	fn.Triggers = make([]fc.Trigger, len(triggers))
	for i, t := range triggers {
		fn.Triggers[i] = t.Metadata()
	}
	prevResolved := prevState
	if prev != nil && r.opts.ResolveRefs != nil {
		prevResolved = r.opts.ResolveRefs(name, prev.state)
	}
	if prev != nil && snapshot.Equal(prevResolved, st) && prev.code == fn.CodeTree && len(fn.SecretsChanged) == 0 &&
		prev.state.SecretsSignature() == st.SecretsSignature() {
		// Same desired state as before: keep the previous files byte for
		// byte (a hand-written function.toml stays as its author wrote it).
		// Their state, decoded already (and shared through the Loader with
		// the other sides a plan compares), stands for the one read: what
		// is recorded is those files. Of 10,000 functions, a second copy
		// of every state would be a third of a status's memory.
		fn.TOML, fn.Tree, fn.State = prev.toml, prevTree, prevResolved
		return fn, meta, downloaded, nil
	}
	fn.TOML, err = snapshot.Encode(st, prevState)
	if err != nil {
		return nil, FunctionMeta{}, false, &UnrepresentableError{Function: name, Err: fmt.Errorf("encode function.toml: %w", err)}
	}

	tomlHash, err := r.repo.StoreBlob(fn.TOML)
	if err != nil {
		return nil, FunctionMeta{}, false, err
	}
	entries := []gitstate.TreeEntry{{Name: "function.toml", Mode: filemode.Regular, Hash: tomlHash}}
	if !fn.CodeTree.IsZero() {
		entries = append(entries, gitstate.TreeEntry{Name: "code", Mode: filemode.Dir, Hash: fn.CodeTree})
	}
	// Other files in the function's directory (notes, tests) are the
	// repository's, not FC's: keep them as the base has them.
	if prevTree != (plumbing.Hash{}) {
		kept, err := r.baseFiles(prevTree, func(e gitstate.TreeEntry) bool { return e.Name != "function.toml" && e.Name != "code" })
		if err != nil {
			return nil, FunctionMeta{}, false, err
		}
		entries = append(entries, kept...)
	}
	fn.Tree, err = r.repo.StoreTree(entries)
	if err != nil {
		return nil, FunctionMeta{}, false, err
	}
	return fn, meta, downloaded, nil
}

// changedInBase reports whether the base has function fn with other
// files.
func (r *reader) changedInBase(fn *Function) bool {
	e, ok, err := r.repo.TreeEntryAt(r.base.Tree, fn.Name)
	return err != nil || ok && e.Hash != fn.Tree
}

// baseFiles returns the entries of a base tree that keep selects; none for
// a zero tree.
func (r *reader) baseFiles(tree plumbing.Hash, keep func(gitstate.TreeEntry) bool) ([]gitstate.TreeEntry, error) {
	if tree.IsZero() {
		return nil, nil
	}
	all, err := r.repo.ReadTree(tree)
	if err != nil {
		return nil, err
	}
	var out []gitstate.TreeEntry
	for _, e := range all {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// scopeFix is how a function a RAM user may not read stops being read.
func scopeFix(name string) string {
	return fmt.Sprintf("leave %s out of [scope] in fcgit.toml (exclude = [%s])", snapshot.Printable(name), snapshot.QuoteTOML(name))
}

// hasCode reports whether FC keeps a code package for the function: custom
// container functions run an image instead.
func hasCode(raw fc.Function) bool {
	if rt, _ := raw["runtime"].(string); rt == "custom-container" {
		return false
	}
	return raw.CodeChecksum() != ""
}

// previousFunction is a function as the base tree holds it.
type previousFunction struct {
	state *snapshot.State
	toml  []byte
	code  plumbing.Hash
}

// previous reads the function from the base tree, so that an unchanged
// function keeps its files and a changed one keeps the file's choices about
// default-valued keys. A file that does not decode counts as absent: the new
// snapshot then takes the canonical form.
func (r *reader) previous(name string) (*previousFunction, plumbing.Hash, error) {
	if r.base.Tree.IsZero() {
		return nil, plumbing.ZeroHash, nil
	}
	dir, ok, err := r.repo.TreeEntryAt(r.base.Tree, name)
	if err != nil || !ok || dir.Mode != filemode.Dir {
		return nil, plumbing.ZeroHash, err
	}
	fn, err := r.loader.function(name, dir.Hash)
	if err != nil || fn == nil {
		return nil, plumbing.ZeroHash, err
	}
	return &previousFunction{state: fn.State, toml: fn.TOML, code: fn.CodeTree}, dir.Hash, nil
}

// codeTree returns the tree of the function's code: the base's when the
// checksum is unchanged, otherwise the downloaded and unpacked package.
func (r *reader) codeTree(ctx context.Context, name, checksum string) (plumbing.Hash, bool, error) {
	if !r.base.Tree.IsZero() && checksum != "" && r.base.Note.Functions[name].CodeChecksum == checksum {
		e, ok, err := r.repo.TreeEntryAt(r.base.Tree, path.Join(name, "code"))
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		if ok && e.Mode == filemode.Dir {
			return e.Hash, false, nil
		}
	}
	h, err := r.downloadCode(ctx, name)
	return h, true, err
}

func (r *reader) downloadCode(ctx context.Context, name string) (plumbing.Hash, error) {
	var loc fc.CodeLocation
	err := r.request(ctx, func() (err error) {
		loc, err = r.client.GetFunctionCode(ctx, name)
		return err
	})
	if err != nil {
		return plumbing.ZeroHash, denied(err, scopeFix(name))
	}
	return r.downloadFrom(ctx, name, name, loc)
}

// downloadFrom downloads, checks and unpacks the code package of function
// into a tree; what names the package in errors ("shop-api", "version 3 of
// shop-api").
func (r *reader) downloadFrom(ctx context.Context, function, what string, loc fc.CodeLocation) (plumbing.Hash, error) {
	if r.spools != nil {
		select {
		case r.spools <- struct{}{}:
		case <-ctx.Done():
			return plumbing.ZeroHash, ctx.Err()
		}
		defer func() { <-r.spools }()
	}
	// A zip is read from its end, so the stream is spooled first.
	tmp := &spool{create: func() (*os.File, error) { return r.repo.CreateTemp("fcgit-download", ".zip") }}
	defer tmp.Close()
	sum := fc.NewChecksum()
	var size int64
	err := r.request(ctx, func() error {
		body, err := r.client.DownloadCode(ctx, loc.URL)
		if err != nil {
			return err
		}
		defer body.Close()
		size, err = io.Copy(io.MultiWriter(tmp, sum), ctxReader{ctx, body})
		return err
	})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("download code of %s: %w", snapshot.Printable(what), err)
	}
	if got := fmt.Sprint(sum.Sum64()); loc.Checksum != "" && got != loc.Checksum {
		return plumbing.ZeroHash, fmt.Errorf("download code of %s: %s received, checksum %s, but FC says %s: the download was cut short or altered on the way; run the command again", snapshot.Printable(what), formatBytes(size), got, snapshot.Printable(loc.Checksum))
	}
	var files []fileEntry
	err = snapshot.ReadZip(tmp.ReaderAt(), size, r.opts.ZipLimits, func(f snapshot.CodeFile) error {
		mode, err := gitMode(f.Mode)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		h, err := r.repo.StoreBlobFrom(rc, f.Size)
		if err != nil {
			return fmt.Errorf("store %s: %w", f.Path, err)
		}
		files = append(files, fileEntry{Path: f.Path, Mode: mode, Hash: h})
		return nil
	})
	var refused *snapshot.ZipEntryError
	if errors.As(err, &refused) {
		return plumbing.ZeroHash, &UnrepresentableError{Function: function, Err: err, Code: true}
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("unpack code: %w", err)
	}
	if len(files) == 0 {
		return plumbing.ZeroHash, nil
	}
	return buildTree(r.repo, files)
}

// ctxReader stops a long copy when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// formatBytes prints a byte count for messages.
func formatBytes(n int64) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
