package emulator

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fcgit/fcgit/internal/heapwatch"
)

// ossEnv is an emulator serving both the FC API and the OSS endpoint.
type ossEnv struct {
	s      *Server
	fcURL  string
	ossURL string
	ossLn  string // host:port of the OSS listener
}

func startOSSEnv(t *testing.T, opts Options) *ossEnv {
	t.Helper()
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testAK: testSK}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	fc := httptest.NewServer(s)
	o := httptest.NewServer(s.OSSHandler())
	t.Cleanup(func() {
		fc.Close()
		o.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &ossEnv{s: s, fcURL: fc.URL, ossURL: o.URL, ossLn: o.Listener.Addr().String()}
}

// ossClient is the official OSS SDK v2 client pointed at the emulator; an
// IP endpoint makes it use path-style URLs.
func (e *ossEnv) ossClient(secret string, version oss.SignatureVersionType) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithRegion("cn-hangzhou").
		WithEndpoint(e.ossURL).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAK, secret)).
		WithSignatureVersion(version).
		WithRetryMaxAttempts(1)
	return oss.NewClient(cfg)
}

// fcClient is darabonba's core, the ACS3 path of the official FC SDK.
func (e *ossEnv) fcClient(t *testing.T) *openapi.Client {
	t.Helper()
	host := strings.TrimPrefix(e.fcURL, "http://")
	c, err := openapi.NewClient(&openapi.Config{
		Endpoint: dara.String(host), Protocol: dara.String("http"),
		AccessKeyId: dara.String(testAK), AccessKeySecret: dara.String(testSK),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fcCall(c *openapi.Client, action, method, path string, body any) (map[string]any, error) {
	res, err := c.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2023-03-30"), Protocol: dara.String("HTTPS"),
		Pathname: dara.String(path), Method: dara.String(method), AuthType: dara.String("AK"),
		Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String("json"),
	}, &openapi.OpenApiRequest{Body: body}, &dara.RuntimeOptions{ReadTimeout: dara.Int(120000)})
	if err != nil {
		return nil, err
	}
	b, _ := res["body"].(map[string]any)
	return b, nil
}

func fcErrorCode(err error) (int, string) {
	var se *tea.SDKError
	if errors.As(err, &se) {
		return tea.IntValue(se.StatusCode), tea.StringValue(se.Code)
	}
	return 0, ""
}

func ossErrorCode(err error) (int, string) {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.StatusCode, se.Code
	}
	return 0, ""
}

func TestOSSRoundTripV4AndV1(t *testing.T) {
	e := startOSSEnv(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		version oss.SignatureVersionType
	}{{"v4", oss.SignatureVersionV4}, {"v1", oss.SignatureVersionV1}} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.ossClient(testSK, tc.version)
			key := "dir/" + tc.name + "/a key+with%odd chars.zip"
			data := bytes.Repeat([]byte("fcgit "), 5000)
			put, err := c.PutObject(ctx, &oss.PutObjectRequest{
				Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key), Body: bytes.NewReader(data),
				Metadata: map[string]string{"origin": "test"}, CacheControl: oss.Ptr("no-cache"),
			})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			wantCRC := codeChecksum(data)
			if oss.ToString(put.HashCRC64) != wantCRC || oss.ToString(put.ETag) == "" {
				t.Errorf("PutObject result: crc %s etag %s, want crc %s", oss.ToString(put.HashCRC64), oss.ToString(put.ETag), wantCRC)
			}

			_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key),
				Body: strings.NewReader("other"), ForbidOverwrite: oss.Ptr("true")})
			if st, code := ossErrorCode(err); st != http.StatusConflict || code != "FileAlreadyExists" {
				t.Errorf("overwrite with x-oss-forbid-overwrite: %v", err)
			}

			get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			got, _ := io.ReadAll(get.Body)
			get.Body.Close()
			if !bytes.Equal(got, data) || oss.ToString(get.HashCRC64) != wantCRC || oss.ToString(get.ETag) != oss.ToString(put.ETag) ||
				oss.ToString(get.ContentType) != "application/zip" || get.Metadata["origin"] != "test" || oss.ToString(get.ObjectType) != "Normal" {
				t.Errorf("GetObject: %d bytes, crc %s, etag %s, type %s, meta %v", len(got), oss.ToString(get.HashCRC64),
					oss.ToString(get.ETag), oss.ToString(get.ContentType), get.Metadata)
			}
			if get.Headers.Get("Cache-Control") != "no-cache" {
				t.Errorf("stored Cache-Control = %q", get.Headers.Get("Cache-Control"))
			}

			head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if head.ContentLength != int64(len(data)) || oss.ToString(head.HashCRC64) != wantCRC || oss.ToString(head.ContentMD5) != oss.ToString(put.ContentMD5) {
				t.Errorf("HeadObject: length %d crc %s md5 %s", head.ContentLength, oss.ToString(head.HashCRC64), oss.ToString(head.ContentMD5))
			}
			if ok, err := c.IsObjectExist(ctx, "code-bucket", key); !ok || err != nil {
				t.Errorf("IsObjectExist = %v, %v", ok, err)
			}

			// A range, as the SDK's downloaders ask for it.
			rg, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key),
				Range: oss.Ptr("bytes=6-11"), RangeBehavior: oss.Ptr("standard")})
			if err != nil {
				t.Fatalf("ranged GetObject: %v", err)
			}
			part, _ := io.ReadAll(rg.Body)
			rg.Body.Close()
			if string(part) != "fcgit " || oss.ToString(rg.ContentRange) != fmt.Sprintf("bytes 6-11/%d", len(data)) {
				t.Errorf("range: %q %s", part, oss.ToString(rg.ContentRange))
			}
			_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key),
				Range: oss.Ptr(fmt.Sprintf("bytes=%d-", len(data))), RangeBehavior: oss.Ptr("standard")})
			if st, code := ossErrorCode(err); st != http.StatusRequestedRangeNotSatisfiable || code != "InvalidRange" {
				t.Errorf("range past the end: %v", err)
			}

			// GetObjectToFile and the Downloader verify the CRC-64 themselves.
			file := filepath.Join(t.TempDir(), "obj")
			if _, err := c.GetObjectToFile(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)}, file); err != nil {
				t.Fatalf("GetObjectToFile: %v", err)
			}
			if _, err := c.NewDownloader(func(o *oss.DownloaderOptions) { o.PartSize = 7000 }).DownloadFile(ctx,
				&oss.GetObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)}, file+"2"); err != nil {
				t.Fatalf("Downloader: %v", err)
			}
			if b, _ := os.ReadFile(file + "2"); !bytes.Equal(b, data) {
				t.Errorf("Downloader wrote %d bytes", len(b))
			}

			// A presigned URL works with a plain GET.
			pre, err := c.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)}, oss.PresignExpires(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(pre.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Equal(body, data) {
				t.Errorf("presigned GET: %d, %d bytes", resp.StatusCode, len(body))
			}
			pput, err := c.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key + ".copy")}, oss.PresignExpires(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			preq, _ := http.NewRequest(pput.Method, pput.URL, strings.NewReader("presigned PUT"))
			for k, v := range pput.SignedHeaders {
				preq.Header.Set(k, v)
			}
			if resp, err := http.DefaultClient.Do(preq); err != nil || resp.StatusCode != 200 {
				t.Errorf("presigned PUT: %v %v", resp.StatusCode, err)
			} else {
				resp.Body.Close()
			}
			if h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key + ".copy")}); err != nil || h.ContentLength != int64(len("presigned PUT")) {
				t.Errorf("object from presigned PUT: %v", err)
			}
			tampered := strings.Replace(pre.URL, "/dir/", "/dir2/", 1)
			if resp, err := http.Get(tampered); err != nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("tampered presigned GET: %v %v", resp.StatusCode, err)
			} else {
				resp.Body.Close()
			}

			if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)}); err != nil {
				t.Fatalf("DeleteObject: %v", err)
			}
			_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("code-bucket"), Key: oss.Ptr(key)})
			if st, code := ossErrorCode(err); st != http.StatusNotFound || code != "NoSuchKey" {
				t.Errorf("HeadObject after delete: %v", err)
			}
			if ok, err := c.IsObjectExist(ctx, "code-bucket", key); ok || err != nil {
				t.Errorf("IsObjectExist after delete = %v, %v", ok, err)
			}
		})
	}
	st := e.s.Stats()
	if st.Requests["oss:PutObject"] != 6 || st.Requests["oss:GetObject"] < 6 || st.Requests["oss:HeadObject"] < 6 ||
		st.Requests["oss:GetObjectMeta"] != 4 || st.Requests["oss:DeleteObject"] != 2 || st.Rejected != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestOSSRefusesBadSignatures(t *testing.T) {
	e := startOSSEnv(t, Options{})
	ctx := context.Background()
	put := func(c *oss.Client) error {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("b-1"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
		return err
	}
	for _, v := range []oss.SignatureVersionType{oss.SignatureVersionV4, oss.SignatureVersionV1} {
		err := put(e.ossClient("wrong-secret", v))
		var se *oss.ServiceError
		if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden || se.Code != "SignatureDoesNotMatch" || se.RequestID == "" {
			t.Errorf("version %v, wrong secret: %v", v, err)
		} else if !bytes.Contains(se.Snapshot, []byte("<StringToSign>")) {
			t.Errorf("no StringToSign in %s", se.Snapshot)
		}
	}
	other := oss.NewClient(oss.LoadDefaultConfig().WithRegion("cn-hangzhou").WithEndpoint(e.ossURL).WithRetryMaxAttempts(1).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("unknown-ak", testSK)))
	if _, code := ossErrorCode(put(other)); code != "InvalidAccessKeyId" {
		t.Errorf("unknown AccessKeyId: %v", put(other))
	}
	wrongRegion := oss.NewClient(oss.LoadDefaultConfig().WithRegion("cn-beijing").WithEndpoint(e.ossURL).WithRetryMaxAttempts(1).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAK, testSK)))
	if st, code := ossErrorCode(put(wrongRegion)); st != http.StatusBadRequest || code != "InvalidArgument" {
		t.Errorf("wrong signing region: %v", put(wrongRegion))
	}
	// Unsigned requests get nothing.
	resp, err := http.Get(e.ossURL + "/b-1/k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) || resp.Header.Get("x-oss-request-id") == "" {
		t.Errorf("anonymous GET: %d %s", resp.StatusCode, body)
	}
	// A body that does not match its Content-MD5 is not stored.
	if _, err := e.ossClient(testSK, oss.SignatureVersionV4).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("b-1"), Key: oss.Ptr("md5"),
		Body: strings.NewReader("abc"), ContentMD5: oss.Ptr("1B2M2Y8AsgTpgAmY7PhCfg==")}); func() string { _, c := ossErrorCode(err); return c }() != "InvalidDigest" {
		t.Errorf("Content-MD5 mismatch: %v", err)
	}
	if st := e.s.Stats(); st.Rejected != 5 || st.Requests["oss:PutObject"] != 5 {
		t.Errorf("stats = %+v", st)
	}
}

func TestOSSClockSkew(t *testing.T) {
	clock := newSettableClock()
	clock.Advance(time.Hour)
	e := startOSSEnv(t, Options{Now: clock.Now})
	ctx := context.Background()
	_, err := e.ossClient(testSK, oss.SignatureVersionV4).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("skew"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
	if st, code := ossErrorCode(err); st != http.StatusForbidden || code != "RequestTimeTooSkewed" {
		t.Fatalf("skewed request: %v", err)
	}
	// With retries, the SDK corrects its clock from the response's Date.
	cfg := oss.LoadDefaultConfig().WithRegion("cn-hangzhou").WithEndpoint(e.ossURL).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAK, testSK))
	if _, err := oss.NewClient(cfg).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("skew"), Key: oss.Ptr("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("PutObject after clock correction: %v", err)
	}
}

func TestOSSMissingBucketAndObject(t *testing.T) {
	e := startOSSEnv(t, Options{Buckets: []string{"code"}})
	c := e.ossClient(testSK, oss.SignatureVersionV4)
	ctx := context.Background()
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code"), Key: oss.Ptr("nope.zip")})
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 404 || se.Code != "NoSuchKey" || !bytes.Contains(se.Snapshot, []byte("<Key>nope.zip</Key>")) {
		t.Errorf("missing object: %v", err)
	}
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("other"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
	if st, code := ossErrorCode(err); st != 404 || code != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("other"), Key: oss.Ptr("k")}); func() string { _, c := ossErrorCode(err); return c }() != "NoSuchBucket" {
		t.Errorf("HEAD in a missing bucket: %v", err)
	}
	if _, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("code")}); func() int { s, _ := ossErrorCode(err); return s }() != http.StatusNotImplemented {
		t.Errorf("bucket operation: %v", err)
	}
	if _, err := New(Options{Credentials: map[string]string{"a": "b"}, Buckets: []string{"Bad_Name"}}); err == nil {
		t.Error("invalid bucket name in Options accepted")
	}
}

func TestOSSMultipartUpload(t *testing.T) {
	e := startOSSEnv(t, Options{})
	c := e.ossClient(testSK, oss.SignatureVersionV4)
	ctx := context.Background()
	const size = 5<<20 + 12345
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{1}).Read(data)

	// From a reader that is not seekable, as a streamed package would be.
	up := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 1 << 20 })
	res, err := up.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("big.bin")}, io.MultiReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatalf("UploadFrom: %v", err)
	}
	if oss.ToString(res.HashCRC64) != codeChecksum(data) || !strings.HasSuffix(oss.ToString(res.ETag), `-6"`) {
		t.Errorf("upload result: crc %s etag %s", oss.ToString(res.HashCRC64), oss.ToString(res.ETag))
	}
	get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, data) || oss.ToString(get.ObjectType) != "Multipart" {
		t.Errorf("multipart object: %d bytes, type %s", len(got), oss.ToString(get.ObjectType))
	}
	// From a file, through a seekable body.
	file := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := up.UploadFile(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("file.bin")}, file); err != nil {
		t.Fatalf("UploadFile: %v", err)
	}

	// The operations one by one, with OSS's checks.
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("dir/m k")})
	if err != nil || oss.ToString(init.Key) != "dir/m k" {
		t.Fatalf("InitiateMultipartUpload: %v %v", init, err)
	}
	id := init.UploadId
	partOf := func(n int32, b []byte) *oss.UploadPartResult {
		r, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("dir/m k"), UploadId: id, PartNumber: n, Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		return r
	}
	p1, small, p3 := partOf(1, data[:200<<10]), partOf(2, data[200<<10:210<<10]), partOf(3, data[210<<10:310<<10])
	complete := func(parts ...oss.UploadPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("dir/m k"), UploadId: id,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
		return err
	}
	if _, code := ossErrorCode(complete(oss.UploadPart{PartNumber: 1, ETag: p1.ETag}, oss.UploadPart{PartNumber: 2, ETag: p3.ETag})); code != "InvalidPart" {
		t.Errorf("wrong ETag: %s", code)
	}
	if _, code := ossErrorCode(complete(oss.UploadPart{PartNumber: 1, ETag: p1.ETag}, oss.UploadPart{PartNumber: 2, ETag: small.ETag}, oss.UploadPart{PartNumber: 3, ETag: p3.ETag})); code != "EntityTooSmall" {
		t.Errorf("small middle part: %s", code)
	}
	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("dir/m k"), UploadId: id})
	if err != nil || len(lp.Parts) != 3 || oss.ToString(lp.Parts[1].HashCRC64) != codeChecksum(data[200<<10:210<<10]) || lp.Parts[0].Size != 200<<10 {
		t.Fatalf("ListParts: %+v %v", lp, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr("mpu"), Key: oss.Ptr("dir/m k"), UploadId: id}); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	if st, code := ossErrorCode(complete(oss.UploadPart{PartNumber: 1, ETag: p1.ETag})); st != 404 || code != "NoSuchUpload" {
		t.Errorf("complete after abort: %d %s", st, code)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.s.files.existing(), ossDirName, ossPartsDir)); len(entries) != 0 {
		t.Errorf("parts left after abort and complete: %d", len(entries))
	}
	st := e.s.Stats()
	if st.Requests["oss:InitiateMultipartUpload"] != 3 || st.Requests["oss:UploadPart"] != 15 || st.Requests["oss:CompleteMultipartUpload"] != 5 ||
		st.Requests["oss:AbortMultipartUpload"] != 1 || st.Requests["oss:ListParts"] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestOSSEntityTooLarge(t *testing.T) {
	e := startOSSEnv(t, Options{MaxObjectSize: 1 << 20})
	c := e.ossClient(testSK, oss.SignatureVersionV4)
	ctx := context.Background()
	big := make([]byte, 2<<20)
	for name, body := range map[string]io.Reader{
		"declared length": bytes.NewReader(big),
		"chunked":         io.MultiReader(bytes.NewReader(big)),
	} {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("lim"), Key: oss.Ptr("k"), Body: body})
		if st, code := ossErrorCode(err); st != http.StatusBadRequest || code != "EntityTooLarge" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("lim"), Key: oss.Ptr("k"), Body: bytes.NewReader(big[:1<<20])}); err != nil {
		t.Errorf("object at the limit: %v", err)
	}
	if tmp, _ := os.ReadDir(filepath.Join(e.s.files.existing(), ossDirName, ossTmpDir)); len(tmp) != 0 {
		t.Errorf("temporary files left: %d", len(tmp))
	}
}

// TestOSSVirtualHostedStyle sends bucket.localhost requests, the SDK's
// default for a host name endpoint; the dialer maps every host to the
// listener, as DNS would in a real deployment.
func TestOSSVirtualHostedStyle(t *testing.T) {
	e := startOSSEnv(t, Options{})
	_, port, _ := net.SplitHostPort(e.ossLn)
	dial := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial.DialContext(ctx, network, e.ossLn)
	}}}
	c := oss.NewClient(oss.LoadDefaultConfig().WithRegion("cn-hangzhou").WithEndpoint("http://localhost:" + port).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAK, testSK)).WithHttpClient(hc))
	ctx := context.Background()
	var seenHost string
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("vhost"), Key: oss.Ptr("a/b.txt"), Body: strings.NewReader("hello")},
		func(o *oss.Options) {
			o.ResponseHandlers = append(o.ResponseHandlers, func(r *http.Response) error { seenHost = r.Request.URL.Host; return nil })
		}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if seenHost != "vhost.localhost:"+port {
		t.Errorf("request went to %q, want virtual-hosted style", seenHost)
	}
	// The same object, path-style.
	get, err := e.ossClient(testSK, oss.SignatureVersionV1).GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("vhost"), Key: oss.Ptr("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(b) != "hello" {
		t.Errorf("got %q", b)
	}
}

// TestOSSCodeForFunctions creates and updates functions from packages in
// OSS, with FC's checks, and reads them back through GetFunctionCode.
func TestOSSCodeForFunctions(t *testing.T) {
	dir := t.TempDir()
	opts := Options{DataDir: dir, Buckets: []string{"code"}, MaxOSSCodeSize: 64 << 10}
	e := startOSSEnv(t, opts)
	oc := e.ossClient(testSK, oss.SignatureVersionV4)
	fc := e.fcClient(t)
	ctx := context.Background()
	put := func(key string, b []byte) {
		t.Helper()
		if _, err := oc.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("code"), Key: oss.Ptr(key), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	zip1 := makeZip(t, map[string]string{"index.py": "one = 1\n"})
	zip2 := makeZip(t, map[string]string{"index.py": "two = 2\n"})
	put("pkgs/one.zip", zip1)
	put("pkgs/two.zip", zip2)
	put("pkgs/not-a-zip", []byte("plain text"))
	big := makeZip(t, map[string]string{"a.bin": string(randomBytes(80 << 10))})
	put("pkgs/big.zip", big)

	ossCode := func(key string) map[string]any {
		return map[string]any{"ossBucketName": "code", "ossObjectName": key}
	}
	create := func(name string, code map[string]any) (map[string]any, error) {
		return fcCall(fc, "CreateFunction", "POST", "/2023-03-30/functions", map[string]any{
			"functionName": name, "runtime": "python3.10", "handler": "index.handler", "code": code,
		})
	}
	fn, err := create("from-oss", ossCode("pkgs/one.zip"))
	if err != nil {
		t.Fatalf("CreateFunction from OSS: %v", err)
	}
	if fn["codeChecksum"] != codeChecksum(zip1) || fmt.Sprint(fn["codeSize"]) != fmt.Sprint(len(zip1)) {
		t.Errorf("codeChecksum %v codeSize %v, want %s %d", fn["codeChecksum"], fn["codeSize"], codeChecksum(zip1), len(zip1))
	}
	// FC copied the package: overwriting or deleting the object changes nothing.
	put("pkgs/one.zip", zip2)
	if _, err := oc.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("code"), Key: oss.Ptr("pkgs/one.zip")}); err != nil {
		t.Fatal(err)
	}
	if got := downloadCode(t, fc, "from-oss"); !bytes.Equal(got, zip1) {
		t.Errorf("package after the object changed: %d bytes", len(got))
	}

	for _, tc := range []struct {
		name   string
		code   map[string]any
		status int
		code_  string
		msg    string
	}{
		{"missing object", ossCode("pkgs/none.zip"), 400, "InvalidArgument", "NoSuchKey"},
		{"missing bucket", map[string]any{"ossBucketName": "elsewhere", "ossObjectName": "pkgs/two.zip"}, 400, "InvalidArgument", "NoSuchBucket"},
		{"not a zip", ossCode("pkgs/not-a-zip"), 400, "InvalidArgument", "not a valid zip"},
		{"too large", ossCode("pkgs/big.zip"), 400, "EntityTooLarge", "exceeds maximum allowed size"},
		{"bucket without object", map[string]any{"ossBucketName": "code"}, 400, "InvalidArgument", "together"},
		{"both sources", map[string]any{"ossBucketName": "code", "ossObjectName": "pkgs/two.zip", "zipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}, 400, "InvalidArgument", "mutually exclusive"},
		{"checksum mismatch", map[string]any{"ossBucketName": "code", "ossObjectName": "pkgs/two.zip", "checksum": "1"}, 400, "InvalidArgument", "checksum mismatch"},
	} {
		_, err := create("bad", tc.code)
		st, code := fcErrorCode(err)
		if st != tc.status || code != tc.code_ || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %d %s (%v)", tc.name, st, code, err)
		}
	}

	fn, err = fcCall(fc, "UpdateFunction", "PUT", "/2023-03-30/functions/from-oss", map[string]any{
		"code": map[string]any{"ossBucketName": "code", "ossObjectName": "pkgs/two.zip", "checksum": codeChecksum(zip2)},
	})
	if err != nil || fn["codeChecksum"] != codeChecksum(zip2) {
		t.Fatalf("UpdateFunction from OSS: %v %v", fn, err)
	}
	if got := downloadCode(t, fc, "from-oss"); !bytes.Equal(got, zip2) {
		t.Errorf("package after update: %d bytes", len(got))
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, codeDirName)); len(entries) != 1 {
		t.Errorf("code dir has %d files, want the live package only", len(entries))
	}

	// Objects and packages from OSS persist with the state.
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	// What a crash can leave behind: an object file the index never named,
	// a half-written upload. Loading removes both.
	orphan := filepath.Join(dir, ossDirName, ossObjectsDir, "orphan")
	halfway := filepath.Join(dir, ossDirName, ossTmpDir, "put-1")
	for _, f := range []string{orphan, halfway} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e2 := startOSSEnv(t, opts)
	for _, f := range []string{orphan, halfway} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s survived loading: %v", f, err)
		}
	}
	if got := downloadCode(t, e2.fcClient(t), "from-oss"); !bytes.Equal(got, zip2) {
		t.Errorf("package after restart: %d bytes", len(got))
	}
	get, err := e2.ossClient(testSK, oss.SignatureVersionV1).GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("code"), Key: oss.Ptr("pkgs/two.zip")})
	if err != nil {
		t.Fatalf("object after restart: %v", err)
	}
	b, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(b, zip2) {
		t.Errorf("object after restart: %d bytes", len(b))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ossDirName, ossTmpDir, "*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{7}).Read(b)
	return b
}

// downloadCode fetches a function's package through GetFunctionCode.
func downloadCode(t *testing.T, fc *openapi.Client, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	downloadCodeTo(t, fc, name, &buf)
	return buf.Bytes()
}

func downloadCodeTo(t *testing.T, fc *openapi.Client, name string, w io.Writer) (checksum string) {
	t.Helper()
	res, err := fcCall(fc, "GetFunctionCode", "GET", "/2023-03-30/functions/"+name+"/code", nil)
	if err != nil {
		t.Fatalf("GetFunctionCode: %v", err)
	}
	resp, err := http.Get(res["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		t.Fatal(err)
	}
	return res["checksum"].(string)
}

// TestOSSLargeCodePackage streams a 150 MB incompressible zip into OSS with
// the SDK's PutObject, makes it a function's code, and downloads it back,
// comparing SHA-256 digests. The bytes are generated, hashed and checked as
// they flow, never held whole, and the heap is sampled throughout: it must
// stay far below the object's size.
func TestOSSLargeCodePackage(t *testing.T) {
	if testing.Short() {
		t.Skip("150 MB upload and download; skipped with -short")
	}
	const payload = 150 << 20
	e := startOSSEnv(t, Options{})
	oc := e.ossClient(testSK, oss.SignatureVersionV4)
	fc := e.fcClient(t)
	ctx := context.Background()

	runtime.GC()
	baseline := heapwatch.InUse()
	var peak uint64
	stop := heapwatch.Sample(&peak)

	start := time.Now()
	pr, pw := io.Pipe()
	sent := sha256.New()
	go func() {
		zw := zip.NewWriter(io.MultiWriter(pw, sent))
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "blob.bin", Method: zip.Store})
		if err == nil {
			_, err = io.CopyN(w, rand.NewChaCha8([32]byte{42}), payload)
		}
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	put, err := oc.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("large"), Key: oss.Ptr("pkg.zip"), Body: pr})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	uploaded := time.Now()

	fn, err := fcCall(fc, "CreateFunction", "POST", "/2023-03-30/functions", map[string]any{
		"functionName": "large", "runtime": "python3.10", "handler": "index.handler",
		"code": map[string]any{"ossBucketName": "large", "ossObjectName": "pkg.zip"},
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	created := time.Now()
	got := sha256.New()
	checksum := downloadCodeTo(t, fc, "large", got)
	done := time.Now()
	stop()

	if !bytes.Equal(got.Sum(nil), sent.Sum(nil)) {
		t.Errorf("downloaded package differs: sha256 %s, uploaded %s", hex.EncodeToString(got.Sum(nil)), hex.EncodeToString(sent.Sum(nil)))
	}
	if fn["codeChecksum"] != oss.ToString(put.HashCRC64) || checksum != oss.ToString(put.HashCRC64) {
		t.Errorf("codeChecksum %v, GetFunctionCode checksum %s, OSS CRC-64 %s", fn["codeChecksum"], checksum, oss.ToString(put.HashCRC64))
	}
	if size, err := strconv.ParseInt(fmt.Sprint(fn["codeSize"]), 10, 64); err != nil || size < payload || size > payload+1<<10 {
		t.Errorf("codeSize = %v", fn["codeSize"])
	}
	t.Logf("upload %v, CreateFunction %v, download %v; heap in use: baseline %.1f MiB, peak %.1f MiB",
		uploaded.Sub(start).Round(time.Millisecond), created.Sub(uploaded).Round(time.Millisecond), done.Sub(created).Round(time.Millisecond),
		float64(baseline)/(1<<20), float64(peak)/(1<<20))
	if peak > 16<<20 {
		t.Errorf("peak heap in use %.1f MiB for a %d MiB package", float64(peak)/(1<<20), payload>>20)
	}
}
