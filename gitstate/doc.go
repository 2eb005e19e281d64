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
// Work tree comparisons follow git's: stat data, then content hashed after
// the line-ending conversion git applies on check-in (eol.go, with
// attributes read as attr.c reads them, attributes.go).
//
// A checkout (RunCheckout) records what it is about to write before it
// writes anything, in .git/fcgit-checkout: a process killed midway leaves a
// record the next one finds (InterruptedCheckout) and finishes
// (FinishCheckout), or refuses to finish when the user changed the paths
// since.
//
// A Repo is safe for concurrent use by several goroutines: reads through
// go-git's storage are serialised, and every write that another process could
// race with goes through a lock file.
package gitstate
