package gitstate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrNotRepository is returned by Open when neither dir nor any parent holds a
// git repository.
var ErrNotRepository = errors.New("not a git repository")

// ErrUnsupportedRepository is wrapped by Open's refusals: repositories that
// exist but that fcgit cannot read or write back faithfully.
var ErrUnsupportedRepository = errors.New("unsupported repository")

// Repo is an opened, non-bare git repository.
type Repo struct {
	workDir   string // root of the work tree
	gitDir    string // per-worktree git dir (HEAD, index, MERGE_HEAD, logs/HEAD)
	commonDir string // shared git dir (objects, refs, packed-refs, config)

	// storeMu serialises go-git's object storage, which caches pack indexes
	// in plain maps and is not safe for concurrent use.
	storeMu sync.Mutex
	store   *filesystem.Storage

	// batch, when set, receives every object stored (see BeginBatch).
	batch atomic.Pointer[Batch]

	// trees holds recently decoded trees (see treeCache).
	trees *treeCache
	// ancestry keeps IsAncestor's walks.
	ancestry ancestry

	// Seams for crash tests, nil otherwise: finishHook is FinishCheckout's
	// CheckoutPlan.StepHook; writerRunning replaces the check that the
	// process recorded in a checkout record still runs; written is told
	// how many files a checkout writing in parallel has put in place.
	finishHook    func(step string) error
	writerRunning func(processIdentity) bool
	written       func(done int64)
}

// WorkDir returns the root of the work tree.
func (r *Repo) WorkDir() string { return r.workDir }

// GitDir returns the per-worktree git directory (".git" for a main work tree,
// ".git/worktrees/<name>" in the main repository for a linked one).
func (r *Repo) GitDir() string { return r.gitDir }

// CommonDir returns the git directory shared by all worktrees (objects,
// refs, packed-refs, config): GitDir itself for a main work tree.
func (r *Repo) CommonDir() string { return r.commonDir }

// Open finds the repository containing dir (dir itself or a parent), honours
// a ".git" file pointing elsewhere (linked worktrees, submodules), and refuses
// repositories fcgit cannot handle faithfully.
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	for d := abs; ; {
		workDir, gitDir, err := probeDir(d)
		if err != nil {
			return nil, err
		}
		if gitDir != "" {
			return openAt(workDir, gitDir)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, fmt.Errorf("%w: %s (or any of its parents); run `fcgit init` or `git init` first", ErrNotRepository, abs)
		}
		d = parent
	}
}

// probeDir reports the repository rooted at d, if any: d/.git as a directory
// or a "gitdir:" file. A git directory found at d itself means a bare
// repository or the inside of a .git directory, both refused.
func probeDir(d string) (workDir, gitDir string, err error) {
	dotGit := filepath.Join(d, ".git")
	if fi, statErr := os.Stat(dotGit); statErr == nil {
		switch {
		case fi.IsDir() && isGitDir(dotGit):
			return d, dotGit, nil
		case fi.Mode().IsRegular():
			target, err := readGitFile(dotGit)
			if err != nil {
				return "", "", err
			}
			if !isGitDir(target) {
				return "", "", fmt.Errorf("%w: %s points to %s, which is not a git directory", ErrNotRepository, dotGit, target)
			}
			return d, target, nil
		}
	}
	if isGitDir(d) {
		entries, _ := readConfigFile(configPathFor(d))
		if bare, _ := (&configSet{entries: entries}).boolean("core.bare"); bare {
			return "", "", fmt.Errorf("%w: %s is a bare repository; fcgit needs a work tree: run it in a clone with a work tree (git clone %s)", ErrUnsupportedRepository, d, d)
		}
		return "", "", fmt.Errorf("%w: %s is inside a git directory; run fcgit from the work tree instead", ErrUnsupportedRepository, d)
	}
	return "", "", nil
}

// configPathFor returns the config file of a git dir, following commondir.
func configPathFor(gitDir string) string {
	return filepath.Join(commonDirOf(gitDir), "config")
}

// readGitFile parses a ".git" file ("gitdir: <path>"), relative to its directory.
func readGitFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	line := strings.TrimSpace(string(data))
	target, ok := strings.CutPrefix(line, "gitdir:")
	if !ok {
		return "", fmt.Errorf("%w: %s is not a gitdir file (expected \"gitdir: <path>\")", ErrNotRepository, path)
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return filepath.Clean(target), nil
}

// isGitDir mirrors git's is_git_directory: HEAD plus objects/ and refs/
// (directly or through commondir).
func isGitDir(dir string) bool {
	if fi, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	common := commonDirOf(dir)
	for _, sub := range []string{"objects", "refs"} {
		if fi, err := os.Stat(filepath.Join(common, sub)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// commonDirOf returns the common git dir of gitDir: itself, or the directory
// named by its "commondir" file (linked worktrees).
func commonDirOf(gitDir string) string {
	data, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	if err != nil {
		return gitDir
	}
	c := strings.TrimSpace(string(data))
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitDir, c)
	}
	return filepath.Clean(c)
}

// largeObject is the size above which go-git streams an object it reads.
const largeObject = 1 << 20

// objectCacheSize bounds go-git's cache of objects read from packs, which
// it needs for delta bases. Trees, what commands read again and again, are
// cached decoded (treeCache); at go-git's default of 96 MB the cache of
// blobs read once was most of a status's memory at 10,000 functions, and
// still 16 MB of it at 16 MB.
const objectCacheSize = 4 * cache.MiByte

// openPacks is how many pack files go-git keeps open at once.
const openPacks = 32

func openAt(workDir, gitDir string) (*Repo, error) {
	r := &Repo{workDir: workDir, gitDir: gitDir, commonDir: commonDirOf(gitDir), trees: newTreeCache(treeCacheEntries)}
	if err := r.checkSupported(); err != nil {
		return nil, err
	}
	fs := osfs.New(r.commonDir, osfs.WithBoundOS())
	r.store = filesystem.NewStorageWithOptions(fs, cache.NewObjectLRU(objectCacheSize), filesystem.Options{
		AlternatesFS: osfs.New("/", osfs.WithBoundOS()),
		// Objects above this are streamed from disk when read, not
		// inflated into memory whole: a code package's 100 MB file is
		// read by push once per deploy.
		LargeObjectThreshold: largeObject,
		// Without this go-git opens, and sets up a reader for, the pack
		// file again for every object it reads: a status of 10,000
		// functions spent a tenth of its time opening packs. The
		// descriptors kept are closed with the storage (os.File's
		// finalizer once the Repo is gone).
		MaxOpenDescriptors: openPacks,
	})
	return r, nil
}

// knownExtensions are repository extensions that change nothing fcgit reads
// or writes. Any other extension (with repositoryformatversion 1) is refused,
// as git itself refuses extensions it does not know.
var knownExtensions = map[string]bool{
	"noop":            true,
	"noop-v1":         true,
	"preciousobjects": true,
	"partialclone":    true,
}

// checkSupported refuses repositories whose format go-git or this package
// cannot read and write back faithfully.
func (r *Repo) checkSupported() error {
	entries, err := readConfigFile(filepath.Join(r.commonDir, "config"))
	if err != nil {
		return fmt.Errorf("read repository config: %w", err)
	}
	cfg := configSet{entries: entries}
	where := r.workDir
	if bare, _ := cfg.boolean("core.bare"); bare {
		return fmt.Errorf("%w: %s is configured as bare (core.bare=true); fcgit needs a work tree: run `git config core.bare false` if this is a mistake", ErrUnsupportedRepository, where)
	}
	if f, ok := cfg.get("extensions.objectformat"); ok && !strings.EqualFold(f, "sha1") {
		return fmt.Errorf("%w: %s uses the %s object format (extensions.objectFormat); fcgit only handles SHA-1 repositories: keep the functions in a repository created with `git init --object-format=sha1`", ErrUnsupportedRepository, where, f)
	}
	if f, ok := cfg.get("extensions.refstorage"); ok && !strings.EqualFold(f, "files") {
		return fmt.Errorf("%w: %s stores refs in %q (extensions.refStorage); fcgit only handles the files ref backend: convert with `git refs migrate --ref-format=files`", ErrUnsupportedRepository, where, f)
	}
	if on, _ := cfg.boolean("extensions.worktreeconfig"); on {
		return fmt.Errorf("%w: %s enables per-worktree configuration (extensions.worktreeConfig), which fcgit cannot read faithfully; if no worktree needs its own config.worktree, turn it off with `git config --unset extensions.worktreeConfig`", ErrUnsupportedRepository, where)
	}
	if v, _ := cfg.get("core.repositoryformatversion"); strings.TrimSpace(v) == "1" {
		for _, e := range cfg.entries {
			if e.section == "extensions" && !knownExtensions[e.name] &&
				e.name != "objectformat" && e.name != "refstorage" && e.name != "worktreeconfig" {
				return fmt.Errorf("%w: %s uses the repository extension extensions.%s, which fcgit does not know; use a repository without it", ErrUnsupportedRepository, where, e.name)
			}
		}
	}
	splitMsg := "fcgit cannot write a split index back faithfully: turn it off with `git config core.splitIndex false && git update-index --no-split-index`"
	if on, _ := cfg.boolean("core.splitindex"); on {
		return fmt.Errorf("%w: %s has core.splitIndex enabled; %s", ErrUnsupportedRepository, where, splitMsg)
	}
	if on, _ := cfg.boolean("index.sparse"); on {
		return fmt.Errorf("%w: %s uses a sparse index (index.sparse); fcgit needs a full index: run `git sparse-checkout disable` or `git config index.sparse false`", ErrUnsupportedRepository, where)
	}
	idx, err := readIndexFile(filepath.Join(r.gitDir, "index"))
	if err != nil {
		if errors.Is(err, errSplitIndex) {
			return fmt.Errorf("%w: %s has a split index (a \"link\" extension and sharedindex files); %s", ErrUnsupportedRepository, where, splitMsg)
		}
		return fmt.Errorf("%w: %s: %w", ErrUnsupportedRepository, where, err)
	}
	_ = idx
	return nil
}
