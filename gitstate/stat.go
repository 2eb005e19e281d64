package gitstate

import "io/fs"

func fillStatPortable(e *rawIndexEntry, fi fs.FileInfo) {
	mt := fi.ModTime()
	e.mtimeSec, e.mtimeNsec = uint32(mt.Unix()), uint32(mt.Nanosecond())
	e.ctimeSec, e.ctimeNsec = e.mtimeSec, e.mtimeNsec
	e.size = uint32(fi.Size())
}
