package fc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/fcgit/fcgit/internal/textsafe"
)

// Kind classifies a failed FC call by what the caller can do about it.
type Kind int

const (
	// KindOther is anything not covered below (including a cancelled context).
	KindOther Kind = iota
	// KindNotFound: the function, trigger or code package does not exist.
	KindNotFound
	// KindAlreadyExists: a create hit an existing resource of that name.
	KindAlreadyExists
	// KindAccessDenied: authentication or authorisation failed, or a
	// presigned download URL expired.
	KindAccessDenied
	// KindInvalidArgument: FC rejected the request as malformed.
	KindInvalidArgument
	// KindThrottled: FC asked us to slow down (HTTP 429 or a throttling code).
	KindThrottled
	// KindServer: FC failed (HTTP 5xx).
	KindServer
	// KindNetwork: no HTTP response was received (DNS, connect, reset, timeout),
	// or one did not arrive in full in time (an attempt timeout, a stalled
	// code download).
	KindNetwork
	// KindTooLarge: the endpoint sent more than the client accepts (see
	// Limits): an API response or code package over its size bound, a list
	// page with more items than asked for, a list longer than MaxListPages.
	// FC itself never does; retrying would only fetch the same again.
	KindTooLarge
)

var kindNames = [...]string{
	KindOther:           "other",
	KindNotFound:        "not found",
	KindAlreadyExists:   "already exists",
	KindAccessDenied:    "access denied",
	KindInvalidArgument: "invalid argument",
	KindThrottled:       "throttled",
	KindServer:          "server error",
	KindNetwork:         "network error",
	KindTooLarge:        "too large",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a failed FC call. Op is the FC operation name (GetFunction,
// CreateTrigger, DownloadCode, …) and Subject what it was applied to (a
// function name, "function/trigger", or a URL without its query).
type Error struct {
	Op        string
	Subject   string
	Status    int // HTTP status; 0 when no response arrived
	Code      string
	Message   string
	RequestID string
	Kind      Kind
	Err       error // underlying cause (SDK or network error), may be nil
}

// Error renders one readable line, control characters escaped, e.g.
// "GetFunction shop-api: FunctionNotFound: function 'x' does not exist (request 1A2B…)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Subject != "" {
		b.WriteString(" ")
		b.WriteString(e.Subject)
	}
	b.WriteString(": ")
	switch {
	case e.Code != "" && e.Message != "":
		b.WriteString(e.Code + ": " + oneLine(e.Message))
	case e.Code != "":
		b.WriteString(e.Code)
	case e.Message != "":
		b.WriteString(oneLine(e.Message))
	case e.Err != nil:
		b.WriteString(oneLine(e.Err.Error()))
	default:
		b.WriteString(e.Kind.String())
	}
	if e.Status != 0 && e.Code == "" {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	// Code, message and request id are the endpoint's text: no control
	// character of theirs reaches a terminal or a log raw.
	return textsafe.Escape(b.String())
}

// Unwrap exposes the cause, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.Err }

// oneLine keeps error text on a single line: server messages and SDK errors
// sometimes carry newlines, and fcgit prints errors one per line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// KindOf returns the Kind of the first *Error in err's chain, KindOther if none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == KindNotFound }

// IsNothingToPublish reports whether err is FC refusing to publish a version
// because nothing changed since the last one: code VersionPublishError,
// whatever the HTTP status it came with (the documentation does not say
// one); an InvalidArgument saying "No changes" is the same answer from FC
// as it was before that code.
func IsNothingToPublish(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == "VersionPublishError" || e.Kind == KindInvalidArgument && strings.Contains(e.Message, "No changes")
}

// IsAlreadyExists reports whether err says a create found the name taken.
func IsAlreadyExists(err error) bool { return err != nil && KindOf(err) == KindAlreadyExists }

// throttlingCodes are error codes FC and the Alibaba Cloud gateway use for
// rate limiting; some arrive with a status other than 429.
var throttlingCodes = map[string]bool{
	"ResourceThrottled":    true,
	"Throttling":           true,
	"Throttling.User":      true,
	"Throttling.Api":       true,
	"ThrottlingException":  true,
	"TooManyRequests":      true,
	"ServiceThrottled":     true,
	"ConcurrencyThrottled": true,
	"ResourceExhausted":    true,
}

// accessDeniedCodes are authentication failures that come back as 400 from
// some gateways, so the status alone does not identify them.
var accessDeniedCodes = map[string]bool{
	"AccessDenied":                 true,
	"Forbidden":                    true,
	"InvalidAccessKeyId":           true,
	"InvalidAccessKeyId.NotFound":  true,
	"InvalidAccessKeyId.Inactive":  true,
	"SignatureNotMatch":            true,
	"SignatureDoesNotMatch":        true,
	"InvalidSecurityToken":         true,
	"InvalidSecurityToken.Expired": true,
	"RequestTimeTooSkewed":         true,
	"RequestExpired":               true,
}

// kindForResponse classifies an HTTP error response by status and code. The
// code is checked first: "InvalidAccessKeyId.NotFound" is an authentication
// failure, not a missing resource, and throttling may arrive as 503.
func kindForResponse(status int, code string) Kind {
	switch {
	case throttlingCodes[code] || strings.HasPrefix(code, "Throttling"):
		return KindThrottled
	case code == "ConcurrentUpdateError":
		// The function is still applying an earlier update: like a
		// throttle, it goes away by itself, so it is retried with backoff.
		return KindThrottled
	case accessDeniedCodes[code]:
		return KindAccessDenied
	case status == 429:
		return KindThrottled
	case status >= 500:
		return KindServer
	case status == 401 || status == 403:
		return KindAccessDenied
	case status == 404 || strings.HasSuffix(code, "NotFound") || code == "NoSuchKey":
		return KindNotFound
	case strings.HasSuffix(code, "AlreadyExists") || (status == 409 && code == ""):
		return KindAlreadyExists
	case status == 400 || status == 413 || status == 422 ||
		strings.HasPrefix(code, "InvalidArgument") || strings.HasPrefix(code, "MissingParameter"):
		return KindInvalidArgument
	default:
		return KindOther
	}
}

// cancelled wraps a context error so callers can both errors.Is it and read
// which operation it interrupted.
func cancelled(op, subject string, ctxErr error) *Error {
	return &Error{Op: op, Subject: subject, Kind: KindOther, Err: ctxErr}
}

// deniedActionRe finds the RAM action in FC's refusal of an unauthorized
// caller: "the caller is not authorized to perform 'fc:ListAliases' on
// resource '…'".
var deniedActionRe = regexp.MustCompile(`perform '(fc:[A-Za-z0-9]+)'`)

// DeniedAction reports the RAM action FC refused err's request for, when
// the caller is authenticated but its RAM policies do not allow the request
// (403 AccessDenied, or 403 with no code): the action FC names in its
// message, else "fc:" and the operation, FC's RAM actions being named after
// its operations. A credential or signature failure is not a missing
// permission, nor is an expired code download URL: ok is false for them.
func DeniedAction(err error) (action string, ok bool) {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAccessDenied || e.Op == "DownloadCode" {
		return "", false
	}
	if e.Code != "AccessDenied" && !(e.Status == 403 && (e.Code == "" || e.Code == "Forbidden")) {
		return "", false
	}
	if m := deniedActionRe.FindStringSubmatch(e.Message); m != nil {
		return m[1], true
	}
	return "fc:" + e.Op, true
}
