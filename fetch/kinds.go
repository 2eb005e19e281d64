package fetch

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// KindsClient is the part of the FC client reading a function's other kinds.
type KindsClient interface {
	ListSettings(ctx context.Context, s *kinds.Setting) ([]fc.SettingItem, error)
	GetSetting(ctx context.Context, s *kinds.Setting, fn, qualifier string) (fc.Doc, bool, error)
	ListVpcBindings(ctx context.Context, fn string) ([]string, error)
	ListAliases(ctx context.Context, fn string) ([]fc.Doc, error)
}

// PerFunctionKinds are the kinds FC lists only function by function: each
// costs a request per function read, so they are read where a function
// declares them (Options.Declared, or the base's record) unless
// Options.ReadAll names them.
var PerFunctionKinds = []string{kinds.AliasesKey, kinds.VpcBindingsKey}

// DeclarableKinds are the kinds read only where declared when not read for
// every function: the per-function kinds (Options.ReadAll), and the
// settings not listed region-wide (Options.NotListed).
var DeclarableKinds = func() []string {
	out := append([]string(nil), PerFunctionKinds...)
	for _, s := range kinds.Settings {
		out = append(out, s.Key)
	}
	return out
}()

// ReadKinds lists the kinds the options read for every function, sorted:
// the settings listed region-wide and the per-function kinds in ReadAll.
func (o Options) ReadKinds() []string {
	var out []string
	for _, k := range DeclarableKinds {
		if o.ReadAll[k] || kinds.SettingFor(k) != nil && !o.NotListed[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// regionSettings lists every setting kind once for the region and files the
// documents by function: a fetch of many functions with nothing configured
// costs one request per kind, not per function. request runs each listing
// (in a request slot).
func regionSettings(ctx context.Context, client KindsClient, opts Options, request func(context.Context, func() error) error) (map[string]snapshot.Extras, error) {
	out := map[string]snapshot.Extras{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range kinds.Settings {
		if opts.NotListed[s.Key] {
			continue // read function by function where declared (perFunction)
		}
		g.Go(func() error {
			var items []fc.SettingItem
			err := request(gctx, func() (err error) {
				items, err = client.ListSettings(gctx, s)
				return err
			})
			if err != nil {
				return fmt.Errorf("list %s: %w", s.Key, denied(err, readForEveryFunctionFix(s.Key, opts)))
			}
			mu.Lock()
			defer mu.Unlock()
			for _, it := range items {
				ex := out[it.Function]
				if ex == nil {
					ex = snapshot.Extras{}
					out[it.Function] = ex
				}
				if !s.Qualified {
					ex[s.Key] = map[string]any(it.Doc)
					continue
				}
				m, _ := ex[s.Key].(map[string]any)
				if m == nil {
					m = map[string]any{}
					ex[s.Key] = m
				}
				m[it.Qualifier] = map[string]any(it.Doc)
			}
			return nil
		})
	}
	return out, g.Wait()
}

// perFunction reads the kinds listed function by function that are to be
// read for fn, into ex: the per-function kinds, and the settings not
// listed region-wide, read qualifier by qualifier where declared.
func (r *reader) perFunction(ctx context.Context, fn string, prev *snapshot.State, ex snapshot.Extras) error {
	kc, ok := r.client.(KindsClient)
	if !ok {
		return nil
	}
	for _, key := range DeclarableKinds {
		if !r.wants(fn, key, prev) {
			continue
		}
		// A denied read names what stops it: the setting reading the kind
		// for every function, or, read because fn declares it, nothing
		// but the permission.
		fix := ""
		if r.opts.ReadAll[key] {
			fix = readForEveryFunctionFix(key, r.opts)
		}
		what := fmt.Sprintf("read %s of %s", key, snapshot.Printable(fn))
		if !r.opts.ReadAll[key] {
			what += " (declared in its function.toml, or recorded on the online branch)"
		}
		switch key {
		case kinds.AliasesKey:
			var list []fc.Doc
			err := r.request(ctx, func() (err error) {
				list, err = kc.ListAliases(ctx, fn)
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", what, denied(err, fix))
			}
			m := map[string]any{}
			for _, a := range list {
				name, _ := a["aliasName"].(string)
				if name == "" {
					return &UnrepresentableError{Function: fn, Err: fmt.Errorf("ListAliases: an alias without aliasName")}
				}
				if err := snapshot.ValidAliasName(name); err != nil {
					return &UnrepresentableError{Function: fn, Err: err}
				}
				m[name] = map[string]any(a)
			}
			ex[key] = m
		case kinds.VpcBindingsKey:
			var ids []string
			err := r.request(ctx, func() (err error) {
				ids, err = kc.ListVpcBindings(ctx, fn)
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", what, denied(err, fix))
			}
			ex[key] = ids
		default:
			s := kinds.SettingFor(key)
			if s == nil || !r.opts.NotListed[key] {
				continue // listed region-wide
			}
			if err := r.settingOf(ctx, kc, s, fn, prev, ex); err != nil {
				return fmt.Errorf("%s: %w", what, denied(err, ""))
			}
		}
	}
	return nil
}

// settingOf reads a setting of fn that is not listed region-wide, for each
// qualifier HEAD's file or the record names (a setting FC keeps for
// another qualifier goes unseen: that is what reading where declared
// costs).
func (r *reader) settingOf(ctx context.Context, kc KindsClient, s *kinds.Setting, fn string, prev *snapshot.State, ex snapshot.Extras) error {
	quals := map[string]bool{}
	if !s.Qualified {
		quals[""] = true
	} else {
		if prev != nil {
			m, _ := prev.Config[s.Key].(map[string]any)
			for q := range m {
				quals[q] = true
			}
		}
		if r.opts.declared != nil {
			for _, q := range r.opts.declared.qualifiers(fn, s.Key) {
				quals[q] = true
			}
		}
	}
	found := map[string]any{}
	for _, q := range mapkeys.Sorted(quals) {
		var doc fc.Doc
		var ok bool
		err := r.request(ctx, func() (err error) {
			doc, ok, err = kc.GetSetting(ctx, s, fn, q)
			return err
		})
		if err != nil {
			return err
		}
		if ok {
			found[q] = map[string]any(doc)
		}
	}
	switch {
	case !s.Qualified && len(found) > 0:
		ex[s.Key] = found[""]
	case s.Qualified && len(found) > 0:
		ex[s.Key] = found
	}
	return nil
}

// wants reports whether the kind key is read for fn function by function.
func (r *reader) wants(fn, key string, prev *snapshot.State) bool {
	if kinds.SettingFor(key) != nil && !r.opts.NotListed[key] {
		return false // listed region-wide
	}
	if r.opts.ReadAll[key] {
		return true
	}
	if prev != nil {
		if _, ok := prev.Config[key]; ok {
			return true
		}
	}
	return r.opts.Declared != nil && r.opts.Declared(fn, key)
}
