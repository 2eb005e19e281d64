package emulator

import (
	"archive/zip"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var crc64Table = crc64.MakeTable(crc64.ECMA)

// codeChecksum is FC's codeChecksum: CRC-64/ECMA-182 as Go's crc64.ECMA
// table computes it, rendered as an unsigned decimal string.
func codeChecksum(b []byte) string { return strconv.FormatUint(crc64.Checksum(b, crc64Table), 10) }

// codePackage is a decoded InputCodeLocation.
type codePackage struct {
	zip      []byte
	checksum string
}

// decodeCode validates an InputCodeLocation {zipFile, checksum} and returns
// the zip. OSS locations are refused: the emulator has no OSS to read from.
func decodeCode(v any, maxSize int64) (codePackage, *apiError) {
	m, ok := v.(map[string]any)
	if !ok {
		return codePackage{}, invalidArgument("code must be a JSON object {zipFile, checksum}")
	}
	if _, hasBucket := m["ossBucketName"]; hasBucket {
		return codePackage{}, invalidArgument("code.ossBucketName/ossObjectName is not supported by the emulator; send the package inline as code.zipFile")
	}
	b64, _ := m["zipFile"].(string)
	if b64 == "" {
		return codePackage{}, invalidArgument("code.zipFile is required")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return codePackage{}, invalidArgument("code.zipFile is not valid base64: %v", err)
	}
	if int64(len(raw)) > maxSize {
		return codePackage{}, errorf(http.StatusBadRequest, codeEntityTooLarge, "code package size %d exceeds maximum allowed size (%d bytes)", len(raw), maxSize)
	}
	if _, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw))); err != nil {
		return codePackage{}, invalidArgument("code.zipFile is not a valid zip file: %v", err)
	}
	sum := codeChecksum(raw)
	if given, _ := m["checksum"].(string); given != "" && given != sum {
		return codePackage{}, invalidArgument("code checksum mismatch: given %s, computed %s", given, sum)
	}
	return codePackage{zip: raw, checksum: sum}, nil
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

// ossError is OSS's XML error body, which a presigned-URL client sees.
type ossError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
	Expires   string   `xml:"Expires,omitempty"`
	Server    string   `xml:"ServerTime,omitempty"`
}

func writeOSSError(w http.ResponseWriter, status int, e ossError) {
	body, err := xml.MarshalIndent(e, "", "  ")
	if err != nil {
		body = nil
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-oss-request-id", e.RequestID)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
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
	var code []byte
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
			Expires: time.Unix(expires, 0).UTC().Format("2006-01-02T15:04:05.000Z"),
			Server:  now.UTC().Format("2006-01-02T15:04:05.000Z"),
		})
		return
	}
	if code == nil {
		// The function was deleted or its code replaced: the old object is gone.
		fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(code)))
	w.Header().Set("x-oss-hash-crc64ecma", sum)
	w.Header().Set("x-oss-request-id", requestID)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(code)
	}
}
