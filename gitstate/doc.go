// Package gitstate is fcgit's only door to the git repository: objects, refs
// with git's lock protocol, notes, the index (including conflict stages), the
// work tree and merge state.
//
// It uses go-git for reading objects (loose and packed) and writes everything
// else by hand where go-git is not faithful to git: objects are written
// directly, as loose objects or, inside a Batch, into one new pack; refs
// follow git's <ref>.lock protocol with reflogs, and the index
// is encoded with stages sorted the way git sorts them and real stat data, so
// that `git status`, `git merge --abort` and `git commit` keep working next to
// fcgit.
//
// A Repo is safe for concurrent use by several goroutines: reads through
// go-git's storage are serialised, and every write that another process could
// race with goes through a lock file.
package gitstate
