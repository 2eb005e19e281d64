package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	stateFileName = "state.json"
	codeDirName   = "code"
)

// loadState reads dir's state, or returns a fresh one when dir has none.
func loadState(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read emulator state: %w", err)
	}
	st := &state{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers in Config textually exact
	if err := dec.Decode(st); err != nil {
		return nil, fmt.Errorf("decode emulator state %s: %w", filepath.Join(dir, stateFileName), err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("emulator state %s has version %d, want %d", dir, st.Version, stateVersion)
	}
	if st.Functions == nil {
		st.Functions = map[string]*functionRecord{}
	}
	if st.CustomDomains == nil {
		st.CustomDomains = map[string]*customDomainRecord{}
	}
	for name, f := range st.Functions {
		if f.Triggers == nil {
			f.Triggers = map[string]*triggerRecord{}
		}
		// Versions usually share packages with the function or each other;
		// they share one blob. Packages stay on disk and are opened when
		// downloaded, so loading a 500 MB package costs no heap.
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
		if f.code, err = load(f.CodeChecksum, "function "+name); err != nil {
			return nil, err
		}
		for id, v := range f.Versions {
			if v.code, err = load(v.CodeChecksum, "version "+id+" of function "+name); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// saveState writes the state file atomically.
func saveState(dir string, st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode emulator state: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, stateFileName), data)
}

func codeFilePath(dir, functionID, checksum string) string {
	return filepath.Join(dir, codeDirName, functionID+"-"+checksum+".zip")
}

// writeFileAtomic replaces path with data so that a reader (or a crash)
// sees either the old or the new content, never a torn file: write a temp
// file in the same directory, fsync it, rename it over path, fsync the dir.
func writeFileAtomic(path string, data []byte) error {
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
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s to sync: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
