package fetch

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// KindsClient is the part of the FC client reading a function's other kinds.
type KindsClient interface {
	ListSettings(ctx context.Context, s *kinds.Setting) ([]fc.SettingItem, error)
	ListVpcBindings(ctx context.Context, fn string) ([]string, error)
	ListAliases(ctx context.Context, fn string) ([]fc.Doc, error)
}

// PerFunctionKinds are the kinds FC lists only function by function: each
// costs a request per function read, so they are read where a function
// declares them (Options.Declared, or the base's record) unless
// Options.ReadAll names them.
var PerFunctionKinds = []string{kinds.AliasesKey, kinds.VpcBindingsKey}

// regionSettings lists every setting kind once for the region and files the
// documents by function: a fetch of many functions with nothing configured
// costs one request per kind, not per function. request runs each listing
// (in a request slot).
func regionSettings(ctx context.Context, client KindsClient, request func(context.Context, func() error) error) (map[string]snapshot.Extras, error) {
	out := map[string]snapshot.Extras{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range kinds.Settings {
		g.Go(func() error {
			var items []fc.SettingItem
			err := request(gctx, func() (err error) {
				items, err = client.ListSettings(gctx, s)
				return err
			})
			if err != nil {
				return fmt.Errorf("list %s: %w", s.Key, err)
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
// read for fn, into ex.
func (r *reader) perFunction(ctx context.Context, fn string, prev *snapshot.State, ex snapshot.Extras) error {
	kc, ok := r.client.(KindsClient)
	if !ok {
		return nil
	}
	for _, key := range PerFunctionKinds {
		if !r.wants(fn, key, prev) {
			continue
		}
		switch key {
		case kinds.AliasesKey:
			var list []fc.Doc
			err := r.request(ctx, func() (err error) {
				list, err = kc.ListAliases(ctx, fn)
				return err
			})
			if err != nil {
				return err
			}
			m := map[string]any{}
			for _, a := range list {
				name, _ := a["aliasName"].(string)
				if name == "" {
					return fmt.Errorf("ListAliases: an alias without aliasName")
				}
				if err := snapshot.ValidAliasName(name); err != nil {
					return err
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
				return err
			}
			ex[key] = ids
		}
	}
	return nil
}

// wants reports whether the per-function kind key is read for fn.
func (r *reader) wants(fn, key string, prev *snapshot.State) bool {
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
