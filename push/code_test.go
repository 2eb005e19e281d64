package push

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/heapwatch"
	"github.com/fcgit/fcgit/snapshot"
)

// TestInlineBudget: however many deploys run at once, the inline packages
// being sent never weigh more than the budget together; a package heavier
// than the whole budget is sent alone; a cancelled wait gives up.
func TestInlineBudget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int64
		sizes  []int64
	}{
		{"small packages share it", 1 << 20, []int64{100 << 10, 200 << 10, 50 << 10, 150 << 10, 10 << 10, 300 << 10, 1, 0}},
		{"a package over the budget goes alone", 1 << 20, []int64{4 << 20, 100 << 10, 100 << 10, 4 << 20, 200 << 10}},
		{"a budget of one byte serialises", 1, []int64{10, 20, 30, 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newInlineBudget(tc.budget)
			var (
				inUse, peak atomic.Int64
				alone       atomic.Bool // a package over the budget is being sent
				wg          sync.WaitGroup
				failed      atomic.Value
			)
			for i := 0; i < 8; i++ {
				for _, size := range tc.sizes {
					wg.Add(1)
					go func() {
						defer wg.Done()
						release, err := b.acquire(context.Background(), size)
						if err != nil {
							failed.Store(err)
							return
						}
						w := min(inlineWeight(size), tc.budget)
						now := inUse.Add(w)
						for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
						}
						big := inlineWeight(size) >= tc.budget
						if big {
							alone.Store(true)
						}
						if (big && now != w) || (!big && alone.Load()) {
							failed.Store(fmt.Errorf("a package over the budget shared it: %d in use", now))
						}
						time.Sleep(time.Millisecond)
						if big {
							alone.Store(false)
						}
						inUse.Add(-w)
						release()
					}()
				}
			}
			wg.Wait()
			if err, _ := failed.Load().(error); err != nil {
				t.Fatal(err)
			}
			if p := peak.Load(); p > tc.budget {
				t.Fatalf("%d bytes in flight at once, over the %d budget", p, tc.budget)
			}
		})
	}

	t.Run("cancelled wait", func(t *testing.T) {
		b := newInlineBudget(1 << 20)
		release, err := b.acquire(context.Background(), 10<<20)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		if _, err := b.acquire(ctx, 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("acquire on a full budget = %v, want it cancelled", err)
		}
		release()
		if r, err := b.acquire(context.Background(), 1); err != nil {
			t.Fatalf("acquire after release: %v", err)
		} else {
			r()
		}
	})
}

// memFiles are code files whose contents are generated as they are read.
func memFiles(t *testing.T, spec map[string]int64, seed byte) []snapshot.CodeFile {
	t.Helper()
	var files []snapshot.CodeFile
	for p, n := range spec {
		files = append(files, snapshot.CodeFile{Path: p, Mode: 0o644, Size: n, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.LimitReader(rand.NewChaCha8([32]byte{seed}), n)), nil
		}})
	}
	return files
}

// TestZipBound: the bound is never below the size of the zip WriteZip makes,
// whatever deflate makes of the contents.
func TestZipBound(t *testing.T) {
	long := strings.Repeat("d/", 100) + "f"
	for _, tc := range []struct {
		name  string
		files []snapshot.CodeFile
	}{
		{"incompressible", memFiles(t, map[string]int64{"a.bin": 1 << 20, "b.bin": 70 << 10}, 1)},
		{"empty files, long names", memFiles(t, map[string]int64{long: 0, "x": 0, "y/z": 0}, 2)},
		{"many small files", func() []snapshot.CodeFile {
			spec := map[string]int64{}
			for i := range 500 {
				spec[fmt.Sprintf("lib/m%03d.py", i)] = int64(i % 7)
			}
			return memFiles(t, spec, 3)
		}()},
		{"compressible", []snapshot.CodeFile{{Path: "z", Mode: 0o644, Size: 1 << 20, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(make([]byte, 1<<20))), nil
		}}}},
		{"symlink", []snapshot.CodeFile{{Path: "link", Mode: fs.ModeSymlink | 0o777, Size: 6, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("target")), nil
		}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n countingWriter
			n.ctx, n.w = context.Background(), io.Discard
			if err := snapshot.WriteZip(&n, tc.files); err != nil {
				t.Fatal(err)
			}
			if b := zipBound(tc.files); b < n.n {
				t.Fatalf("bound %d below the zip's %d bytes", b, n.n)
			}
		})
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1023: "1023 bytes", 1 << 10: "1 KiB", 64 << 10: "64 KiB", 300<<10 + 205: "300.2 KiB",
		100 << 20: "100 MiB", 500 << 20: "500 MiB", 150<<20 + 1<<19: "150.5 MiB",
	} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

// recordingUploader checks what it is given as OSS would: it reads the
// package where it lies, in parts, and computes its checksum.
type recordingUploader struct {
	bucket, object string
	size           int64
	err            error
}

func (u *recordingUploader) Upload(ctx context.Context, bucket, object string, code io.ReaderAt, size int64, checksum string) error {
	u.bucket, u.object, u.size = bucket, object, size
	sum := fc.NewChecksum()
	if _, err := io.CopyBuffer(sum, io.NewSectionReader(code, 0, size), make([]byte, 128<<10)); err != nil {
		return err
	}
	if got := strconv.FormatUint(sum.Sum64(), 10); got != checksum {
		u.err = fmt.Errorf("uploaded package has checksum %s, announced %s", got, checksum)
	}
	return u.err
}

func testDeployer(t *testing.T, opts CodeOptions) *deployer {
	t.Helper()
	opts.TempDir = t.TempDir()
	d := &deployer{code: newCodeSender(opts, "cn-hangzhou")}
	t.Cleanup(func() {
		d.code.cleanup()
		if left, _ := os.ReadDir(opts.TempDir); len(left) > 0 {
			t.Errorf("temporary packages left behind: %v", left)
		}
	})
	return d
}

// TestPackageThroughOSSStreams: a package over the inline limit is zipped to
// a file and uploaded from it without ever being held in memory: the heap
// grows by a fraction of the package's size, sampled throughout.
func TestPackageThroughOSSStreams(t *testing.T) {
	const size = 8 << 20
	up := &recordingUploader{}
	d := testDeployer(t, CodeOptions{Bucket: "deploy", Prefix: "fcgit/", Uploader: up, MaxInline: 1 << 20})
	ctx := context.Background()
	files := memFiles(t, map[string]int64{"model.bin": size, "index.py": 100}, 5)

	runtime.GC()
	baseline := heapwatch.InUse()
	var peak uint64
	stop := heapwatch.Sample(&peak)
	pkg, err := d.pack(ctx, files, true)
	if err == nil {
		d.code.packed["big"] = pkg
		var code *sentCode
		if code, err = d.prepareCode(ctx, Action{Function: "big", Op: "create"}); err == nil {
			want := map[string]any{"ossBucketName": "deploy", "ossObjectName": "fcgit/big/" + pkg.checksum + ".zip", "checksum": pkg.checksum}
			if fmt.Sprint(code.input) != fmt.Sprint(want) || code.checksum != pkg.checksum {
				t.Errorf("code input %v, want %v", code.input, want)
			}
			code.release()
		}
	}
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if up.size != pkg.size || up.size < size || up.err != nil {
		t.Fatalf("uploaded %d bytes of a %d-byte package: %v", up.size, pkg.size, up.err)
	}
	if _, err := os.Stat(pkg.file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the package's temporary file is still there after the upload: %v", err)
	}
	growth := int64(peak) - int64(baseline)
	t.Logf("%d MiB package: heap in use %.1f MiB before, peak %.1f MiB", size>>20, float64(baseline)/(1<<20), float64(peak)/(1<<20))
	if growth > size/2 {
		t.Fatalf("heap grew by %.1f MiB while zipping and uploading a %d MiB package", float64(growth)/(1<<20), size>>20)
	}
}

// TestPackageInline: a package within the inline limit is sent as base64
// read from its file into the request body, holding its share of the budget
// (and its file) until released.
func TestPackageInline(t *testing.T) {
	d := testDeployer(t, CodeOptions{InlineBudget: 64 << 10})
	ctx := context.Background()
	pkg, err := d.pack(ctx, memFiles(t, map[string]int64{"index.py": 10 << 10}, 6), true)
	if err != nil {
		t.Fatal(err)
	}
	d.code.packed["small"] = pkg
	code, err := d.prepareCode(ctx, Action{Function: "small", Op: "create"})
	if err != nil {
		t.Fatal(err)
	}
	inline := code.input["zipFile"].(fc.InlineZip)
	rc, err := inline.Open()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || int64(len(raw)) != inline.Size {
		t.Fatalf("inline package: %d bytes of %d: %v", len(raw), inline.Size, err)
	}
	if _, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw))); err != nil || fc.Checksum(raw) != pkg.checksum || code.input["checksum"] != pkg.checksum {
		t.Fatalf("inline package: %v; checksum %s, announced %v", err, fc.Checksum(raw), code.input["checksum"])
	}
	held := min(inlineWeight(pkg.size), 64<<10)
	if d.code.budget.sem.TryAcquire(64<<10 - held + 1) {
		t.Fatal("the package being sent does not hold its share of the budget")
	}
	code.release()
	code.release() // twice is harmless
	if !d.code.budget.sem.TryAcquire(64 << 10) {
		t.Fatal("released, yet the budget is not whole again")
	}
	if code.input != nil || code.checksum != pkg.checksum {
		t.Fatalf("released code keeps its package (%d keys) or lost its checksum %q", len(code.input), code.checksum)
	}
	if _, err := os.Stat(pkg.file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the package's temporary file is still there once released: %v", err)
	}
}

// TestPackCancelled: Ctrl-C stops a long zip, and its file goes.
func TestPackCancelled(t *testing.T) {
	d := testDeployer(t, CodeOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	files := []snapshot.CodeFile{{Path: "a", Mode: 0o644, Size: 64 << 20, Open: func() (io.ReadCloser, error) {
		cancel()
		return io.NopCloser(io.LimitReader(rand.NewChaCha8([32]byte{}), 64<<20)), nil
	}}}
	if _, err := d.pack(ctx, files, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("pack = %v, want it cancelled", err)
	}
}
