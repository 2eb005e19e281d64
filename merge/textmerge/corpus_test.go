package textmerge

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// decodeSection applies the corpus escape convention (testdata/corpus/README.md).
func decodeSection(data []byte) []byte {
	data = bytes.TrimSuffix(data, []byte("{noeol}\n"))
	data = bytes.ReplaceAll(data, []byte("{CR}"), []byte("\r"))
	data = bytes.ReplaceAll(data, []byte("{NUL}"), []byte("\x00"))
	return data
}

func loadCorpus(t *testing.T) []triple {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []triple
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		c := triple{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), baseAbsent: true}
		for _, line := range strings.Split(string(ar.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "marker-size: "); ok {
				if c.markerSize, err = strconv.Atoi(v); err != nil {
					t.Fatalf("%s: bad marker size %q", p, v)
				}
			}
		}
		seen := map[string]bool{}
		for _, f := range ar.Files {
			data := decodeSection(f.Data)
			switch f.Name {
			case "base":
				c.base, c.baseAbsent = data, false
			case "ours":
				c.ours = data
			case "theirs":
				c.theirs = data
			default:
				t.Fatalf("%s: unknown section %q", p, f.Name)
			}
			seen[f.Name] = true
		}
		if !seen["ours"] || !seen["theirs"] {
			t.Fatalf("%s: needs ours and theirs sections", p)
		}
		cases = append(cases, c)
	}
	if len(cases) < 50 {
		t.Fatalf("corpus has %d cases, want at least 50", len(cases))
	}
	return cases
}

// TestCorpusAgainstGit is the acceptance test: every corpus case, merged in
// every conflict style and with -X ours / -X theirs, must give git's exact
// bytes and git's clean/conflicted outcome.
func TestCorpusAgainstGit(t *testing.T) {
	t.Parallel()
	cases := loadCorpus(t)
	repo := buildMergeRepo(t, cases)
	checkMergesAgainstGit(t, repo, cases)
	checkDiffsAgainstGit(t, repo, cases)
}
