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
	"sync/atomic"
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
// the response headers arrive are retried like API calls; the body is then
// streamed to the caller, who must close it. An expired URL is KindAccessDenied.
//
// The package is bounded: one announced (Content-Length) as larger than
// MaxCodePackageSize (or Config.Limits.MaxCodePackageSize) is refused at
// once, and a stream running past the bound fails its read with
// KindTooLarge, so the caller never receives more than the bound. A download
// that receives nothing for DefaultDownloadIdleTimeout (or
// Config.Limits.DownloadIdleTimeout), before or after the headers, fails
// with KindNetwork. The reader reports both as *Error values naming the URL
// (without its query) and the bound.
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
		c.stats.downloads.Add(1)
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
	// The download gets its own context so a stall can abort it: a read
	// blocked in net/http ends only when its request's context does.
	dctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(dctx, http.MethodGet, rawURL, nil)
	if err != nil {
		cancel()
		return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindInvalidArgument, Err: err}
	}
	idle := c.limits.DownloadIdleTimeout
	watch := newStallWatch(idle, cancel) // running: the wait for headers counts
	start := time.Now()
	resp, err := hc.Do(req)
	c.stats.since(start)
	watch.pause()
	if err != nil {
		cancel()
		e := &Error{Op: "DownloadCode", Subject: subject, Kind: KindNetwork, Err: err}
		if watch.fired() && ctx.Err() == nil {
			e.Message = fmt.Sprintf("no response within %v", idle)
		}
		return nil, 0, e
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		limit := c.limits.MaxCodePackageSize
		if resp.ContentLength > limit {
			// Refused before reading: closing the unread body drops the
			// connection rather than draining gigabytes to reuse it.
			resp.Body.Close()
			cancel()
			return nil, 0, &Error{Op: "DownloadCode", Subject: subject, Kind: KindTooLarge,
				Message: fmt.Sprintf("code package is announced as %s, larger than %s", formatSize(resp.ContentLength), c.limits.codeLimitText())}
		}
		tooLarge := &Error{Op: "DownloadCode", Subject: subject, Kind: KindTooLarge,
			Message: "code package is larger than " + c.limits.codeLimitText()}
		stalled := &Error{Op: "DownloadCode", Subject: subject, Kind: KindNetwork,
			Message: fmt.Sprintf("download stalled: no data for %v", idle)}
		return &codeBody{body: newLimitedBody(resp.Body, limit, tooLarge), watch: watch, cancel: cancel, stalled: stalled, stats: c.stats}, 0, nil
	}
	defer cancel()
	defer resp.Body.Close()
	// Object stores answer with an XML error document; read a bounded
	// amount of it for the code and message.
	watch.resume()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	watch.pause()
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

// codeBody is a code package stream: bounded in size, and aborted when a
// read waits longer than the idle timeout.
type codeBody struct {
	body    *limitedBody
	watch   *stallWatch
	cancel  context.CancelFunc
	stalled *Error
	stats   *counters
}

func (b *codeBody) Read(p []byte) (int, error) {
	b.watch.resume()
	start := time.Now()
	n, err := b.body.Read(p)
	b.stats.since(start)
	b.stats.bytes.Add(int64(n))
	b.watch.pause()
	if err != nil && err != io.EOF && b.watch.fired() {
		// The abort surfaces as a context or connection error; say what
		// happened instead.
		return n, b.stalled
	}
	return n, err
}

func (b *codeBody) Close() error {
	b.watch.pause()
	err := b.body.Close()
	b.cancel()
	return err
}

// stallWatch calls abort once it has been running for idle without a pause.
// It runs only while the client waits on the network, so a slow consumer of
// the stream is never mistaken for a stalled server.
type stallWatch struct {
	idle  time.Duration
	timer *time.Timer
	done  atomic.Bool
}

func newStallWatch(idle time.Duration, abort func()) *stallWatch {
	w := &stallWatch{idle: idle}
	w.timer = time.AfterFunc(idle, func() {
		w.done.Store(true)
		abort()
	})
	return w
}

func (w *stallWatch) resume() { w.timer.Reset(w.idle) }
func (w *stallWatch) pause()  { w.timer.Stop() }

// fired reports whether the watch aborted the download.
func (w *stallWatch) fired() bool { return w.done.Load() }

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
