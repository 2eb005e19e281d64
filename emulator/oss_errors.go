package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// ossError is OSS's XML error body. Besides Code, Message, RequestId and
// HostId, OSS adds fields that depend on the error; the SDKs parse the four
// common ones and keep the raw body for the rest.
type ossError struct {
	XMLName           xml.Name `xml:"Error"`
	Code              string   `xml:"Code"`
	Message           string   `xml:"Message"`
	RequestID         string   `xml:"RequestId"`
	HostID            string   `xml:"HostId"`
	BucketName        string   `xml:"BucketName,omitempty"`
	Key               string   `xml:"Key,omitempty"`
	UploadID          string   `xml:"UploadId,omitempty"`
	OSSAccessKeyID    string   `xml:"OSSAccessKeyId,omitempty"`
	SignatureProvided string   `xml:"SignatureProvided,omitempty"`
	StringToSign      string   `xml:"StringToSign,omitempty"`
	CanonicalRequest  string   `xml:"CanonicalRequest,omitempty"`
	RequestTime       string   `xml:"RequestTime,omitempty"`
	Expires           string   `xml:"Expires,omitempty"`
	ServerTime        string   `xml:"ServerTime,omitempty"`
}

// ossTimeFormat is OSS's ISO 8601 form in XML bodies (LastModified,
// Initiated, ServerTime).
const ossTimeFormat = "2006-01-02T15:04:05.000Z"

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

// ossAPIError is an OSS error response: status and body.
type ossAPIError struct {
	Status int
	ossError
}

func (e *ossAPIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func ossErrorf(status int, code, format string, args ...any) *ossAPIError {
	return &ossAPIError{Status: status, ossError: ossError{Code: code, Message: fmt.Sprintf(format, args...)}}
}

// The OSS error codes the endpoint answers with, from OSS's published error
// table; messages follow OSS's wording where it is known.
func ossNoSuchBucket(bucket string) *ossAPIError {
	e := ossErrorf(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
	e.BucketName = bucket
	return e
}

func ossNoSuchKey(key string) *ossAPIError {
	e := ossErrorf(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	e.Key = key
	return e
}

func ossNoSuchUpload(id string) *ossAPIError {
	e := ossErrorf(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	e.UploadID = id
	return e
}

func ossInvalidArgument(format string, args ...any) *ossAPIError {
	return ossErrorf(http.StatusBadRequest, "InvalidArgument", format, args...)
}

func ossInternal(format string, args ...any) *ossAPIError {
	return ossErrorf(http.StatusInternalServerError, "InternalError", format, args...)
}

func ossEntityTooLarge(size, limit int64) *ossAPIError {
	if size < 0 {
		return ossErrorf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size (%d bytes).", limit)
	}
	return ossErrorf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload size %d exceeds the maximum allowed size (%d bytes).", size, limit)
}

// writeOSSAPIError sends e. A HEAD response has no body, so OSS carries the
// XML base64-encoded in x-oss-err, which the v2 SDKs decode to report the
// code; the emulator does the same.
func writeOSSAPIError(w http.ResponseWriter, r *http.Request, requestID string, e *ossAPIError) {
	body := e.ossError
	body.RequestID = requestID
	if body.HostID == "" {
		body.HostID = r.Host
	}
	if r.Method != http.MethodHead {
		writeOSSError(w, e.Status, body)
		return
	}
	raw, err := xml.Marshal(body)
	if err == nil {
		w.Header().Set("x-oss-err", base64.StdEncoding.EncodeToString(append([]byte(xml.Header), raw...)))
	}
	w.Header().Set("x-oss-request-id", requestID)
	w.WriteHeader(e.Status)
}

// newOSSRequestID returns an id shaped like OSS's: 24 upper-case hex digits.
func newOSSRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
