// Package ossupload puts code packages into Alibaba Cloud OSS, where Function
// Compute reads the packages too large to send inline (over 100 MB), through
// the official OSS SDK for Go (v2).
package ossupload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// Credentials is an identity to sign OSS requests with.
type Credentials struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
}

// Config configures a Client.
type Config struct {
	Region string
	// Endpoint is a URL ("http://127.0.0.1:9001") or host[:port] (https
	// assumed); "" means https://oss-<region>.aliyuncs.com.
	Endpoint string
	// Credentials is asked for the identity on every request: temporary
	// credentials (STS, OIDC, a RAM role) rotate during a long upload.
	Credentials func(ctx context.Context) (Credentials, error)
	UserAgent   string
	// PartSize is the size of one part of a multipart upload, and the size
	// from which uploads are multipart; 0 means the SDK's (6 MiB).
	PartSize int64
	// Parallel is the number of parts sent at once; 0 means the SDK's (3).
	Parallel int
	// StallWindow and StallMinBytes bound an upload by its progress: one
	// that sends fewer than StallMinBytes bytes in a StallWindow (a
	// network path that accepts a trickle, or nothing) is given up on with
	// a StallError, rather than hanging a push. Zero: unwatched.
	StallWindow   time.Duration
	StallMinBytes int64
}

// StallError is an upload given up on for moving too little for too long.
type StallError struct {
	Sent, Size int64
	Window     time.Duration
	MinBytes   int64
}

func (e *StallError) Error() string {
	return fmt.Sprintf("the upload stalled: fewer than %d bytes sent in %s (%d of %d bytes sent); the network path to OSS is too slow or blocked", e.MinBytes, e.Window, e.Sent, e.Size)
}

// abortTimeout bounds the request that abandons a multipart upload after a
// failure or a cancellation: it runs on a context of its own, since the
// caller's may be the one that was cancelled.
const abortTimeout = 30 * time.Second

// Client uploads code packages. It is safe for concurrent use.
type Client struct {
	oss      *oss.Client
	uploader *oss.Uploader
	window   time.Duration
	minBytes int64
}

// New validates cfg and builds a Client. It does no I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("oss client: no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("oss client: no credentials")
	}
	endpoint, err := resolveEndpoint(cfg.Region, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	get := cfg.Credentials
	provider := credentials.CredentialsProviderFunc(func(ctx context.Context) (credentials.Credentials, error) {
		c, err := get(ctx)
		if err != nil {
			return credentials.Credentials{}, err
		}
		return credentials.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}, nil
	})
	occ := oss.LoadDefaultConfig().
		WithRegion(cfg.Region).
		WithEndpoint(endpoint).
		WithCredentialsProvider(provider).
		WithSignatureVersion(oss.SignatureVersionV4)
	if cfg.UserAgent != "" {
		occ = occ.WithUserAgent(cfg.UserAgent)
	}
	client := oss.NewClient(occ)
	up := client.NewUploader(func(o *oss.UploaderOptions) {
		if cfg.PartSize > 0 {
			o.PartSize = cfg.PartSize
		}
		if cfg.Parallel > 0 {
			o.ParallelNum = cfg.Parallel
		}
		// The SDK would abort on the caller's context, which a Ctrl-C has
		// already cancelled: Upload aborts on its own.
		o.LeavePartsOnError = true
	})
	return &Client{oss: client, uploader: up, window: cfg.StallWindow, minBytes: cfg.StallMinBytes}, nil
}

// resolveEndpoint turns the configured endpoint into a URL, refusing what is
// not a plain scheme://host[:port].
func resolveEndpoint(region, override string) (string, error) {
	override = strings.TrimSpace(override)
	if override == "" {
		return "https://oss-" + region + ".aliyuncs.com", nil
	}
	raw := override
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err == nil && u.User != nil:
		// Never repeat a password; OSS requests are signed with the
		// access key, not with URL credentials.
		return "", fmt.Errorf("invalid OSS endpoint %q: it holds a user name or password before '@', which fcgit never uses nor stores: remove that part", u.Scheme+"://xxxxx@"+u.Host)
	case err != nil:
		return "", fmt.Errorf("invalid OSS endpoint %q: %w", override, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("invalid OSS endpoint %q: scheme must be http or https", override)
	case u.Hostname() == "":
		return "", fmt.Errorf("invalid OSS endpoint %q: no host", override)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return "", fmt.Errorf("invalid OSS endpoint %q: only scheme, host and port are allowed", override)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Upload stores size bytes of body as bucket/object. checksum is their
// CRC-64/ECMA-182 as an unsigned decimal, FC's code checksum, which OSS
// computes too: an object already there with that checksum and size is not
// sent again (object names carry the checksum, so a push that was cut off
// and run again finds its package), and an upload that OSS reports with
// another checksum fails. Parts are read from body where they lie, so a
// package is never held in memory. When ctx is cancelled the multipart
// upload in progress is aborted, leaving no parts behind.
func (c *Client) Upload(ctx context.Context, bucket, object string, body io.ReaderAt, size int64, checksum string) error {
	if c.exists(ctx, bucket, object, size, checksum) {
		return nil
	}
	src := &countingReader{SectionReader: io.NewSectionReader(body, 0, size)}
	uctx, stop := c.watchProgress(ctx, src, size)
	res, err := c.uploader.UploadFrom(uctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr(object), ContentType: oss.Ptr("application/zip"),
	}, src)
	stall := stop()
	if err != nil {
		cause := describe(ctx, err)
		if stall != nil {
			cause = stall
		}
		var ue *oss.UploadError
		if errors.As(err, &ue) && ue.UploadId != "" {
			if aerr := c.abort(ctx, bucket, object, ue.UploadId); aerr != nil {
				return fmt.Errorf("%w (and abandoning multipart upload %s failed: %v; a lifecycle rule on the bucket removes parts left behind)", cause, ue.UploadId, describe(ctx, aerr))
			}
		}
		return cause
	}
	if got := oss.ToString(res.HashCRC64); got != "" && got != checksum {
		return fmt.Errorf("OSS stored a CRC-64 of %s, not the package's %s", got, checksum)
	}
	return nil
}

// countingReader counts the bytes the SDK takes from the package. Parts
// are read as their requests send them, so the count follows the network.
// It keeps the section reader's ReadAt and Seek: the SDK then streams each
// part from where it lies instead of copying it into memory.
type countingReader struct {
	*io.SectionReader
	n atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.SectionReader.Read(p)
	r.n.Add(int64(n))
	return n, err
}

func (r *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.SectionReader.ReadAt(p, off)
	r.n.Add(int64(n))
	return n, err
}

// watchProgress returns a context cancelled when src moves fewer than the
// minimum bytes in a window, and a stop function that ends the watch and
// returns the StallError, if that is what happened. Bytes read again (a
// part retried) count as progress too: they were sent.
func (c *Client) watchProgress(ctx context.Context, src *countingReader, size int64) (context.Context, func() error) {
	if c.window <= 0 || c.minBytes <= 0 {
		return ctx, func() error { return nil }
	}
	wctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(c.window)
		defer t.Stop()
		last := int64(0)
		for {
			select {
			case <-done:
				return
			case <-wctx.Done():
				return
			case <-t.C:
				cur := src.n.Load()
				if cur-last < c.minBytes && cur < size {
					cancel(&StallError{Sent: min(cur, size), Size: size, Window: c.window, MinBytes: c.minBytes})
					return
				}
				last = cur
			}
		}
	}()
	return wctx, func() error {
		close(done)
		<-finished
		var stall *StallError
		if errors.As(context.Cause(wctx), &stall) {
			cancel(nil)
			return stall
		}
		cancel(nil)
		return nil
	}
}

// exists reports whether bucket/object already holds the package. Any
// failure to tell (no such object, no permission to read it) means no.
func (c *Client) exists(ctx context.Context, bucket, object string, size int64, checksum string) bool {
	head, err := c.oss.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(object)})
	return err == nil && head.ContentLength == size && oss.ToString(head.HashCRC64) == checksum
}

func (c *Client) abort(ctx context.Context, bucket, object, uploadID string) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := c.oss.AbortMultipartUpload(actx, &oss.AbortMultipartUploadRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr(object), UploadId: oss.Ptr(uploadID),
	})
	var se *oss.ServiceError
	if errors.As(err, &se) && se.Code == "NoSuchUpload" {
		return nil
	}
	return err
}

// describe shortens the SDK's errors, which span lines and repeat the
// request, to what a person acts on; a cancellation stays recognisable with
// errors.Is.
func describe(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("cancelled: %w", cerr)
	}
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return &ServiceError{Status: se.StatusCode, Code: se.Code, Message: se.Message, RequestID: se.RequestID}
	}
	return err
}

// ServiceError is an error answer from OSS.
type ServiceError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *ServiceError) Error() string {
	msg := fmt.Sprintf("OSS answered %d %s: %s", e.Status, e.Code, strings.TrimSuffix(e.Message, "."))
	switch e.Code {
	case "NoSuchBucket":
		msg += " (create the bucket in the functions' region, or fix [code] ossBucket in fcgit.toml)"
	case "AccessDenied":
		msg += " (the RAM identity fcgit runs as needs oss:PutObject on the bucket, and the multipart upload actions)"
	}
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}
