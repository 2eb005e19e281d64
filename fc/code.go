package fc

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CodeLocation is where a function's code package can be downloaded, and
// the package's CRC-64 as FC reports it.
type CodeLocation struct{ URL, Checksum string }

// GetFunctionCode asks FC for a short-lived download URL of the function's
// code package. Custom-container functions have none.
func (c *Client) GetFunctionCode(ctx context.Context, name string) (CodeLocation, error) {
	body, _, err := c.do(ctx, call{op: "GetFunctionCode", subject: name, method: http.MethodGet,
		path: apiPath("functions", name, "code")})
	if err != nil {
		return CodeLocation{}, err
	}
	var loc struct {
		URL      string `json:"url"`
		Checksum string `json:"checksum"`
	}
	if err := decodeJSON(body, &loc); err != nil {
		return CodeLocation{}, &Error{Op: "GetFunctionCode", Subject: name, Kind: KindOther, Err: fmt.Errorf("decode code location: %w", err)}
	}
	if loc.URL == "" {
		return CodeLocation{}, &Error{Op: "GetFunctionCode", Subject: name, Kind: KindOther, Err: errors.New("response has no url")}
	}
	return CodeLocation{URL: loc.URL, Checksum: loc.Checksum}, nil
}

// DownloadCode fetches a code package from a GetFunctionCode URL with a
// plain, unsigned GET (the URL carries its own signature). Failures before
// the response headers arrive are retried like API calls; the body is then
// streamed to the caller, who must close it. An expired URL is KindAccessDenied.
func (c *Client) DownloadCode(ctx context.Context, rawURL string) (io.ReadCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Op: "DownloadCode", Kind: KindInvalidArgument, Message: "not an http(s) URL"}
	}
	// Never print the query: it is a bearer credential until it expires.
	subject := u.Scheme + "://" + u.Host + u.EscapedPath()
	httpClient := &http.Client{Transport: c.transport}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, cancelled("DownloadCode", subject, err)
		}
		body, retryAfter, dErr := c.downloadOnce(ctx, httpClient, rawURL, subject)
		if dErr == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, cancelled("DownloadCode", subject, ctx.Err())
		}
		if !retryable(dErr.Kind) || attempt >= c.retry.MaxAttempts {
			return nil, dErr
		}
		if err := c.sleep(ctx, c.backoff(attempt, retryAfter)); err != nil {
			return nil, cancelled("DownloadCode", subject, err)
		}
	}
}

func (c *Client) downloadOnce(ctx context.Context, hc *http.Client, rawURL, subject string) (io.ReadCloser, time.Duration, *Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindInvalidArgument, Err: err}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindNetwork, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.Body, 0, nil
	}
	defer resp.Body.Close()
	// Object stores answer with an XML error document; read a bounded
	// amount of it for the code and message.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var doc struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(data, &doc)
	e := &Error{
		Op: "DownloadCode", Subject: subject, Status: resp.StatusCode,
		Code: doc.Code, Message: doc.Message, RequestID: doc.RequestID,
	}
	if e.RequestID == "" {
		e.RequestID = requestIDFromHeaders(resp.Header)
	}
	e.Kind = kindForResponse(e.Status, e.Code)
	return nil, parseRetryAfter(resp.Header.Get("Retry-After")), e
}

// crcTable is CRC-64/ECMA-182 as FC computes codeChecksum.
var crcTable = crc64.MakeTable(crc64.ECMA)

// Checksum is FC's code checksum of data: CRC-64/ECMA-182
// (crc64.MakeTable(crc64.ECMA)) as an unsigned decimal string.
func Checksum(data []byte) string {
	return strconv.FormatUint(crc64.Checksum(data, crcTable), 10)
}

// NewChecksum returns a streaming hash computing the same value as Checksum;
// render its Sum64 with strconv.FormatUint(h.Sum64(), 10).
func NewChecksum() hash.Hash64 { return crc64.New(crcTable) }
