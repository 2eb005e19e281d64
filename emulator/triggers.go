package emulator

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// triggerNamePattern: 1-128 letters, digits, '_' and '-', not starting with a
// digit or '-' (the SDK's Trigger.triggerName documentation).
var triggerNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`)

var triggerTypes = map[string]bool{
	"http": true, "timer": true, "oss": true, "log": true, "tablestore": true,
	"cdn_events": true, "mns_topic": true, "eventbridge": true,
}

var httpMethods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "DELETE": true, "HEAD": true, "PATCH": true, "OPTIONS": true,
}

// updatableTriggerFields are the only fields UpdateTriggerInput carries.
var updatableTriggerFields = map[string]bool{
	"description": true, "invocationRole": true, "qualifier": true, "triggerConfig": true,
}

var serverSetTriggerFields = map[string]bool{
	"triggerId": true, "createdTime": true, "lastModifiedTime": true, "status": true, "targetArn": true, "httpTrigger": true,
}

// validateTriggerConfig checks that triggerConfig is a JSON string holding a
// JSON object, plus the fields FC cannot do without for http and timer. An
// http trigger's authType may be omitted (FC then uses function; the
// config is echoed as sent). A tablestore trigger's table is its
// sourceArn: its triggerConfig is empty (absent, "" or {}).
func validateTriggerConfig(triggerType string, v any) *apiError {
	if triggerType == "tablestore" {
		if v == nil || v == "" || v == "{}" {
			return nil
		}
		if s, ok := v.(string); ok {
			var cfg map[string]any
			if json.Unmarshal([]byte(s), &cfg) == nil && cfg != nil && len(cfg) == 0 {
				return nil
			}
		}
		return invalidArgument("tablestore triggerConfig must be empty (its table is named by sourceArn), got %s", jsonText(v))
	}
	s, ok := v.(string)
	if !ok {
		return invalidArgument("triggerConfig must be a string holding a JSON object")
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(s), &cfg); err != nil || cfg == nil {
		return invalidArgument("triggerConfig is not a valid JSON object: %s", s)
	}
	switch triggerType {
	case "http":
		methods, _ := cfg["methods"].([]any)
		if len(methods) == 0 {
			return invalidArgument("http triggerConfig.methods must list at least one HTTP method")
		}
		for _, m := range methods {
			if name, _ := m.(string); !httpMethods[name] {
				return invalidArgument("http triggerConfig.methods has an invalid method %s", jsonText(m))
			}
		}
		if a, present := cfg["authType"]; present {
			if name, _ := a.(string); !authTypes[name] {
				return invalidArgument("http triggerConfig.authType must be anonymous, function or jwt, got %s", jsonText(a))
			}
		}
	case "timer":
		if c, _ := cfg["cronExpression"].(string); c == "" {
			return invalidArgument("timer triggerConfig.cronExpression is required")
		}
	}
	return nil
}

func validateTriggerStrings(in map[string]any) *apiError {
	for _, k := range []string{"description", "invocationRole", "qualifier", "sourceArn", "triggerName", "triggerType"} {
		if v, ok := in[k]; ok && v != nil {
			if _, isStr := v.(string); !isStr {
				return invalidArgument("%s must be a string", k)
			}
		}
	}
	return nil
}

// triggerView renders a trigger as FC returns it.
func (s *Server) triggerView(fn, name string, t *triggerRecord) map[string]any {
	v := copyMap(t.Config)
	v["triggerName"] = name
	v["triggerId"] = t.TriggerID
	v["createdTime"] = formatFCTime(t.CreatedTime)
	v["lastModifiedTime"] = formatFCTime(t.LastModified)
	v["status"] = "OK" // the SDK's documented example value (inferred)
	v["targetArn"] = s.functionArn(fn)
	if v["triggerType"] == "http" {
		// Plausible fcapp.run URLs; stable per trigger.
		host := fmt.Sprintf("%s-%08x", strings.ToLower(strings.ReplaceAll(fn, "_", "-")), crc32.ChecksumIEEE([]byte(t.TriggerID)))
		v["httpTrigger"] = map[string]any{
			"urlInternet": "https://" + host + "." + s.opts.Region + ".fcapp.run",
			"urlIntranet": "https://" + host + "." + s.opts.Region + "-vpc.fcapp.run",
		}
	}
	return v
}

func (s *Server) listTriggers(req *apiRequest) (int, []byte, *apiError) {
	q := req.http.URL.Query()
	limit, e := parseLimit(q.Get("limit"), q.Has("limit"))
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	return listByName(q, limit, "triggers", f.Triggers, func(name string, t *triggerRecord) any {
		return s.triggerView(req.Function, name, t)
	})
}

func (s *Server) getTrigger(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	t, ok := f.Triggers[req.Trigger]
	if !ok {
		return 0, nil, triggerNotFound(req.Function, req.Trigger)
	}
	out, e := marshal(s.triggerView(req.Function, req.Trigger, t))
	return http.StatusOK, out, e
}

func (s *Server) createTrigger(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if e := validateTriggerStrings(in); e != nil {
		return 0, nil, e
	}
	name, _ := in["triggerName"].(string)
	if !triggerNamePattern.MatchString(name) {
		return 0, nil, invalidArgument("invalid triggerName '%s': 1-128 characters of letters, digits, '_' and '-', not starting with a digit or '-'", name)
	}
	typ, _ := in["triggerType"].(string)
	if !triggerTypes[typ] {
		return 0, nil, invalidArgument("triggerType '%s' is not supported; valid values: %s", typ, strings.Join(mapkeys.Sorted(triggerTypes), ", "))
	}
	if e := validateTriggerConfig(typ, in["triggerConfig"]); e != nil {
		return 0, nil, e
	}
	if src, _ := in["sourceArn"].(string); typ == "tablestore" && src == "" {
		return 0, nil, invalidArgument("a tablestore trigger needs sourceArn, the table's ARN (acs:ots:<region>:<account>:instance/<instance>/table/<table>)")
	}
	cfg := make(map[string]any, len(in))
	for k, v := range in {
		if v != nil && k != "triggerName" && !serverSetTriggerFields[k] {
			cfg[k] = v
		}
	}
	if q, _ := cfg["qualifier"].(string); q == "" {
		cfg["qualifier"] = "LATEST"
	}
	if _, ok := cfg["description"]; !ok {
		cfg["description"] = ""
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	if _, exists := f.Triggers[name]; exists {
		return 0, nil, errorf(http.StatusConflict, codeTriggerAlreadyExists, "trigger '%s' of function '%s' already exists", name, req.Function)
	}
	// FC's limit is 50 triggers per function; answering InvalidArgument
	// (rather than FC 2.0's LimitExceeded) is inferred.
	if len(f.Triggers) >= s.opts.MaxTriggersPerFunction {
		return 0, nil, invalidArgument("function '%s' has %d triggers, the most a function can have; delete one first", req.Function, len(f.Triggers))
	}
	stamp := nextStamp(time.Time{}, req.now)
	t := &triggerRecord{Config: cfg, TriggerID: newUUID(), CreatedTime: stamp, LastModified: stamp}
	f.Triggers[name] = t
	if e := s.persistFunctionLocked(req.Function); e != nil {
		delete(f.Triggers, name)
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.triggerView(req.Function, name, t))
	return http.StatusOK, out, e
}

func (s *Server) updateTrigger(req *apiRequest) (int, []byte, *apiError) {
	in, e := decodeObject(req.body)
	if e != nil {
		return 0, nil, e
	}
	if e := validateTriggerStrings(in); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	t, ok := f.Triggers[req.Trigger]
	if !ok {
		return 0, nil, triggerNotFound(req.Function, req.Trigger)
	}
	cfg := copyMap(t.Config)
	for k, v := range in {
		switch {
		case v == nil || serverSetTriggerFields[k]:
			continue
		case updatableTriggerFields[k]:
			cfg[k] = v
		case k == "triggerName" && v == req.Trigger, (k == "triggerType" || k == "sourceArn") && v == t.Config[k]:
			continue // unchanged echo of an immutable field
		case k == "triggerName" || k == "triggerType" || k == "sourceArn":
			return 0, nil, invalidArgument("%s cannot be updated; delete the trigger and create it again", k)
		}
		// Other fields are not part of UpdateTriggerInput and are ignored.
	}
	if e := validateTriggerConfig(fmt.Sprint(cfg["triggerType"]), cfg["triggerConfig"]); e != nil {
		return 0, nil, e
	}
	if q, _ := cfg["qualifier"].(string); q == "" {
		cfg["qualifier"] = "LATEST"
	}
	updated := &triggerRecord{Config: cfg, TriggerID: t.TriggerID, CreatedTime: t.CreatedTime, LastModified: nextStamp(t.LastModified, req.now)}
	f.Triggers[req.Trigger] = updated
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.Triggers[req.Trigger] = t
		return 0, nil, e
	}
	s.stats.write()
	out, e := marshal(s.triggerView(req.Function, req.Trigger, updated))
	return http.StatusOK, out, e
}

func (s *Server) deleteTrigger(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.st.Functions[req.Function]
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	t, ok := f.Triggers[req.Trigger]
	if !ok {
		return 0, nil, triggerNotFound(req.Function, req.Trigger)
	}
	delete(f.Triggers, req.Trigger)
	if e := s.persistFunctionLocked(req.Function); e != nil {
		f.Triggers[req.Trigger] = t
		return 0, nil, e
	}
	s.stats.write()
	return http.StatusNoContent, nil, nil
}
