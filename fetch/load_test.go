package fetch

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
)

// storeTree stores files (path → content; "dir/" for an empty directory is
// not needed) as a tree.
func storeTree(t *testing.T, repo *gitstate.Repo, files map[string]string) plumbing.Hash {
	t.Helper()
	dirs := map[string]map[string]string{}
	var entries []gitstate.TreeEntry
	for p, content := range files {
		if dir, rest, ok := strings.Cut(p, "/"); ok {
			if dirs[dir] == nil {
				dirs[dir] = map[string]string{}
			}
			dirs[dir][rest] = content
			continue
		}
		h, err := repo.StoreBlob([]byte(content))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, gitstate.TreeEntry{Name: p, Mode: filemode.Regular, Hash: h})
	}
	for dir, sub := range dirs {
		entries = append(entries, gitstate.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: storeTree(t, repo, sub)})
	}
	h, err := repo.StoreTree(entries)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newRepo(t *testing.T) *gitstate.Repo {
	t.Helper()
	repo, err := gitstate.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// Every file's problems come out of one read, by file and line, and the
// functions come back as far as they decode.
func TestReadFunctionsReportsEveryFile(t *testing.T) {
	repo := newRepo(t)
	tree := storeTree(t, repo, map[string]string{
		"a/function.toml": "handler = \"h\"\nruntime = \"python3.10\"\ntimout = 3\n",
		"a/code/index.py": "x = 1\n",
		"b/function.toml": "handler = \"h\"\nruntime = 3\n",
		"c/function.toml": "handler = \n",
		"d/code/index.py": "x = 1\n",
		"e/function.toml": "handler = \"h\"\nruntime = \"python3.10\"\n",
		"README.md":       "functions\n",
	})
	fns, problems, err := ReadFunctions(repo, "functions", tree)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`functions/a/function.toml:3: timout: unknown key; did you mean "timeout"? (FC 3.0 field names are case-sensitive)`,
		`functions/b/function.toml:2: runtime: want a string, got integer 3`,
		`functions/c/function.toml:1: TOML syntax error: expected value but found '\n' instead`,
		`functions/d/function.toml: missing: a directory under functions/ with code/ is a function and needs one`,
	}, "\n")
	if problems.Error() != want {
		t.Errorf("problems:\n%s\nwant:\n%s", problems.Error(), want)
	}
	for _, name := range []string{"a", "b", "e"} {
		if fns[name] == nil || fns[name].State == nil {
			t.Errorf("function %s missing from %v", name, fns)
		}
	}
	if fns["a"].CodeTree.IsZero() {
		t.Error("a's code tree not read")
	}
	for _, name := range []string{"c", "d"} {
		if fns[name] != nil {
			t.Errorf("function %s, which has no state, returned", name)
		}
	}
	if _, err := LoadFunctions(repo, "functions", tree); err == nil || err.Error() != want {
		t.Errorf("LoadFunctions error = %v, want the same problems", err)
	}
}

// A .toml file in the domains directory is a domain's, named after it: one
// whose name is no domain is refused when HEAD is read, never passed over;
// a wildcard domain is a domain. Records keep passing such files over.
func TestReadHeadDomainsRefusesMisnamedFiles(t *testing.T) {
	repo := newRepo(t)
	const route = "[routeConfig]\nroutes = [{path = \"/*\", functionName = \"hello\"}]\n"
	tree := storeTree(t, repo, map[string]string{
		"notadomain.toml":      route,
		"a..b.com.toml":        route,
		"-x.example.com.toml":  route,
		"*.example.com.toml":   route,
		"api.example.com.toml": route,
		"bad.example.com.toml": "protocol = 3\n",
		"README.md":            "domains\n",
	})
	domains, problems, err := ReadHeadDomains(repo, "domains", tree)
	if err != nil {
		t.Fatal(err)
	}
	const fix = ` is not a custom domain name, so this file is no domain's: name it after its domain (e.g. api.example.com.toml, *.example.com.toml for a wildcard), or move it out of domains/`
	want := strings.Join([]string{
		`domains/-x.example.com.toml: "-x.example.com"` + fix,
		`domains/a..b.com.toml: "a..b.com"` + fix,
		`domains/bad.example.com.toml:1: protocol: want a string, got integer 3`,
		`domains/notadomain.toml: "notadomain"` + fix,
	}, "\n")
	if problems.Error() != want {
		t.Errorf("problems:\n%s\nwant:\n%s", problems.Error(), want)
	}
	for _, name := range []string{"*.example.com", "api.example.com", "bad.example.com"} {
		if domains[name] == nil {
			t.Errorf("domain %s missing", name)
		}
	}
	if len(domains) != 3 {
		t.Errorf("domains = %v, want 3", DomainNames(domains))
	}

	// The online branch may hold such a file from before: its record reads.
	rec := storeTree(t, repo, map[string]string{"notadomain.toml": route, "api.example.com.toml": route})
	got, err := LoadDomains(repo, "domains", rec)
	if err != nil || len(got) != 1 || got["api.example.com"] == nil {
		t.Errorf("LoadDomains = %v, %v; want api.example.com alone", DomainNames(got), err)
	}
}
