package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an FC error response: an HTTP status and the JSON body
// {"Code":…,"Message":…,"RequestId":…} that both SDKs parse into their
// ServerError / SDKError types.
type apiError struct {
	Status  int
	Code    string
	Message string
	Detail  map[string]string // AccessDeniedDetail, for AccessDenied from RAM (deny.go)
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// FC's error codes. Statuses and codes come from FC's published error-code
// table and from devsapp/fc3; those marked inferred were not documented.
const (
	codeInvalidArgument       = "InvalidArgument"       // 400
	codeMissingRequiredHeader = "MissingRequiredHeader" // 400
	codeEntityTooLarge        = "EntityTooLarge"        // 400
	codePathNotSupported      = "PathNotSupported"      // documented as 400; 404 here (see route.go)
	codeSignatureNotMatch     = "SignatureNotMatch"     // 403
	codeInvalidAccessKeyID    = "InvalidAccessKeyID"    // 403
	codeAccessDenied          = "AccessDenied"          // 403
	codeRequestTimeTooSkewed  = "RequestTimeTooSkewed"  // 403, inferred (FC 2.0 name)
	codeFunctionNotFound      = "FunctionNotFound"      // 404
	codeTriggerNotFound       = "TriggerNotFound"       // 404
	codeFunctionAlreadyExists = "FunctionAlreadyExists" // 409
	codeTriggerAlreadyExists  = "TriggerAlreadyExists"  // 409
	codeConcurrentUpdateError = "ConcurrentUpdateError" // 409
	codeFunctionNotEmpty      = "PreconditionFailed"    // 412, inferred
	codeResourceThrottled     = "ResourceThrottled"     // 429
	codeInternalServerError   = "InternalServerError"   // 500
	codeServiceUnavailable    = "ServiceUnavailable"    // 503

	// Codes of versions, aliases, per-function settings and custom domains.
	// The not-found codes are the ones devsapp/fc3 and the alicloud
	// Terraform provider match on; statuses follow the 404/409 convention.
	codeVersionNotFound      = "VersionNotFound"         // 404
	codeAliasNotFound        = "AliasNotFound"           // 404
	codeAliasAlreadyExists   = "AliasAlreadyExists"      // 409
	codeAsyncConfigNotExists = "AsyncConfigNotExists"    // 404
	codeConcurrencyNotFound  = "OnDemandConfigNotFound"  // 404; the code FC uses for a missing concurrency config
	codeProvisionConfigExist = "ProvisionConfigExist"    // 412, status inferred; DeleteFunction with provisioned instances
	codeDomainNameNotFound   = "DomainNameNotFound"      // 404
	codeDomainNameExists     = "DomainNameAlreadyExists" // 409, inferred name
	codeVpcBindingNotFound   = "VpcBindingNotFound"      // 404, inferred name
	codeVpcBindingExists     = "VpcBindingAlreadyExists" // 409, inferred name
	codeSignatureNonceUsed   = "SignatureNonceUsed"      // 400, Alibaba Cloud's gateway code; inferred for FC
	codeVersionPublishError  = "VersionPublishError"     // 400, status inferred; publish with no change since the last
)

func invalidArgument(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, codeInvalidArgument, format, args...)
}

func functionNotFound(name string) *apiError {
	return errorf(http.StatusNotFound, codeFunctionNotFound, "function '%s' does not exist", name)
}

func triggerNotFound(fn, name string) *apiError {
	return errorf(http.StatusNotFound, codeTriggerNotFound, "trigger '%s' of function '%s' does not exist", name, fn)
}

// writeJSON sends a successful JSON response. body is already encoded.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeAPIError sends e as FC does, with the request id in both the body and
// the x-acs-request-id header.
func writeAPIError(w http.ResponseWriter, requestID string, e *apiError) {
	body, err := json.Marshal(struct {
		Code      string            `json:"Code"`
		Message   string            `json:"Message"`
		RequestID string            `json:"RequestId"`
		Detail    map[string]string `json:"AccessDeniedDetail,omitempty"`
	}{e.Code, e.Message, requestID, e.Detail})
	if err != nil { // cannot happen for strings; keep the status anyway
		body = []byte(`{}`)
	}
	writeJSON(w, e.Status, body)
}

func versionNotFound(fn, id string) *apiError {
	return errorf(http.StatusNotFound, codeVersionNotFound, "version '%s' of function '%s' does not exist", id, fn)
}

func aliasNotFound(fn, name string) *apiError {
	return errorf(http.StatusNotFound, codeAliasNotFound, "alias '%s' of function '%s' does not exist", name, fn)
}
