package gitremote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/revlist"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Status is what became of one ref in PushFastForward.
type Status string

const (
	// StatusPushed: the remote's ref now has our value (created, or moved
	// fast-forward from RefResult.Remote).
	StatusPushed Status = "pushed"
	// StatusUpToDate: the remote already had our value; nothing was sent.
	// Tags the remote has with the same target end here too.
	StatusUpToDate Status = "up-to-date"
	// StatusNonFastForward: the remote's ref holds a commit that is not in
	// our history. It was left alone; the remote's value was fetched into
	// RefResult.TrackingRef.
	StatusNonFastForward Status = "non-fast-forward"
	// StatusTagExists: the remote has this tag with another target. It was
	// left alone.
	StatusTagExists Status = "tag-exists"
	// StatusRejected: the server refused the update (a hook, permissions, a
	// protected branch, or an atomic push that failed as a whole);
	// RefResult.Message has its words.
	StatusRejected Status = "rejected"
)

// RefResult is the outcome for one ref.
type RefResult struct {
	Ref    string
	Status Status
	// Local is our value; Remote the remote's before the push (zero when it
	// had no such ref), or, for StatusNonFastForward, the value fetched.
	Local, Remote plumbing.Hash
	// TrackingRef is set for StatusNonFastForward: the local ref holding
	// the remote's value (Remote.TrackingRef).
	TrackingRef string
	// TheirsContainsOurs is set for StatusNonFastForward when the remote's
	// value already has our commit in its history: nothing of ours is
	// missing there, our ref is only behind.
	TheirsContainsOurs bool
	// Message is the server's reason for StatusRejected.
	Message string
}

// PushResult is the outcome of PushFastForward, one RefResult per ref asked
// for, in the order asked.
type PushResult struct {
	Refs []RefResult
	// Atomic is set when the refs sent were applied all-or-nothing.
	Atomic bool
}

// Ref returns the result for ref.
func (p *PushResult) Ref(ref string) (RefResult, bool) {
	for _, rr := range p.Refs {
		if rr.Ref == ref {
			return rr, true
		}
	}
	return RefResult{}, false
}

// Done reports whether the remote now has every ref at our value.
func (p *PushResult) Done() bool {
	for _, rr := range p.Refs {
		if rr.Status != StatusPushed && rr.Status != StatusUpToDate {
			return false
		}
	}
	return true
}

// PushFastForward pushes each local ref (a full name, "refs/heads/...",
// "refs/tags/...") to the same name on the remote, fast-forward only; see
// the package documentation for what it guarantees. Refusals are results,
// not errors: the error is for failures of the whole operation (network,
// authentication, a local ref that does not exist, a broken repository).
// An error after the update was sent (fetching a diverged ref's value
// failed) does not undo the refs the remote took; the next call reports them
// up to date. ctx bounds the whole call: give it a deadline, a stalled
// server is otherwise waited for.
func (r *Remote) PushFastForward(ctx context.Context, refs []string) (*PushResult, error) {
	if err := checkRefs(refs); err != nil {
		return nil, fmt.Errorf("push to %s: %w", r, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store.Reindex() // fcgit or git may have written packs since the last call
	locals := make(map[string]plumbing.Hash, len(refs))
	for _, ref := range refs {
		h, found, err := r.repo.ResolveRef(ref)
		if err != nil {
			return nil, fmt.Errorf("push to %s: read %s: %w", r, ref, err)
		}
		if !found {
			return nil, fmt.Errorf("push to %s: %s does not exist in %s: there is nothing to push under that name", r, ref, r.repo.WorkDir())
		}
		locals[ref] = h
	}
	ep, err := endpoint(r.pushURL)
	if err != nil {
		return nil, fmt.Errorf("push to %s: %w", r, err)
	}
	var result *PushResult
	err = r.withAuth(ctx, ep, func(auth transport.AuthMethod) error {
		var err error
		result, err = r.push(ctx, ep, auth, refs, locals)
		return err
	})
	if err != nil {
		return nil, newError("push", r.pushURL, err)
	}
	return result, nil
}

// checkRefs refuses names that are not full, valid ref names, and repeats.
func checkRefs(refs []string) error {
	if len(refs) == 0 {
		return errors.New("no refs given")
	}
	seen := map[string]bool{}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "refs/") || plumbing.ReferenceName(ref).Validate() != nil {
			return fmt.Errorf("%q is not a full ref name: write it as refs/heads/<branch> or refs/tags/<tag>", ref)
		}
		if seen[ref] {
			return fmt.Errorf("%s is given twice", ref)
		}
		seen[ref] = true
	}
	return nil
}

// push makes at most two passes: the second only when the server refused
// refs whose value moved since we read it, so that a race with another
// pusher is decided again (and ends as non-fast-forward) rather than
// reported as a refusal.
func (r *Remote) push(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod, refs []string, locals map[string]plumbing.Hash) (*PushResult, error) {
	results := make(map[string]*RefResult, len(refs))
	out := &PushResult{}
	pending := refs
	for pass := 0; len(pending) > 0; pass++ {
		diverged, refused, atomic, err := r.pushPass(ctx, ep, auth, pending, locals, results)
		if err != nil {
			return nil, err
		}
		out.Atomic = out.Atomic || atomic
		if len(diverged) > 0 {
			if err := r.fetchTheirs(ctx, ep, auth, diverged, results); err != nil {
				return nil, err
			}
		}
		pending = nil
		if len(refused) > 0 && pass == 0 {
			if pending, err = r.movedSince(ctx, ep, auth, refused); err != nil {
				return nil, err
			}
		}
	}
	for _, ref := range refs {
		out.Refs = append(out.Refs, *results[ref])
	}
	return out, nil
}

// pushPass reads the remote's refs, decides each pending ref, and sends the
// fast-forward updates in one request. It returns the refs that diverged
// (theirs to fetch) and those the server refused.
func (r *Remote) pushPass(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod, pending []string, locals map[string]plumbing.Hash, results map[string]*RefResult) (diverged []string, refused []*RefResult, atomic bool, err error) {
	conn, err := r.connect(ep, auth)
	if err != nil {
		return nil, nil, false, err
	}
	defer conn.done()
	sess, err := conn.client.NewReceivePackSession(ep, conn.auth)
	if err != nil {
		return nil, nil, false, err
	}
	// The outcome is known from the advertisement and the status report;
	// closing only ends the session.
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	var cmds []*packp.Command
	for _, ref := range pending {
		ours, theirs := locals[ref], ar.References[ref]
		rr := &RefResult{Ref: ref, Local: ours, Remote: theirs}
		results[ref] = rr
		switch {
		case theirs == ours:
			rr.Status = StatusUpToDate
		case theirs.IsZero():
			cmds = append(cmds, &packp.Command{Name: plumbing.ReferenceName(ref), New: ours})
		case strings.HasPrefix(ref, "refs/tags/"):
			rr.Status = StatusTagExists
		default:
			ff, err := r.isFastForward(theirs, ours)
			if err != nil {
				return nil, nil, false, err
			}
			if ff {
				cmds = append(cmds, &packp.Command{Name: plumbing.ReferenceName(ref), Old: theirs, New: ours})
			} else {
				diverged = append(diverged, ref)
			}
		}
	}
	if len(cmds) == 0 {
		return diverged, nil, false, nil
	}
	if r.beforeReceivePack != nil {
		r.beforeReceivePack()
	}
	report, atomic, err := r.sendPack(ctx, sess, ar, cmds)
	if err != nil {
		return nil, nil, false, err
	}
	refused, err = applyReport(report, cmds, results)
	if err != nil {
		return nil, nil, false, err
	}
	return diverged, refused, atomic, nil
}

// isFastForward reports whether the remote's value theirs is in the history
// of ours. A commit we do not have cannot be.
func (r *Remote) isFastForward(theirs, ours plumbing.Hash) (bool, error) {
	for _, h := range []plumbing.Hash{theirs, ours} {
		obj, err := r.object(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read %s: %w", h, err)
		}
		if obj.Type() != plumbing.CommitObject {
			return false, nil
		}
	}
	return r.repo.IsAncestor(theirs, ours)
}

// object reads an object through the go-git storage, looking at the pack
// list again when it is not found (git may have repacked meanwhile).
func (r *Remote) object(h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, err := r.store.EncodedObject(plumbing.AnyObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		r.store.Reindex()
		obj, err = r.store.EncodedObject(plumbing.AnyObject, h)
	}
	return obj, err
}

// sendPack sends the commands and a pack of the objects the remote lacks:
// those reachable from the new values and not from anything it advertised.
func (r *Remote) sendPack(ctx context.Context, sess transport.ReceivePackSession, ar *packp.AdvRefs, cmds []*packp.Command) (*packp.ReportStatus, bool, error) {
	if !ar.Capabilities.Supports(capability.ReportStatus) {
		return nil, false, errors.New("the remote does not report the outcome of each ref (no report-status capability); fcgit cannot tell what it pushed")
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(ar.Capabilities)
	atomic := ar.Capabilities.Supports(capability.Atomic)
	if atomic {
		_ = req.Capabilities.Set(capability.Atomic)
	}
	// Side-band carries the server's messages ("remote: ...") apart from
	// the status report; without Stderr they are read and dropped.
	if ar.Capabilities.Supports(capability.Sideband64k) {
		_ = req.Capabilities.Set(capability.Sideband64k)
	} else if ar.Capabilities.Supports(capability.Sideband) {
		_ = req.Capabilities.Set(capability.Sideband)
	}
	req.Progress = r.opts.Stderr
	req.Commands = cmds

	var news, haves []plumbing.Hash
	for _, c := range cmds {
		news = append(news, c.New)
	}
	for _, h := range ar.References {
		haves = append(haves, h)
	}
	// Unknown haves are skipped by revlist; known ones and their history
	// are not sent again.
	objects, err := revlist.Objects(r.store, news, haves)
	if err != nil {
		return nil, false, fmt.Errorf("list the objects to send: %w", err)
	}
	pr, pw := io.Pipe()
	req.Packfile = pr
	encoded := make(chan error, 1)
	go func() {
		enc := packfile.NewEncoder(pw, r.store, !ar.Capabilities.Supports(capability.OFSDelta))
		_, err := enc.Encode(objects, packWindow)
		pw.CloseWithError(err)
		encoded <- err
	}()
	report, err := sess.ReceivePack(ctx, req)
	pr.CloseWithError(errors.New("receive-pack finished")) // unblocks the encoder if the server stopped reading
	encErr := <-encoded
	if report == nil {
		if err == nil {
			err = errors.New("the remote sent no status report")
		}
		if encErr != nil && !errors.Is(encErr, io.ErrClosedPipe) {
			err = fmt.Errorf("build the pack: %w (then %v)", encErr, err)
		}
		return nil, atomic, err
	}
	if report.UnpackStatus != "ok" {
		return nil, atomic, fmt.Errorf("the remote could not store the objects sent: unpack %s", report.UnpackStatus)
	}
	return report, atomic, nil
}

// packWindow is how many objects go-git compares when looking for deltas,
// its own default (pack.window).
const packWindow = 10

// applyReport records the server's verdict on each command and returns the
// refs it refused.
func applyReport(report *packp.ReportStatus, cmds []*packp.Command, results map[string]*RefResult) ([]*RefResult, error) {
	status := map[string]string{}
	for _, cs := range report.CommandStatuses {
		status[cs.ReferenceName.String()] = cs.Status
	}
	var refused []*RefResult
	for _, c := range cmds {
		rr := results[c.Name.String()]
		st, ok := status[c.Name.String()]
		switch {
		case !ok:
			return nil, fmt.Errorf("the remote's status report says nothing about %s", c.Name)
		case st == "ok":
			rr.Status = StatusPushed
		default:
			rr.Status = StatusRejected
			rr.Message = st
			refused = append(refused, rr)
		}
	}
	return refused, nil
}

// movedSince reads the remote's refs again and returns the refused refs to
// decide once more when any of them moved since the first advertisement:
// all of them, because in an atomic push one ref's race fails the others.
// When none moved, the refusals stand.
func (r *Remote) movedSince(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod, refused []*RefResult) ([]string, error) {
	now, err := r.listRefs(ctx, ep, auth)
	if err != nil {
		return nil, err
	}
	moved := slices.ContainsFunc(refused, func(rr *RefResult) bool { return now[rr.Ref] != rr.Remote })
	if !moved {
		return nil, nil
	}
	var again []string
	for _, rr := range refused {
		again = append(again, rr.Ref)
	}
	return again, nil
}

// listRefs reads the refs the remote's receive-pack advertises.
func (r *Remote) listRefs(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod) (map[string]plumbing.Hash, error) {
	conn, err := r.connect(ep, auth)
	if err != nil {
		return nil, err
	}
	defer conn.done()
	sess, err := conn.client.NewReceivePackSession(ep, conn.auth)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return nil, err
	}
	return ar.References, nil
}

// fetchTheirs fetches the diverged refs into their tracking refs and
// completes their results.
func (r *Remote) fetchTheirs(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod, refs []string, results map[string]*RefResult) error {
	got, err := r.fetch(ctx, ep, auth, refs)
	if err != nil {
		return fmt.Errorf("fetch the remote's %s: %w", strings.Join(refs, ", "), err)
	}
	for _, ref := range refs {
		rr := results[ref]
		rr.Status = StatusNonFastForward
		rr.Remote = got[ref]
		if rr.Remote.IsZero() {
			// Deleted on the remote since: the next push creates it.
			rr.Message = "the remote ref was deleted while fetching it"
			continue
		}
		rr.TrackingRef = r.TrackingRef(ref)
		contains, err := r.isFastForward(rr.Local, rr.Remote)
		if err != nil {
			return err
		}
		rr.TheirsContainsOurs = contains
	}
	return nil
}
