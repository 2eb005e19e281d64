package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Server is an FC 3.0-compatible HTTP server. It is safe for concurrent use.
type Server struct {
	opts Options

	mu     sync.Mutex // guards st and closed
	st     *state
	closed bool

	faults faultInjector
	stats  statsCounter
	nonces *nonceCache                     // nonces seen within the skew window
	bodies *semaphore.Weighted             // bytes of request bodies read or handled at once (readBody)
	denied atomic.Pointer[map[string]bool] // RAM actions refused with AccessDenied (SetDenied)
	before atomic.Pointer[func(op, functionName string)]

	disk  *persister // nil without a DataDir
	files *fileRoot  // where OSS objects and code read from OSS live
	oss   *ossStore
}

// New builds a Server, loading persisted state from opts.DataDir if set.
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	st := newState()
	var disk *persister
	if o.DataDir != "" {
		if disk, st, err = openDataDir(o.DataDir); err != nil {
			return nil, err
		}
	}
	files := &fileRoot{dataDir: o.DataDir}
	oss, err := newOSSStore(files, o.DataDir != "", o.Buckets)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, st: st, nonces: newNonceCache(o.MaxNonces), disk: disk, files: files, oss: oss}
	s.bodies = semaphore.NewWeighted(2 * s.maxBodySize())
	if err := s.SetDenied(o.Deny); err != nil {
		return nil, err
	}
	for _, fn := range o.SeedV2 {
		if err := s.seedV2Locked(fn, true); err != nil {
			return nil, err
		}
	}
	s.faults.init(o.Seed, o.Latency, o.ErrorRate, o.ThrottleRate)
	s.stats.reset()
	return s, nil
}

// SetBefore installs fn, called for every authenticated API request before it
// is executed, with no lock held (so fn may itself call this server).
func (s *Server) SetBefore(fn func(op, functionName string)) {
	if fn == nil {
		s.before.Store(nil)
		return
	}
	s.before.Store(&fn)
}

// SetFaults changes latency, error and throttle rates at runtime. Rates are
// clamped to 0..1.
func (s *Server) SetFaults(latency time.Duration, errorRate, throttleRate float64) {
	s.faults.set(latency, clamp01(errorRate), clamp01(throttleRate))
}

// SetEchoFault makes every request of the named operations fail with an
// InvalidArgument error whose message quotes the request body, as sent and
// form-encoded; no operation clears it.
func (s *Server) SetEchoFault(ops ...string) {
	s.faults.setEcho(ops)
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// Close stops persisting: every acknowledged write is on disk already, and
// requests served after Close still work on the in-memory state but are no
// longer persisted. Without a DataDir, Close also removes the temporary
// directory holding OSS objects and the code packages read from them: those
// are gone afterwards.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.oss.close()
	if s.opts.DataDir == "" {
		return s.files.close()
	}
	return nil
}

// ListenAndServe listens on addr, calls ready with the base URL once
// listening, serves until ctx is done, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(url string)) error {
	return serve(ctx, addr, s, "emulator", ready)
}

// ListenAndServeOSS is ListenAndServe for the OSS endpoint (OSSHandler),
// on a listener of its own as OSS has its own endpoint.
func (s *Server) ListenAndServeOSS(ctx context.Context, addr string, ready func(url string)) error {
	return serve(ctx, addr, s.OSSHandler(), "OSS endpoint", ready)
}

func serve(ctx context.Context, addr string, h http.Handler, what string, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String())
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", what, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down %s: %w", what, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", what, err)
	}
	return nil
}

// apiRequest is one authenticated API call as handlers see it.
type apiRequest struct {
	route
	requestID string
	http      *http.Request
	body      []byte
	now       time.Time
}

// apiHandler executes one operation. It returns the status and JSON body of
// a success (nil body: no content) or an FC error.
type apiHandler func(s *Server, req *apiRequest) (int, []byte, *apiError)

var handlers = map[string]apiHandler{
	"ListFunctions":    (*Server).listFunctions,
	"GetFunction":      (*Server).getFunction,
	"CreateFunction":   (*Server).createFunction,
	"UpdateFunction":   (*Server).updateFunction,
	"DeleteFunction":   (*Server).deleteFunction,
	"GetFunctionCode":  (*Server).getFunctionCode,
	"ListTriggers":     (*Server).listTriggers,
	"GetTrigger":       (*Server).getTrigger,
	"CreateTrigger":    (*Server).createTrigger,
	"UpdateTrigger":    (*Server).updateTrigger,
	"DeleteTrigger":    (*Server).deleteTrigger,
	"TagResources":     (*Server).tagResources,
	"UntagResources":   (*Server).untagResources,
	"ListTagResources": (*Server).listTagResources,

	"GetAsyncInvokeConfig":    asyncInvokeConfigKind.get,
	"PutAsyncInvokeConfig":    asyncInvokeConfigKind.put,
	"DeleteAsyncInvokeConfig": asyncInvokeConfigKind.delete,
	"ListAsyncInvokeConfigs":  asyncInvokeConfigKind.list,
	"GetConcurrencyConfig":    concurrencyConfigKind.get,
	"PutConcurrencyConfig":    concurrencyConfigKind.put,
	"DeleteConcurrencyConfig": concurrencyConfigKind.delete,
	"ListConcurrencyConfigs":  concurrencyConfigKind.list,
	"GetProvisionConfig":      provisionConfigKind.get,
	"PutProvisionConfig":      provisionConfigKind.put,
	"DeleteProvisionConfig":   provisionConfigKind.delete,
	"ListProvisionConfigs":    provisionConfigKind.list,
	"GetScalingConfig":        scalingConfigKind.get,
	"PutScalingConfig":        scalingConfigKind.put,
	"DeleteScalingConfig":     scalingConfigKind.delete,
	"ListScalingConfigs":      scalingConfigKind.list,

	"CreateVpcBinding":          (*Server).createVpcBinding,
	"DeleteVpcBinding":          (*Server).deleteVpcBinding,
	"ListVpcBindings":           (*Server).listVpcBindings,
	"DisableFunctionInvocation": (*Server).disableFunctionInvocation,
	"EnableFunctionInvocation":  (*Server).enableFunctionInvocation,

	"PublishFunctionVersion": (*Server).publishFunctionVersion,
	"ListFunctionVersions":   (*Server).listFunctionVersions,
	"DeleteFunctionVersion":  (*Server).deleteFunctionVersion,
	"CreateAlias":            (*Server).createAlias,
	"GetAlias":               (*Server).getAlias,
	"UpdateAlias":            (*Server).updateAlias,
	"DeleteAlias":            (*Server).deleteAlias,
	"ListAliases":            (*Server).listAliases,

	"CreateCustomDomain": (*Server).createCustomDomain,
	"GetCustomDomain":    (*Server).getCustomDomain,
	"UpdateCustomDomain": (*Server).updateCustomDomain,
	"DeleteCustomDomain": (*Server).deleteCustomDomain,
	"ListCustomDomains":  (*Server).listCustomDomains,
}

// ServeHTTP serves the API and the code download URLs. The order of steps
// follows a cloud gateway: count, delay, inject faults (before doing
// anything), authenticate from the headers alone (the signature covers the
// body's declared digest, not the body), authorize (denied actions), then
// read the bounded body, check it against its digest, refuse a replay, and
// route and execute. A request that is not authentic or not allowed is
// answered before a byte of its body is read. An echo fault (SetEchoFault)
// comes last, as it quotes the verified body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newUUID()
	w.Header().Set("x-acs-request-id", requestID)
	if strings.HasPrefix(r.URL.Path, codeDownloadPrefix) {
		s.stats.request("DownloadCode")
		s.faults.wait(r.Context())
		s.serveDownload(w, r, requestID)
		return
	}
	rt, known := matchRoute(r.Method, r.URL.EscapedPath())
	if known {
		s.stats.request(rt.Op)
	}
	if e := s.faults.apply(r.Context()); e != nil {
		writeAPIError(w, requestID, e)
		return
	}
	refuse := func(e *apiError) {
		s.stats.rejected()
		writeAPIError(w, requestID, e)
	}
	auth, e := s.checkAuthHeaders(r)
	if e != nil {
		refuse(e)
		return
	}
	if e := s.verifySignature(r, auth); e != nil {
		refuse(e)
		return
	}
	if !known {
		writeAPIError(w, requestID, pathNotSupported(r.Method, r.URL.EscapedPath()))
		return
	}
	if e := s.checkDenied(rt); e != nil {
		writeAPIError(w, requestID, e)
		return
	}
	body, releaseBody, e := s.readBody(w, r)
	if e != nil {
		writeAPIError(w, requestID, e)
		return
	}
	defer releaseBody()
	if e := s.verifyBody(r, body, auth); e != nil {
		refuse(e)
		return
	}
	if e := s.spendNonce(auth); e != nil {
		refuse(e)
		return
	}
	if e := s.faults.echoed(rt.Op, body); e != nil {
		writeAPIError(w, requestID, e)
		return
	}
	if fn := s.before.Load(); fn != nil {
		(*fn)(rt.Op, rt.Function)
	}
	status, out, e := handlers[rt.Op](s, &apiRequest{route: rt, requestID: requestID, http: r, body: body, now: s.opts.Now()})
	if e != nil {
		writeAPIError(w, requestID, e)
		return
	}
	if out == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, out)
}

// maxBodySize bounds request bodies: room for the base64 (4/3) of the
// largest accepted code package plus the JSON around it.
func (s *Server) maxBodySize() int64 {
	return (s.opts.MaxCodeSize+2)/3*4 + 4<<20
}

// readBody reads the request body, bounded so that an oversized upload is
// refused instead of exhausting memory: a declared Content-Length over the
// bound is refused unread, and a chunked body is cut off at the bound. The
// bodies being read or handled at once share a budget of two maximal
// bodies (bodyBudget): a request waits for its share before reading, so
// eight 130 MiB uploads at once hold at most two in memory. A body of known
// length is read into a buffer of exactly that size. release hands the
// share back once the body is no longer used.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), e *apiError) {
	release = func() {}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, release, nil
	}
	limit := s.maxBodySize()
	tooLarge := errorf(http.StatusBadRequest, codeEntityTooLarge, "payload size exceeds maximum allowed size (%d bytes)", limit)
	if r.ContentLength > limit {
		return nil, release, tooLarge
	}
	share := r.ContentLength
	if share < 0 {
		share = limit // length unknown (chunked): it may take up to the bound
	}
	if err := s.bodies.Acquire(r.Context(), share); err != nil {
		return nil, release, errorf(http.StatusServiceUnavailable, codeServiceUnavailable, "request cancelled while waiting to read its body: %v", err)
	}
	release = func() { s.bodies.Release(share) }
	in := http.MaxBytesReader(w, r.Body, limit)
	var err error
	if r.ContentLength > 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(in, body)
	} else {
		body, err = io.ReadAll(in)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, release, tooLarge
	}
	if err != nil {
		return nil, release, invalidArgument("read request body: %v", err)
	}
	return body, release, nil
}

// persistFunctionLocked writes one function as it now is in memory, or
// removes its file when it no longer exists, before the write that changed
// it is answered. s.mu is held.
func (s *Server) persistFunctionLocked(name string) *apiError {
	if s.disk == nil || s.closed {
		return nil
	}
	var err error
	if f, ok := s.st.Functions[name]; ok {
		err = s.disk.putFunction(name, f)
	} else {
		err = s.disk.deleteFunction(name)
	}
	if err != nil {
		return errorf(http.StatusInternalServerError, codeInternalServerError, "persist function '%s': %v", name, err)
	}
	return nil
}

// persistDomainLocked is persistFunctionLocked for a custom domain.
func (s *Server) persistDomainLocked(name string) *apiError {
	if s.disk == nil || s.closed {
		return nil
	}
	var err error
	if d, ok := s.st.CustomDomains[name]; ok {
		err = s.disk.putDomain(name, d)
	} else {
		err = s.disk.deleteDomain(name)
	}
	if err != nil {
		return errorf(http.StatusInternalServerError, codeInternalServerError, "persist custom domain '%s': %v", name, err)
	}
	return nil
}
