package fetch

import (
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/snapshot"
)

// UnrepresentableError is a function fetch cannot record faithfully: its
// name, its document or a trigger's is one fcgit refuses (a name FC 3.0
// would not take, a document over snapshot's limits), or its code package
// holds an entry that git or the file systems a pull writes to would refuse
// (a snapshot.ZipEntryError: a name over 255 bytes, a path git's fsck
// rejects, ...). Recording it would make every later checkout of the online
// branch fail, or record what is not online. Read does not fail for it: it
// leaves the function out (Online.Unmanaged, with Reason) and goes on with
// the others; nothing of the function is stored.
type UnrepresentableError struct {
	Function string
	Err      error
	// Code: the code package is what cannot be stored (else the function's
	// or a trigger's name or document).
	Code bool
}

// Reason says why, on one line, escaped: it names what FC sent.
func (e *UnrepresentableError) Reason() string {
	msg := snapshot.Printable(e.Err.Error())
	if e.Code {
		return "its code package cannot be stored: " + msg
	}
	return "fcgit cannot represent it: " + msg
}

func (e *UnrepresentableError) Error() string {
	fix := fmt.Sprintf("redeploy %s without that entry", snapshot.Printable(e.Function))
	if !e.Code {
		fix = "fix it in the console"
	}
	return fmt.Sprintf("%s; %s, or leave the function out of [scope] in fcgit.toml", e.Reason(), fix)
}

func (e *UnrepresentableError) Unwrap() error { return e.Err }

// DeniedError is a read FC refused because the RAM user or role fcgit runs
// as lacks a permission (fc.DeniedAction): it names the RAM action, and the
// fcgit.toml setting that stops fcgit from making the request, when one
// does, so that a user who may not be granted the action can still work.
type DeniedError struct {
	// Action is the RAM action refused ("fc:ListAsyncInvokeConfigs").
	Action string
	// Fix says how to do without it ("" when fcgit cannot: listing
	// functions, reading one in scope).
	Fix string
	Err error
}

func (e *DeniedError) Error() string {
	msg := fmt.Sprintf("%v: the RAM user or role fcgit runs as lacks %s: grant it", e.Err, e.Action)
	if e.Fix != "" {
		msg += ", or " + e.Fix
	}
	return msg
}

func (e *DeniedError) Unwrap() error { return e.Err }

// denied returns err as a DeniedError when FC refused it for a missing
// permission, with fix as the way to do without (see DeniedError.Fix);
// other errors as they are.
func denied(err error, fix string) error {
	action, ok := fc.DeniedAction(err)
	if !ok {
		return err
	}
	return &DeniedError{Action: action, Fix: fix, Err: err}
}

// readForEveryFunctionFix is how a kind read for every function stops
// being read where nothing declares it.
func readForEveryFunctionFix(key string, opts Options) string {
	var rest []string
	for _, k := range opts.ReadKinds() {
		if k != key {
			rest = append(rest, fmt.Sprintf("%q", k))
		}
	}
	return fmt.Sprintf("leave %s out of readForEveryFunction in fcgit.toml (readForEveryFunction = [%s]): it is then read only for the functions whose function.toml declares it, and none if none does", key, strings.Join(rest, ", "))
}
