package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// Persistence (Options.DataDir) keeps each function and each custom domain
// in a file of its own, written whole before the write that changed it is
// answered:
//
//	DIR/meta.json                          {"version":2,"urlSecret":…}
//	DIR/functions/<name>.json              one function with its triggers, tags, versions, aliases and settings
//	DIR/custom-domains/<name>.json         one custom domain
//	DIR/code/<functionId>-<checksum>.zip   the code packages
//
// A write therefore costs the size of the one object it changes, whatever
// the number of functions: seeding ten thousand functions writes each once.
// Every file is replaced atomically (temporary file, fsync, rename, fsync of
// the directory), so a crash, kill -9 included, leaves each object as it was
// or as it became, never torn, and nothing acknowledged is lost.
//
// Version 1 of the format kept everything in DIR/state.json, rewritten on
// every write. Such a directory is migrated when loaded: the objects and
// meta.json are written first, state.json is removed last, so a migration
// cut off at any point is simply done again.
const (
	legacyStateFileName = "state.json"
	metaFileName        = "meta.json"
	functionsDirName    = "functions"
	domainsDirName      = "custom-domains"
	codeDirName         = "code"

	legacyStateVersion = 1
	stateVersion       = 2
)

// persister reads and writes a data directory. Writes happen with the
// server's lock held, so it needs no lock of its own; its counters are
// atomic for tests that read them while requests run.
type persister struct {
	dir   string
	bytes atomic.Int64 // bytes written since New
	files atomic.Int64 // files written or removed since New
}

// metaFile is DIR/meta.json.
type metaFile struct {
	Version   int    `json:"version"`
	URLSecret string `json:"urlSecret"`
}

// functionFile and domainFile are the files of one object; the name is
// inside because file names are an encoding of it (objectFileName).
type functionFile struct {
	Name     string          `json:"name"`
	Function *functionRecord `json:"function"`
}

type domainFile struct {
	Name   string              `json:"name"`
	Domain *customDomainRecord `json:"domain"`
}

// openDataDir loads dir's state, migrating a version 1 directory and
// initialising an empty one.
func openDataDir(dir string) (*persister, *state, error) {
	p := &persister{dir: dir}
	if err := p.prepare(); err != nil {
		return nil, nil, err
	}
	st, err := p.load()
	if err != nil {
		return nil, nil, err
	}
	return p, st, nil
}

// prepare creates the directories objects are written to, durably: a
// rename into a directory whose own entry was never synced could vanish
// with it in a crash.
func (p *persister) prepare() error {
	for _, sub := range []string{functionsDirName, domainsDirName, codeDirName} {
		if err := os.MkdirAll(filepath.Join(p.dir, sub), 0o755); err != nil {
			return fmt.Errorf("create emulator data directory: %w", err)
		}
	}
	for _, d := range []string{p.dir, filepath.Dir(p.dir)} {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("sync %s: %w", d, err)
		}
	}
	// What a crash left of meta.json writes never acknowledged.
	leftovers, _ := filepath.Glob(filepath.Join(p.dir, "."+metaFileName+".tmp-*"))
	for _, l := range leftovers {
		if err := os.Remove(l); err != nil {
			return fmt.Errorf("remove unfinished write %s: %w", l, err)
		}
	}
	return nil
}

func (p *persister) load() (*state, error) {
	raw, err := os.ReadFile(filepath.Join(p.dir, metaFileName))
	switch {
	case err == nil:
		st, err := p.loadObjects(raw)
		if err != nil {
			return nil, err
		}
		// Left by a migration cut off after meta.json was written.
		if err := p.remove(filepath.Join(p.dir, legacyStateFileName)); err != nil {
			return nil, err
		}
		return st, p.collectGarbage(st)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read emulator state %s: %w", filepath.Join(p.dir, metaFileName), err)
	}
	st, err := readLegacyState(p.dir)
	if err != nil {
		return nil, err
	}
	if st == nil {
		if err := p.checkEmpty(); err != nil {
			return nil, err
		}
		st = newState()
	}
	if err := p.writeAll(st); err != nil {
		return nil, fmt.Errorf("migrate emulator state in %s: %w", p.dir, err)
	}
	if err := p.remove(filepath.Join(p.dir, legacyStateFileName)); err != nil {
		return nil, err
	}
	if err := attachCode(p.dir, st); err != nil {
		return nil, err
	}
	return st, p.collectGarbage(st)
}

// checkEmpty refuses a directory that holds objects but no meta.json: it
// was not written by the emulator, or lost a file, and starting afresh
// there would mix a new state with an old one.
func (p *persister) checkEmpty() error {
	for _, sub := range []string{functionsDirName, domainsDirName} {
		entries, err := os.ReadDir(filepath.Join(p.dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				return fmt.Errorf("emulator data directory %s has %s/%s but no %s: it is not a complete emulator state; use an empty directory or restore %s",
					p.dir, sub, e.Name(), metaFileName, metaFileName)
			}
		}
	}
	return nil
}

// readLegacyState reads a version 1 state.json, or returns nil when there
// is none.
func readLegacyState(dir string) (*state, error) {
	path := filepath.Join(dir, legacyStateFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read emulator state: %w", err)
	}
	var legacy struct {
		Version       int                            `json:"version"`
		URLSecret     string                         `json:"urlSecret"`
		Functions     map[string]*functionRecord     `json:"functions"`
		CustomDomains map[string]*customDomainRecord `json:"customDomains"`
	}
	if err := decodeJSON(data, &legacy); err != nil {
		return nil, fmt.Errorf("decode emulator state %s: %w", path, err)
	}
	if legacy.Version != legacyStateVersion {
		return nil, fmt.Errorf("emulator state %s has version %d; this emulator reads versions %d and %d", path, legacy.Version, legacyStateVersion, stateVersion)
	}
	st := &state{Version: stateVersion, URLSecret: legacy.URLSecret, Functions: legacy.Functions, CustomDomains: legacy.CustomDomains}
	if st.Functions == nil {
		st.Functions = map[string]*functionRecord{}
	}
	if st.CustomDomains == nil {
		st.CustomDomains = map[string]*customDomainRecord{}
	}
	for _, f := range st.Functions {
		f.normalize()
	}
	return st, nil
}

// loadObjects reads a version 2 directory whose meta.json holds raw.
func (p *persister) loadObjects(raw []byte) (*state, error) {
	var meta metaFile
	if err := decodeJSON(raw, &meta); err != nil {
		return nil, fmt.Errorf("decode emulator state %s: %w", filepath.Join(p.dir, metaFileName), err)
	}
	if meta.Version != stateVersion {
		return nil, fmt.Errorf("emulator state %s has version %d; this emulator reads versions %d and %d", filepath.Join(p.dir, metaFileName), meta.Version, legacyStateVersion, stateVersion)
	}
	st := &state{Version: stateVersion, URLSecret: meta.URLSecret, Functions: map[string]*functionRecord{}, CustomDomains: map[string]*customDomainRecord{}}
	err := p.readObjects(functionsDirName, func(path string, data []byte) error {
		var ff functionFile
		if err := decodeJSON(data, &ff); err != nil {
			return err
		}
		if ff.Name == "" || ff.Function == nil {
			return errors.New("no name or no function")
		}
		ff.Function.normalize()
		st.Functions[ff.Name] = ff.Function
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = p.readObjects(domainsDirName, func(path string, data []byte) error {
		var df domainFile
		if err := decodeJSON(data, &df); err != nil {
			return err
		}
		if df.Name == "" || df.Domain == nil {
			return errors.New("no name or no custom domain")
		}
		st.CustomDomains[df.Name] = df.Domain
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := attachCode(p.dir, st); err != nil {
		return nil, err
	}
	return st, nil
}

// readObjects calls decode for every object file in sub. Temporary files
// are what a crash left of writes never acknowledged: they are removed.
func (p *persister) readObjects(sub string, decode func(path string, data []byte) error) error {
	dir := filepath.Join(p.dir, sub)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read emulator state: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if isTempName(e.Name()) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("remove unfinished write %s: %w", path, err)
			}
			continue
		}
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read emulator state: %w", err)
		}
		if err := decode(path, data); err != nil {
			return fmt.Errorf("decode emulator state %s: %v; the file was written whole or not at all, so it was changed by something else: restore or remove it", path, err)
		}
	}
	return nil
}

// attachCode gives functions and versions their package files. Versions
// usually share packages with the function or each other; they share one
// blob. Packages stay on disk and are opened when downloaded, so loading a
// 500 MB package costs no heap.
func attachCode(dir string, st *state) error {
	for name, f := range st.Functions {
		packages := map[string]*codeBlob{}
		load := func(checksum, what string) (*codeBlob, error) {
			if checksum == "" {
				return nil, nil // custom-container: no package
			}
			if b, ok := packages[checksum]; ok {
				return b, nil
			}
			path := codeFilePath(dir, f.FunctionID, checksum)
			fi, err := os.Stat(path)
			if err != nil {
				return nil, fmt.Errorf("read code of %s: %w", what, err)
			}
			b := &codeBlob{path: path, size: fi.Size()}
			packages[checksum] = b
			return b, nil
		}
		var err error
		if f.code, err = load(f.CodeChecksum, "function "+name); err != nil {
			return err
		}
		for id, v := range f.Versions {
			if v.code, err = load(v.CodeChecksum, "version "+id+" of function "+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectGarbage removes code packages no function or version references:
// a crash between writing a package and writing the function that names it
// (or between a write and the removal of the package it replaced) leaves
// one behind.
func (p *persister) collectGarbage(st *state) error {
	dir := filepath.Join(p.dir, codeDirName)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // no packages yet
	}
	used := map[string]bool{}
	for _, f := range st.Functions {
		if f.code != nil {
			used[f.code.path] = true
		}
		for _, v := range f.Versions {
			if v.code != nil {
				used[v.code.path] = true
			}
		}
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if !used[path] {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("remove unused code package %s: %w", path, err)
			}
		}
	}
	return nil
}

// writeAll writes every object, then meta.json, which makes them the
// state. Until meta.json exists the objects are not the state (a migration
// cut off before it is done again), so each needs no directory sync of its
// own: one per directory before meta.json is written is enough, which
// halves the cost of migrating a large state.
func (p *persister) writeAll(st *state) error {
	put := func(sub, name string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		if err := writeFileUnsynced(p.objectPath(sub, name), data); err != nil {
			return err
		}
		p.bytes.Add(int64(len(data)))
		p.files.Add(1)
		return nil
	}
	for _, name := range mapkeys.Sorted(st.Functions) {
		if err := put(functionsDirName, name, functionFile{Name: name, Function: st.Functions[name]}); err != nil {
			return err
		}
	}
	for _, name := range mapkeys.Sorted(st.CustomDomains) {
		if err := put(domainsDirName, name, domainFile{Name: name, Domain: st.CustomDomains[name]}); err != nil {
			return err
		}
	}
	for _, sub := range []string{functionsDirName, domainsDirName} {
		if err := syncDir(filepath.Join(p.dir, sub)); err != nil {
			return fmt.Errorf("sync %s: %w", filepath.Join(p.dir, sub), err)
		}
	}
	data, err := json.Marshal(metaFile{Version: stateVersion, URLSecret: st.URLSecret})
	if err != nil {
		return fmt.Errorf("encode emulator state: %w", err)
	}
	return p.writeFile(filepath.Join(p.dir, metaFileName), data)
}

func (p *persister) putFunction(name string, f *functionRecord) error {
	return p.putObject(functionsDirName, name, functionFile{Name: name, Function: f})
}

func (p *persister) deleteFunction(name string) error {
	return p.remove(p.objectPath(functionsDirName, name))
}

func (p *persister) putDomain(name string, d *customDomainRecord) error {
	return p.putObject(domainsDirName, name, domainFile{Name: name, Domain: d})
}

func (p *persister) deleteDomain(name string) error {
	return p.remove(p.objectPath(domainsDirName, name))
}

func (p *persister) putObject(sub, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return p.writeFile(p.objectPath(sub, name), data)
}

func (p *persister) objectPath(sub, name string) string {
	return filepath.Join(p.dir, sub, objectFileName(name))
}

// writeFile replaces path atomically and counts what it wrote.
func (p *persister) writeFile(path string, data []byte) error {
	if err := writeFileAtomic(path, data); err != nil {
		return err
	}
	p.bytes.Add(int64(len(data)))
	p.files.Add(1)
	return nil
}

// remove deletes path durably; a missing file is no error.
func (p *persister) remove(path string) error {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	p.files.Add(1)
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Dir(path), err)
	}
	return nil
}

// objectFileName encodes a function or domain name as a file name that is
// the same on case-insensitive file systems and never starts with a dot:
// every byte outside a-z, 0-9, '_' and '-' is written %XX (so "Api" and
// "api" differ as "%41pi" and "api"). Names too long for a file name once
// encoded (custom domains reach 253 characters) are named by their hash;
// the name itself is inside the file.
func objectFileName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() > 200 {
		sum := sha256.Sum256([]byte(name))
		return "h-" + hex.EncodeToString(sum[:]) + ".json"
	}
	return b.String() + ".json"
}

// isTempName reports whether a file is writeFileAtomic's temporary file.
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}

// decodeJSON decodes with numbers kept as json.Number, so values the
// emulator does not interpret round-trip textually exact.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func codeFilePath(dir, functionID, checksum string) string {
	return filepath.Join(dir, codeDirName, functionID+"-"+checksum+".zip")
}

// writeFileAtomic replaces path with data so that a reader (or a crash)
// sees either the old or the new content, never a torn file: write a temp
// file in the same directory, fsync it, rename it over path, fsync the dir.
func writeFileAtomic(path string, data []byte) error {
	if err := writeFileUnsynced(path, data); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Dir(path), err)
	}
	return nil
}

// writeFileUnsynced is writeFileAtomic without the directory sync: the
// content is durable, the rename not yet.
func writeFileUnsynced(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp file for %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmpName, path, err)
	}
	return nil
}
