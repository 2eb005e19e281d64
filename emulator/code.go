package emulator

import (
	"archive/zip"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"hash/crc64"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

var crc64Table = crc64.MakeTable(crc64.ECMA)

// codeChecksum is FC's codeChecksum: CRC-64/ECMA-182 as Go's crc64.ECMA
// table computes it, rendered as an unsigned decimal string.
func codeChecksum(b []byte) string { return strconv.FormatUint(crc64.Checksum(b, crc64Table), 10) }

// codePackage is a decoded InputCodeLocation: an inline zip held in
// memory, or a package read from OSS, staged as a file of its own that the
// function adopts (storeCodeLocked) or release removes.
type codePackage struct {
	blob     *codeBlob
	checksum string
	staged   string // staging file still owned by the package, "" once adopted
}

// release removes a staged package no function adopted.
func (p *codePackage) release() {
	if p.staged != "" {
		_ = os.Remove(p.staged)
		p.staged = ""
	}
}

// decodeCode validates an InputCodeLocation {zipFile | ossBucketName +
// ossObjectName, checksum} and returns the package. Inline zips are bounded
// by MaxCodeSize, packages in OSS by MaxOSSCodeSize (FC documents about
// 100 MB inline and 500 MB through OSS); both must be valid zips, and a
// given checksum must match FC's CRC-64.
func (s *Server) decodeCode(v any) (codePackage, *apiError) {
	m, ok := v.(map[string]any)
	if !ok {
		return codePackage{}, invalidArgument("code must be a JSON object {zipFile | ossBucketName + ossObjectName, checksum}")
	}
	bucket, _ := m["ossBucketName"].(string)
	object, _ := m["ossObjectName"].(string)
	b64, _ := m["zipFile"].(string)
	var pkg codePackage
	switch {
	case bucket != "" || object != "":
		// FC's response to a body naming both sources is not documented;
		// refusing the ambiguity is inferred.
		if b64 != "" {
			return codePackage{}, invalidArgument("code.zipFile and code.ossBucketName/ossObjectName are mutually exclusive")
		}
		if bucket == "" || object == "" {
			return codePackage{}, invalidArgument("code.ossBucketName and code.ossObjectName must be given together")
		}
		var e *apiError
		if pkg, e = s.stageOSSCode(bucket, object); e != nil {
			return codePackage{}, e
		}
	case b64 == "":
		return codePackage{}, invalidArgument("code.zipFile or code.ossBucketName + code.ossObjectName is required")
	default:
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return codePackage{}, invalidArgument("code.zipFile is not valid base64: %v", err)
		}
		if int64(len(raw)) > s.opts.MaxCodeSize {
			return codePackage{}, errorf(http.StatusBadRequest, codeEntityTooLarge, "code package size %d exceeds maximum allowed size (%d bytes)", len(raw), s.opts.MaxCodeSize)
		}
		if _, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw))); err != nil {
			return codePackage{}, invalidArgument("code.zipFile is not a valid zip file: %v", err)
		}
		pkg = codePackage{blob: memoryBlob(raw), checksum: codeChecksum(raw)}
	}
	if given, _ := m["checksum"].(string); given != "" && given != pkg.checksum {
		pkg.release()
		return codePackage{}, invalidArgument("code checksum mismatch: given %s, computed %s", given, pkg.checksum)
	}
	return pkg, nil
}

// stageOSSCode reads a package from the emulator's OSS: the object is
// hard-linked (or copied) to a staging file, so a later overwrite or delete
// of the object cannot change what the function runs, as FC copies the
// package when the function is written. The object's CRC-64 was computed as
// it was uploaded, and is FC's codeChecksum. The zip check reads only the
// central directory.
//
// FC's error for a missing bucket or object is not documented (FC 2.0
// answers AccessDenied "unable to access object" when it lacks permission);
// 400 InvalidArgument naming OSS's own error code is inferred.
func (s *Server) stageOSSCode(bucket, object string) (codePackage, *apiError) {
	where := "oss://" + bucket + "/" + object
	meta, f, objPath, oe := s.oss.open(bucket, object)
	if oe != nil {
		if oe.Status == http.StatusNotFound || oe.Code == "InvalidBucketName" || oe.Code == "InvalidObjectName" {
			return codePackage{}, invalidArgument("cannot read code package %s: %s (%s)", where, oe.Message, oe.Code)
		}
		return codePackage{}, errorf(http.StatusInternalServerError, codeInternalServerError, "read code package %s: %s", where, oe.Message)
	}
	defer f.Close()
	if meta.Size > s.opts.MaxOSSCodeSize {
		return codePackage{}, errorf(http.StatusBadRequest, codeEntityTooLarge, "code package %s size %d exceeds maximum allowed size (%d bytes)", where, meta.Size, s.opts.MaxOSSCodeSize)
	}
	if _, err := zip.NewReader(f, meta.Size); err != nil {
		return codePackage{}, invalidArgument("code package %s is not a valid zip file: %v", where, err)
	}
	staged, err := s.oss.tempPath("code-")
	if err == nil {
		err = linkOrCopy(objPath, f, staged)
	}
	if err != nil {
		return codePackage{}, errorf(http.StatusInternalServerError, codeInternalServerError, "stage code package %s: %v", where, err)
	}
	return codePackage{blob: &codeBlob{path: staged, size: meta.Size}, checksum: meta.CRC64, staged: staged}, nil
}

// Code download URLs mimic OSS presigned URLs:
//
//	{scheme}://{host}/fc-code/{functionId}/{checksum}.zip?Expires=…&OSSAccessKeyId=…&Signature=…
//
// The signature is OSS's V1 form, base64(HMAC-SHA1(secret,
// "GET\n\n\n{Expires}\n/{bucket}/{object}")), keyed by a per-state secret.
const (
	codeDownloadPrefix = "/fc-code/"
	codeBucket         = "fc-code"
	codeURLAccessKeyID = "fc-emulator"
)

func (s *Server) signCodeObject(secret, object string, expires int64) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte("GET\n\n\n" + strconv.FormatInt(expires, 10) + "\n/" + codeBucket + "/" + object))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// getFunctionCode answers {"url","checksum"} with a URL on this same server,
// built from the request's Host so it works behind any listen address.
// With qualifier=<versionId|alias> the URL is that of the version's package.
func (s *Server) getFunctionCode(req *apiRequest) (int, []byte, *apiError) {
	s.mu.Lock()
	f, ok := s.st.Functions[req.Function]
	var id, sum, secret string
	var e *apiError
	if ok {
		id, sum, secret = f.FunctionID, f.CodeChecksum, s.st.URLSecret
		var v *versionRecord
		if v, e = resolveQualifierLocked(req.Function, f, req.http.URL.Query().Get("qualifier")); v != nil {
			sum = v.CodeChecksum
		}
	}
	s.mu.Unlock()
	if !ok {
		return 0, nil, functionNotFound(req.Function)
	}
	if e != nil {
		return 0, nil, e
	}
	if sum == "" {
		return 0, nil, invalidArgument("function '%s' has no code package (runtime custom-container)", req.Function)
	}
	object := id + "/" + sum + ".zip"
	expires := req.now.Add(s.opts.CodeURLExpiry).Unix()
	scheme := "http"
	if req.http.TLS != nil {
		scheme = "https"
	}
	q := "Expires=" + strconv.FormatInt(expires, 10) + "&OSSAccessKeyId=" + codeURLAccessKeyID +
		"&Signature=" + acs3Encode(s.signCodeObject(secret, object, expires))
	out, e := marshal(map[string]string{
		"url":      scheme + "://" + req.http.Host + codeDownloadPrefix + object + "?" + q,
		"checksum": sum,
	})
	return http.StatusOK, out, e
}

// serveDownload is the presigned GET: no Alibaba signature, the URL's own
// signature and expiry are checked instead, as OSS does.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request, requestID string) {
	fail := func(status int, code, msg string) {
		writeOSSError(w, status, ossError{Code: code, Message: msg, RequestID: requestID, HostID: r.Host})
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	object := strings.TrimPrefix(r.URL.Path, codeDownloadPrefix)
	id, file, ok := strings.Cut(object, "/")
	sum, isZip := strings.CutSuffix(file, ".zip")
	if !ok || !isZip || id == "" || sum == "" {
		fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	q := r.URL.Query()
	expires, err := strconv.ParseInt(q.Get("Expires"), 10, 64)
	if err != nil || q.Get("OSSAccessKeyId") != codeURLAccessKeyID || q.Get("Signature") == "" {
		fail(http.StatusForbidden, "AccessDenied", "AccessKeyId, Expires and Signature are required for a presigned URL.")
		return
	}
	s.mu.Lock()
	secret := s.st.URLSecret
	var code *codeBlob
	for _, f := range s.st.Functions {
		if f.FunctionID != id {
			continue
		}
		if f.CodeChecksum == sum {
			code = f.code
		}
		for _, v := range f.Versions {
			if code == nil && v.CodeChecksum == sum {
				code = v.code
			}
		}
	}
	s.mu.Unlock()
	if !hmac.Equal([]byte(s.signCodeObject(secret, object, expires)), []byte(q.Get("Signature"))) {
		fail(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	now := s.opts.Now()
	if now.Unix() > expires {
		writeOSSError(w, http.StatusForbidden, ossError{
			Code: "AccessDenied", Message: "Request has expired.", RequestID: requestID, HostID: r.Host,
			Expires:    time.Unix(expires, 0).UTC().Format(ossTimeFormat),
			ServerTime: now.UTC().Format(ossTimeFormat),
		})
		return
	}
	var body io.ReadCloser
	if code != nil {
		var err error
		if body, err = code.open(); err != nil {
			code = nil // its file went with a concurrent update or delete
		}
	}
	if code == nil {
		// The function was deleted or its code replaced: the old object is gone.
		fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	defer body.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.FormatInt(code.size, 10))
	w.Header().Set("x-oss-hash-crc64ecma", sum)
	w.Header().Set("x-oss-request-id", requestID)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = io.CopyBuffer(w, body, make([]byte, copyBufferSize))
	}
}
