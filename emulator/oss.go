package emulator

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OSSHandler returns the handler of the emulator's OSS endpoint, to be
// served on a listener of its own (ListenAndServeOSS does). It speaks the
// subset of OSS's REST API that uploading and reading code packages needs,
// closely enough that the official OSS SDK v2 works against it unchanged:
//
//	PutObject                PUT    /bucket/key
//	GetObject                GET    /bucket/key            (Range, conditional headers)
//	HeadObject               HEAD   /bucket/key
//	GetObjectMeta            HEAD   /bucket/key?objectMeta
//	DeleteObject             DELETE /bucket/key
//	InitiateMultipartUpload  POST   /bucket/key?uploads
//	UploadPart               PUT    /bucket/key?partNumber=N&uploadId=ID
//	CompleteMultipartUpload  POST   /bucket/key?uploadId=ID
//	AbortMultipartUpload     DELETE /bucket/key?uploadId=ID
//	ListParts                GET    /bucket/key?uploadId=ID
//
// Requests are path-style (/bucket/key), or virtual-hosted style when the
// host is <bucket>.<Options.OSSHost>. Every request must be signed with one
// of the emulator's credentials (see oss_sign.go); buckets are private.
// Options.Buckets lists the buckets that exist; when it is empty, every
// valid bucket name does. Bucket and service operations (ListObjects,
// PutBucket, ListBuckets, …) and the other object operations answer 501
// NotImplemented.
//
// Objects are files (see oss_store.go): bodies stream to disk, so an
// object's bytes are never held in the heap, and objects persist in
// DataDir when one is set. Fault injection and SetBefore apply to the FC
// API only; Stats counts OSS operations as "oss:<Operation>".
func (s *Server) OSSHandler() http.Handler { return http.HandlerFunc(s.serveOSS) }

// ossUnsupportedParams are sub-resources that turn a request into an
// operation the endpoint does not serve: answering NotImplemented beats
// silently doing a plain PutObject or GetObject instead.
var ossUnsupportedParams = map[string]bool{
	"acl": true, "tagging": true, "symlink": true, "append": true, "position": true, "restore": true,
	"versions": true, "versionId": true, "versioning": true, "delete": true, "stat": true,
	"x-oss-process": true, "x-oss-async-process": true, "retention": true, "legalHold": true,
	"seal": true, "cleanRestoredObject": true, "select": true, "meta": true,
}

// ossOperation names the operation of a request, or "" when it is not served.
func ossOperation(r *http.Request, bucket, key string, q url.Values) string {
	if bucket == "" || key == "" {
		return ""
	}
	for k := range q {
		if ossUnsupportedParams[k] {
			return ""
		}
	}
	if r.Header.Get("x-oss-copy-source") != "" || r.Header.Get("x-oss-callback") != "" {
		return ""
	}
	switch r.Method {
	case http.MethodPut:
		if q.Has("uploadId") || q.Has("partNumber") {
			return "UploadPart"
		}
		return "PutObject"
	case http.MethodGet:
		if q.Has("uploadId") {
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		if q.Has("objectMeta") {
			return "GetObjectMeta"
		}
		return "HeadObject"
	case http.MethodPost:
		if q.Has("uploads") {
			return "InitiateMultipartUpload"
		}
		if q.Has("uploadId") {
			return "CompleteMultipartUpload"
		}
	case http.MethodDelete:
		if q.Has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	}
	return ""
}

// ossTarget splits a request into bucket and key: virtual-hosted style
// when the host is <bucket>.<OSSHost>, else path-style.
func (s *Server) ossTarget(r *http.Request) (bucket, key string) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if b, ok := strings.CutSuffix(host, "."+s.opts.OSSHost); ok && b != "" && !strings.Contains(b, ".") {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

// ossRequest is one authenticated OSS request as handlers see it.
type ossRequest struct {
	w           http.ResponseWriter
	r           *http.Request
	q           url.Values
	bucket, key string
	auth        *ossAuth
	now         time.Time
}

func (s *Server) serveOSS(w http.ResponseWriter, r *http.Request) {
	requestID := newOSSRequestID()
	now := s.opts.Now()
	// Date comes from the emulator's clock, which the SDK reads to correct
	// its own after RequestTimeTooSkewed.
	h := w.Header()
	h.Set("x-oss-request-id", requestID)
	h.Set("Server", "AliyunOSS")
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	fail := func(e *ossAPIError) { writeOSSAPIError(w, r, requestID, e) }

	bucket, key := s.ossTarget(r)
	q := r.URL.Query()
	op := ossOperation(r, bucket, key, q)
	if op == "" {
		fail(ossErrorf(http.StatusNotImplemented, "NotImplemented",
			"%s %s is not implemented by the emulator's OSS endpoint, which serves object uploads (simple and multipart), downloads, HEAD and DELETE.", r.Method, r.URL.Path))
		return
	}
	s.stats.request("oss:" + op)
	switch {
	case !validBucketName(bucket):
		fail(ossErrorf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid."))
		return
	case !validObjectName(key):
		fail(ossErrorf(http.StatusBadRequest, "InvalidObjectName", "The specified object is not valid."))
		return
	}
	// Authentication comes before the bucket lookup, so an unsigned request
	// cannot probe which buckets exist (OSS's order here is inferred).
	auth, e := s.ossAuthenticate(r, bucket, key, now)
	if e != nil {
		s.stats.rejected()
		fail(e)
		return
	}
	if !s.oss.bucketExists(bucket) {
		fail(ossNoSuchBucket(bucket))
		return
	}
	req := &ossRequest{w: w, r: r, q: q, bucket: bucket, key: key, auth: auth, now: now}
	var handler func(*ossRequest) *ossAPIError
	switch op {
	case "PutObject":
		handler = s.ossPutObject
	case "GetObject":
		handler = func(req *ossRequest) *ossAPIError { return s.ossGetObject(req, false) }
	case "HeadObject", "GetObjectMeta":
		handler = func(req *ossRequest) *ossAPIError { return s.ossGetObject(req, true) }
	case "DeleteObject":
		handler = s.ossDeleteObject
	case "InitiateMultipartUpload":
		handler = s.ossInitiate
	case "UploadPart":
		handler = s.ossUploadPart
	case "CompleteMultipartUpload":
		handler = s.ossComplete
	case "AbortMultipartUpload":
		handler = s.ossAbort
	case "ListParts":
		handler = s.ossListParts
	}
	if e := handler(req); e != nil {
		fail(e)
	}
}

// contentMD5 returns the Content-MD5 a request declared, or nil.
func contentMD5(r *http.Request) ([]byte, *ossAPIError) {
	v := r.Header.Get("Content-MD5")
	if v == "" {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(raw) != md5.Size {
		return nil, ossErrorf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
	}
	return raw, nil
}

// receiveBody stores the request body in a temporary file, bounded by
// MaxObjectSize (a declared Content-Length over it is refused unread), and
// checks it against Content-MD5 and a V4 payload digest. OSS answers a
// Content-MD5 that does not match the body with InvalidDigest; using it for
// a payload digest mismatch too is inferred.
func (s *Server) receiveBody(req *ossRequest) (*ossReceived, *ossAPIError) {
	limit := s.opts.MaxObjectSize
	if req.r.ContentLength > limit {
		return nil, ossEntityTooLarge(req.r.ContentLength, limit)
	}
	wantMD5, e := contentMD5(req.r)
	if e != nil {
		return nil, e
	}
	rec, e := s.oss.receive(req.r.Body, limit, req.auth.payloadSHA256 != "")
	if e != nil {
		return nil, e
	}
	if wantMD5 != nil && !bytes.Equal(wantMD5, rec.md5[:]) {
		rec.discard()
		return nil, ossErrorf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified did not match what was received.")
	}
	if req.auth.payloadSHA256 != "" && hex.EncodeToString(rec.sha256) != req.auth.payloadSHA256 {
		rec.discard()
		return nil, ossErrorf(http.StatusBadRequest, "InvalidDigest", "The x-oss-content-sha256 you specified did not match what was received.")
	}
	return rec, nil
}

// readSmallBody reads an XML request body, bounded, with the same digest
// checks as receiveBody.
func (s *Server) readSmallBody(req *ossRequest, limit int64) ([]byte, *ossAPIError) {
	if req.r.ContentLength > limit {
		return nil, ossEntityTooLarge(req.r.ContentLength, limit)
	}
	wantMD5, e := contentMD5(req.r)
	if e != nil {
		return nil, e
	}
	body, err := io.ReadAll(io.LimitReader(req.r.Body, limit+1))
	if err != nil {
		return nil, ossErrorf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, ossEntityTooLarge(-1, limit)
	}
	if sum := md5.Sum(body); wantMD5 != nil && !bytes.Equal(wantMD5, sum[:]) {
		return nil, ossErrorf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified did not match what was received.")
	}
	if sum := sha256.Sum256(body); req.auth.payloadSHA256 != "" && hex.EncodeToString(sum[:]) != req.auth.payloadSHA256 {
		return nil, ossErrorf(http.StatusBadRequest, "InvalidDigest", "The x-oss-content-sha256 you specified did not match what was received.")
	}
	return body, nil
}

// ossStoredHeaders are the standard headers an object keeps from its upload
// and returns on download.
var ossStoredHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// objectTemplate takes an object's content type, stored headers and user
// metadata from an upload request.
func objectTemplate(r *http.Request) ossObject {
	o := ossObject{ContentType: r.Header.Get("Content-Type")}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	for _, h := range ossStoredHeaders {
		if v := r.Header.Get(h); v != "" {
			if o.Headers == nil {
				o.Headers = map[string]string{}
			}
			o.Headers[h] = v
		}
	}
	for k, v := range r.Header {
		if low := strings.ToLower(k); strings.HasPrefix(low, "x-oss-meta-") && len(v) > 0 {
			if o.Meta == nil {
				o.Meta = map[string]string{}
			}
			o.Meta[low] = v[0]
		}
	}
	return o
}

func forbidOverwrite(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("x-oss-forbid-overwrite"), "true")
}

func quoteETag(etag string) string { return `"` + etag + `"` }

func (s *Server) ossPutObject(req *ossRequest) *ossAPIError {
	forbid := forbidOverwrite(req.r)
	if _, exists := s.oss.stat(req.bucket, req.key); forbid && exists {
		// Refused before the body is read; commit checks again.
		return ossErrorf(http.StatusConflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
	}
	rec, e := s.receiveBody(req)
	if e != nil {
		return e
	}
	obj := objectTemplate(req.r)
	obj.Size = rec.size
	obj.ETag = strings.ToUpper(hex.EncodeToString(rec.md5[:]))
	obj.CRC64 = strconv.FormatUint(rec.crc64, 10)
	obj.ContentMD5 = base64.StdEncoding.EncodeToString(rec.md5[:])
	obj.LastModified = req.now
	if e := s.oss.commit(req.bucket, req.key, &obj, rec.path, forbid); e != nil {
		rec.discard()
		return e
	}
	h := req.w.Header()
	h.Set("ETag", quoteETag(obj.ETag))
	h.Set("Content-MD5", obj.ContentMD5)
	h.Set("x-oss-hash-crc64ecma", obj.CRC64)
	h.Set("Content-Length", "0")
	req.w.WriteHeader(http.StatusOK)
	return nil
}

// ossGetObject serves GetObject, and HeadObject / GetObjectMeta when head.
func (s *Server) ossGetObject(req *ossRequest, head bool) *ossAPIError {
	obj, f, _, e := s.oss.open(req.bucket, req.key)
	if e != nil {
		return e
	}
	defer f.Close()
	h := req.w.Header()
	h.Set("ETag", quoteETag(obj.ETag))
	h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	h.Set("x-oss-hash-crc64ecma", obj.CRC64)
	if status := ossPreconditions(req.r, obj); status == http.StatusPreconditionFailed {
		return ossErrorf(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
	} else if status == http.StatusNotModified {
		req.w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if req.q.Has("objectMeta") {
		h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
		req.w.WriteHeader(http.StatusOK)
		return nil
	}
	var rg []int64
	if !head {
		if rg, e = ossRange(req.r, obj.Size); e != nil {
			return e
		}
	}
	h.Set("Content-Type", obj.ContentType)
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-storage-class", "Standard")
	if obj.Multipart {
		h.Set("x-oss-object-type", "Multipart")
	} else {
		h.Set("x-oss-object-type", "Normal")
		h.Set("Content-MD5", obj.ContentMD5)
	}
	for k, v := range obj.Headers {
		h.Set(k, v)
	}
	for k, v := range obj.Meta {
		h.Set(k, v)
	}
	for param, header := range map[string]string{
		"response-content-type": "Content-Type", "response-content-language": "Content-Language",
		"response-expires": "Expires", "response-cache-control": "Cache-Control",
		"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
	} {
		if v := req.q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	start, length, status := int64(0), obj.Size, http.StatusOK
	if rg != nil {
		start, length, status = rg[0], rg[1]-rg[0]+1, http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(rg[0], 10)+"-"+strconv.FormatInt(rg[1], 10)+"/"+strconv.FormatInt(obj.Size, 10))
	}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	req.w.WriteHeader(status)
	if !head {
		_, _ = io.CopyBuffer(req.w, io.NewSectionReader(f, start, length), make([]byte, copyBufferSize))
	}
	return nil
}

// ossPreconditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since in that order, returning 412, 304 or 0.
func ossPreconditions(r *http.Request, obj ossObject) int {
	etagMatches := func(list string) bool {
		for _, t := range strings.Split(list, ",") {
			if t = strings.TrimSpace(t); t == "*" || strings.Trim(t, `"`) == obj.ETag {
				return true
			}
		}
		return false
	}
	mod := obj.LastModified.UTC().Truncate(time.Second)
	if v := r.Header.Get("If-Match"); v != "" && !etagMatches(v) {
		return http.StatusPreconditionFailed
	}
	if v := r.Header.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && mod.After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if v := r.Header.Get("If-None-Match"); v != "" && etagMatches(v) {
		return http.StatusNotModified
	}
	if v := r.Header.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !mod.After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

// ossRange returns the first and last byte of a Range request, or nil for
// the whole object. OSS serves one range only and ignores a Range it cannot
// use, answering the whole object; an end past the object is cut to it.
// With "x-oss-range-behavior: standard" (what the SDK's downloaders send) a
// start past the end is 416 InvalidRange instead.
func ossRange(r *http.Request, size int64) ([]int64, *ossAPIError) {
	spec, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	var start, end int64
	switch {
	case first == "":
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return nil, nil
		}
		start, end = max(size-n, 0), size-1
	default:
		a, err := strconv.ParseInt(first, 10, 64)
		if err != nil || a < 0 {
			return nil, nil
		}
		start, end = a, size-1
		if last != "" {
			b, err := strconv.ParseInt(last, 10, 64)
			if err != nil || b < a {
				return nil, nil
			}
			end = min(b, size-1)
		}
	}
	if start >= size {
		if strings.EqualFold(r.Header.Get("x-oss-range-behavior"), "standard") {
			return nil, ossErrorf(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range cannot be satisfied.")
		}
		return nil, nil
	}
	return []int64{start, end}, nil
}

func (s *Server) ossDeleteObject(req *ossRequest) *ossAPIError {
	if e := s.oss.delete(req.bucket, req.key); e != nil {
		return e
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}

// encodedKey renders a key in a response: URL-encoded when the request asked
// for encoding-type=url (the SDK always does for multipart operations and
// decodes it back).
func encodedKey(req *ossRequest) (key, encoding string) {
	if req.q.Get("encoding-type") == "url" {
		return url.QueryEscape(req.key), "url"
	}
	return req.key, ""
}

func writeOSSXML(w http.ResponseWriter, v any) *ossAPIError {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return ossInternal("encode response: %v", err)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
	return nil
}

func (s *Server) ossInitiate(req *ossRequest) *ossAPIError {
	if _, e := s.readSmallBody(req, 64<<10); e != nil {
		return e
	}
	id := s.oss.initiate(req.bucket, req.key, objectTemplate(req.r), req.now)
	key, enc := encodedKey(req)
	return writeOSSXML(req.w, struct {
		XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		UploadID     string   `xml:"UploadId"`
		EncodingType string   `xml:"EncodingType,omitempty"`
	}{Bucket: req.bucket, Key: key, UploadID: id, EncodingType: enc})
}

func (s *Server) ossUploadPart(req *ossRequest) *ossAPIError {
	id := req.q.Get("uploadId")
	n, err := strconv.Atoi(req.q.Get("partNumber"))
	if err != nil || n < 1 || n > ossMaxParts {
		return ossInvalidArgument("Part number must be an integer between 1 and %d, inclusive.", ossMaxParts)
	}
	if e := s.oss.checkUpload(id, req.bucket, req.key); e != nil {
		return e
	}
	rec, e := s.receiveBody(req)
	if e != nil {
		return e
	}
	if e := s.oss.putPart(id, req.bucket, req.key, n, rec, req.now); e != nil {
		rec.discard()
		return e
	}
	h := req.w.Header()
	h.Set("ETag", quoteETag(strings.ToUpper(hex.EncodeToString(rec.md5[:]))))
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(rec.md5[:]))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(rec.crc64, 10))
	h.Set("Content-Length", "0")
	req.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) ossComplete(req *ossRequest) *ossAPIError {
	body, e := s.readSmallBody(req, 4<<20)
	if e != nil {
		return e
	}
	all := strings.EqualFold(req.r.Header.Get("x-oss-complete-all"), "yes")
	var parts []completePart
	switch {
	case all && len(bytes.TrimSpace(body)) > 0:
		return ossInvalidArgument("With x-oss-complete-all: yes the request body must be empty.")
	case !all:
		var doc struct {
			Parts []struct {
				PartNumber int    `xml:"PartNumber"`
				ETag       string `xml:"ETag"`
			} `xml:"Part"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			return ossErrorf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %v", err)
		}
		for _, p := range doc.Parts {
			parts = append(parts, completePart{Number: p.PartNumber, ETag: p.ETag})
		}
	}
	obj, e := s.oss.complete(req.q.Get("uploadId"), req.bucket, req.key, parts, all, forbidOverwrite(req.r), s.opts.MaxObjectSize, req.now)
	if e != nil {
		return e
	}
	key, enc := encodedKey(req)
	scheme := "http"
	if req.r.TLS != nil {
		scheme = "https"
	}
	req.w.Header().Set("x-oss-hash-crc64ecma", obj.CRC64)
	return writeOSSXML(req.w, struct {
		XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
		EncodingType string   `xml:"EncodingType,omitempty"`
		Location     string   `xml:"Location"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		ETag         string   `xml:"ETag"`
	}{EncodingType: enc, Location: scheme + "://" + req.r.Host + "/" + req.bucket + "/" + req.key, Bucket: req.bucket, Key: key, ETag: quoteETag(obj.ETag)})
}

func (s *Server) ossAbort(req *ossRequest) *ossAPIError {
	if e := s.oss.abort(req.q.Get("uploadId"), req.bucket, req.key); e != nil {
		return e
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) ossListParts(req *ossRequest) *ossAPIError {
	id := req.q.Get("uploadId")
	maxParts := 1000
	if v := req.q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return ossInvalidArgument("max-parts must be an integer between 1 and 1000.")
		}
		maxParts = n
	}
	marker := 0
	if v := req.q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return ossInvalidArgument("part-number-marker must be a non-negative integer.")
		}
		marker = n
	}
	parts, e := s.oss.listParts(id, req.bucket, req.key)
	if e != nil {
		return e
	}
	type part struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		HashCRC64    string `xml:"HashCrc64ecma"`
		Size         int64  `xml:"Size"`
	}
	key, enc := encodedKey(req)
	out := struct {
		XMLName              xml.Name `xml:"ListPartsResult"`
		EncodingType         string   `xml:"EncodingType,omitempty"`
		Bucket               string   `xml:"Bucket"`
		Key                  string   `xml:"Key"`
		UploadID             string   `xml:"UploadId"`
		PartNumberMarker     int      `xml:"PartNumberMarker"`
		NextPartNumberMarker int      `xml:"NextPartNumberMarker"`
		MaxParts             int      `xml:"MaxParts"`
		IsTruncated          bool     `xml:"IsTruncated"`
		StorageClass         string   `xml:"StorageClass"`
		Parts                []part   `xml:"Part"`
	}{EncodingType: enc, Bucket: req.bucket, Key: key, UploadID: id, PartNumberMarker: marker, MaxParts: maxParts, StorageClass: "Standard"}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(out.Parts) == maxParts {
			out.IsTruncated = true
			break
		}
		out.Parts = append(out.Parts, part{PartNumber: p.Number, LastModified: p.LastModified.UTC().Format(ossTimeFormat),
			ETag: quoteETag(p.ETag), HashCRC64: p.CRC64, Size: p.Size})
		out.NextPartNumberMarker = p.Number
	}
	return writeOSSXML(req.w, out)
}
