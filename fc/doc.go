// Package fc is fcgit's client for the Alibaba Cloud Function Compute 3.0
// API (version 2023-03-30): functions, triggers, code packages and tags.
//
// Every API request goes through alibaba-cloud-sdk-go's CommonRequest (ROA
// style, signed by the SDK) so the signing and credential code is Alibaba's
// own; this package adds what fcgit needs around it:
//
//   - documents kept as decoded JSON maps (json.Number for numbers), so fields
//     this package does not know and exact numeric text survive a
//     Get → Input/UpdateInput → Update cycle;
//   - retries with capped exponential backoff and full jitter for throttling,
//     5xx and network failures, never for other 4xx;
//   - context support: the SDK call has no context, so each attempt runs with
//     a transport bound to the caller's context and returns as soon as it ends;
//   - errors as *Error with a Kind callers can branch on (IsNotFound, …);
//   - creates and deletes that stay correct when a response is lost and the
//     retry meets the effect of the first attempt;
//   - bounds on everything the endpoint sends, which is not trusted: response
//     bodies (MaxResponseSize), code packages (MaxCodePackageSize, FC's own
//     maximum), list length (MaxListPages) and every API attempt's duration;
//     a refusal is an *Error of KindTooLarge, never retried. Every transfer
//     (a code download, an API response body, a request body carrying
//     code) is bounded by its progress: fewer than DefaultStallMinBytes per
//     DefaultStallWindow of waiting fails it with a *StallError.
//     Config.Limits changes them.
//
// The client is safe for concurrent use.
package fc
