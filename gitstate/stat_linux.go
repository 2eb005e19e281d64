//go:build linux

package gitstate

import (
	"io/fs"
	"syscall"
)

// fillStat copies the stat data git keeps in the index (truncated to 32 bits
// as git does).
func fillStat(e *rawIndexEntry, fi fs.FileInfo) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		fillStatPortable(e, fi)
		return
	}
	e.ctimeSec, e.ctimeNsec = uint32(st.Ctim.Sec), uint32(st.Ctim.Nsec)
	e.mtimeSec, e.mtimeNsec = uint32(st.Mtim.Sec), uint32(st.Mtim.Nsec)
	e.dev, e.ino = uint32(st.Dev), uint32(st.Ino)
	e.uid, e.gid = st.Uid, st.Gid
	e.size = uint32(st.Size)
}
