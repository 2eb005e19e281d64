package snapshot

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// kind says what shape a known field's value has. It drives strict decoding
// (type errors), default detection and the empty shape used to clear a field.
type kind int

const (
	kindAny        kind = iota // unknown or opaque: any JSON-like value, compared exactly
	kindString                 // JSON string
	kindInt                    // JSON integer
	kindNumber                 // JSON number, integer or decimal (cpu)
	kindBool                   // JSON boolean
	kindStringList             // array of strings (layers, vSwitchIds)
	kindStringMap              // object of strings whose keys are data (environmentVariables)
	kindStruct                 // object with named fields (vpcConfig)
	kindStructList             // array of objects with named fields (mountPoints)
	kindNumberMap              // object of numbers whose keys are data (additionalVersionWeight)
)

// field describes one known key of a function, a trigger or a nested table.
type field struct {
	kind kind
	// def is the value FC reports when the caller did not set the field; nil
	// when FC has no fixed default for it.
	def any
	// fcChosen marks settings FC picks itself when they are omitted (cpu,
	// diskSize): absent in function.toml means "whatever FC chose", so an
	// absent side equals any value, and they cannot be cleared.
	fcChosen bool
	// readOnly marks server-set nested fields (customContainerConfig.resolvedImageUri).
	readOnly bool
	// fields are the known members of a kindStruct, or of each element of a
	// kindStructList. Members FC does not document yet are kindAny.
	fields fieldSet
	// explicitDefaults limits "not set" for this struct's members to their
	// def (and empty tables, lists and maps of known fields), instead of
	// every "", [] and {}.
	explicitDefaults bool
	// secrets marks a string map whose members may be secret references
	// instead of values (environmentVariables; see secret.go).
	secrets bool
	// elem, when set, describes every member of a table whose keys are data
	// and whose values are tables (settings per qualifier, aliases by name).
	elem *field
	// switchMember, for a struct, is the member that turns it on: while it
	// is at its default the struct is "not set" whatever else it holds.
	switchMember string
	// writeOnly marks a secret FC never returns (a certificate's private
	// key): files hold a reference to it, and comparisons leave it out.
	writeOnly bool
	// openKeys marks a table whose unknown members are never refused as
	// typos when a file is read: FC keeps a trigger's configuration as it
	// was sent, so one read online may hold any key. Check still refuses a
	// member that is neither known nor online.
	openKeys bool
}

// member returns the description of the member key of the table f
// describes, nil when unknown.
func (f *field) member(key string) *field {
	if f == nil {
		return nil
	}
	if f.elem != nil {
		return f.elem
	}
	return f.fields.lookup(key)
}

// fieldSet maps key names to their description.
type fieldSet map[string]*field

// lookup returns the field for key, or nil when the key is unknown.
func (fs fieldSet) lookup(key string) *field {
	if fs == nil {
		return nil
	}
	return fs[key]
}

func num(s string) json.Number { return json.Number(s) }

func str() *field                     { return &field{kind: kindString} }
func strDef(d string) *field          { return &field{kind: kindString, def: d} }
func intDef(d string) *field          { return &field{kind: kindInt, def: num(d)} }
func boolDef(d bool) *field           { return &field{kind: kindBool, def: d} }
func structOf(fs fieldSet) *field     { return &field{kind: kindStruct, fields: fs} }
func structListOf(fs fieldSet) *field { return &field{kind: kindStructList, fields: fs} }
func stringList() *field              { return &field{kind: kindStringList} }
func stringMap() *field               { return &field{kind: kindStringMap} }
func readOnlyField() *field           { return &field{kind: kindAny, readOnly: true} }
func fcChosen(k kind, def any) *field { return &field{kind: k, def: def, fcChosen: true} }
func intField() *field                { return &field{kind: kindInt} }
func boolField() *field               { return &field{kind: kindBool} }
func anyField() *field                { return &field{kind: kindAny} }
func lifecycleHook() *field           { return structOf(fieldSet{"handler": str(), "timeout": intDef("3")}) }
func healthCheck() *field {
	return structOf(fieldSet{"httpGetUrl": str(), "initialDelaySeconds": intField(), "periodSeconds": intField(), "timeoutSeconds": intField(), "failureThreshold": intField(), "successThreshold": intField()})
}

// functionFields is every writable FC 3.0 function field (fc3-api.md
// "Function fields", checked against the fc-20230330 CreateFunctionInput
// model) with FC's defaults ("Values FC fills in", from devsapp/fc3
// src/default/config.ts). Inside a kindStruct every member also treats "",
// [] and {} as "not set": FC serialises unset members as empty values.
var functionFields = withKinds(fieldSet{
	"cpu": fcChosen(kindNumber, nil),
	// diskSize is 512 unless asked for 10240; FC always reports it.
	"diskSize": fcChosen(kindInt, num("512")),
	"customContainerConfig": structOf(fieldSet{
		"image":             str(),
		"entrypoint":        stringList(),
		"command":           stringList(),
		"port":              intField(),
		"acrInstanceId":     str(),
		"healthCheckConfig": healthCheck(),
		"resolvedImageUri":  readOnlyField(),
		"accelerationInfo":  readOnlyField(),
	}),
	"customDNS": structOf(fieldSet{
		"nameServers": stringList(),
		"searches":    stringList(),
		"dnsOptions":  structListOf(fieldSet{"name": str(), "value": str()}),
	}),
	"customRuntimeConfig": structOf(fieldSet{
		"command":           stringList(),
		"args":              stringList(),
		"port":              intField(),
		"healthCheckConfig": healthCheck(),
	}),
	"description":              strDef(""),
	"disableInjectCredentials": strDef("None"),
	"disableOndemand":          boolDef(false),
	"enableLongLiving":         boolDef(false),
	"environmentVariables":     &field{kind: kindStringMap, secrets: true},
	"tags":                     stringMap(),
	"gpuConfig":                structOf(fieldSet{"gpuMemorySize": intField(), "gpuType": str()}),
	"handler":                  str(),
	"idleTimeout":              intField(),
	"instanceConcurrency":      intDef("1"),
	"instanceIsolationMode":    strDef("SHARE"),
	"instanceLifecycleConfig": structOf(fieldSet{
		"initializer": lifecycleHook(),
		"preStop":     lifecycleHook(),
	}),
	"internetAccess": boolDef(true),
	"juiceFsConfig":  structOf(nil),
	"layers":         stringList(),
	"logConfig": structOf(fieldSet{
		"enableInstanceMetrics": boolDef(false),
		"enableRequestMetrics":  boolDef(false),
		"logBeginRule":          strDef("None"),
		"logstore":              str(),
		"project":               str(),
	}),
	"memorySize": intDef("512"),
	"nasConfig": structOf(fieldSet{
		"groupId": intDef("0"),
		"userId":  intDef("0"),
		"mountPoints": structListOf(fieldSet{
			"serverAddr": str(),
			"mountDir":   str(),
			"enableTLS":  boolDef(false),
		}),
	}),
	"ossMountConfig": structOf(fieldSet{
		"mountPoints": structListOf(fieldSet{
			"bucketName": str(),
			"bucketPath": str(),
			"endpoint":   str(),
			"mountDir":   str(),
			"readOnly":   boolDef(false),
		}),
	}),
	"polarFsConfig":         structOf(nil),
	"resourceGroupId":       str(),
	"role":                  strDef(""),
	"runtime":               str(),
	"sessionAffinity":       strDef("NONE"),
	"sessionAffinityConfig": strDef(""),
	"timeout":               intDef("3"),
	"tracingConfig":         structOf(fieldSet{"type": str(), "params": stringMap()}),
	"vpcConfig": structOf(fieldSet{
		"securityGroupId": str(),
		"vSwitchIds":      stringList(),
		"vpcId":           str(),
	}),
})

// triggerFields are a trigger's keys in function.toml. "config" is the
// decoded triggerConfig and is compared exactly: its content depends on the
// trigger type (triggerConfigs) and FC fills nothing into it that we know of.
var triggerFields = fieldSet{
	"triggerType":    str(),
	"qualifier":      strDef("LATEST"),
	"description":    strDef(""),
	"invocationRole": strDef(""),
	"sourceArn":      strDef(""),
	"config":         &field{kind: kindAny},
}

// triggerConfigs describe [triggers.<name>.config] by trigger type, from the
// fc-20230330 models (HTTPTriggerConfig with CORSConfig, TimerTriggerConfig,
// OSSTriggerConfig with Filter and Key, SLSTriggerConfig with JobConfig and
// SourceConfig, MNSTopicTriggerConfig, CDNTriggerConfig,
// EventBridgeTriggerConfig) and, for tablestore, FC's rule that the
// configuration is empty (the table is named by sourceArn). They are used
// for checking only (types when a file is read, unknown keys and limits in
// Check), never for comparing: FC echoes a configuration as it was sent.
// A member whose type the models leave open, or that holds a whole nested
// model fcgit does not check (eventbridge's), is kindAny. Types not listed
// here (one FC adds) are accepted as they are.
var triggerConfigs = map[string]*field{
	"http": configOf(fieldSet{
		"authType":           str(),
		"authConfig":         anyField(),
		"methods":            stringList(),
		"disableURLInternet": boolField(),
		"corsConfig": structOf(fieldSet{
			"allowCredentials": boolField(),
			"allowHeaders":     stringList(),
			"allowMethods":     stringList(),
			"allowOrigins":     stringList(),
			"exposeHeaders":    stringList(),
			"maxAge":           intField(),
		}),
	}),
	"timer": configOf(fieldSet{"cronExpression": str(), "enable": boolField(), "payload": str()}),
	"oss": configOf(fieldSet{
		"events": stringList(),
		"filter": structOf(fieldSet{"key": structOf(fieldSet{"prefix": str(), "suffix": str()})}),
	}),
	"log": configOf(fieldSet{
		"sourceConfig":      structOf(fieldSet{"logstore": str(), "startTime": anyField()}),
		"jobConfig":         structOf(fieldSet{"maxRetryTime": anyField(), "triggerInterval": anyField()}),
		"logConfig":         structOf(fieldSet{"project": str(), "logstore": str()}),
		"functionParameter": anyField(),
		"enable":            boolField(),
	}),
	"mns_topic":  configOf(fieldSet{"filterTag": str(), "notifyContentFormat": str(), "notifyStrategy": str()}),
	"cdn_events": configOf(fieldSet{"eventName": str(), "eventVersion": str(), "notes": str(), "filter": anyField()}),
	"eventbridge": configOf(fieldSet{
		"asyncInvocationType":    boolField(),
		"eventRuleFilterPattern": str(),
		"eventSinkConfig":        anyField(),
		"eventSourceConfig":      anyField(),
		"runOptions":             anyField(),
		"triggerEnable":          boolField(),
	}),
	"tablestore": configOf(fieldSet{}),
}

// configOf describes a trigger configuration: a table, and tables in it,
// whose unknown keys are not typos when read (openKeys).
func configOf(fs fieldSet) *field {
	f := structOf(fs)
	var open func(f *field)
	open = func(f *field) {
		if f.kind == kindStruct {
			f.openKeys = true
		}
		for _, m := range f.fields {
			open(m)
		}
	}
	open(f)
	return f
}

// triggerConfigField returns the description of a trigger's config for its
// triggerType, nil when fcgit has no model for that type.
func triggerConfigField(trigger map[string]any) *field {
	t, _ := trigger["triggerType"].(string)
	return triggerConfigs[t]
}

// notInFile are function fields that FromAPI drops and Decode refuses, with
// the reason shown to the user.
var notInFile = map[string]string{
	"code":         "the code package lives in the code/ directory next to function.toml",
	"functionName": "the directory name is the function name",
}

// rootField describes the top level of function.toml. Unlike nested tables,
// its members are "not set" only at their documented default: an empty
// handler is a value, not an absence.
var rootField = &field{kind: kindStruct, fields: functionFields, explicitDefaults: true}

// triggerField describes one [triggers.<name>] table.
var triggerField = &field{kind: kindStruct, fields: triggerFields, explicitDefaults: true}

// Documented limits of FC, refused by Check before anything is written, in
// one place: limits holds the rules about one value (or one key), and
// relations those tying values together, about names, or about sizes
// everywhere. Sources: the FC 3.0 API reference and limits page
// (fc3-api.md, "More rules"), the fc-20230330 models, and the
// environment-variable and tag documentation. A value equal to the one FC
// holds online is never refused: FC accepted it (an account whose quota was
// raised, a rule FC has since relaxed).
var limits = []limit{
	{path: "memorySize", rule: stepsOf("64", "128", "32768", "MB")},
	{path: "cpu", rule: stepsOf("0.05", "0.05", "16", "vCPU")},
	{path: "diskSize", rule: numberIn("MB", "512", "10240")},
	{path: "timeout", rule: between("1", "86400", "seconds")},
	{path: "instanceConcurrency", rule: between("1", "200", "")},
	{path: "idleTimeout", rule: atLeast("0", "seconds")},
	{path: "description", rule: maxChars(MaxDescriptionLen)},
	{path: "layers", rule: countAtMost(MaxLayers, "layers", "")},
	{path: "environmentVariables", rule: envSize()},
	{path: "environmentVariables.*", key: true, rule: keyRule(validEnvName, "FC takes variable names of letters, digits and _, starting with a letter")},
	{path: "environmentVariables.*", key: true, rule: keyRule(notReservedEnv, "FC reserves this name (FC_* and accessKeyID, accessKeySecret, securityToken, topic) for its own variables; rename it")},
	{path: "tags", rule: countAtMost(MaxTags, "tags", "20 per function, 3 of them fcgit's deploy records: fcgit-commit, fcgit-content, fcgit-secrets")},
	{path: "tags.*", key: true, rule: keyRule(func(k string) bool { return k != "" && utf8.RuneCountInString(k) <= MaxTagKeyLen }, fmt.Sprintf("FC takes tag keys of 1 to %d characters", MaxTagKeyLen))},
	{path: "tags.*", key: true, rule: keyRule(func(k string) bool {
		l := strings.ToLower(k)
		return !strings.HasPrefix(l, "aliyun") && !strings.HasPrefix(l, "acs:")
	}, "FC reserves tag keys starting with aliyun or acs: for Alibaba Cloud's own tags; rename it")},
	{path: "tags.*", key: true, rule: keyRule(func(k string) bool { return !hasURL(k) }, "FC takes no http:// or https:// in a tag key")},
	{path: "tags.*", rule: maxChars(MaxTagValueLen)},
	{path: "tags.*", rule: rule{ok: func(v any) bool { s, _ := v.(string); return !hasURL(s) }, why: "FC takes no http:// or https:// in a tag value"}},
	{path: "triggers", rule: countAtMost(MaxTriggers, "triggers", "")},
	{path: "triggers.*.config.authType", trigger: "http", rule: words("anonymous", "function", "jwt")},
	{path: "triggers.*.config.methods", trigger: "http", rule: methods()},
	{path: "triggers.*.config", trigger: "tablestore", rule: rule{ok: isEmptyTable, show: func(any) string { return "a table with members" },
		why: "FC takes an empty configuration for tablestore triggers (the table is named by sourceArn); remove its members"}},
	{path: "aliases.*.versionId", rule: versionID()},
	{path: "aliases.*.description", rule: maxChars(MaxDescriptionLen)},
	{path: "aliases.*.additionalVersionWeight.*", key: true, rule: keyRule(isVersionRef, `FC takes version ids here (digits, e.g. "2" = 0.1), or versions named by their commit ("commit:<id>" = 0.1)`)},
	{path: "aliases.*.additionalVersionWeight.*", rule: between("0", "1", "of the alias's traffic")},
	{path: "asyncInvokeConfig.*.maxAsyncEventAgeInSeconds", rule: between("1", "604800", "seconds")},
	{path: "asyncInvokeConfig.*.maxAsyncRetryAttempts", rule: between("0", "8", "")},
	{path: "concurrencyConfig.reservedConcurrency", rule: reservedConcurrency()},
	{path: "provisionConfig.*", key: true, rule: keyRule(func(k string) bool { return k == "LATEST" || ValidAliasName(k) == nil },
		"FC provisions instances for LATEST or an alias, not a version: write [provisionConfig.<alias>]")},
	{path: "provisionConfig.*.defaultTarget", rule: between("0", "10000", "instances")},
}

// relations are the rules Check applies beyond single values (validate.go).
var relations = []func(c *checker){
	cpuMemoryRatio,
	concurrencyOnCustomRuntimes,
	aliasWeights,
	newNames,
	stringSizes,
}

// Limits FC documents, in the units fcgit counts.
const (
	// MaxDescriptionLen is the longest description of a function or an
	// alias, in characters: FC 2.0's documented limit for both, which the
	// emulator applies (inferred: FC 3.0's reference states none).
	MaxDescriptionLen = 256
	// MaxLayers is the most layers a function uses.
	MaxLayers = 5
	// MaxTriggers is the most triggers a function has.
	MaxTriggers = 50
	// MaxTags is the most tags function.toml may give a function: FC takes
	// 20, and fcgit's deploy records use 3 of them.
	MaxTags = 20 - 3
	// MaxTagKeyLen and MaxTagValueLen bound a tag, in characters.
	MaxTagKeyLen   = 64
	MaxTagValueLen = 128
	// MaxEnvSize is the most bytes all environment variables of a
	// function may hold, names and values.
	MaxEnvSize = 4 << 10
	// DefaultInstanceQuota is a region's instance quota unless raised for
	// the account; reservedConcurrency may take 90% of it.
	DefaultInstanceQuota = 100
)
