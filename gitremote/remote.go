package gitremote

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/fcgit/fcgit/gitstate"
)

// TrackingPrefix is where fetched remote refs are kept: refs/fcgit/remote/
// <remote>/<ref without "refs/">. They belong to fcgit, not to git's
// refs/remotes/, so `git fetch` and fcgit never fight over them.
const TrackingPrefix = "refs/fcgit/remote/"

// Options tune a Remote. The zero value is what an unattended watcher wants.
type Options struct {
	// Stderr receives the remote's progress and messages (what git shows as
	// "remote: ..."). Nil: progress is not even requested.
	Stderr io.Writer
	// Prompt lets `git credential fill` ask for a username and password on
	// the terminal when no credential helper has them. Off, git is told not
	// to (GIT_TERMINAL_PROMPT=0) and missing credentials are an
	// ErrAuthentication.
	Prompt bool
}

// Remote is the team's git remote as the repository's configuration names it
// ("origin"), or a URL.
type Remote struct {
	repo     *gitstate.Repo
	name     string // as given to Open
	named    bool   // name is a configured remote, not a URL
	tracking string // the <remote> component of tracking refs
	fetchURL string
	pushURL  string
	opts     Options

	// mu serialises operations: go-git's object storage and the cached
	// credentials are not safe for concurrent use.
	mu    sync.Mutex
	store *filesystem.Storage
	creds map[string]credential // accepted HTTP credentials, by credentialKey
	http  *http.Client

	// beforeReceivePack, when set (tests), runs between reading the remote's
	// refs and sending the update: the window in which a concurrent writer
	// can move a ref.
	beforeReceivePack func()
}

// largeObject is the size above which go-git streams an object it reads
// rather than inflating it whole (a code package can be 100 MB).
const largeObject = 1 << 20

// Open returns the remote called name in the repository containing repoDir,
// or name itself taken as a URL or path when it is one (see the package
// documentation for how git's rules are applied).
func Open(repoDir, name string, opts Options) (*Remote, error) {
	if name == "" {
		return nil, fmt.Errorf("open remote: no remote name or URL given: name one such as \"origin\"")
	}
	repo, err := gitstate.Open(repoDir)
	if err != nil {
		return nil, fmt.Errorf("open remote %s: %w", redact(name), err)
	}
	return OpenRepo(repo, name, opts)
}

// OpenRepo is Open for a repository the caller has opened already.
func OpenRepo(repo *gitstate.Repo, name string, opts Options) (*Remote, error) {
	if name == "" {
		return nil, fmt.Errorf("open remote: no remote name or URL given: name one such as \"origin\"")
	}
	fetchURL, pushURL, named, err := resolveURLs(repo, name)
	if err != nil {
		return nil, err
	}
	for _, u := range []string{fetchURL, pushURL} {
		if _, err := endpoint(u); err != nil {
			return nil, fmt.Errorf("open remote %s: %w", redact(name), err)
		}
	}
	fs := osfs.New(repo.CommonDir(), osfs.WithBoundOS())
	store := filesystem.NewStorageWithOptions(fs, cache.NewObjectLRUDefault(), filesystem.Options{
		AlternatesFS:         osfs.New("/", osfs.WithBoundOS()),
		LargeObjectThreshold: largeObject,
	})
	return &Remote{
		repo:     repo,
		name:     name,
		named:    named,
		tracking: trackingName(name, named, fetchURL),
		fetchURL: fetchURL,
		pushURL:  pushURL,
		opts:     opts,
		store:    store,
		creds:    map[string]credential{},
		http:     &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}, nil
}

// Name returns the remote's name or URL as given to Open.
func (r *Remote) Name() string { return r.name }

// FetchURL returns the URL Fetch reads from, after insteadOf rewriting.
func (r *Remote) FetchURL() string { return r.fetchURL }

// PushURL returns the URL PushFastForward writes to, after pushurl,
// pushInsteadOf and insteadOf.
func (r *Remote) PushURL() string { return r.pushURL }

// String names the remote for messages, without any password in its URL.
func (r *Remote) String() string {
	if r.named {
		return r.name + " (" + redact(r.pushURL) + ")"
	}
	return redact(r.pushURL)
}

// TrackingRef returns the local ref that holds the remote's value of ref
// after a fetch: refs/fcgit/remote/<remote>/<ref without "refs/">.
func (r *Remote) TrackingRef(ref string) string {
	return TrackingPrefix + r.tracking + "/" + strings.TrimPrefix(ref, "refs/")
}

// trackingName is the remote's name when it can be a ref component, and a
// digest of the URL otherwise (a remote given as a URL has no name).
func trackingName(name string, named bool, fetchURL string) string {
	if named && plumbing.ReferenceName(TrackingPrefix+name+"/x").Validate() == nil {
		return name
	}
	sum := sha1.Sum([]byte(fetchURL))
	return "url-" + hex.EncodeToString(sum[:8])
}

// isURLName reports names git never looks up as a configured remote:
// valid_remote_nick refuses empty names, "." and "..", and any with a
// directory separator.
func isURLName(name string) bool {
	return name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`)
}

// resolveURLs applies git's remote.c rules: the fetch URL is the first
// remote.<name>.url rewritten by insteadOf; the push URLs are the pushurls
// rewritten by insteadOf, else the urls that a pushInsteadOf matches
// (rewritten by it), else the urls rewritten by insteadOf.
func resolveURLs(repo *gitstate.Repo, name string) (fetchURL, pushURL string, named bool, err error) {
	fail := func(format string, args ...any) (string, string, bool, error) {
		return "", "", false, fmt.Errorf("open remote %s: %s", redact(name), fmt.Sprintf(format, args...))
	}
	var urls, pushURLs []string
	if !isURLName(name) {
		if urls, err = repo.ConfigAll("remote." + name + ".url"); err != nil {
			return fail("%v", err)
		}
		if pushURLs, err = repo.ConfigAll("remote." + name + ".pushurl"); err != nil {
			return fail("%v", err)
		}
	}
	named = len(urls) > 0
	if !named {
		if !isURLName(name) && !strings.Contains(name, ":") {
			return fail("no remote %q is configured in %s: add it with `git remote add %s <url>`", name, repo.WorkDir(), name)
		}
		urls = []string{name}
	}
	rewrites, err := repo.ConfigValues("url", "insteadOf")
	if err != nil {
		return fail("%v", err)
	}
	pushRewrites, err := repo.ConfigValues("url", "pushInsteadOf")
	if err != nil {
		return fail("%v", err)
	}
	var push []string
	if len(pushURLs) > 0 {
		for _, u := range pushURLs {
			push = append(push, rewriteURL(u, rewrites))
		}
	} else {
		for _, u := range urls {
			if p, ok := longestRewrite(u, pushRewrites); ok {
				push = append(push, p)
			}
		}
		if len(push) == 0 {
			for _, u := range urls {
				push = append(push, rewriteURL(u, rewrites))
			}
		}
	}
	if len(push) > 1 {
		return fail("it has %d push URLs (%s); git pushes to each of them, fcgit only to one: name a remote with a single URL", len(push), strings.Join(redactAll(push), ", "))
	}
	fetchURL = absolutePath(repo.WorkDir(), rewriteURL(urls[0], rewrites))
	pushURL = absolutePath(repo.WorkDir(), push[0])
	return fetchURL, pushURL, named, nil
}

// rewriteURL applies insteadOf rules, leaving the URL alone when none match.
func rewriteURL(u string, rules []gitstate.ConfigValue) string {
	if r, ok := longestRewrite(u, rules); ok {
		return r
	}
	return u
}

// longestRewrite is git's alias_url: the longest prefix among all the
// url.<base>.insteadOf values that starts u is replaced by <base>.
func longestRewrite(u string, rules []gitstate.ConfigValue) (string, bool) {
	best := -1
	for i, rule := range rules {
		if strings.HasPrefix(u, rule.Value) && (best < 0 || len(rule.Value) > len(rules[best].Value)) {
			best = i
		}
	}
	if best < 0 {
		return u, false
	}
	return rules[best].Subsection + u[len(rules[best].Value):], true
}

// isLocalPath is git's url_is_local_not_ssh: no "://", and no colon before
// the first slash (that would be scp-like host:path).
func isLocalPath(u string) bool {
	if strings.Contains(u, "://") {
		return false
	}
	colon := strings.IndexByte(u, ':')
	slash := strings.IndexByte(u, '/')
	return colon < 0 || (slash >= 0 && slash < colon)
}

// absolutePath resolves a relative local path against the work tree, where
// git runs its commands.
func absolutePath(workDir, u string) string {
	if isLocalPath(u) && !filepath.IsAbs(u) {
		return filepath.Join(workDir, u)
	}
	return u
}

// endpoint parses a URL or path for go-git, refusing schemes this package
// has no transport for.
func endpoint(u string) (*transport.Endpoint, error) {
	ep, err := transport.NewEndpoint(u)
	if err != nil {
		return nil, fmt.Errorf("bad remote URL %q: %w", redact(u), err)
	}
	switch ep.Protocol {
	case "file", "http", "https", "ssh":
		return ep, nil
	}
	return nil, fmt.Errorf("remote URL %q uses %s://, which fcgit cannot push to: use an https://, ssh:// or file:// URL", redact(u), ep.Protocol)
}

// redact removes a password from a URL for messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, has := p.User.Password(); has {
		p.User = url.UserPassword(p.User.Username(), "xxxxx")
		return p.String()
	}
	return u
}

func redactAll(us []string) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = redact(u)
	}
	return out
}
