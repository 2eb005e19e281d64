package gitremote

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// DefaultBranch returns the branch the remote's HEAD points to
// ("refs/heads/main"), as `git clone` would check out: the symref the server
// advertises, else the one branch whose value is HEAD's (main or master
// first when several are). ok is false for an empty remote or one whose HEAD
// names no branch.
func (r *Remote) DefaultBranch(ctx context.Context) (ref string, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ep, err := endpoint(r.fetchURL)
	if err != nil {
		return "", false, fmt.Errorf("fetch from %s: %w", r, err)
	}
	err = r.withAuth(ctx, ep, func(auth transport.AuthMethod) error {
		var err error
		ref, ok, err = r.defaultBranch(ctx, ep, auth)
		return err
	})
	if err != nil {
		return "", false, newError("fetch", r.fetchURL, err)
	}
	return ref, ok, nil
}

func (r *Remote) defaultBranch(ctx context.Context, ep *transport.Endpoint, auth transport.AuthMethod) (string, bool, error) {
	conn, err := r.connect(ep, auth)
	if err != nil {
		return "", false, err
	}
	defer conn.done()
	sess, err := conn.client.NewUploadPackSession(ep, conn.auth)
	if err != nil {
		return "", false, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	ref, ok := headBranch(ar)
	return ref, ok, nil
}

// headBranch reads HEAD's branch from an advertisement.
func headBranch(ar *packp.AdvRefs) (string, bool) {
	for _, v := range ar.Capabilities.Get(capability.SymRef) {
		if target, found := strings.CutPrefix(v, "HEAD:"); found && strings.HasPrefix(target, "refs/heads/") {
			return target, true
		}
	}
	if ar.Head == nil {
		return "", false
	}
	// Servers without the symref capability: git guesses from the
	// branches that have HEAD's value.
	var same []string
	for name, h := range ar.References {
		if h == *ar.Head && plumbing.ReferenceName(name).IsBranch() {
			same = append(same, name)
		}
	}
	sort.Strings(same)
	for _, pref := range []string{"refs/heads/main", "refs/heads/master"} {
		for _, s := range same {
			if s == pref {
				return s, true
			}
		}
	}
	if len(same) > 0 {
		return same[0], true
	}
	return "", false
}
