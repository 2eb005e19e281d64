package cmd

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

var docFlagRe = regexp.MustCompile("`(--?[a-zA-Z][a-zA-Z0-9-]*)")

// docOptionTables reads docs/commands.md's option tables: for each "## fcgit
// <command>" section (and "## Global options"), the flags named in the first
// column of its table rows.
func docOptionTables(t *testing.T) map[string][]string {
	data, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "## fcgit "):
			section = strings.TrimPrefix(line, "## fcgit ")
			out[section] = out[section] // a command without options of its own
		case line == "## Global options":
			section = "(global)"
		case strings.HasPrefix(line, "## "), strings.HasPrefix(line, "### "):
			section = ""
		case section != "" && strings.HasPrefix(line, "| `"):
			// The first cell ends at the first "|" that is not escaped.
			cell := strings.ReplaceAll(strings.TrimPrefix(line, "|"), `\|`, "/")
			cell = strings.SplitN(cell, "|", 2)[0]
			for _, m := range docFlagRe.FindAllStringSubmatch(cell, -1) {
				out[section] = append(out[section], strings.TrimLeft(m[1], "-"))
			}
		}
	}
	return out
}

func flagNames(flags []cli.Flag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.Names()...)
	}
	return out
}

// TestCommandsDocMatchesHelp: docs/commands.md documents exactly the
// options each command's --help shows, and the global options.
func TestCommandsDocMatchesHelp(t *testing.T) {
	docs := docOptionTables(t)
	global := map[string]bool{}
	for _, n := range flagNames(globalFlags()) {
		global[n] = true
	}
	check := func(section string, want []string) {
		t.Helper()
		got := map[string]bool{}
		for _, n := range docs[section] {
			got[n] = true
		}
		seen := map[string]bool{}
		for _, n := range want {
			seen[n] = true
			if !got[n] {
				t.Errorf("docs/commands.md, %s: option %q of --help is not documented", section, n)
			}
		}
		var extra []string
		for n := range got {
			// A section may repeat a global option the command needs
			// (init --region).
			if !seen[n] && !(section != "(global)" && global[n]) {
				extra = append(extra, n)
			}
		}
		sort.Strings(extra)
		for _, n := range extra {
			t.Errorf("docs/commands.md, %s: documents %q, which --help does not have", section, n)
		}
	}
	check("(global)", append(flagNames(globalFlags()), "help", "h"))
	// The global options are accepted after a command too; they are
	// documented once, above, and each section lists the command's own.
	for _, c := range commands(Env{}) {
		if _, ok := docs[c.Name]; !ok {
			t.Errorf("docs/commands.md has no section for fcgit %s", c.Name)
			continue
		}
		check(c.Name, flagNames(c.Flags))
	}
}
