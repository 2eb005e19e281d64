package ossupload

import (
	"bytes"
	"context"
	"errors"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fcgit/fcgit/emulator"
)

const (
	testAK = "AKIDTEST"
	testSK = "secret"
)

// env is an emulator's OSS endpoint with a client of this package.
type env struct {
	srv  *emulator.Server
	url  string
	data string
}

func newEnv(t *testing.T, opts emulator.Options) *env {
	t.Helper()
	opts.Credentials = map[string]string{testAK: testSK}
	opts.DataDir = t.TempDir()
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.OSSHandler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &env{srv: srv, url: ts.URL, data: opts.DataDir}
}

func (e *env) client(t *testing.T, cfg Config) *Client {
	t.Helper()
	cfg.Region = "cn-hangzhou"
	cfg.Endpoint = e.url
	cfg.Credentials = func(context.Context) (Credentials, error) {
		return Credentials{AccessKeyID: testAK, AccessKeySecret: testSK}, nil
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// object reads an object back with the SDK directly.
func (e *env) object(t *testing.T, bucket, key string) []byte {
	t.Helper()
	c := oss.NewClient(oss.LoadDefaultConfig().WithRegion("cn-hangzhou").WithEndpoint(e.url).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAK, testSK)))
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checksum(b []byte) string {
	return strconv.FormatUint(crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)), 10)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(rand.NewChaCha8([32]byte{7}), b)
	return b
}

func TestUpload(t *testing.T) {
	const part = 100 << 10 // OSS's smallest part
	for _, tc := range []struct {
		name      string
		size      int
		multipart bool
	}{
		{"single request", 60 << 10, false},
		{"multipart", 3*part + 1234, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, emulator.Options{})
			c := e.client(t, Config{PartSize: part, Parallel: 2})
			data := randomBytes(tc.size)
			ctx := context.Background()
			if err := c.Upload(ctx, "deploy", "fcgit/f/1.zip", bytes.NewReader(data), int64(len(data)), checksum(data)); err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if got := e.object(t, "deploy", "fcgit/f/1.zip"); !bytes.Equal(got, data) {
				t.Fatalf("object holds %d bytes, not the %d uploaded", len(got), len(data))
			}
			st := e.srv.Stats().Requests
			if multipart := st["oss:CompleteMultipartUpload"] == 1 && st["oss:UploadPart"] == 4; multipart != tc.multipart {
				t.Errorf("requests %v: multipart = %v, want %v", st, multipart, tc.multipart)
			}

			// The same package again is found, not sent.
			e.srv.ResetStats()
			if err := c.Upload(ctx, "deploy", "fcgit/f/1.zip", bytes.NewReader(data), int64(len(data)), checksum(data)); err != nil {
				t.Fatalf("Upload again: %v", err)
			}
			if st := e.srv.Stats().Requests; st["oss:PutObject"]+st["oss:InitiateMultipartUpload"]+st["oss:UploadPart"] != 0 {
				t.Errorf("an object already in place was sent again: %v", st)
			}
		})
	}
}

// TestUploadChecksumMismatch: a body that is not the package the checksum
// names is not taken for it.
func TestUploadChecksumMismatch(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client(t, Config{})
	data := randomBytes(10 << 10)
	err := c.Upload(context.Background(), "deploy", "f.zip", bytes.NewReader(data), int64(len(data)), "12345")
	if err == nil || !strings.Contains(err.Error(), "not the package's 12345") {
		t.Fatalf("Upload = %v, want a checksum mismatch", err)
	}
}

func TestUploadNoSuchBucket(t *testing.T) {
	e := newEnv(t, emulator.Options{Buckets: []string{"other"}})
	c := e.client(t, Config{})
	data := randomBytes(1 << 10)
	err := c.Upload(context.Background(), "deploy", "f.zip", bytes.NewReader(data), int64(len(data)), checksum(data))
	var se *ServiceError
	if !errors.As(err, &se) || se.Code != "NoSuchBucket" || !strings.Contains(err.Error(), "[code] ossBucket") {
		t.Fatalf("Upload = %v, want NoSuchBucket naming the setting", err)
	}
}

// cancelAt cancels its context when a read reaches offset, as Ctrl-C in the
// middle of an upload would, and fails that read.
type cancelAt struct {
	r      io.ReaderAt
	offset int64
	cancel context.CancelFunc
	ctx    context.Context
}

func (c *cancelAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > c.offset {
		c.cancel()
		<-c.ctx.Done()
		return 0, c.ctx.Err()
	}
	return c.r.ReadAt(p, off)
}

// TestUploadCancelAborts: a cancelled multipart upload is aborted, so that
// no parts are left in the bucket (they would be billed until aborted).
func TestUploadCancelAborts(t *testing.T) {
	const part = 100 << 10
	e := newEnv(t, emulator.Options{})
	c := e.client(t, Config{PartSize: part, Parallel: 1})
	data := randomBytes(4 * part)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := &cancelAt{r: bytes.NewReader(data), offset: 2 * part, cancel: cancel, ctx: ctx}
	err := c.Upload(ctx, "deploy", "f.zip", body, int64(len(data)), checksum(data))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Upload = %v, want a cancellation", err)
	}
	st := e.srv.Stats().Requests
	if st["oss:InitiateMultipartUpload"] != 1 || st["oss:AbortMultipartUpload"] != 1 || st["oss:CompleteMultipartUpload"] != 0 {
		t.Fatalf("requests %v: want one upload initiated, then aborted", st)
	}
	parts, err := os.ReadDir(filepath.Join(e.data, "oss", "parts"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if len(parts) != 0 {
		t.Fatalf("parts left behind: %v", parts)
	}
}

func TestResolveEndpoint(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", "https://oss-cn-shanghai.aliyuncs.com", ""},
		{"http://127.0.0.1:9001", "http://127.0.0.1:9001", ""},
		{"http://127.0.0.1:9001/", "http://127.0.0.1:9001", ""},
		{"oss-cn-shanghai-internal.aliyuncs.com", "https://oss-cn-shanghai-internal.aliyuncs.com", ""},
		{"ftp://x", "", "scheme must be http or https"},
		{"http://x/bucket", "", "only scheme, host and port"},
		{"http://", "", "no host"},
	} {
		got, err := resolveEndpoint("cn-shanghai", tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("resolveEndpoint(%q) = %q, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("resolveEndpoint(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestUploadStall: an upload whose parts the server stops taking (a path
// that accepts a trickle, or nothing) is given up on after a window
// without the minimum progress, named as a stall, and its multipart upload
// aborted; one that moves is not stopped.
func TestUploadStall(t *testing.T) {
	const part = 1 << 20
	e := newEnv(t, emulator.Options{})
	var stalled atomic.Bool
	stalled.Store(true)
	// A handler that reads nothing sees no disconnect: it waits for the
	// end of the test.
	release := make(chan struct{})
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stalled.Load() && r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			<-release // never reads the part
			return
		}
		e.srv.OSSHandler().ServeHTTP(w, r)
	})
	ts := httptest.NewServer(hang)
	defer ts.Close()
	defer close(release)
	e.url = ts.URL
	c := e.client(t, Config{PartSize: part, Parallel: 1, StallWindow: 300 * time.Millisecond, StallMinBytes: 64 << 10})
	data := randomBytes(16 * part)
	start := time.Now()
	err := c.Upload(context.Background(), "deploy", "f.zip", bytes.NewReader(data), int64(len(data)), checksum(data))
	var se *StallError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "the upload stalled: fewer than 65536 bytes sent in 300ms") {
		t.Fatalf("Upload = %v, want a stall", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the stall was noticed after %s", d)
	}
	if st := e.srv.Stats().Requests; st["oss:InitiateMultipartUpload"] != 1 || st["oss:AbortMultipartUpload"] != 1 {
		t.Errorf("requests %v: want the stalled upload aborted", st)
	}

	stalled.Store(false)
	if err := c.Upload(context.Background(), "deploy", "f.zip", bytes.NewReader(data), int64(len(data)), checksum(data)); err != nil {
		t.Fatalf("Upload once the path is back: %v", err)
	}
	if got := e.object(t, "deploy", "f.zip"); !bytes.Equal(got, data) {
		t.Fatal("object differs from the package")
	}
}
