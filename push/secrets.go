package push

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// secretSource looks secret values up where the references say: the push
// process's environment.
type secretSource struct {
	getenv func(string) string
	hide   func(string)
}

// value returns the value a reference names, when its source has one. An
// empty variable counts as unset: an empty secret is not something to deploy.
func (s secretSource) value(ref snapshot.SecretRef) (string, bool) {
	name, ok := ref.EnvName()
	if !ok || s.getenv == nil {
		return "", false
	}
	v := s.getenv(name)
	if v == "" {
		return "", false
	}
	if s.hide != nil {
		s.hide(v)
	}
	return v, true
}

// LiteralSecretError refuses a function.toml that writes a secret's value.
type LiteralSecretError struct {
	File  string
	Lines map[string]int // variable -> line (0 when unknown)
}

func (e *LiteralSecretError) Error() string {
	var b strings.Builder
	names := mapkeys.Sorted(e.Lines)
	for _, n := range names {
		at := e.File
		if l := e.Lines[n]; l > 0 {
			at = fmt.Sprintf("%s:%d", e.File, l)
		}
		fmt.Fprintf(&b, "%s: environmentVariables.%s is a secret (fcgit.toml secrets), but its value is written in the file\n", at, n)
	}
	n := names[0]
	fmt.Fprintf(&b, "replace the line with %s = {secret = \"env:%s\"} and set $%s where fcgit push runs (a CI secret); nothing was deployed.\n", n, n, n)
	fmt.Fprintf(&b, "The value is already in git history (the commit being pushed holds it): rotate the secret, and if the repository is shared purge it, e.g. with\n")
	fmt.Fprintf(&b, "  git filter-repo --replace-text <(echo 'THE-VALUE==>***') && git push --force-with-lease --all\n")
	b.WriteString("(or BFG Repo-Cleaner's --replace-text); then every clone must be replaced")
	return b.String()
}

// checkLiteralSecrets refuses functions whose files write the value of a
// variable the rules call secret.
func checkLiteralSecrets(dir string, local map[string]*fetch.Function, rules snapshot.SecretRules) error {
	var errs []error
	for _, name := range mapkeys.Sorted(local) {
		f := local[name]
		lit := f.State.LiteralSecrets(rules)
		if len(lit) == 0 {
			continue
		}
		e := &LiteralSecretError{File: path.Join(dir, name, "function.toml"), Lines: map[string]int{}}
		for _, v := range lit {
			e.Lines[v] = snapshot.KeyLine(f.TOML, []string{"environmentVariables", v})
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// StaleSecretError: the value push would deploy is the one rotated away online.
type StaleSecretError = plan.StaleSecretError

// resolveSecrets puts values in place of a request body's secret
// references: the sourced value when there is one, else the value online
// (a secret push cannot source is left as it is). It returns the values
// deployed, for the secrets stamp.
func resolveSecrets(in map[string]any, a Action, src secretSource) (map[string]string, error) {
	deployed := map[string]string{}
	err := snapshot.ResolveSecrets(in, func(name string, ref snapshot.SecretRef) (string, bool) {
		if v, ok := src.value(ref); ok {
			deployed[name] = v
			return v, true
		}
		if a.Online != nil {
			if v, ok := a.Online.Secrets[name]; ok {
				deployed[name] = v
				return v, true
			}
		}
		return "", false
	})
	return deployed, err
}
