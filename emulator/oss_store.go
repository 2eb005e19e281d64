package emulator

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The OSS store keeps every object as a file of its own, named by a random
// id, under <root>/oss/objects; metadata lives in an index in memory,
// written to <root>/oss/index.json after every change when persisting. An
// upload streams into a temporary file in <root>/oss/tmp while its digests
// are computed, and is renamed into place only once complete and verified:
// a reader sees the old object or the new one, never a torn one, and a
// crash leaves at most an orphan file, removed on the next load. Files are
// never rewritten, so an open file stays a consistent snapshot even when its
// object is overwritten or deleted meanwhile.
//
// Multipart uploads keep their parts under <root>/oss/parts/<uploadId>;
// they are not persisted (a restart forgets unfinished uploads, which OSS
// would keep until aborted).
const (
	ossDirName      = "oss"
	ossIndexName    = "index.json"
	ossObjectsDir   = "objects"
	ossPartsDir     = "parts"
	ossTmpDir       = "tmp"
	ossIndexVersion = 1

	ossMinPartSize = 100 << 10 // every part but the last, as OSS requires
	ossMaxParts    = 10000
)

// ossObject is one stored object's metadata.
type ossObject struct {
	File         string            `json:"file"` // name under objects/
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"`                 // upper-case hex, without quotes
	CRC64        string            `json:"crc64"`                // CRC-64/ECMA-182, unsigned decimal
	ContentMD5   string            `json:"contentMd5,omitempty"` // base64; empty for multipart objects, as OSS
	ContentType  string            `json:"contentType"`
	Headers      map[string]string `json:"headers,omitempty"` // stored standard headers (Cache-Control, …)
	Meta         map[string]string `json:"meta,omitempty"`    // x-oss-meta-* by lower-case header name
	LastModified time.Time         `json:"lastModified"`
	Multipart    bool              `json:"multipart,omitempty"`
}

type ossIndex struct {
	Version int                              `json:"version"`
	Buckets map[string]map[string]*ossObject `json:"buckets"`
}

// ossUpload is an unfinished multipart upload.
type ossUpload struct {
	bucket, key string
	initiated   time.Time
	template    ossObject // content type, headers and metadata given at initiation
	parts       map[int]*ossPart
	completing  bool // CompleteMultipartUpload is assembling it: it is gone for everyone else
}

type ossPart struct {
	file         string // path
	size         int64
	md5          [16]byte
	crc64        string
	lastModified time.Time
}

func (p *ossPart) etag() string { return strings.ToUpper(hex.EncodeToString(p.md5[:])) }

type ossStore struct {
	files   *fileRoot
	persist bool

	mu      sync.Mutex
	closed  bool            // persisting stopped (Server.Close)
	buckets map[string]bool // the buckets that exist; nil: every valid name
	objects map[string]map[string]*ossObject
	uploads map[string]*ossUpload
}

func newOSSStore(files *fileRoot, persist bool, buckets []string) (*ossStore, error) {
	st := &ossStore{files: files, persist: persist, objects: map[string]map[string]*ossObject{}, uploads: map[string]*ossUpload{}}
	if len(buckets) > 0 {
		st.buckets = map[string]bool{}
		for _, b := range buckets {
			st.buckets[b] = true
		}
	}
	if persist {
		if err := st.load(); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// load reads the persisted index and removes what no index entry names:
// orphans of a crash, temporary files, and the parts of uploads a restart
// forgets.
func (st *ossStore) load() error {
	root := filepath.Join(st.files.dataDir, ossDirName)
	data, err := os.ReadFile(filepath.Join(root, ossIndexName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read emulator OSS index: %w", err)
	default:
		var idx ossIndex
		if err := json.Unmarshal(data, &idx); err != nil {
			return fmt.Errorf("decode emulator OSS index %s: %w", filepath.Join(root, ossIndexName), err)
		}
		if idx.Version != ossIndexVersion {
			return fmt.Errorf("emulator OSS index %s has version %d, want %d", root, idx.Version, ossIndexVersion)
		}
		if idx.Buckets != nil {
			st.objects = idx.Buckets
		}
	}
	live := map[string]bool{}
	for bucket, objs := range st.objects {
		for key, o := range objs {
			if _, err := os.Stat(filepath.Join(root, ossObjectsDir, o.File)); err != nil {
				return fmt.Errorf("read OSS object oss://%s/%s: %w", bucket, key, err)
			}
			live[o.File] = true
		}
	}
	entries, _ := os.ReadDir(filepath.Join(root, ossObjectsDir))
	for _, e := range entries {
		if !live[e.Name()] {
			_ = os.Remove(filepath.Join(root, ossObjectsDir, e.Name()))
		}
	}
	_ = os.RemoveAll(filepath.Join(root, ossPartsDir))
	_ = os.RemoveAll(filepath.Join(root, ossTmpDir))
	return nil
}

// saveLocked writes the index when persisting. st.mu is held.
func (st *ossStore) saveLocked() error {
	if !st.persist || st.closed {
		return nil
	}
	data, err := json.MarshalIndent(ossIndex{Version: ossIndexVersion, Buckets: st.objects}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(st.files.dataDir, ossDirName, ossIndexName), data)
}

func (st *ossStore) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
}

func (st *ossStore) dir(sub string) (string, error) {
	root, err := st.files.dir()
	if err != nil {
		return "", err
	}
	d := filepath.Join(root, ossDirName, sub)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	return d, nil
}

func randomName(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// tempPath returns a fresh name in the temporary directory; nothing is
// created.
func (st *ossStore) tempPath(prefix string) (string, error) {
	d, err := st.dir(ossTmpDir)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, randomName(prefix)), nil
}

// bucketExists needs no lock: buckets is read-only after newOSSStore.
func (st *ossStore) bucketExists(bucket string) bool {
	return st.buckets == nil || st.buckets[bucket]
}

// open returns an object's metadata and its file, opened under the lock so
// that it cannot be replaced between the lookup and the open. The caller
// closes the file.
func (st *ossStore) open(bucket, key string) (ossObject, *os.File, string, *ossAPIError) {
	if !validBucketName(bucket) {
		return ossObject{}, nil, "", ossErrorf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
	}
	if !validObjectName(key) {
		return ossObject{}, nil, "", ossErrorf(http.StatusBadRequest, "InvalidObjectName", "The specified object is not valid.")
	}
	if !st.bucketExists(bucket) {
		return ossObject{}, nil, "", ossNoSuchBucket(bucket)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.objects[bucket][key]
	if o == nil {
		return ossObject{}, nil, "", ossNoSuchKey(key)
	}
	root, err := st.files.dir()
	if err != nil {
		return ossObject{}, nil, "", ossInternal("%v", err)
	}
	path := filepath.Join(root, ossDirName, ossObjectsDir, o.File)
	f, err := os.Open(path)
	if err != nil {
		return ossObject{}, nil, "", ossInternal("open object: %v", err)
	}
	return *o, f, path, nil
}

// stat returns an object's metadata.
func (st *ossStore) stat(bucket, key string) (ossObject, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.objects[bucket][key]
	if o == nil {
		return ossObject{}, false
	}
	return *o, true
}

// ossReceived is a request body stored in a temporary file.
type ossReceived struct {
	path   string
	size   int64
	md5    [16]byte
	crc64  uint64
	sha256 []byte // only when asked for
}

func (r *ossReceived) discard() { _ = os.Remove(r.path) }

// receive streams body into a temporary file, computing its MD5, CRC-64
// and, when wantSHA256, SHA-256 on the way, so no more than one copy
// buffer of it is ever in memory. More than limit bytes is EntityTooLarge,
// checked as the bytes arrive, so a chunked body without Content-Length is
// cut off at the limit too.
func (st *ossStore) receive(body io.Reader, limit int64, wantSHA256 bool) (*ossReceived, *ossAPIError) {
	d, err := st.dir(ossTmpDir)
	if err != nil {
		return nil, ossInternal("%v", err)
	}
	f, err := os.CreateTemp(d, "put-*")
	if err != nil {
		return nil, ossInternal("create temporary file: %v", err)
	}
	rec := &ossReceived{path: f.Name()}
	md := md5.New()
	crc := crc64.New(crc64Table)
	writers := []io.Writer{fileWriter{f}, md, crc}
	var sh hash.Hash
	if wantSHA256 {
		sh = sha256.New()
		writers = append(writers, sh)
	}
	var n int64
	if body != nil {
		n, err = io.CopyBuffer(io.MultiWriter(writers...), io.LimitReader(body, limit+1), make([]byte, copyBufferSize))
	}
	var fail *ossAPIError
	switch {
	case err != nil && isWriteError(err):
		fail = ossInternal("store object: %v", err)
	case err != nil:
		// The client went away or sent less than it declared. The code is
		// S3's; OSS's for this case is inferred to be the same.
		fail = ossErrorf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header: %v", err)
	case n > limit:
		fail = ossEntityTooLarge(-1, limit)
	}
	if fail == nil && st.persist {
		if err := f.Sync(); err != nil {
			fail = ossInternal("sync object: %v", err)
		}
	}
	if err := f.Close(); err != nil && fail == nil {
		fail = ossInternal("close object: %v", err)
	}
	if fail != nil {
		rec.discard()
		return nil, fail
	}
	rec.size = n
	copy(rec.md5[:], md.Sum(nil))
	rec.crc64 = crc.Sum64()
	if sh != nil {
		rec.sha256 = sh.Sum(nil)
	}
	return rec, nil
}

// writeError marks errors from the file side of a copy, so they are not
// blamed on the client.
type writeError struct{ error }

type fileWriter struct{ w io.Writer }

func (fw fileWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	if err != nil {
		err = writeError{err}
	}
	return n, err
}

func (e writeError) Unwrap() error { return e.error }

func isWriteError(err error) bool {
	var we writeError
	return errors.As(err, &we)
}

// commit makes a received file the object bucket/key. forbidOverwrite
// refuses to replace an existing object (x-oss-forbid-overwrite: true).
func (st *ossStore) commit(bucket, key string, obj *ossObject, tmp string, forbidOverwrite bool) *ossAPIError {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.objects[bucket][key]
	if forbidOverwrite && old != nil {
		return ossErrorf(http.StatusConflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
	}
	d, err := st.dir(ossObjectsDir)
	if err != nil {
		return ossInternal("%v", err)
	}
	obj.File = randomName("")
	dst := filepath.Join(d, obj.File)
	if err := os.Rename(tmp, dst); err != nil {
		return ossInternal("store object: %v", err)
	}
	if st.persist {
		// The index must never name a file whose directory entry a crash
		// could lose.
		if err := syncDir(d); err != nil {
			_ = os.Remove(dst)
			return ossInternal("sync object directory: %v", err)
		}
	}
	if st.objects[bucket] == nil {
		st.objects[bucket] = map[string]*ossObject{}
	}
	st.objects[bucket][key] = obj
	if err := st.saveLocked(); err != nil {
		if old != nil {
			st.objects[bucket][key] = old
		} else {
			delete(st.objects[bucket], key)
		}
		_ = os.Remove(dst)
		return ossInternal("persist OSS index: %v", err)
	}
	if old != nil {
		_ = os.Remove(filepath.Join(d, old.File))
	}
	return nil
}

// delete removes bucket/key; a missing object is no error, as in OSS.
func (st *ossStore) delete(bucket, key string) *ossAPIError {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.objects[bucket][key]
	if old == nil {
		return nil
	}
	delete(st.objects[bucket], key)
	if err := st.saveLocked(); err != nil {
		st.objects[bucket][key] = old
		return ossInternal("persist OSS index: %v", err)
	}
	if root := st.files.existing(); root != "" {
		_ = os.Remove(filepath.Join(root, ossDirName, ossObjectsDir, old.File))
	}
	return nil
}

// initiate starts a multipart upload and returns its id.
func (st *ossStore) initiate(bucket, key string, template ossObject, now time.Time) string {
	id := strings.ToUpper(randomName(""))
	st.mu.Lock()
	defer st.mu.Unlock()
	st.uploads[id] = &ossUpload{bucket: bucket, key: key, initiated: now, template: template, parts: map[int]*ossPart{}}
	return id
}

// uploadLocked finds a live upload of bucket/key. st.mu is held.
func (st *ossStore) uploadLocked(id, bucket, key string) (*ossUpload, *ossAPIError) {
	u := st.uploads[id]
	if u == nil || u.completing || u.bucket != bucket || u.key != key {
		return nil, ossNoSuchUpload(id)
	}
	return u, nil
}

// checkUpload reports whether the upload exists, so that a part for an
// unknown upload is refused before its body is read.
func (st *ossStore) checkUpload(id, bucket, key string) *ossAPIError {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, e := st.uploadLocked(id, bucket, key)
	return e
}

// putPart stores a received part, replacing an earlier one of the same
// number, as OSS does.
func (st *ossStore) putPart(id, bucket, key string, number int, rec *ossReceived, now time.Time) *ossAPIError {
	d, err := st.dir(filepath.Join(ossPartsDir, id))
	if err != nil {
		return ossInternal("%v", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	u, e := st.uploadLocked(id, bucket, key)
	if e != nil {
		return e
	}
	dst := filepath.Join(d, strconv.Itoa(number)+"-"+randomName(""))
	if err := os.Rename(rec.path, dst); err != nil {
		return ossInternal("store part: %v", err)
	}
	if old := u.parts[number]; old != nil {
		_ = os.Remove(old.file)
	}
	u.parts[number] = &ossPart{file: dst, size: rec.size, md5: rec.md5, crc64: strconv.FormatUint(rec.crc64, 10), lastModified: now}
	return nil
}

// abort drops an upload and its parts.
func (st *ossStore) abort(id, bucket, key string) *ossAPIError {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, e := st.uploadLocked(id, bucket, key); e != nil {
		return e
	}
	delete(st.uploads, id)
	st.removePartsLocked(id)
	return nil
}

func (st *ossStore) removePartsLocked(id string) {
	if root := st.files.existing(); root != "" {
		_ = os.RemoveAll(filepath.Join(root, ossDirName, ossPartsDir, id))
	}
}

// ossPartInfo is a part as ListParts shows it.
type ossPartInfo struct {
	Number       int
	ETag         string
	Size         int64
	CRC64        string
	LastModified time.Time
}

// listParts returns the upload's parts in order.
func (st *ossStore) listParts(id, bucket, key string) ([]ossPartInfo, *ossAPIError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	u, e := st.uploadLocked(id, bucket, key)
	if e != nil {
		return nil, e
	}
	out := make([]ossPartInfo, 0, len(u.parts))
	for n, p := range u.parts {
		out = append(out, ossPartInfo{Number: n, ETag: p.etag(), Size: p.size, CRC64: p.crc64, LastModified: p.lastModified})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// completePart is one <Part> of a CompleteMultipartUpload body.
type completePart struct {
	Number int
	ETag   string
}

// complete assembles an upload into its object. The parts are chosen and
// checked under the lock, copied into one new file outside it (the upload
// is marked completing, so no part changes meanwhile), and the object is
// committed under the lock again. With all set (x-oss-complete-all: yes)
// every uploaded part is used in order.
func (st *ossStore) complete(id, bucket, key string, chosen []completePart, all, forbidOverwrite bool, limit int64, now time.Time) (*ossObject, *ossAPIError) {
	st.mu.Lock()
	u, e := st.uploadLocked(id, bucket, key)
	if e != nil {
		st.mu.Unlock()
		return nil, e
	}
	parts, e := u.choose(chosen, all)
	if e == nil && forbidOverwrite && st.objects[bucket][key] != nil {
		e = ossErrorf(http.StatusConflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
	}
	var total int64
	for _, p := range parts {
		total += p.size
	}
	if e == nil && total > limit {
		e = ossEntityTooLarge(total, limit)
	}
	if e != nil {
		st.mu.Unlock()
		return nil, e
	}
	u.completing = true
	st.mu.Unlock()

	obj, tmp, e := st.assemble(parts, u.template, now)
	if e == nil {
		if e = st.commit(bucket, key, obj, tmp, forbidOverwrite); e != nil {
			_ = os.Remove(tmp)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if e != nil {
		u.completing = false // the caller may fix the problem and complete again
		return nil, e
	}
	delete(st.uploads, id)
	st.removePartsLocked(id)
	return obj, nil
}

// choose resolves the parts a CompleteMultipartUpload names, with OSS's
// checks: ascending numbers, parts that exist with the given ETags, every
// part but the last at least 100 KB.
func (u *ossUpload) choose(chosen []completePart, all bool) ([]*ossPart, *ossAPIError) {
	if all {
		nums := make([]int, 0, len(u.parts))
		for n := range u.parts {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		chosen = make([]completePart, len(nums))
		for i, n := range nums {
			chosen[i] = completePart{Number: n, ETag: u.parts[n].etag()}
		}
	}
	if len(chosen) == 0 {
		return nil, ossInvalidArgument("CompleteMultipartUpload names no parts.")
	}
	parts := make([]*ossPart, len(chosen))
	for i, c := range chosen {
		if i > 0 && c.Number <= chosen[i-1].Number {
			return nil, ossErrorf(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		p := u.parts[c.Number]
		if p == nil || !strings.EqualFold(strings.Trim(c.ETag, `"`), p.etag()) {
			return nil, ossErrorf(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag (part %d).", c.Number)
		}
		parts[i] = p
	}
	for _, p := range parts[:len(parts)-1] {
		if p.size < ossMinPartSize {
			return nil, ossErrorf(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size: every part but the last must be at least %d bytes.", ossMinPartSize)
		}
	}
	return parts, nil
}

// assemble concatenates parts into a temporary file. The object's ETag
// takes the multipart form: the MD5 of the parts' binary MD5s, then "-" and
// the number of parts (OSS documents only that it is not the content's MD5;
// the exact form is inferred from S3's, which OSS's ETags resemble). Its
// CRC-64 is computed over the assembled bytes.
func (st *ossStore) assemble(parts []*ossPart, template ossObject, now time.Time) (*ossObject, string, *ossAPIError) {
	d, err := st.dir(ossTmpDir)
	if err != nil {
		return nil, "", ossInternal("%v", err)
	}
	out, err := os.CreateTemp(d, "complete-*")
	if err != nil {
		return nil, "", ossInternal("create temporary file: %v", err)
	}
	crc := crc64.New(crc64Table)
	var sums bytes.Buffer
	var size int64
	buf := make([]byte, copyBufferSize)
	for _, p := range parts {
		in, err := os.Open(p.file)
		if err == nil {
			var n int64
			n, err = io.CopyBuffer(io.MultiWriter(out, crc), in, buf)
			size += n
			in.Close()
		}
		if err != nil {
			out.Close()
			_ = os.Remove(out.Name())
			return nil, "", ossInternal("assemble parts: %v", err)
		}
		sums.Write(p.md5[:])
	}
	if st.persist {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(out.Name())
		return nil, "", ossInternal("assemble parts: %v", err)
	}
	etag := md5.Sum(sums.Bytes())
	obj := template
	obj.Size = size
	obj.ETag = strings.ToUpper(hex.EncodeToString(etag[:])) + "-" + strconv.Itoa(len(parts))
	obj.CRC64 = strconv.FormatUint(crc.Sum64(), 10)
	obj.ContentMD5 = ""
	obj.Multipart = true
	obj.LastModified = now
	return &obj, out.Name(), nil
}

// validBucketName follows OSS's rule: 3-63 characters of lower-case
// letters, digits and '-', starting and ending with a letter or digit.
func validBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validObjectName follows OSS's rule: 1-1023 bytes of UTF-8, not starting
// with '/' or '\'.
func validObjectName(k string) bool {
	return k != "" && len(k) <= 1023 && k[0] != '/' && k[0] != '\\' && utf8.ValidString(k)
}
