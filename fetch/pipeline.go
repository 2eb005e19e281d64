package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/snapshot"
)

// A read of online state is a few hundred to a few thousand small requests
// whose latency, not fcgit's work, sets the pace. The pipeline keeps
// Options.Jobs of them in flight from the first listing page to the last
// download: while functions are still being listed, the triggers of those
// already listed and the region's settings and custom domains are being
// read, so that Read finds them ready. What depends on the online branch's
// tip (which code to download) waits for Read.

// pipeline holds the request slots of one read and what was started early.
type pipeline struct {
	slots chan struct{}
	// ctx bounds the requests started early: cancelled once Read is done
	// with them, or when the caller gives up.
	ctx    context.Context
	cancel context.CancelFunc

	// docs are the listed functions' documents, at their index in the
	// listing listStarting returned, when it returned their metadata
	// alone; nil otherwise. The read takes each (document) once.
	docs []json.RawMessage

	mu       sync.Mutex
	triggers map[string]*future[[]fc.Trigger]
	settings *future[map[string]snapshot.Extras]
	domains  *future[[]fc.Doc]

	// The trigger reads queued, in listing order: next is the first not
	// started; taken counts those handed out. At most ahead are started
	// and not yet handed out: when the functions' reads are slower than
	// the requests (no latency, much local work), the results would
	// otherwise pile up, all of them, with a goroutine each.
	queue   []triggerRead
	next    int
	taken   int
	ahead   int
	running bool          // the dispatcher has started
	wake    chan struct{} // the queue grew or a read was handed out
}

// triggerRead is one function's trigger listing, queued.
type triggerRead struct {
	name string
	f    *future[[]fc.Trigger]
}

func newPipeline(ctx context.Context, jobs int) *pipeline {
	if jobs <= 0 {
		jobs = defaultJobs
	}
	pctx, cancel := context.WithCancel(ctx)
	return &pipeline{slots: make(chan struct{}, jobs), ctx: pctx, cancel: cancel, triggers: map[string]*future[[]fc.Trigger]{},
		ahead: readAhead * jobs, wake: make(chan struct{}, 1)}
}

// readAhead is how many trigger reads per request slot may be started
// and not yet handed out (a few KB each). While the listing goes on
// nothing takes them, and the slots the listing leaves free should be
// busy: at 20 ms a request, the 100 pages of 10,000 functions take 2-3 s,
// time for about 2,000 reads in 16 slots. A read keeps four functions per slot under way
// (readListed), each taking its triggers first: the started ones are
// always ahead of them, so nothing waits on a read that cannot start.
const readAhead = 128

// request runs call in a free slot, waiting for one.
func (p *pipeline) request(ctx context.Context, call func() error) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.slots }()
	return call()
}

// future is a result being computed.
type future[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// start runs call as one request of the pipeline, in the background.
func start[T any](p *pipeline, call func(ctx context.Context) (T, error)) *future[T] {
	f := &future[T]{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.err = p.request(p.ctx, func() (err error) {
			f.v, err = call(p.ctx)
			return err
		})
	}()
	return f
}

// wait returns the result, or ctx's error if ctx ends first.
func (f *future[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// startTriggers queues the reads of the listed functions' triggers; they
// start in order, as slots free and the functions' reads take them.
func (p *pipeline) startTriggers(client Client, fns []fc.Function) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range fns {
		name := f.Name()
		r := triggerRead{name: name, f: &future[[]fc.Trigger]{done: make(chan struct{})}}
		p.triggers[name] = r.f
		p.queue = append(p.queue, r)
	}
	if !p.running {
		p.running = true
		go p.dispatch(client)
	}
	p.notify()
}

// notify wakes the dispatcher; p.mu is held.
func (p *pipeline) notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// dispatch starts the queued trigger reads, each in a request slot,
// keeping at most p.ahead started and not handed out, until the pipeline
// is cancelled: the reads not started then end with its error.
func (p *pipeline) dispatch(client Client) {
	for {
		p.mu.Lock()
		if p.next < len(p.queue) && p.next < p.taken+p.ahead {
			r := p.queue[p.next]
			p.queue[p.next] = triggerRead{}
			p.next++
			p.mu.Unlock()
			// A slot first, then a goroutine: as many run as there
			// are slots, not as many as there are functions.
			select {
			case p.slots <- struct{}{}:
			case <-p.ctx.Done():
				r.f.err = p.ctx.Err()
				close(r.f.done)
				p.abandon()
				return
			}
			go func() {
				defer close(r.f.done)
				defer func() { <-p.slots }()
				r.f.v, r.f.err = client.ListTriggers(p.ctx, r.name)
			}()
			continue
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-p.ctx.Done():
			p.abandon()
			return
		}
	}
}

// abandon ends the reads still queued with the pipeline's error.
func (p *pipeline) abandon() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ; p.next < len(p.queue); p.next++ {
		r := p.queue[p.next]
		p.queue[p.next] = triggerRead{}
		r.f.err = p.ctx.Err()
		close(r.f.done)
	}
}

// takeTriggers returns the triggers read early for fn, if they were; a
// result is handed out once.
func (p *pipeline) takeTriggers(fn string) *future[[]fc.Trigger] {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.triggers[fn]
	if f != nil {
		delete(p.triggers, fn)
		p.taken++
		p.notify()
	}
	return f
}

// startRegion starts the region-wide listings: settings, and custom
// domains when managed.
func (p *pipeline) startRegion(client Client, opts Options) {
	if kc, ok := client.(KindsClient); ok {
		// Each kind's listing is a request of its own.
		f := &future[map[string]snapshot.Extras]{done: make(chan struct{})}
		go func() {
			defer close(f.done)
			f.v, f.err = regionSettings(p.ctx, kc, opts, p.request)
		}()
		p.settings = f
	}
	if dc, ok := client.(DomainsClient); ok && opts.DomainsDir != "" {
		p.domains = start(p, func(ctx context.Context) ([]fc.Doc, error) {
			docs, err := dc.ListCustomDomains(ctx, "")
			return docs, denied(err, `set domains = "" in fcgit.toml to leave custom domains unmanaged`)
		})
	}
}

// pagedLister is a client that hands out listing pages as they arrive.
type pagedLister interface {
	ListFunctionPages(ctx context.Context, prefix string, page func([]fc.Function) error) error
}

// document returns the whole document of the listed function i, whose
// metadata is listed, and lets go of what p kept of it; listed itself when
// p kept nothing (the listing was whole).
func (p *pipeline) document(i int, listed fc.Function) (fc.Function, error) {
	if i >= len(p.docs) || p.docs[i] == nil {
		return listed, nil
	}
	doc := p.docs[i]
	p.docs[i] = nil // each index is read by one goroutine, once
	f, err := fc.DecodeFunction(doc)
	if err != nil {
		return listed, fmt.Errorf("listed document: %w", err)
	}
	return f, nil
}

// docLister is a client that hands out, beside the functions listed, their
// documents as sent (fc.Client.ListFunctionDocPages).
type docLister interface {
	ListFunctionDocPages(ctx context.Context, q fc.ListQuery, page func([]fc.Function, []json.RawMessage) error) error
}

// listStarting lists the in-scope functions as List does, starting the
// read of each page's triggers as soon as the page arrives. From a
// docLister it returns each function's metadata alone (fc.Function.Metadata:
// what a Prepare looks at) and keeps its document in p.docs, at the same
// index, for the read to decode when it gets to the function: of 10,000
// functions, the decoded documents were a third of a status's memory at its
// peak, held from the listing until each was read.
func (p *pipeline) listStarting(ctx context.Context, client Client, opts Options) ([]fc.Function, error) {
	if dl, ok := client.(docLister); ok {
		var fns []fc.Function
		err := p.request(ctx, func() error {
			q := fc.ListQuery{Prefix: opts.Prefix, FCVersion: opts.FCVersion}
			return dl.ListFunctionDocPages(ctx, q, func(page []fc.Function, docs []json.RawMessage) error {
				var in []fc.Function
				for i, f := range page {
					if opts.InScope != nil && !opts.InScope(f.Name()) {
						continue
					}
					m := f.Metadata()
					in = append(in, m)
					fns = append(fns, m)
					// A copy: the page's body is let go of.
					p.docs = append(p.docs, bytes.Clone(docs[i]))
				}
				p.startTriggers(client, in)
				return nil
			})
		})
		if err != nil {
			p.docs = nil
			return nil, listError(err)
		}
		return fns, nil
	}
	pl, ok := client.(pagedLister)
	if vl, versioned := client.(versionLister); versioned && opts.FCVersion != "" {
		pl, ok = versionPages{vl, opts.FCVersion}, true
	}
	if !ok {
		fns, err := List(ctx, client, opts)
		if err == nil {
			p.startTriggers(client, fns)
		}
		return fns, err
	}
	var fns []fc.Function
	err := p.request(ctx, func() error {
		// The listing holds one slot throughout: its pages come one after
		// the other anyway.
		return pl.ListFunctionPages(ctx, opts.Prefix, func(page []fc.Function) error {
			in := inScope(page, opts)
			fns = append(fns, in...)
			p.startTriggers(client, in)
			return nil
		})
	})
	if err != nil {
		return nil, listError(err)
	}
	return fns, nil
}

// versionPages lists the pages of one fcVersion.
type versionPages struct {
	vl      versionLister
	version string
}

func (v versionPages) ListFunctionPages(ctx context.Context, prefix string, page func([]fc.Function) error) error {
	return v.vl.ListFunctionPagesOf(ctx, fc.ListQuery{Prefix: prefix, FCVersion: v.version}, page)
}
