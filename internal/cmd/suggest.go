package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/internal/typo"
)

// commandNames lists the app's command names and aliases.
func commandNames(app *cli.App) []string {
	var out []string
	for _, c := range app.Commands {
		out = append(out, c.Names()...)
	}
	return out
}

// flagHint suggests a known flag for urfave/cli's "flag provided but not
// defined: -x" error.
func flagHint(err error, flags []cli.Flag) string {
	const prefix = "flag provided but not defined: "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return ""
	}
	given := strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if c := typo.Nearest(given, names); c != "" {
		if len(c) == 1 {
			return "-" + c
		}
		return "--" + c
	}
	return ""
}
