package emulator

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"
)

// Functions created under FC 2.0 are part of a service. FC 3.0's API lists
// them with the 3.0 functions (ListFunctions's fcVersion, absent by
// default, narrows the list to "v2" or "v3"), named service$function, and
// reads, updates, tags and deletes them, gives them triggers and lets
// custom-domain routes name them, while CreateFunction refuses '$' in a
// name: they can be updated, never created. The emulator holds such
// functions when seeded (Options.SeedV2, SeedV2).
//
// FC 3.0 ignores instanceConcurrency on a standard (non-custom) runtime for
// them: an update that sets it is accepted and leaves the value FC 2.0 had
// (inferred: the field is taken, as an FC 2.0 setting, and kept; FC 3.0
// serves one request per instance on standard runtimes).

// v2FunctionNamePattern is FC 2.0's service name (1-128) and function name
// (1-64), each letters, digits, '_' and '-', not starting with a digit or
// '-', joined by '$'.
var v2FunctionNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}\$[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

const fcVersion2 = "v2"

// V2Function is a function created under FC 2.0, for Options.SeedV2 and
// SeedV2.
type V2Function struct {
	Name string // service$function
	// Config holds the function's fields as CreateFunctionInput names them
	// (runtime, handler, memorySize, environmentVariables,
	// instanceConcurrency, …); omitted ones take FC's defaults, runtime
	// python3.9 and handler index.handler. A function other than
	// custom-container gets a small code package.
	Config map[string]any
}

// SeedV2 adds functions created under FC 2.0, as a real account has them.
// A name that exists already is an error.
func (s *Server) SeedV2(fns ...V2Function) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, fn := range fns {
		if err := s.seedV2Locked(fn, false); err != nil {
			return err
		}
	}
	return nil
}

// CheckV2FunctionName reports whether name is one a function created
// under FC 2.0 has (service$function), as SeedV2 requires.
func CheckV2FunctionName(name string) error {
	if !v2FunctionNamePattern.MatchString(name) {
		return fmt.Errorf("FC 2.0 function name %q: want service$function, each 1-128 (service) or 1-64 (function) letters, digits, '_' and '-', not starting with a digit or '-'", name)
	}
	return nil
}

// seedV2Locked adds one FC 2.0 function; with keepExisting a name that
// exists (a data directory seeded by an earlier start) is left alone.
func (s *Server) seedV2Locked(fn V2Function, keepExisting bool) error {
	if err := CheckV2FunctionName(fn.Name); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if _, exists := s.st.Functions[fn.Name]; exists {
		if keepExisting {
			return nil
		}
		return fmt.Errorf("emulator: function %q already exists", fn.Name)
	}
	in, err := jsonObject(fn.Config)
	if err != nil {
		return fmt.Errorf("emulator: FC 2.0 function %s: config: %w", fn.Name, err)
	}
	for _, k := range []string{"functionName", "code"} {
		if _, ok := in[k]; ok {
			return fmt.Errorf("emulator: FC 2.0 function %s: config must not set %s", fn.Name, k)
		}
	}
	if in["runtime"] == nil {
		in["runtime"] = "python3.9"
	}
	if in["handler"] == nil {
		in["handler"] = "index.handler"
	}
	if e := validateFunctionFields(in, false); e != nil {
		return fmt.Errorf("emulator: FC 2.0 function %s: %s", fn.Name, e.Message)
	}
	tags, e := parseCreateTags(in["tags"])
	if e != nil {
		return fmt.Errorf("emulator: FC 2.0 function %s: %s", fn.Name, e.Message)
	}
	cfg := functionInput(in)
	applyCreateDefaults(cfg)
	if e := checkFunctionRules(cfg, nil, true); e != nil {
		return fmt.Errorf("emulator: FC 2.0 function %s: %s", fn.Name, e.Message)
	}
	var pkg codePackage
	if cfg["runtime"] != runtimeCustomContainer {
		zip, err := singleFileZip("index.py", "# "+fn.Name+", created under FC 2.0\ndef handler(event, context):\n    return 'hello'\n")
		if err != nil {
			return fmt.Errorf("emulator: FC 2.0 function %s: %w", fn.Name, err)
		}
		pkg = codePackage{blob: memoryBlob(zip), checksum: codeChecksum(zip)}
	}
	if e := checkCodeRules(cfg, pkg.blob != nil); e != nil {
		return fmt.Errorf("emulator: FC 2.0 function %s: %s", fn.Name, e.Message)
	}
	stamp := nextStamp(time.Time{}, s.opts.Now())
	f := &functionRecord{
		Config: cfg, FunctionID: newUUID(), CreatedTime: stamp, LastModified: stamp,
		CodeChecksum: pkg.checksum, Tags: tags, Triggers: map[string]*triggerRecord{},
		FCVersion: fcVersion2, code: pkg.blob,
	}
	if pkg.blob != nil {
		f.CodeSize = pkg.blob.size
	}
	if e := s.storeCodeLocked(f, &pkg); e != nil {
		return fmt.Errorf("emulator: FC 2.0 function %s: %s", fn.Name, e.Message)
	}
	s.st.Functions[fn.Name] = f
	if e := s.persistFunctionLocked(fn.Name); e != nil {
		delete(s.st.Functions, fn.Name)
		return fmt.Errorf("emulator: FC 2.0 function %s: %s", fn.Name, e.Message)
	}
	return nil
}

// jsonObject gives a Go map the shape a decoded request body has (numbers
// as json.Number), so seeded values are stored like sent ones.
func jsonObject(m map[string]any) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// fcVersionFilter reads ListFunctions's fcVersion: "" lists all functions,
// "v2" those created under FC 2.0, "v3" the others.
func fcVersionFilter(v string) (func(*functionRecord) bool, *apiError) {
	switch v {
	case "":
		return func(*functionRecord) bool { return true }, nil
	case "v2":
		return func(f *functionRecord) bool { return f.FCVersion == fcVersion2 }, nil
	case "v3":
		return func(f *functionRecord) bool { return f.FCVersion != fcVersion2 }, nil
	}
	return nil, errorf(http.StatusBadRequest, codeInvalidArgument, "fcVersion must be v2 or v3, got '%s'", v)
}

// singleFileZip builds the package a seeded FC 2.0 function gets.
func singleFileZip(name, content string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(content)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
