// Package gitremote talks to the team's git remote: it pushes fcgit's
// branches fast-forward only and fetches the remote's version of a branch
// when someone else got there first. It is the transport under `fcgit
// watch`, which keeps console edits flowing to the team's repository.
//
// # What it guarantees
//
//   - A remote ref is never rewritten non-fast-forward. PushFastForward sends
//     an update only when the remote's current value is an ancestor of ours
//     (or the ref does not exist yet), and every update carries the value the
//     remote advertised as its expected old value, so the server refuses it
//     if a concurrent writer moved the ref in between (git's receive-pack
//     checks this under its ref lock). Nothing is ever forced.
//   - When the remote's ref has moved to a commit that is not in our history
//     (another watcher, a colleague), the ref is reported as
//     StatusNonFastForward and the remote's commit is fetched into the local
//     tracking ref refs/fcgit/remote/<remote>/<ref without "refs/"> (see
//     TrackingRef), so the caller can merge it and push again.
//   - Tags are never moved: a tag the remote already has with the same
//     target is reported StatusUpToDate; with another target, StatusTagExists.
//   - When the server supports it (the "atomic" capability, git ≥ 2.4), the
//     updates of one PushFastForward are applied all-or-nothing.
//   - A ref the server refused while its value moved underneath is looked at
//     once more against a fresh advertisement, so a race with another pusher
//     ends as StatusNonFastForward (theirs fetched), not as a bare refusal.
//   - Fetched objects are stored as a pack written the way git writes one
//     (temporary file, checksum verified, fsynced, pack renamed before its
//     index), and tracking refs are moved with git's lock protocol, so a git
//     running next to fcgit never sees a half-written pack or ref. The fetched
//     history is checked to be complete before any tracking ref points to it.
//   - Errors say what failed and where. Network failures (refused or reset
//     connections, DNS, timeouts, HTTP 429/502/503/504) match ErrUnreachable;
//     credentials missing or refused, and unknown ssh host keys, match
//     ErrAuthentication; both through errors.Is, so a caller can back off and
//     log once per outage. Everything else (no such repository, a protocol
//     error) matches neither and will not fix itself by waiting.
//
// # Remotes and URLs
//
// Open reads remote.<name>.url and remote.<name>.pushurl from the
// repository's git configuration (system, global, repository, includes) and
// applies url.<base>.insteadOf and url.<base>.pushInsteadOf as git does
// (longest matching prefix). A name with a slash, or one that is not a
// configured remote, is taken as a URL or path, as git takes it. Relative
// paths are resolved against the work tree, where git runs. Fetch reads from
// the fetch URL; PushFastForward pushes to the push URL and fetches the
// diverged refs from that same URL, so "theirs" always comes from where the
// push was refused. A remote with several push URLs is refused: git pushes to
// each, fcgit to one.
//
// # Transports and credentials
//
//   - file:// and local paths run git's own git-upload-pack and
//     git-receive-pack (go-git's file transport), not go-git's in-process
//     server: the real receive-pack updates the remote's refs under git's
//     lock files, checks each expected old value, honours atomic pushes,
//     receive.denyNonFastForwards, receive.fsckObjects and hooks, exactly as
//     `git push` to that path would. go-git's server does none of that and
//     could interleave badly with a `git push` by a colleague. So file://
//     needs git on PATH.
//   - http:// and https:// (go-git's smart HTTP client) first try without
//     credentials, like git; on 401 they ask `git credential fill` (the real
//     git binary, run in the work tree so the repository's credential.*
//     settings apply) with protocol, host and path, retry, and then run
//     `git credential approve`, or `git credential reject` when the server
//     refused what the helpers gave. Accepted credentials are kept in memory
//     for the Remote's later calls. Credentials written in the URL are used
//     as they are. Unless Options.Prompt is set, git is not allowed to ask on
//     the terminal (GIT_TERMINAL_PROMPT=0): a watcher must fail, not hang.
//     Proxies come from the environment (HTTPS_PROXY, NO_PROXY); git's
//     http.* settings (http.proxy, http.sslCAInfo, http.extraHeader) are not
//     read.
//   - ssh:// and scp-like user@host:path authenticate with the keys of the
//     running ssh-agent (SSH_AUTH_SOCK) and check the host key against
//     known_hosts as ssh does (SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts and
//     /etc/ssh/ssh_known_hosts); an unknown host is refused, never added.
//     Hostname and Port from ~/.ssh/config are honoured; key files that are
//     not loaded in the agent and GIT_SSH_COMMAND are not.
//
// Each call takes a context: it cancels the call, and its deadline is how
// long a stalled server is waited for (connecting over ssh gives up after 30
// seconds regardless). A Remote serialises its own operations; it is safe to
// share between goroutines.
package gitremote
