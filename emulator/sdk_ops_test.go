package emulator

import (
	"errors"
	"net/http"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// Mirrors of the fc-20230330 SDK models, field for field with the same
// JSON tags (omitempty where the SDK has it: slices and maps without it are
// sent as null when unset). Requests are built with openapiutil.ParseToMap
// and responses read with dara.Convert, exactly as the official client's
// generated code does, so a name or type the emulator gets wrong fails to
// convert or reads back empty.

type sdkDestination struct {
	Destination *string `json:"destination,omitempty"`
}

type sdkDestinationConfig struct {
	OnFailure *sdkDestination `json:"onFailure,omitempty"`
	OnSuccess *sdkDestination `json:"onSuccess,omitempty"`
}

type sdkPutAsyncInvokeConfigInput struct {
	AsyncTask                 *bool                 `json:"asyncTask,omitempty"`
	DestinationConfig         *sdkDestinationConfig `json:"destinationConfig,omitempty"`
	MaxAsyncEventAgeInSeconds *int64                `json:"maxAsyncEventAgeInSeconds,omitempty"`
	MaxAsyncRetryAttempts     *int64                `json:"maxAsyncRetryAttempts,omitempty"`
}

type sdkAsyncConfig struct {
	AsyncTask                 *bool                 `json:"asyncTask,omitempty"`
	CreatedTime               *string               `json:"createdTime,omitempty"`
	DestinationConfig         *sdkDestinationConfig `json:"destinationConfig,omitempty"`
	FunctionArn               *string               `json:"functionArn,omitempty"`
	LastModifiedTime          *string               `json:"lastModifiedTime,omitempty"`
	MaxAsyncEventAgeInSeconds *int64                `json:"maxAsyncEventAgeInSeconds,omitempty"`
	MaxAsyncRetryAttempts     *int64                `json:"maxAsyncRetryAttempts,omitempty"`
}

type sdkListAsyncInvokeConfigOutput struct {
	Configs   []*sdkAsyncConfig `json:"configs"`
	NextToken *string           `json:"nextToken,omitempty"`
}

type sdkPutConcurrencyInput struct {
	ReservedConcurrency *int64 `json:"reservedConcurrency,omitempty"`
}

type sdkConcurrencyConfig struct {
	FunctionArn         *string `json:"functionArn,omitempty"`
	ReservedConcurrency *int64  `json:"reservedConcurrency,omitempty"`
}

type sdkListConcurrencyConfigsOutput struct {
	Configs   []*sdkConcurrencyConfig `json:"configs"`
	NextToken *string                 `json:"nextToken,omitempty"`
}

type sdkScheduledAction struct {
	EndTime            *string `json:"endTime,omitempty"`
	Name               *string `json:"name,omitempty"`
	ScheduleExpression *string `json:"scheduleExpression,omitempty"`
	StartTime          *string `json:"startTime,omitempty"`
	Target             *int64  `json:"target,omitempty"`
	TimeZone           *string `json:"timeZone,omitempty"`
}

type sdkTargetTrackingPolicy struct {
	EndTime      *string  `json:"endTime,omitempty"`
	MaxCapacity  *int64   `json:"maxCapacity,omitempty"`
	MetricTarget *float32 `json:"metricTarget,omitempty"`
	MetricType   *string  `json:"metricType,omitempty"`
	MinCapacity  *int64   `json:"minCapacity,omitempty"`
	Name         *string  `json:"name,omitempty"`
	StartTime    *string  `json:"startTime,omitempty"`
	TimeZone     *string  `json:"timeZone,omitempty"`
}

type sdkPutProvisionConfigInput struct {
	AlwaysAllocateCPU      *bool                      `json:"alwaysAllocateCPU,omitempty"`
	AlwaysAllocateGPU      *bool                      `json:"alwaysAllocateGPU,omitempty"`
	DefaultTarget          *int64                     `json:"defaultTarget,omitempty"`
	ScheduledActions       []*sdkScheduledAction      `json:"scheduledActions"`
	Target                 *int64                     `json:"target,omitempty"`
	TargetTrackingPolicies []*sdkTargetTrackingPolicy `json:"targetTrackingPolicies"`
}

type sdkProvisionConfig struct {
	AlwaysAllocateCPU      *bool                      `json:"alwaysAllocateCPU,omitempty"`
	AlwaysAllocateGPU      *bool                      `json:"alwaysAllocateGPU,omitempty"`
	Current                *int64                     `json:"current,omitempty"`
	CurrentError           *string                    `json:"currentError,omitempty"`
	DefaultTarget          *int64                     `json:"defaultTarget,omitempty"`
	FunctionArn            *string                    `json:"functionArn,omitempty"`
	ScheduledActions       []*sdkScheduledAction      `json:"scheduledActions"`
	Target                 *int64                     `json:"target,omitempty"`
	TargetTrackingPolicies []*sdkTargetTrackingPolicy `json:"targetTrackingPolicies"`
}

type sdkListProvisionConfigsOutput struct {
	NextToken        *string               `json:"nextToken,omitempty"`
	ProvisionConfigs []*sdkProvisionConfig `json:"provisionConfigs"`
}

type sdkScalingPolicy struct {
	EndTime      *string  `json:"endTime,omitempty"`
	MaxInstances *int64   `json:"maxInstances,omitempty"`
	MetricTarget *float32 `json:"metricTarget,omitempty"`
	MetricType   *string  `json:"metricType,omitempty"`
	MinInstances *int64   `json:"minInstances,omitempty"`
	Name         *string  `json:"name,omitempty"`
	StartTime    *string  `json:"startTime,omitempty"`
	TimeZone     *string  `json:"timeZone,omitempty"`
}

type sdkScheduledPolicy struct {
	EndTime            *string `json:"endTime,omitempty"`
	Name               *string `json:"name,omitempty"`
	ScheduleExpression *string `json:"scheduleExpression,omitempty"`
	StartTime          *string `json:"startTime,omitempty"`
	Target             *int64  `json:"target,omitempty"`
	TimeZone           *string `json:"timeZone,omitempty"`
}

type sdkPutScalingConfigInput struct {
	EnableMixMode             *bool                 `json:"enableMixMode,omitempty"`
	EnableOnDemandScaling     *bool                 `json:"enableOnDemandScaling,omitempty"`
	HorizontalScalingPolicies []*sdkScalingPolicy   `json:"horizontalScalingPolicies"`
	MinInstances              *int64                `json:"minInstances,omitempty"`
	RequestDispatchPolicy     *string               `json:"requestDispatchPolicy,omitempty"`
	ResidentPoolId            *string               `json:"residentPoolId,omitempty"`
	ScheduledPolicies         []*sdkScheduledPolicy `json:"scheduledPolicies"`
}

type sdkScalingConfigStatus struct {
	CurrentError              *string               `json:"currentError,omitempty"`
	CurrentInstances          *int64                `json:"currentInstances,omitempty"`
	EnableMixMode             *bool                 `json:"enableMixMode,omitempty"`
	EnableOnDemandScaling     *bool                 `json:"enableOnDemandScaling,omitempty"`
	FunctionArn               *string               `json:"functionArn,omitempty"`
	HorizontalScalingPolicies []*sdkScalingPolicy   `json:"horizontalScalingPolicies"`
	MinInstances              *int64                `json:"minInstances,omitempty"`
	RequestDispatchPolicy     *string               `json:"requestDispatchPolicy,omitempty"`
	ResidentPoolId            *string               `json:"residentPoolId,omitempty"`
	ScheduledPolicies         []*sdkScheduledPolicy `json:"scheduledPolicies"`
	TargetInstances           *int64                `json:"targetInstances,omitempty"`
}

type sdkListScalingConfigsOutput struct {
	NextToken      *string                   `json:"nextToken,omitempty"`
	ScalingConfigs []*sdkScalingConfigStatus `json:"scalingConfigs"`
}

type sdkCreateVpcBindingInput struct {
	VpcId *string `json:"vpcId,omitempty"`
}

type sdkListVpcBindingsOutput struct {
	VpcIds []*string `json:"vpcIds"`
}

type sdkInvocationResponseBody struct {
	Success *bool `json:"success,omitempty"`
}

type sdkFunctionRestriction struct {
	Disable          *bool   `json:"disable,omitempty"`
	LastModifiedTime *string `json:"lastModifiedTime,omitempty"`
	Reason           *string `json:"reason,omitempty"`
}

// sdkFunction is the part of the SDK's Function model these tests read.
type sdkFunction struct {
	CodeChecksum          *string                 `json:"codeChecksum,omitempty"`
	Description           *string                 `json:"description,omitempty"`
	FunctionName          *string                 `json:"functionName,omitempty"`
	InvocationRestriction *sdkFunctionRestriction `json:"invocationRestriction,omitempty"`
	LastModifiedTime      *string                 `json:"lastModifiedTime,omitempty"`
	Timeout               *int32                  `json:"timeout,omitempty"`
}

type sdkPublishVersionInput struct {
	Description *string `json:"description,omitempty"`
}

type sdkVersion struct {
	CreatedTime      *string `json:"createdTime,omitempty"`
	Description      *string `json:"description,omitempty"`
	LastModifiedTime *string `json:"lastModifiedTime,omitempty"`
	VersionId        *string `json:"versionId,omitempty"`
}

type sdkListVersionsOutput struct {
	Direction *string       `json:"direction,omitempty"`
	NextToken *string       `json:"nextToken,omitempty"`
	Versions  []*sdkVersion `json:"versions"`
}

type sdkCreateAliasInput struct {
	AdditionalVersionWeight map[string]*float32 `json:"additionalVersionWeight"`
	AliasName               *string             `json:"aliasName,omitempty"`
	Description             *string             `json:"description,omitempty"`
	VersionId               *string             `json:"versionId,omitempty"`
}

type sdkUpdateAliasInput struct {
	AdditionalVersionWeight map[string]*float32 `json:"additionalVersionWeight"`
	Description             *string             `json:"description,omitempty"`
	VersionId               *string             `json:"versionId,omitempty"`
}

type sdkAlias struct {
	AdditionalVersionWeight map[string]*float32 `json:"additionalVersionWeight"`
	AliasName               *string             `json:"aliasName,omitempty"`
	CreatedTime             *string             `json:"createdTime,omitempty"`
	Description             *string             `json:"description,omitempty"`
	LastModifiedTime        *string             `json:"lastModifiedTime,omitempty"`
	VersionId               *string             `json:"versionId,omitempty"`
}

type sdkListAliasesOutput struct {
	Aliases   []*sdkAlias `json:"aliases"`
	NextToken *string     `json:"nextToken,omitempty"`
}

type sdkOutputFuncCode struct {
	Checksum *string `json:"checksum,omitempty"`
	Url      *string `json:"url,omitempty"`
}

type sdkRule struct {
	Match       *string `json:"match,omitempty"`
	Replacement *string `json:"replacement,omitempty"`
}

type sdkRewriteConfig struct {
	EqualRules    []*sdkRule `json:"equalRules"`
	RegexRules    []*sdkRule `json:"regexRules"`
	WildcardRules []*sdkRule `json:"wildcardRules"`
}

type sdkPathConfig struct {
	FunctionName  *string           `json:"functionName,omitempty"`
	Methods       []*string         `json:"methods"`
	Path          *string           `json:"path,omitempty"`
	Qualifier     *string           `json:"qualifier,omitempty"`
	RewriteConfig *sdkRewriteConfig `json:"rewriteConfig,omitempty"`
}

type sdkRouteConfig struct {
	Routes []*sdkPathConfig `json:"routes"`
}

type sdkCertConfig struct {
	CertName    *string `json:"certName,omitempty"`
	Certificate *string `json:"certificate,omitempty"`
	PrivateKey  *string `json:"privateKey,omitempty"`
}

type sdkTLSConfig struct {
	CipherSuites []*string `json:"cipherSuites"`
	MaxVersion   *string   `json:"maxVersion,omitempty"`
	MinVersion   *string   `json:"minVersion,omitempty"`
}

type sdkWAFConfig struct {
	EnableWAF *bool `json:"enableWAF,omitempty"`
}

type sdkAuthConfig struct {
	AuthInfo *string `json:"authInfo,omitempty"`
	AuthType *string `json:"authType,omitempty"`
}

type sdkCORSConfig struct {
	AllowCredentials *bool     `json:"allowCredentials,omitempty"`
	AllowHeaders     []*string `json:"allowHeaders"`
	AllowMethods     []*string `json:"allowMethods"`
	AllowOrigins     []*string `json:"allowOrigins"`
	ExposeHeaders    []*string `json:"exposeHeaders"`
	MaxAge           *int32    `json:"maxAge,omitempty"`
}

type sdkCreateCustomDomainInput struct {
	AuthConfig  *sdkAuthConfig  `json:"authConfig,omitempty"`
	CertConfig  *sdkCertConfig  `json:"certConfig,omitempty"`
	CorsConfig  *sdkCORSConfig  `json:"corsConfig,omitempty"`
	DomainName  *string         `json:"domainName,omitempty"`
	IsE2B       *bool           `json:"isE2B,omitempty"`
	Protocol    *string         `json:"protocol,omitempty"`
	RouteConfig *sdkRouteConfig `json:"routeConfig,omitempty"`
	TlsConfig   *sdkTLSConfig   `json:"tlsConfig,omitempty"`
	WafConfig   *sdkWAFConfig   `json:"wafConfig,omitempty"`
}

type sdkUpdateCustomDomainInput struct {
	AuthConfig  *sdkAuthConfig  `json:"authConfig,omitempty"`
	CertConfig  *sdkCertConfig  `json:"certConfig,omitempty"`
	CorsConfig  *sdkCORSConfig  `json:"corsConfig,omitempty"`
	Protocol    *string         `json:"protocol,omitempty"`
	RouteConfig *sdkRouteConfig `json:"routeConfig,omitempty"`
	TlsConfig   *sdkTLSConfig   `json:"tlsConfig,omitempty"`
	WafConfig   *sdkWAFConfig   `json:"wafConfig,omitempty"`
}

type sdkCustomDomain struct {
	AccountId        *string         `json:"accountId,omitempty"`
	ApiVersion       *string         `json:"apiVersion,omitempty"`
	AuthConfig       *sdkAuthConfig  `json:"authConfig,omitempty"`
	CertConfig       *sdkCertConfig  `json:"certConfig,omitempty"`
	CorsConfig       *sdkCORSConfig  `json:"corsConfig,omitempty"`
	CreatedTime      *string         `json:"createdTime,omitempty"`
	DomainName       *string         `json:"domainName,omitempty"`
	IsE2B            *bool           `json:"isE2B,omitempty"`
	LastModifiedTime *string         `json:"lastModifiedTime,omitempty"`
	Protocol         *string         `json:"protocol,omitempty"`
	RouteConfig      *sdkRouteConfig `json:"routeConfig,omitempty"`
	SubdomainCount   *string         `json:"subdomainCount,omitempty"`
	TlsConfig        *sdkTLSConfig   `json:"tlsConfig,omitempty"`
	WafConfig        *sdkWAFConfig   `json:"wafConfig,omitempty"`
}

type sdkListCustomDomainOutput struct {
	CustomDomains []*sdkCustomDomain `json:"customDomains"`
	NextToken     *string            `json:"nextToken,omitempty"`
}

// sdkError asserts that err is the Tea SDK's error for an FC error answer.
func sdkError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) || tea.IntValue(se.StatusCode) != status || tea.StringValue(se.Code) != code {
		t.Fatalf("error = %v, want %d %s", err, status, code)
	}
}

func teaCreateFunction(c *teaClient, name string) {
	c.t.Helper()
	c.must(nil, "CreateFunction", "POST", "/2023-03-30/functions", nil, map[string]any{
		"functionName": name, "runtime": "python3.10", "handler": "index.handler",
		"code": zipCode(makeZip(c.t, map[string]string{"index.py": "x = 1\n"})),
	}, "json")
}

func TestTeaSDKPerFunctionSettings(t *testing.T) {
	t.Parallel()
	s, c := newTeaClient(t)
	teaCreateFunction(c, "tea-settings")
	arn := "acs:fc:cn-hangzhou:1234567890123456:functions/tea-settings"
	latest := map[string]*string{"qualifier": dara.String("LATEST")}

	var async sdkAsyncConfig
	c.must(&async, "PutAsyncInvokeConfig", "PUT", fnPath("tea-settings", "/async-invoke-config"), latest,
		openapiutil.ParseToMap(&sdkPutAsyncInvokeConfigInput{
			MaxAsyncRetryAttempts: dara.Int64(2),
			DestinationConfig:     &sdkDestinationConfig{OnFailure: &sdkDestination{Destination: dara.String(mnsQueue)}},
		}), "json")
	if dara.Int64Value(async.MaxAsyncRetryAttempts) != 2 || dara.StringValue(async.FunctionArn) != arn ||
		async.DestinationConfig == nil || dara.StringValue(async.DestinationConfig.OnFailure.Destination) != mnsQueue || async.CreatedTime == nil {
		t.Errorf("PutAsyncInvokeConfig = %+v", async)
	}
	var asyncList sdkListAsyncInvokeConfigOutput
	c.must(&asyncList, "ListAsyncInvokeConfigs", "GET", "/2023-03-30/async-invoke-configs",
		map[string]*string{"functionName": dara.String("tea-settings"), "limit": dara.String("10")}, nil, "json")
	if len(asyncList.Configs) != 1 || dara.Int64Value(asyncList.Configs[0].MaxAsyncRetryAttempts) != 2 {
		t.Errorf("ListAsyncInvokeConfigs = %+v", asyncList)
	}

	var conc sdkConcurrencyConfig
	c.must(&conc, "PutConcurrencyConfig", "PUT", fnPath("tea-settings", "/concurrency"), nil,
		openapiutil.ParseToMap(&sdkPutConcurrencyInput{ReservedConcurrency: dara.Int64(7)}), "json")
	if dara.Int64Value(conc.ReservedConcurrency) != 7 || dara.StringValue(conc.FunctionArn) != arn {
		t.Errorf("PutConcurrencyConfig = %+v", conc)
	}
	var concList sdkListConcurrencyConfigsOutput
	c.must(&concList, "ListConcurrencyConfigs", "GET", "/2023-03-30/concurrency-configs", nil, nil, "json")
	if len(concList.Configs) != 1 {
		t.Errorf("ListConcurrencyConfigs = %+v", concList)
	}

	// Unset policy lists travel as null, as the Go SDK sends them.
	var prov sdkProvisionConfig
	c.must(&prov, "PutProvisionConfig", "PUT", fnPath("tea-settings", "/provision-config"), latest,
		openapiutil.ParseToMap(&sdkPutProvisionConfigInput{
			DefaultTarget: dara.Int64(2),
			TargetTrackingPolicies: []*sdkTargetTrackingPolicy{{
				Name: dara.String("cpu"), MetricType: dara.String("CPUUtilization"), MetricTarget: dara.Float32(0.6),
				MinCapacity: dara.Int64(1), MaxCapacity: dara.Int64(4),
			}},
		}), "json")
	if dara.Int64Value(prov.Target) != 2 || dara.Int64Value(prov.Current) != 2 || !dara.BoolValue(prov.AlwaysAllocateCPU) ||
		len(prov.TargetTrackingPolicies) != 1 || dara.Float32Value(prov.TargetTrackingPolicies[0].MetricTarget) != 0.6 ||
		prov.ScheduledActions == nil || len(prov.ScheduledActions) != 0 {
		t.Errorf("PutProvisionConfig = %+v", prov)
	}
	var provList sdkListProvisionConfigsOutput
	c.must(&provList, "ListProvisionConfigs", "GET", "/2023-03-30/provision-configs", map[string]*string{"limit": dara.String("5")}, nil, "json")
	if len(provList.ProvisionConfigs) != 1 || dara.StringValue(provList.ProvisionConfigs[0].FunctionArn) != arn {
		t.Errorf("ListProvisionConfigs = %+v", provList)
	}

	var scaling sdkScalingConfigStatus
	c.must(&scaling, "PutScalingConfig", "PUT", fnPath("tea-settings", "/scaling-config"), latest,
		openapiutil.ParseToMap(&sdkPutScalingConfigInput{MinInstances: dara.Int64(1), EnableOnDemandScaling: dara.Bool(true)}), "json")
	if dara.Int64Value(scaling.TargetInstances) != 1 || !dara.BoolValue(scaling.EnableOnDemandScaling) || scaling.HorizontalScalingPolicies == nil {
		t.Errorf("PutScalingConfig = %+v", scaling)
	}
	var scalingList sdkListScalingConfigsOutput
	c.must(&scalingList, "ListScalingConfigs", "GET", "/2023-03-30/scaling-configs", nil, nil, "json")
	if len(scalingList.ScalingConfigs) != 1 {
		t.Errorf("ListScalingConfigs = %+v", scalingList)
	}

	c.must(nil, "CreateVpcBinding", "POST", fnPath("tea-settings", "/vpc-bindings"), nil,
		openapiutil.ParseToMap(&sdkCreateVpcBindingInput{VpcId: dara.String("vpc-tea")}), "none")
	var vpcs sdkListVpcBindingsOutput
	c.must(&vpcs, "ListVpcBindings", "GET", fnPath("tea-settings", "/vpc-bindings"), nil, nil, "json")
	if len(vpcs.VpcIds) != 1 || dara.StringValue(vpcs.VpcIds[0]) != "vpc-tea" {
		t.Errorf("ListVpcBindings = %+v", vpcs)
	}

	var ok sdkInvocationResponseBody
	c.must(&ok, "DisableFunctionInvocation", "POST", fnPath("tea-settings", "/invoke/disable"), nil,
		map[string]any{"reason": "drain", "abortOngoingRequest": true}, "json")
	var fn sdkFunction
	c.must(&fn, "GetFunction", "GET", fnPath("tea-settings", ""), nil, nil, "json")
	if !dara.BoolValue(ok.Success) || fn.InvocationRestriction == nil || !dara.BoolValue(fn.InvocationRestriction.Disable) ||
		dara.StringValue(fn.InvocationRestriction.Reason) != "drain" {
		t.Errorf("after DisableFunctionInvocation: %+v, restriction %+v", ok, fn.InvocationRestriction)
	}
	c.must(&ok, "EnableFunctionInvocation", "POST", fnPath("tea-settings", "/invoke/enable"), nil, nil, "json")

	c.must(nil, "DeleteAsyncInvokeConfig", "DELETE", fnPath("tea-settings", "/async-invoke-config"), latest, nil, "none")
	c.must(nil, "DeleteConcurrencyConfig", "DELETE", fnPath("tea-settings", "/concurrency"), nil, nil, "none")
	c.must(nil, "DeleteProvisionConfig", "DELETE", fnPath("tea-settings", "/provision-config"), latest, nil, "none")
	c.must(nil, "DeleteScalingConfig", "DELETE", fnPath("tea-settings", "/scaling-config"), latest, nil, "none")
	c.must(nil, "DeleteVpcBinding", "DELETE", fnPath("tea-settings", "/vpc-bindings/vpc-tea"), nil, nil, "none")
	_, err := c.call("GetAsyncInvokeConfig", "GET", fnPath("tea-settings", "/async-invoke-config"), latest, nil, "json")
	sdkError(t, err, http.StatusNotFound, codeAsyncConfigNotExists)
	var empty sdkProvisionConfig
	c.must(&empty, "GetProvisionConfig", "GET", fnPath("tea-settings", "/provision-config"), latest, nil, "json")
	if empty.FunctionArn != nil {
		t.Errorf("GetProvisionConfig of none = %+v", empty)
	}
	if st := s.Stats(); st.Writes != 13 || st.Requests["EnableFunctionInvocation"] != 1 || st.Requests["ListVpcBindings"] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestTeaSDKVersionsAndAliases(t *testing.T) {
	t.Parallel()
	_, c := newTeaClient(t)
	teaCreateFunction(c, "tea-rel")
	var v1, v2 sdkVersion
	c.must(&v1, "PublishFunctionVersion", "POST", fnPath("tea-rel", "/versions"), nil,
		openapiutil.ParseToMap(&sdkPublishVersionInput{Description: dara.String("first")}), "json")
	_, err := c.call("PublishFunctionVersion", "POST", fnPath("tea-rel", "/versions"), nil,
		openapiutil.ParseToMap(&sdkPublishVersionInput{}), "json")
	sdkError(t, err, http.StatusBadRequest, codeVersionPublishError)
	c.must(nil, "UpdateFunction", "PUT", fnPath("tea-rel", ""), nil, map[string]any{"timeout": 30}, "json")
	c.must(&v2, "PublishFunctionVersion", "POST", fnPath("tea-rel", "/versions"), nil, nil, "json")
	if dara.StringValue(v1.VersionId) != "1" || dara.StringValue(v1.Description) != "first" || dara.StringValue(v2.VersionId) != "2" || v2.CreatedTime == nil {
		t.Fatalf("versions %+v %+v", v1, v2)
	}
	var versions sdkListVersionsOutput
	c.must(&versions, "ListFunctionVersions", "GET", fnPath("tea-rel", "/versions"), map[string]*string{"limit": dara.String("1")}, nil, "json")
	if dara.StringValue(versions.Direction) != "BACKWARD" || len(versions.Versions) != 1 || dara.StringValue(versions.Versions[0].VersionId) != "2" ||
		dara.StringValue(versions.NextToken) != "1" {
		t.Errorf("ListFunctionVersions = %+v", versions)
	}

	var alias sdkAlias
	c.must(&alias, "CreateAlias", "POST", fnPath("tea-rel", "/aliases"), nil, openapiutil.ParseToMap(&sdkCreateAliasInput{
		AliasName: dara.String("prod"), VersionId: dara.String("1"), AdditionalVersionWeight: map[string]*float32{"2": dara.Float32(0.2)},
	}), "json")
	if dara.StringValue(alias.AliasName) != "prod" || dara.Float32Value(alias.AdditionalVersionWeight["2"]) != 0.2 || alias.CreatedTime == nil {
		t.Errorf("CreateAlias = %+v", alias)
	}
	// A nil weight map is sent as null and keeps the canary.
	c.must(&alias, "UpdateAlias", "PUT", fnPath("tea-rel", "/aliases/prod"), nil,
		openapiutil.ParseToMap(&sdkUpdateAliasInput{Description: dara.String("stable")}), "json")
	if dara.StringValue(alias.Description) != "stable" || dara.Float32Value(alias.AdditionalVersionWeight["2"]) != 0.2 {
		t.Errorf("UpdateAlias = %+v", alias)
	}
	var aliases sdkListAliasesOutput
	c.must(&aliases, "ListAliases", "GET", fnPath("tea-rel", "/aliases"), map[string]*string{"prefix": dara.String("p")}, nil, "json")
	if len(aliases.Aliases) != 1 {
		t.Errorf("ListAliases = %+v", aliases)
	}
	var fn sdkFunction
	c.must(&fn, "GetFunction", "GET", fnPath("tea-rel", ""), map[string]*string{"qualifier": dara.String("prod")}, nil, "json")
	if fn.Timeout == nil || *fn.Timeout != 3 {
		t.Errorf("GetFunction(prod).timeout = %v, want version 1's 3", fn.Timeout)
	}
	var code sdkOutputFuncCode
	c.must(&code, "GetFunctionCode", "GET", fnPath("tea-rel", "/code"), map[string]*string{"qualifier": dara.String("1")}, nil, "json")
	if dara.StringValue(code.Checksum) != dara.StringValue(fn.CodeChecksum) || code.Url == nil {
		t.Errorf("GetFunctionCode(1) = %+v", code)
	}
	_, err = c.call("DeleteFunctionVersion", "DELETE", fnPath("tea-rel", "/versions/2"), nil, nil, "none")
	sdkError(t, err, http.StatusPreconditionFailed, codeFunctionNotEmpty)
	c.must(nil, "DeleteAlias", "DELETE", fnPath("tea-rel", "/aliases/prod"), nil, nil, "none")
	c.must(nil, "DeleteFunctionVersion", "DELETE", fnPath("tea-rel", "/versions/2"), nil, nil, "none")
	_, err = c.call("GetAlias", "GET", fnPath("tea-rel", "/aliases/prod"), nil, nil, "json")
	sdkError(t, err, http.StatusNotFound, codeAliasNotFound)
}

func TestTeaSDKCustomDomains(t *testing.T) {
	t.Parallel()
	_, c := newTeaClient(t)
	cert, key := selfSignedPEM(t, "tea.example.com")
	input := &sdkCreateCustomDomainInput{
		DomainName: dara.String("tea.example.com"), Protocol: dara.String("HTTP,HTTPS"),
		CertConfig: &sdkCertConfig{CertName: dara.String("tea"), Certificate: dara.String(cert), PrivateKey: dara.String(key)},
		RouteConfig: &sdkRouteConfig{Routes: []*sdkPathConfig{{
			Path: dara.String("/*"), FunctionName: dara.String("tea-fn"),
			RewriteConfig: &sdkRewriteConfig{EqualRules: []*sdkRule{{Match: dara.String("/old"), Replacement: dara.String("/new")}}},
		}}},
		TlsConfig:  &sdkTLSConfig{MinVersion: dara.String("TLSv1.2")},
		CorsConfig: &sdkCORSConfig{AllowOrigins: []*string{dara.String("https://example.com")}, MaxAge: dara.Int32(60)},
		WafConfig:  &sdkWAFConfig{EnableWAF: dara.Bool(false)},
	}
	var d sdkCustomDomain
	c.must(&d, "CreateCustomDomain", "POST", "/2023-03-30/custom-domains", nil, openapiutil.ParseToMap(input), "json")
	if dara.StringValue(d.DomainName) != "tea.example.com" || dara.StringValue(d.SubdomainCount) != "1" || dara.StringValue(d.ApiVersion) != "2023-03-30" ||
		d.CertConfig == nil || d.CertConfig.PrivateKey != nil || dara.StringValue(d.CertConfig.Certificate) != cert ||
		len(d.RouteConfig.Routes) != 1 || dara.StringValue(d.RouteConfig.Routes[0].Qualifier) != "LATEST" ||
		dara.StringValue(d.RouteConfig.Routes[0].RewriteConfig.EqualRules[0].Replacement) != "/new" ||
		dara.Int32Value(d.CorsConfig.MaxAge) != 60 || d.CorsConfig.AllowHeaders != nil {
		t.Errorf("CreateCustomDomain = %+v", d)
	}
	path := "/2023-03-30/custom-domains/" + dara.PercentEncode("tea.example.com")
	c.must(&d, "UpdateCustomDomain", "PUT", path, nil, openapiutil.ParseToMap(&sdkUpdateCustomDomainInput{
		AuthConfig: &sdkAuthConfig{AuthType: dara.String("function")},
	}), "json")
	if dara.StringValue(d.AuthConfig.AuthType) != "function" || dara.StringValue(d.Protocol) != "HTTP,HTTPS" {
		t.Errorf("UpdateCustomDomain = %+v", d)
	}
	var got sdkCustomDomain
	c.must(&got, "GetCustomDomain", "GET", path, nil, nil, "json")
	var list sdkListCustomDomainOutput
	c.must(&list, "ListCustomDomains", "GET", "/2023-03-30/custom-domains", map[string]*string{"prefix": dara.String("tea"), "limit": dara.String("10")}, nil, "json")
	if len(list.CustomDomains) != 1 || dara.StringValue(list.CustomDomains[0].LastModifiedTime) != dara.StringValue(got.LastModifiedTime) ||
		list.CustomDomains[0].CertConfig.PrivateKey != nil {
		t.Errorf("ListCustomDomains = %+v", list)
	}
	c.must(nil, "DeleteCustomDomain", "DELETE", path, nil, nil, "none")
	_, err := c.call("GetCustomDomain", "GET", path, nil, nil, "json")
	sdkError(t, err, http.StatusNotFound, codeDomainNameNotFound)
}
