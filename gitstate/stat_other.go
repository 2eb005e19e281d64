//go:build !linux

package gitstate

import "io/fs"

// fillStat records what the portable FileInfo offers; git then re-hashes
// files whose other stat fields differ, which is correct if slower.
func fillStat(e *rawIndexEntry, fi fs.FileInfo) { fillStatPortable(e, fi) }
