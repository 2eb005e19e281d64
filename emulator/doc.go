// Package emulator is a local server that speaks the Function Compute 3.0
// REST API (version 2023-03-30) closely enough that Alibaba Cloud's own SDKs
// work against it unchanged: the same paths, JSON shapes, error bodies and
// codes, both request signature schemes (ROA v1 "acs" as sent by
// alibaba-cloud-sdk-go, and ACS3-HMAC-SHA256 as sent by the Tea SDKs),
// server-set fields, FC's defaults and empty shapes, and code downloads
// through presigned URLs that expire.
//
// Besides functions, triggers and tags it serves versions and aliases
// (versions.go, aliases.go), the per-function settings: async invoke,
// concurrency, provision and scaling configs (settings.go), VPC bindings and
// the invocation switch (vpc_invocation.go), and custom domains
// (custom_domains.go). Signature nonces are remembered for the skew window
// so a captured request cannot be replayed (nonce.go), and a request is
// authenticated and authorized before its body is read (server.go).
//
// To look like a real account it can hold functions created under FC 2.0,
// named service$function (v2.go), and refuse named RAM actions as FC
// refuses a RAM user without them (deny.go). With a DataDir every function
// and custom domain is a file of its own, written before the write is
// answered (persist.go).
//
// A second handler, OSSHandler, is a minimal OSS endpoint (oss.go) on a
// listener of its own: objects uploaded through it with the official OSS
// SDK v2 (V4 or V1 signatures, simple or multipart uploads) can be named as
// a function's code {ossBucketName, ossObjectName}, FC's way of taking
// packages over the 100 MB inline limit, up to 500 MB. Objects and code
// packages read from OSS live in files, never whole in the heap (files.go).
//
// It is deliberately an independent reading of the API: it shares no types
// with fcgit's client, so a field the client misreads cannot hide in shared
// code. Tests, the demo and users' CI dry runs talk to it over HTTP.
//
// Facts the emulator follows where FC's behaviour had to be inferred rather
// than read from the SDKs or docs are marked "inferred" in comments.
package emulator
