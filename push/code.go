package push

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"golang.org/x/sync/semaphore"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// MaxInlineCode is FC's limit for a code package sent inline (base64 in the
// request); larger packages, up to fc.MaxCodePackageSize, go through OSS.
const MaxInlineCode = 100 << 20

// DefaultInlineBudget bounds the memory that inline packages take while they
// are sent (see inlineWeight), whatever the number of jobs.
const DefaultInlineBudget = 64 << 20

// Uploader puts a code package where FC can read it: an OSS bucket in the
// functions' region.
type Uploader interface {
	// Upload stores size bytes of code as bucket/object. checksum is FC's
	// checksum of them (CRC-64/ECMA-182, unsigned decimal).
	Upload(ctx context.Context, bucket, object string, code io.ReaderAt, size int64, checksum string) error
}

// CodeOptions say how push sends code packages.
type CodeOptions struct {
	// Bucket and Prefix place packages over MaxInline in OSS, as objects
	// <Prefix><function>/<checksum>.zip (fcgit.toml [code] ossBucket and
	// ossPrefix). Without a Bucket such packages are refused before
	// anything is written.
	Bucket, Prefix string
	Uploader       Uploader
	// MaxInline is the largest package sent inline; 0 means MaxInlineCode.
	MaxInline int64
	// MaxSize is the largest package FC takes at all; 0 means
	// fc.MaxCodePackageSize.
	MaxSize int64
	// InlineBudget bounds the memory of inline packages being sent; 0
	// means DefaultInlineBudget.
	InlineBudget int64
	// TempDir holds zipped packages until they are sent; "" means the
	// repository's temporary directory (gitstate's CreateTemp), where the
	// next run removes what a killed one left.
	TempDir string
}

func (o CodeOptions) withDefaults() CodeOptions {
	if o.MaxInline <= 0 {
		o.MaxInline = MaxInlineCode
	}
	if o.MaxSize <= 0 {
		o.MaxSize = fc.MaxCodePackageSize
	}
	if o.InlineBudget <= 0 {
		o.InlineBudget = DefaultInlineBudget
	}
	return o
}

// codeSender zips, measures and sends the code packages of one push.
type codeSender struct {
	opts   CodeOptions
	region string
	budget *inlineBudget

	mu sync.Mutex
	// packed are packages zipped before anything was written, to learn
	// their size; the deploy sends them rather than zipping again.
	packed map[string]*codePackage
}

func newCodeSender(opts CodeOptions, region string) *codeSender {
	opts = opts.withDefaults()
	return &codeSender{opts: opts, region: region, budget: newInlineBudget(opts.InlineBudget), packed: map[string]*codePackage{}}
}

// codePackage is a zipped code package.
type codePackage struct {
	file     string // temporary file holding it; "" when only measured
	size     int64
	checksum string // FC's codeChecksum of it
}

func (p *codePackage) remove() {
	if p.file != "" {
		_ = os.Remove(p.file)
	}
}

// take hands over the package zipped for function before the deploy, nil if
// there is none.
func (s *codeSender) take(function string) *codePackage {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.packed[function]
	delete(s.packed, function)
	return p
}

// cleanup removes the packages that were zipped but not sent (a refusal, a
// failure, Ctrl-C).
func (s *codeSender) cleanup() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, p := range s.packed {
		p.remove()
		delete(s.packed, name)
	}
}

// refusal says why FC cannot take a package of size bytes, nil if it can.
func (s *codeSender) refusal(size int64) error {
	switch {
	case size > s.opts.MaxSize:
		return fmt.Errorf("the code package is %s zipped; FC takes at most %s, through OSS: make it smaller (dependencies in layers, or a custom container image)",
			sizeText(size), sizeText(s.opts.MaxSize))
	case size > s.opts.MaxInline && (s.opts.Bucket == "" || s.opts.Uploader == nil):
		return fmt.Errorf("the code package is %s zipped, over the %s FC takes inline: set ossBucket in the [code] table of fcgit.toml to an OSS bucket in %s, and push uploads packages this large there for FC to read (up to %s)",
			sizeText(size), sizeText(s.opts.MaxInline), s.region, sizeText(s.opts.MaxSize))
	}
	return nil
}

// sendsCode reports whether a's write carries a code package.
func sendsCode(a Action) bool {
	switch a.Op {
	case "create":
		return !a.Local.CodeTree.IsZero()
	case "update":
		return a.Code
	}
	return false
}

// checkCode refuses, before anything is written, the packages FC would not
// take: over the inline limit with no OSS bucket to put them in, or over
// FC's limit for any package. A package whose files are small enough that
// it fits inline whatever deflate makes of them is not zipped here; the
// others are, to learn their size, and kept (when keep is set) so that the
// deploy does not zip them again.
func (d *deployer) checkCode(ctx context.Context, dir string, plan *plan.Writes, keep bool) error {
	var errs []error
	for _, a := range plan.Actions {
		if !sendsCode(a) {
			continue
		}
		where := path.Join(dir, a.Function, "code") + "/"
		files, err := d.codeFiles(a.Local.CodeTree)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if zipBound(files) <= d.code.opts.MaxInline {
			continue
		}
		pkg, err := d.pack(ctx, files, keep)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if keep {
			d.code.mu.Lock()
			d.code.packed[a.Function] = pkg
			d.code.mu.Unlock()
		}
		if err := d.code.refusal(pkg.size); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	return errors.Join(errs...)
}

func (d *deployer) codeFiles(tree plumbing.Hash) ([]snapshot.CodeFile, error) {
	d.repoMu.Lock()
	defer d.repoMu.Unlock()
	files, err := fetch.CodeFiles(d.repo, tree)
	if err != nil {
		return nil, fmt.Errorf("read code: %w", err)
	}
	return files, nil
}

// pack zips files, streaming from their blobs, into a temporary file (or,
// without keep, nowhere), computing FC's checksum on the way: a package is
// never held in memory.
func (d *deployer) pack(ctx context.Context, files []snapshot.CodeFile, keep bool) (_ *codePackage, err error) {
	sum := fc.NewChecksum()
	var (
		out io.Writer = sum
		f   *os.File
		bw  *bufio.Writer
	)
	if keep {
		if d.code.opts.TempDir != "" {
			f, err = os.CreateTemp(d.code.opts.TempDir, "fcgit-code-*.zip")
		} else {
			f, err = d.repo.CreateTemp("fcgit-code", ".zip")
		}
		if err != nil {
			return nil, fmt.Errorf("zip code: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("zip code: %w", cerr)
			}
			if err != nil {
				_ = os.Remove(f.Name())
			}
		}()
		bw = bufio.NewWriterSize(f, 256<<10)
		out = io.MultiWriter(bw, sum)
	}
	w := &countingWriter{ctx: ctx, w: out}
	d.repoMu.Lock()
	err = snapshot.WriteZip(w, files)
	d.repoMu.Unlock()
	if err == nil && bw != nil {
		err = bw.Flush()
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("zip code: %w", err)
	}
	pkg := &codePackage{size: w.n, checksum: strconv.FormatUint(sum.Sum64(), 10)}
	if f != nil {
		pkg.file = f.Name()
	}
	return pkg, nil
}

// countingWriter counts what goes through it, and stops a long zip as soon
// as the push is cancelled.
type countingWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// zipBound is an upper bound of the size of the zip WriteZip makes of files:
// the contents, deflate's worst case on incompressible data (stored blocks
// of at most 64 KiB, 5 bytes each), and each entry's headers (local and
// central, with zip64 extras). Packages within the inline limit by this
// bound need not be zipped to know that they are.
func zipBound(files []snapshot.CodeFile) int64 {
	n := int64(1 << 10) // end of central directory records
	for _, f := range files {
		n += f.Size + f.Size/(1<<12) + 256 + 2*int64(len(f.Path))
	}
	return n
}

// sentCode is the code field of a create or update, ready to send.
type sentCode struct {
	input    map[string]any
	checksum string
	once     sync.Once
	free     func() // returns its share of the inline budget
	pkg      *codePackage
}

// release drops the package and returns its share of the inline budget,
// once the request carrying it has been answered; only the checksum stays,
// for the read-back. It may be called more than once.
func (c *sentCode) release() {
	if c == nil {
		return
	}
	c.input = nil
	c.once.Do(func() {
		if c.pkg != nil {
			c.pkg.remove()
			if c.pkg.size >= returnMemoryAbove {
				// The request body that carried the package is garbage
				// now; hand its memory back before the next large body
				// is built, rather than when the collector gets to it,
				// so that pushing many large packages stays within the
				// memory one of them takes.
				debug.FreeOSMemory()
			}
		}
		if c.free != nil {
			c.free()
		}
	})
}

// returnMemoryAbove is the inline package size from which release returns
// the memory of its request body to the system at once.
const returnMemoryAbove = 16 << 20

// prepareCode makes a's code package ready to send: zipped (unless it was
// before the first write), then either to be read into the request body as
// base64 when the request is made, within the inline budget, or uploaded to
// OSS. The temporary file is gone once the code is released (inline), or
// when it returns (OSS).
func (d *deployer) prepareCode(ctx context.Context, a Action) (_ *sentCode, err error) {
	var tree plumbing.Hash
	if a.Local != nil {
		tree = a.Local.CodeTree
	}
	return d.prepareTree(ctx, a.Function, tree, true)
}

// prepareTree readies a code tree of function name for sending; cached
// takes the package checkCode zipped for the function's deploy, if any.
func (d *deployer) prepareTree(ctx context.Context, name string, tree plumbing.Hash, cached bool) (_ *sentCode, err error) {
	var pkg *codePackage
	if cached {
		pkg = d.code.take(name)
	}
	if pkg == nil {
		files, err := d.codeFiles(tree)
		if err != nil {
			return nil, err
		}
		if pkg, err = d.pack(ctx, files, true); err != nil {
			return nil, err
		}
	}
	keep := false
	defer func() {
		if !keep {
			pkg.remove()
		}
	}()
	if err := d.code.refusal(pkg.size); err != nil {
		return nil, err
	}
	if pkg.size <= d.code.opts.MaxInline {
		free, err := d.code.budget.acquire(ctx, pkg.size)
		if err != nil {
			return nil, err
		}
		keep = true
		file := pkg.file
		zip := fc.InlineZip{Size: pkg.size, Open: func() (io.ReadCloser, error) { return os.Open(file) }}
		return &sentCode{input: map[string]any{"zipFile": zip, "checksum": pkg.checksum}, checksum: pkg.checksum, free: free, pkg: pkg}, nil
	}
	bucket := d.code.opts.Bucket
	object := d.code.opts.Prefix + name + "/" + pkg.checksum + ".zip"
	f, err := os.Open(pkg.file)
	if err != nil {
		return nil, fmt.Errorf("upload %s code to oss://%s/%s: %w", name, bucket, object, err)
	}
	defer f.Close()
	if err := d.code.opts.Uploader.Upload(ctx, bucket, object, f, pkg.size, pkg.checksum); err != nil {
		return nil, fmt.Errorf("upload %s code to oss://%s/%s: %w", name, bucket, object, err)
	}
	return &sentCode{input: map[string]any{"ossBucketName": bucket, "ossObjectName": object, "checksum": pkg.checksum}, checksum: pkg.checksum}, nil
}

// inlineBudget bounds the memory inline packages take while being sent:
// FC's API takes them base64-encoded in a signed JSON body, which has to be
// built whole, so each holds memory in proportion to its size from the
// moment it is encoded until FC answers. Without a bound, --jobs 16 pushes
// of large packages would hold sixteen of them at once.
type inlineBudget struct {
	sem   *semaphore.Weighted
	total int64
}

func newInlineBudget(total int64) *inlineBudget {
	return &inlineBudget{sem: semaphore.NewWeighted(total), total: total}
}

// inlineWeight is the memory an inline package of size bytes holds while it
// is sent: the request body that carries it as base64 (fc.InlineZip reads
// it straight into the body).
func inlineWeight(size int64) int64 {
	return int64(base64.StdEncoding.EncodedLen(int(size)))
}

// acquire waits until a package of size bytes fits in the budget, and
// returns the function that gives its share back. A package heavier than
// the whole budget takes all of it, so it is sent alone.
func (b *inlineBudget) acquire(ctx context.Context, size int64) (release func(), err error) {
	// At least one unit, so that nothing slips past a package holding
	// the whole budget.
	n := max(1, min(inlineWeight(size), b.total))
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}

// sizeText renders a package size for people: exact when it is a whole
// number of its unit (limits), else to a tenth.
func sizeText(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		switch {
		case n >= u.size && n%u.size == 0:
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		case n >= u.size:
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
