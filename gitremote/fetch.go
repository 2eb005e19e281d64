package gitremote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/revlist"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Fetch fetches the given remote refs (full names) into their tracking refs
// (TrackingRef) and returns the value of each. A ref the remote does not
// have is absent from the map and its tracking ref is left as it was.
func (r *Remote) Fetch(ctx context.Context, refs []string) (map[string]plumbing.Hash, error) {
	if err := checkRefs(refs); err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", r, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store.Reindex()
	ep, err := endpoint(r.fetchURL)
	if err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", r, err)
	}
	var got map[string]plumbing.Hash
	err = r.withAuth(ctx, ep, func(auth transport.AuthMethod) error {
		var err error
		got, err = r.fetch(ctx, ep, auth, refs)
		return err
	})
	if err != nil {
		return nil, newError("fetch", r.fetchURL, err)
	}
	return got, nil
}

// fetch asks the remote's upload-pack for the objects of refs that we lack,
// stores them, checks that their history is complete, then moves the
// tracking refs.
func (r *Remote) fetch(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod, refs []string) (map[string]plumbing.Hash, error) {
	conn, err := r.connect(ep, auth)
	if err != nil {
		return nil, err
	}
	defer conn.done()
	sess, err := conn.client.NewUploadPackSession(ep, conn.auth)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return map[string]plumbing.Hash{}, nil
	}
	if err != nil {
		return nil, err
	}
	got := map[string]plumbing.Hash{}
	var wants []plumbing.Hash
	for _, ref := range refs {
		h, ok := ar.References[ref]
		if !ok {
			continue
		}
		got[ref] = h
		if _, err := r.object(h); errors.Is(err, plumbing.ErrObjectNotFound) {
			if !slices.Contains(wants, h) {
				wants = append(wants, h)
			}
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", h, err)
		}
	}
	if len(wants) > 0 {
		haves, err := r.localTips()
		if err != nil {
			return nil, err
		}
		if err := r.fetchPack(ctx, sess, ar, wants, haves); err != nil {
			return nil, err
		}
		// Like git's check_connected: every object reachable from what we
		// fetched must now be here before a ref points to it.
		if _, err := revlist.Objects(r.store, wants, haves); err != nil {
			return nil, fmt.Errorf("the fetched history is incomplete: %w", err)
		}
	}
	for _, ref := range refs {
		h, ok := got[ref]
		if !ok {
			continue
		}
		tracking := r.TrackingRef(ref)
		old, _, err := r.repo.ResolveRef(tracking)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", tracking, err)
		}
		if old == h {
			continue
		}
		if err := r.repo.UpdateRef(tracking, h, old, "fcgit: fetch "+ref+" from "+redact(ep.String())); err != nil {
			// Another fcgit fetching the same remote may have got there
			// first with the same value; any other value is left for the
			// next fetch to settle rather than overwritten blindly.
			if now, _, rerr := r.repo.ResolveRef(tracking); rerr == nil && now == h {
				continue
			}
			return nil, err
		}
	}
	return got, nil
}

// localTips are the values of all local refs: the "have" lines that let the
// remote leave out what we already hold.
func (r *Remote) localTips() ([]plumbing.Hash, error) {
	refs, err := r.repo.ListRefs("refs/")
	if err != nil {
		return nil, fmt.Errorf("list local refs: %w", err)
	}
	var out []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	for _, h := range refs {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b plumbing.Hash) int { return slices.Compare(a[:], b[:]) })
	return out, nil
}

func (r *Remote) fetchPack(ctx context.Context, sess transport.UploadPackSession, ar *packp.AdvRefs, wants, haves []plumbing.Hash) error {
	req := packp.NewUploadPackRequestFromCapabilities(ar.Capabilities)
	if r.opts.Stderr == nil && ar.Capabilities.Supports(capability.NoProgress) {
		_ = req.Capabilities.Set(capability.NoProgress)
	}
	req.Wants = wants
	req.Haves = haves
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Close()
	var pack io.Reader = resp
	switch {
	case req.Capabilities.Supports(capability.Sideband64k):
		d := sideband.NewDemuxer(sideband.Sideband64k, resp)
		d.Progress = r.opts.Stderr
		pack = d
	case req.Capabilities.Supports(capability.Sideband):
		d := sideband.NewDemuxer(sideband.Sideband, resp)
		d.Progress = r.opts.Stderr
		pack = d
	}
	return r.storePack(pack)
}

// storePack writes a received pack into objects/pack the way git does: into
// a temporary file, parsed and checksum-verified, indexed, both fsynced, the
// pack renamed into place before its index (readers find packs by their
// index, so they never see one without the other).
func (r *Remote) storePack(pack io.Reader) (err error) {
	dir := filepath.Join(r.repo.CommonDir(), "objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("store fetched objects: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "tmp_pack_")
	if err != nil {
		return fmt.Errorf("store fetched objects: %w", err)
	}
	var idxTmp *os.File
	defer func() {
		tmp.Close()
		if idxTmp != nil {
			idxTmp.Close()
		}
		if err != nil {
			os.Remove(tmp.Name())
			if idxTmp != nil {
				os.Remove(idxTmp.Name())
			}
			err = fmt.Errorf("store fetched objects in %s: %w", dir, err)
		}
	}()
	if _, err := io.Copy(tmp, pack); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	idxw := new(idxfile.Writer)
	parser, err := packfile.NewParser(packfile.NewScanner(tmp), idxw)
	if err != nil {
		return err
	}
	sum, err := parser.Parse()
	if err != nil {
		return fmt.Errorf("the received pack is not valid: %w", err)
	}
	idx, err := idxw.Index()
	if err != nil {
		return err
	}
	idxTmp, err = os.CreateTemp(dir, "tmp_idx_")
	if err != nil {
		return err
	}
	if _, err := idxfile.NewEncoder(idxTmp).Encode(idx); err != nil {
		return err
	}
	for _, f := range []*os.File{tmp, idxTmp} {
		if err := f.Sync(); err != nil {
			return err
		}
		// Pack files are immutable, as git makes them.
		if err := f.Chmod(0o444); err != nil {
			return err
		}
	}
	base := filepath.Join(dir, "pack-"+sum.String())
	if _, statErr := os.Stat(base + ".pack"); statErr == nil {
		// The same pack is already there: its index is too, or git
		// would be re-creating it. Nothing to add.
		return errors.Join(os.Remove(tmp.Name()), os.Remove(idxTmp.Name()))
	}
	if err := os.Rename(tmp.Name(), base+".pack"); err != nil {
		return err
	}
	if err := os.Rename(idxTmp.Name(), base+".idx"); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	r.store.Reindex()
	return nil
}
