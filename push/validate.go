package push

import (
	"fmt"
	"path"
	"strings"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// fileProblems lists what a function's committed file holds that FC would
// refuse or not keep, against what is read online (nil: not online): the
// keys FC would not keep and the values outside FC's documented limits
// (snapshot.Check). It applies to every function HEAD has, pushed or not.
func fileProblems(dir string, l, online *fetch.Function) snapshot.Problems {
	var on *snapshot.State
	if online != nil {
		on = online.State
	}
	return snapshot.Check(path.Join(dir, l.Name, "function.toml"), l.TOML, l.State, on)
}

// deployProblems lists, before anything is written, what FC could not
// apply as the files say in what a function's action writes (fileProblems
// has what the file alone shows):
//   - the create of a function named as FC 2.0-era ones are
//     (service$function), which CreateFunction refuses;
//   - an update or a create without code;
//   - a secret no one provides a value for;
//   - a setting removed from function.toml that FC cannot be told to
//     remove: UpdateFunction keeps what it is not sent, and fcgit knows no
//     value that clears it, so "updated" would leave it online.
//
// onlineBranch is the short name of the online branch, whose tip holds the
// removed lines as FC has them.
func deployProblems(dir, onlineBranch string, a *Action, src secretSource) []error {
	var errs []error
	if a == nil || a.Local == nil {
		return nil
	}
	file := path.Join(dir, a.Function, "function.toml")
	if a.Op == "create" && snapshot.FC2Name(a.Function) {
		svc, fn, _ := strings.Cut(a.Function, "$")
		errs = append(errs, fmt.Errorf("%s: FC 2.0-era functions (service$function) can be updated, never created: FC's CreateFunction refuses '$' in a name, and no function %s is online to update; to create it as a new function, rename %s/ to a name without '$' (e.g. %s-%s)",
			file, a.Function, path.Join(dir, a.Function), svc, fn))
	}
	if a.Local.CodeTree.IsZero() && !customContainer(a.Local) && (a.Op == "create" || a.Code) {
		// An empty package would replace the running code: removing
		// code is never an implicit edit.
		what := "FC needs a code package to create it"
		if a.Op == "update" {
			what = "deploying would replace the running code with an empty package; restore code/ (git checkout <commit> -- " + path.Join(dir, a.Function, "code") + "), or delete the function with fcgit push --prune"
		}
		errs = append(errs, fmt.Errorf("%s/ is missing, empty or not a directory: %s", path.Join(dir, a.Function, "code"), what))
	}
	for _, name := range mapkeys.Sorted(a.Local.State.SecretRefs()) {
		ref := a.Local.State.SecretRefs()[name]
		if _, ok := src.value(ref); ok {
			continue
		}
		if a.Online != nil {
			if _, ok := a.Online.Secrets[name]; ok {
				continue
			}
		}
		errs = append(errs, fmt.Errorf("%s: environmentVariables.%s: no value for this secret: set $%s where push runs (it is not online yet either)", at(file, a.Local.TOML, []string{"environmentVariables", name}), name, strings.TrimPrefix(ref.Source, snapshot.SecretSourceEnv)))
	}
	if a.Online == nil {
		return errs
	}
	for _, k := range removedKeys(*a) {
		if _, ok := snapshot.EmptyValue(k); ok {
			continue
		}
		// A pull does not bring the line back: the removal is a commit
		// after the last deploy, so the merge keeps it removed.
		errs = append(errs, fmt.Errorf("%s: %s was removed, but FC keeps a setting an update does not send and fcgit knows no value that removes %s: put the line back as FC has it (git show %s:%s shows the file as last recorded online; fcgit pull does not restore it, since the removal is your commit), or remove the setting in the console, then pull",
			file, snapshot.Printable(k), snapshot.Printable(k), onlineBranch, file))
	}
	return errs
}

// removedKeys lists the top-level settings online that the local file no
// longer has, among those the plan would change.
func removedKeys(a Action) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range a.Config {
		k, _, _ := strings.Cut(p, ".")
		if seen[k] || k == "tags" || kinds.IsFunctionKey(k) {
			continue
		}
		seen[k] = true
		if _, online := a.Online.State.Config[k]; !online {
			continue
		}
		if _, local := a.Local.State.Config[k]; !local {
			out = append(out, k)
		}
	}
	return out
}

// at renders file:line for a key path of a function.toml text.
func at(file string, text []byte, p []string) string {
	if line := snapshot.KeyLine(text, p); line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

func customContainer(f *fetch.Function) bool {
	rt, _ := f.State.Config["runtime"].(string)
	return rt == "custom-container"
}

// missingVersions refuses aliases naming, by id, versions the target does
// not have: ids are the target's own (an empty target has none), and
// CreateAlias would fail after the function is written. The fix is to name
// the version by the commit it was published from, which push publishes.
func missingVersions(dir string, l *fetch.Function, online bool, has func(fn, id string) (bool, error)) []error {
	aliases, _ := l.State.Config[kinds.AliasesKey].(map[string]any)
	if len(aliases) == 0 || has == nil && online {
		return nil
	}
	file := path.Join(dir, l.Name, "function.toml")
	var errs []error
	check := func(p []string, id string) {
		if _, isCommit := snapshot.CommitRef(id); isCommit {
			return
		}
		ok := false
		if online {
			var err error
			if ok, err = has(l.Name, id); err != nil {
				return // listing failed: FC says so when the alias is written
			}
		}
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s names version %s, which this target does not have (version ids are each target's own): name it by the commit it was published from, \"commit:<id>\", and push publishes it", at(file, l.TOML, p), strings.Join(p, "."), id))
		}
	}
	for _, name := range mapkeys.Sorted(aliases) {
		a, _ := aliases[name].(map[string]any)
		if id, ok := a["versionId"].(string); ok {
			check([]string{kinds.AliasesKey, name, "versionId"}, id)
		}
		w, _ := a["additionalVersionWeight"].(map[string]any)
		for _, id := range mapkeys.Sorted(w) {
			check([]string{kinds.AliasesKey, name, "additionalVersionWeight", id}, id)
		}
	}
	return errs
}
