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
	return c.GetFunctionCodeAt(ctx, name, "")
}

// GetFunctionCodeAt is GetFunctionCode for a version or alias ("" is LATEST).
func (c *Client) GetFunctionCodeAt(ctx context.Context, name, qualifier string) (CodeLocation, error) {
	var query map[string]string
	if qualifier != "" {
		query = map[string]string{"qualifier": qualifier}
	}
	body, _, err := c.do(ctx, call{op: "GetFunctionCode", subject: name, method: http.MethodGet,
		path: apiPath("functions", name, "code"), query: query})
	if err != nil {
		return CodeLocation{}, err
	}
	var loc struct {
		URL      string `json:"url"`
		Checksum string `json:"checksum"`
	}
	if err := decodeJSON(body, &loc); err != nil {
		return CodeLocation{}, decodeError("GetFunctionCode", name, "code location", err)
	}
	if loc.URL == "" {
		return CodeLocation{}, &Error{Op: "GetFunctionCode", Subject: name, Kind: KindOther, Err: errors.New("response has no url")}
	}
	return CodeLocation{URL: loc.URL, Checksum: loc.Checksum}, nil
}

// DownloadCode fetches a code package from a GetFunctionCode URL with a
// plain, unsigned GET (the URL carries its own signature). Failures before
// the response headers arrive are retried like API calls (a stall there
// once only); the body is then streamed to the caller, who must close it.
// An expired URL is KindAccessDenied.
//
// The package is bounded: one announced (Content-Length) as larger than
// MaxCodePackageSize (or Config.Limits.MaxCodePackageSize) is refused at
// once, and a stream running past the bound fails its read with
// KindTooLarge, so the caller never receives more than the bound. A download
// that makes no progress fails with KindNetwork and a *StallError: no
// response headers within the stall window, or fewer than the minimum bytes
// received during a window of waiting on the network (Limits.StallWindow,
// Limits.StallMinBytes); time the caller spends between reads does not
// count. The reader reports both as *Error values naming the URL (without
// its query) and the bound.
func (c *Client) DownloadCode(ctx context.Context, rawURL string) (io.ReadCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Op: "DownloadCode", Kind: KindInvalidArgument, Message: "not an http(s) URL"}
	}
	// Never print the query: it is a bearer credential until it expires.
	subject := u.Scheme + "://" + u.Host + u.EscapedPath()
	httpClient := &http.Client{Transport: c.transport}
	stalls := 0
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, cancelled("DownloadCode", subject, err)
		}
		c.stats.downloads.Add(1)
		body, retryAfter, dErr := c.downloadOnce(ctx, httpClient, rawURL, subject)
		if dErr == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, cancelled("DownloadCode", subject, ctx.Err())
		}
		if isStall(dErr) {
			// A connection that went dead is worth one more try; an
			// endpoint that keeps stalling is not worth a window each.
			if stalls++; stalls > 1 {
				return nil, dErr
			}
		}
		if !retryable(dErr.Kind) || attempt >= c.retry.MaxAttempts {
			return nil, dErr
		}
		if err := c.sleep(ctx, c.backoff(attempt, retryAfter)); err != nil {
			return nil, cancelled("DownloadCode", subject, err)
		}
	}
}

// isStall reports whether a failure is a transfer that made no progress.
func isStall(e *Error) bool {
	var st *StallError
	return errors.As(e, &st)
}

// stallError reports a stall as the failure of op on subject: a network
// failure whose cause is the stall, not the cancellation that aborted it.
func stallError(op, subject string, st *StallError) *Error {
	return &Error{Op: op, Subject: subject, Kind: KindNetwork, Message: st.Error(), Err: st}
}

func (c *Client) downloadOnce(ctx context.Context, hc *http.Client, rawURL, subject string) (io.ReadCloser, time.Duration, *Error) {
	// The download gets its own context so a stall can abort it: a read
	// blocked in net/http ends only when its request's context does.
	dctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(dctx, http.MethodGet, rawURL, nil)
	if err != nil {
		cancel()
		return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindInvalidArgument, Err: err}
	}
	watch := newProgressWatch(c.limits.StallWindow, c.limits.StallMinBytes, "response", cancel)
	watch.resume() // the wait for the headers counts
	start := time.Now()
	resp, err := hc.Do(req)
	c.stats.since(start)
	watch.pause()
	if err != nil {
		cancel()
		if st := watch.err(); st != nil && ctx.Err() == nil {
			return nil, 0, stallError("DownloadCode", subject, st)
		}
		return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindNetwork, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		limit := c.limits.MaxCodePackageSize
		if resp.ContentLength > limit {
			// Refused before reading: closing the unread body drops the
			// connection rather than draining gigabytes to reuse it.
			watch.stop()
			resp.Body.Close()
			cancel()
			return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindTooLarge,
				Message: fmt.Sprintf("code package is announced as %s, larger than %s", formatSize(resp.ContentLength), c.limits.codeLimitText())}
		}
		tooLarge := &Error{Op: "DownloadCode", Subject: subject, Kind: KindTooLarge,
			Message: "code package is larger than " + c.limits.codeLimitText()}
		watch.restart("receive", false) // the body's windows count from here
		return &codeBody{body: newLimitedBody(resp.Body, limit, tooLarge), watch: watch, cancel: cancel, subject: subject, stats: c.stats}, 0, nil
	}
	defer cancel()
	defer resp.Body.Close()
	// Object stores answer with an XML error document; read a bounded
	// amount of it for the code and message.
	watch.restart("receive", true)
	data, _ := io.ReadAll(io.LimitReader(countingReader{r: resp.Body, w: watch}, maxErrorBody))
	watch.stop()
	if st := watch.err(); st != nil && ctx.Err() == nil {
		return nil, 0, stallError("DownloadCode", subject, st)
	}
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

// codeBody is a code package stream: bounded in size, and aborted when it
// makes no progress while the caller waits on it.
type codeBody struct {
	body    *limitedBody
	watch   *progressWatch
	cancel  context.CancelFunc
	subject string
	stats   *counters
}

func (b *codeBody) Read(p []byte) (int, error) {
	start := time.Now()
	n, err := countingReader{r: b.body, w: b.watch, watched: true}.Read(p)
	b.stats.since(start)
	b.stats.bytes.Add(int64(n))
	if st := b.watch.err(); st != nil {
		// The abort surfaces as a context or connection error, or even as
		// a clean end of a body without a length: say what happened.
		return n, stallError("DownloadCode", b.subject, st)
	}
	return n, err
}

func (b *codeBody) Close() error {
	b.watch.stop()
	err := b.body.Close()
	b.cancel()
	return err
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
