package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/push"
)

// Exit codes: a contract (DESIGN.md). Every command's --help repeats the ones
// it can return; this is the only place errors become codes.
const (
	exitOK       = 0 // done, or nothing to do
	exitError    = 1 // bad input, API or I/O failure
	exitUsage    = 2 // unknown command or flag, bad argument
	exitDrift    = 3 // refused because of drift
	exitConflict = 4 // pull stopped with merge conflicts
)

const exitCodesHelp = `EXIT CODES:
   0  done, or nothing to do
   1  error: bad input, API or I/O failure
   2  usage error: unknown command or flag, bad argument
   3  refused because of drift (online changed, online changes not merged, deletion without --prune)
   4  pull stopped with merge conflicts, left for git tools`

// usageError is a mistake in the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Coded is implemented by errors that carry their own exit code: the drift
// and conflict refusals of the pull and push packages.
type coded interface{ ExitCode() int }

// silentError has already been reported to the user; only its code is left.
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
func (e silentError) ExitCode() int { return e.code }

// exitCodeOf maps an error to the exit code report would return for it.
func exitCodeOf(err error) int {
	var s silentError
	var u usageError
	var c coded
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &s):
		return s.code
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &c):
		return c.ExitCode()
	}
	return exitError
}

// report prints err (one line unless verbose) and returns the exit code.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var s silentError
	if errors.As(err, &s) {
		return s.code
	}
	code := exitCodeOf(err)
	switch {
	case errors.Is(err, context.Canceled) && code == exitError:
		fmt.Fprintln(stderr, "fcgit: interrupted; nothing was left half-done")
		return exitError
	}
	fmt.Fprintf(stderr, "fcgit: %v\n", err)
	if code == exitUsage {
		fmt.Fprintln(stderr, "Run 'fcgit --help' or 'fcgit <command> --help' for usage.")
	}
	for _, action := range deniedActions(err) {
		// A write, or a read with no setting to do without: the
		// permission is all there is to say.
		fmt.Fprintf(stderr, "hint: the RAM user or role fcgit runs as lacks %s: grant it (docs/troubleshooting.md lists the actions fcgit needs)\n", action)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		fmt.Fprintln(stderr, "hint: nothing answers at the FC endpoint: check --endpoint, FCGIT_ENDPOINT or endpoint in fcgit.toml; for the local emulator, start it first (fcgit emulator --listen 127.0.0.1:9000) and set FCGIT_ENDPOINT=http://127.0.0.1:9000")
	}
	return code
}

// deniedActions lists the RAM actions FC refused in err for a missing
// permission that no fetch.DeniedError already names: err's own, or those
// of the functions a partial deploy failed on.
func deniedActions(err error) []string {
	errs := []error{err}
	var pe *push.PartialError
	if errors.As(err, &pe) {
		errs = nil
		for _, n := range mapkeys.Sorted(pe.Failed) {
			errs = append(errs, pe.Failed[n])
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range errs {
		var de *fetch.DeniedError
		if action, denied := fc.DeniedAction(e); denied && !errors.As(e, &de) && !seen[action] {
			seen[action] = true
			out = append(out, action)
		}
	}
	return out
}
