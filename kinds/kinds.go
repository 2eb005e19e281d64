// Package kinds describes, once each, the resources fcgit manages beside a
// function's own configuration and triggers: where they live in
// function.toml (or in their own files), their fields and FC's defaults, the
// API calls that read and write them, and when push writes them relative to
// the function. The FC client, the snapshot (files), fetch and push all read
// these descriptions instead of carrying a code path per kind.
//
// Shapes and defaults come from the FC 3.0 API models (fc-20230330); where
// FC's behaviour had to be inferred, the emulator marks it "inferred".
package kinds

// Type is the shape of a field's value.
type Type int

// Field types, as function.toml holds them.
const (
	Any        Type = iota // any value, compared exactly
	String                 // a string
	Int                    // an integer
	Number                 // an integer or a decimal
	Bool                   // true or false
	StringList             // an array of strings
	StringMap              // a table whose keys are data and values strings
	Struct                 // a table with named fields
	StructList             // an array of tables with named fields
	NumberMap              // a table whose keys are data and values numbers
)

// Field describes one field of a resource.
type Field struct {
	Type Type
	// Default is the value FC reports when the field is not set: the same,
	// to fcgit, as the field being absent (defaults are not state).
	Default any
	// ReadOnly fields are set by FC and never written to files.
	ReadOnly bool
	// Fields are the members of a Struct or of each element of a
	// StructList.
	Fields map[string]*Field
	// Switch names, for a Struct, the member that turns it on: while that
	// member is at its default the whole table means nothing (FC drops the
	// reason of an enabled invocation switch) and equals absent.
	Switch string
}

func str() *Field                 { return &Field{Type: String} }
func integer() *Field             { return &Field{Type: Int} }
func number() *Field              { return &Field{Type: Number} }
func boolean(def bool) *Field     { return &Field{Type: Bool, Default: def} }
func readOnly() *Field            { return &Field{Type: Any, ReadOnly: true} }
func strings() *Field             { return &Field{Type: StringList} }
func structOf(f Fields) *Field    { return &Field{Type: Struct, Fields: f} }
func listOf(f Fields) *Field      { return &Field{Type: StructList, Fields: f} }
func emptyList(f Fields) *Field   { return &Field{Type: StructList, Fields: f, Default: []any{}} }
func strDefault(d string) *Field  { return &Field{Type: String, Default: d} }
func emptyMap() *Field            { return &Field{Type: NumberMap, Default: map[string]any{}} }
func emptyStruct(f Fields) *Field { return &Field{Type: Struct, Fields: f, Default: map[string]any{}} }

// Fields maps field names to their description.
type Fields map[string]*Field

// Setting is a per-function setting FC keeps at its own path
// (/functions/{fn}/<Path>): Get, Put and Delete it, and list it region-wide.
// In function.toml it is the table Key; a Qualified setting is one table per
// qualifier ([asyncInvokeConfig.LATEST]). Absent means not configured, and
// removing the table deletes the setting online.
type Setting struct {
	Key       string
	Qualified bool
	Path      string // under /2023-03-30/functions/{functionName}/
	ListPath  string // under /2023-03-30/, region-wide
	ListKey   string // the list response's array
	// Op names the FC operations, for errors and request counts:
	// Op+"Get" is e.g. "GetConcurrencyConfig".
	Op     string
	Fields Fields
}

// Operation names of a setting.
func (s *Setting) GetOp() string    { return "Get" + s.Op }
func (s *Setting) PutOp() string    { return "Put" + s.Op }
func (s *Setting) DeleteOp() string { return "Delete" + s.Op }
func (s *Setting) ListOp() string   { return "List" + s.Op + "s" }

var destination = structOf(Fields{"destination": str()})

// AsyncInvokeConfig: where asynchronous invocations' results go and how
// often they are retried (AsyncConfig, PutAsyncInvokeConfigInput).
var AsyncInvokeConfig = &Setting{
	Key: "asyncInvokeConfig", Qualified: true, Path: "async-invoke-config",
	ListPath: "async-invoke-configs", ListKey: "configs", Op: "AsyncInvokeConfig",
	Fields: Fields{
		"destinationConfig":         emptyStruct(Fields{"onSuccess": destination, "onFailure": destination}),
		"maxAsyncEventAgeInSeconds": integer(),
		"maxAsyncRetryAttempts":     integer(),
		"asyncTask":                 boolean(false),
		"functionArn":               readOnly(),
		"createdTime":               readOnly(),
		"lastModifiedTime":          readOnly(),
	},
}

// ConcurrencyConfig: the function's reserved concurrency.
var ConcurrencyConfig = &Setting{
	Key: "concurrencyConfig", Path: "concurrency",
	ListPath: "concurrency-configs", ListKey: "configs", Op: "ConcurrencyConfig",
	Fields: Fields{
		"reservedConcurrency": integer(),
		"functionArn":         readOnly(),
	},
}

// ProvisionConfig: provisioned instances (target, schedules, tracking).
var ProvisionConfig = &Setting{
	Key: "provisionConfig", Qualified: true, Path: "provision-config",
	ListPath: "provision-configs", ListKey: "provisionConfigs", Op: "ProvisionConfig",
	Fields: Fields{
		"defaultTarget": integer(),
		// target mirrors defaultTarget in what FC returns (the older name).
		"target": readOnly(),
		"scheduledActions": emptyList(Fields{
			"name": str(), "startTime": str(), "endTime": str(), "target": integer(),
			"scheduleExpression": str(), "timeZone": str(),
		}),
		"targetTrackingPolicies": emptyList(Fields{
			"name": str(), "startTime": str(), "endTime": str(), "metricType": str(),
			"metricTarget": number(), "minCapacity": integer(), "maxCapacity": integer(), "timeZone": str(),
		}),
		"alwaysAllocateCPU": boolean(true),
		"alwaysAllocateGPU": boolean(true),
		"current":           readOnly(),
		"currentError":      readOnly(),
		"functionArn":       readOnly(),
	},
}

// ScalingConfig: the newer scaling settings (minimum instances, policies).
var ScalingConfig = &Setting{
	Key: "scalingConfig", Qualified: true, Path: "scaling-config",
	ListPath: "scaling-configs", ListKey: "scalingConfigs", Op: "ScalingConfig",
	Fields: Fields{
		"minInstances":          integer(),
		"enableMixMode":         &Field{Type: Bool},
		"enableOnDemandScaling": &Field{Type: Bool},
		"requestDispatchPolicy": str(),
		"residentPoolId":        str(),
		"horizontalScalingPolicies": emptyList(Fields{
			"name": str(), "startTime": str(), "endTime": str(), "metricType": str(),
			"metricTarget": number(), "minInstances": integer(), "maxInstances": integer(), "timeZone": str(),
		}),
		"scheduledPolicies": emptyList(Fields{
			"name": str(), "startTime": str(), "endTime": str(), "target": integer(),
			"scheduleExpression": str(), "timeZone": str(),
		}),
		"targetInstances":  readOnly(),
		"currentInstances": readOnly(),
		"currentError":     readOnly(),
		"functionArn":      readOnly(),
	},
}

// Settings are the per-function settings, in the order push writes them
// after the function itself (and deletes them, in reverse, before deleting
// it).
var Settings = []*Setting{ConcurrencyConfig, AsyncInvokeConfig, ProvisionConfig, ScalingConfig}

// Key names of the other function-level kinds in function.toml.
const (
	// VpcBindingsKey holds the VPC ids the function is bound to, as an
	// array (CreateVpcBinding / DeleteVpcBinding / ListVpcBindings).
	VpcBindingsKey = "vpcBindings"
	// InvocationKey holds the invocation switch: {disable = true, reason =
	// "..."} (DisableFunctionInvocation / EnableFunctionInvocation); FC
	// reports it as the function's invocationRestriction.
	InvocationKey = "invocationRestriction"
	// AliasesKey holds the function's aliases by name.
	AliasesKey = "aliases"
)

// InvocationSwitch is the member that turns the invocation switch on.
const InvocationSwitch = "disable"

// InvocationFields are the fields of the invocation switch in function.toml.
var InvocationFields = Fields{
	"disable":          boolean(false),
	"reason":           strDefault(""),
	"lastModifiedTime": readOnly(),
}

// AliasFields are an alias's fields (Alias, CreateAliasInput).
var AliasFields = Fields{
	"versionId":               str(),
	"description":             strDefault(""),
	"additionalVersionWeight": emptyMap(),
	"aliasName":               readOnly(),
	"createdTime":             readOnly(),
	"lastModifiedTime":        readOnly(),
}

// AliasUpdateFields are the fields UpdateAlias takes.
var AliasUpdateFields = []string{"versionId", "description", "additionalVersionWeight"}

// FunctionKeys are the function.toml keys that are not UpdateFunction
// fields: each is written through its own API.
func FunctionKeys() []string {
	keys := []string{VpcBindingsKey, InvocationKey, AliasesKey}
	for _, s := range Settings {
		keys = append(keys, s.Key)
	}
	return keys
}

// IsFunctionKey reports whether key is one of FunctionKeys.
func IsFunctionKey(key string) bool {
	for _, k := range FunctionKeys() {
		if k == key {
			return true
		}
	}
	return false
}

// SettingFor returns the setting stored under key, nil if none.
func SettingFor(key string) *Setting {
	for _, s := range Settings {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// CustomDomain describes a custom domain: region-wide, routing paths to
// functions. Each lives in its own file, <domains dir>/<domainName>.toml
// (CustomDomain, CreateCustomDomainInput, UpdateCustomDomainInput).
var CustomDomain = struct {
	Path, ListKey string
	Fields        Fields
	// SecretFields are write-only secrets: FC never returns them, files
	// hold a reference, push sends the value from its environment.
	SecretFields [][]string
}{
	Path: "custom-domains", ListKey: "customDomains",
	Fields: Fields{
		"protocol": strDefault("HTTP"),
		"routeConfig": emptyStruct(Fields{
			"routes": emptyList(Fields{
				"path": str(), "functionName": str(), "qualifier": strDefault("LATEST"),
				"methods": &Field{Type: StringList, Default: []any{}},
				"rewriteConfig": structOf(Fields{
					"equalRules":    listOf(Fields{"match": str(), "replacement": str()}),
					"wildcardRules": listOf(Fields{"match": str(), "replacement": str()}),
					"regexRules":    listOf(Fields{"match": str(), "replacement": str()}),
				}),
			}),
		}),
		"certConfig": structOf(Fields{"certName": str(), "certificate": str(), "privateKey": &Field{Type: Any}}),
		"tlsConfig": structOf(Fields{
			"minVersion": str(), "maxVersion": str(), "cipherSuites": &Field{Type: StringList},
		}),
		"wafConfig":  structOf(Fields{"enableWAF": boolean(false)}),
		"authConfig": structOf(Fields{"authType": str(), "authInfo": str()}),
		"corsConfig": structOf(Fields{
			"allowOrigins": &Field{Type: StringList}, "allowMethods": &Field{Type: StringList},
			"allowHeaders": &Field{Type: StringList}, "exposeHeaders": &Field{Type: StringList},
			"allowCredentials": &Field{Type: Bool}, "maxAge": integer(),
		}),
		"domainName":       readOnly(),
		"accountId":        readOnly(),
		"apiVersion":       readOnly(),
		"createdTime":      readOnly(),
		"lastModifiedTime": readOnly(),
		"subdomainCount":   readOnly(),
	},
	SecretFields: [][]string{{"certConfig", "privateKey"}},
}
