// Package watch is the loop behind `fcgit watch`: every interval it records
// each target's online state on its online branch (as fcgit fetch does) and
// pushes that branch and the version tags to the team's git remote, fast-
// forward only, so that a console edit reaches the team's repository within
// one interval. It reports what changed as events, one JSON line each.
//
// # One cycle, per target
//
//  1. Fetch the team's refs: the base branch (the remote's default branch,
//     or Config.Base), the target's online branch and the merge branch into
//     tracking refs (gitremote). The online branch is brought up to date
//     with the remote's: created or fast-forwarded when the remote's is
//     ahead; when both moved (another watcher or a colleague recorded a
//     state), fcgit's own records made here and not yet pushed are replayed
//     on top of the remote's, each keeping its message, and those that
//     record a state the remote's branch already ends in are dropped. So
//     the remote's history stays linear and no observed state is lost.
//  2. Read online state and record it on the online branch when it changed
//     (fetch.Prepare, Read, Record), with the base branch's commit standing
//     for HEAD: deploys are recognised from the team's history.
//  3. Plan as fcgit status does (push.Status), against the base branch's
//     commit, and compare the drift with the previous cycle's (events).
//  4. Push the online branch and the version tags (refs/tags/fcgit/…) that
//     exist locally. A branch the remote moved meanwhile is fetched,
//     integrated as in 1, and pushed again (a few times at most; the next
//     cycle goes on from there). Tags are never moved.
//  5. With a merge branch: merge the online branch into the base branch as
//     fcgit pull would (pull.MergeCommits) and push the result to the merge
//     branch, fast-forward only (see mergeBranch).
//
// When the git remote cannot be reached, steps 2 and 3 still run: the online
// state is recorded locally and pushed once the remote is back.
//
// # Drift, and its events
//
// A resource (a function, or "domain <name>") is drifted when the plan made
// after the fetch says push of the base branch would refuse it because of
// online state: its online state is recorded on the online branch and the
// base branch does not hold it (plan.BlockedUnmerged), or it changed online
// after the record (plan.BlockedDrift: a console edit between the record and
// the plan's read). Its changes are the plan's Drift.Changes: field by field,
// the value the base branch holds (old) and the one online (new), secrets
// masked by the plan.
//
// Events compare the drifted resources of this cycle with the previous
// cycle's, per target: "drift-appeared" for a resource not drifted before
// (the first cycle reports every drifted resource so), "drift-changed" when
// its drift (kind, changes, code) is not the same as the last reported,
// "drift-cleared" when it is no longer drifted (the base branch now holds
// the online state, or online went back to it). A cycle that fails for a
// target before its plan keeps the previous drift set: failures do not clear
// drift. The set lives in memory: a new watcher, and every --once run,
// starts from nothing and reports the drift present as appeared.
//
// Other events: "merge" (a merge branch pushed), "error" (kind "network",
// "auth", "conflict", "rejected" or "other") and "recovered" (a network or
// authentication outage ended). Network and authentication errors are
// reported once when an outage starts, and the cycles back off
// exponentially until it ends; other errors are reported when their message
// changes.
package watch
