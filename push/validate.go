package push

import (
	"fmt"
	"path"
	"strings"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// deployProblems lists, before anything is written, what FC could not apply
// as the files say, in what a function's action writes:
//   - a key that is neither a field fcgit knows nor present online: a typo
//     too far from any known name to be caught when function.toml is read
//     (memory for memorySize), which FC would ignore, leaving the file and
//     FC to disagree forever. Keys FC returns that fcgit does not know yet
//     are present online, and round-trip.
//   - a setting removed from function.toml that FC cannot be told to
//     remove: UpdateFunction keeps what it is not sent, and fcgit knows no
//     value that clears it, so "updated" would leave it online.
func deployProblems(dir string, a *Action, src secretSource) []error {
	var errs []error
	if a == nil || a.Local == nil {
		return nil
	}
	file := path.Join(dir, a.Function, "function.toml")
	for _, p := range snapshot.Impossible(a.Local.State) {
		errs = append(errs, fmt.Errorf("%s: %s", at(file, a.Local.TOML, p.Path), p.Message))
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
	for _, name := range sortedKeys(a.Local.State.SecretRefs()) {
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
	for _, p := range snapshot.UnknownPaths(a.Local.State) {
		if a.Online != nil && snapshot.HasPath(a.Online.State, p) {
			continue
		}
		key := strings.Join(p, ".")
		msg := fmt.Sprintf("%s: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it", snapshot.Printable(key))
		if near := snapshot.NearestKey(p); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		errs = append(errs, fmt.Errorf("%s: %s", at(file, a.Local.TOML, p), msg))
	}
	if a.Online == nil {
		return errs
	}
	for _, k := range removedKeys(*a) {
		if _, ok := snapshot.EmptyValue(k); ok {
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s was removed, but FC keeps a setting an update does not send and fcgit knows no value that removes %s: put the line back (fcgit pull restores it), or remove it in the console, then pull", file, snapshot.Printable(k), snapshot.Printable(k)))
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
