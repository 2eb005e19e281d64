package snapshot

import "encoding/json"

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
// trigger type and FC fills nothing into it that we know of.
var triggerFields = fieldSet{
	"triggerType":    str(),
	"qualifier":      strDef("LATEST"),
	"description":    strDef(""),
	"invocationRole": strDef(""),
	"sourceArn":      strDef(""),
	"config":         &field{kind: kindAny},
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
