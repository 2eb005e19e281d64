package fetch

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// VersionClient reads a published version of a function.
type VersionClient interface {
	Client
	GetFunctionAt(ctx context.Context, name, qualifier string) (fc.Function, error)
	GetFunctionCodeAt(ctx context.Context, name, qualifier string) (fc.CodeLocation, error)
}

// ReadVersion stores a published version of a function as its directory
// tree (function.toml and code/): what FC keeps of it, its configuration
// and code; triggers belong to the function, not to versions. prev, when
// set, is the function's current file, whose choices the encoding follows
// and whose secret references are reused.
func ReadVersion(ctx context.Context, client VersionClient, repo *gitstate.Repo, name, version string, prev *snapshot.State, opts Options) (plumbing.Hash, error) {
	raw, err := client.GetFunctionAt(ctx, name, version)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	st, err := snapshot.FromAPI(raw, nil)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	values := map[string]string{}
	snapshot.ProtectSecrets(st, opts.Secrets, snapshot.SecretsBasis{Prev: prev}, values)
	if opts.Hide != nil {
		for _, v := range values {
			opts.Hide(v)
		}
	}
	r := &reader{client: client, repo: repo, opts: opts, base: Base{Note: &Note{Functions: map[string]FunctionMeta{}}}}
	var code plumbing.Hash
	if hasCode(raw) {
		loc, err := client.GetFunctionCodeAt(ctx, name, version)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if code, err = r.downloadFrom(ctx, name, "version "+version+" of "+name, loc); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("version %s of %s: %w", version, name, err)
		}
	}
	text, err := snapshot.Encode(st, prev)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	blob, err := repo.StoreBlob(text)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	entries := []gitstate.TreeEntry{{Name: "function.toml", Mode: filemode.Regular, Hash: blob}}
	if !code.IsZero() {
		entries = append(entries, gitstate.TreeEntry{Name: "code", Mode: filemode.Dir, Hash: code})
	}
	return repo.StoreTree(entries)
}
