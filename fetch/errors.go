package fetch

import "fmt"

// UnrepresentableError is a function fetch cannot record faithfully: its
// code package holds an entry that git or the file systems a pull writes to
// would refuse (a snapshot.ZipEntryError: a name over 255 bytes, a path
// git's fsck rejects, ...). Recording it would make every later checkout of
// the online branch fail. Read returns it, naming the function, so that a
// caller can report that function and go on without it; nothing of the
// function is stored.
type UnrepresentableError struct {
	Function string
	Err      error
}

func (e *UnrepresentableError) Error() string {
	return fmt.Sprintf("its code package cannot be stored: %v; redeploy %s without that entry, or leave the function out of [scope] in fcgit.toml", e.Err, e.Function)
}

func (e *UnrepresentableError) Unwrap() error { return e.Err }
