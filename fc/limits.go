package fc

import (
	"crypto/sha256"
	"fmt"
	"io"
	"time"
)

// The endpoint is not trusted: a misconfigured proxy, a broken emulator or a
// hostile network path can answer anything. These bounds sit far above what
// FC itself sends, so they never get in the way of a real account, but they
// turn an endless or enormous answer into an error instead of exhausting
// memory, disk or time.
const (
	// MaxCodePackageSize is the largest code package DownloadCode accepts:
	// FC 3.0's documented maximum for a package uploaded through the console,
	// developer tools or OSS (ZIP or JAR), 500 MB, read as 500 MiB so that a
	// package FC accepted is never refused. Inline uploads through the API
	// are capped lower (100 MB of base64). The downloaded object is that
	// package, so nothing FC serves is larger; FC can raise the quota for an
	// account on request, and such an account sets Limits.MaxCodePackageSize.
	MaxCodePackageSize int64 = 500 << 20

	// MaxResponseSize bounds the body of one API response. FC's are small (a
	// function document is a few KiB, a page of 100 functions well under
	// 2 MiB); the margin covers unusually large documents without letting an
	// endless body grow the heap. Error responses are cut much shorter (64
	// KiB): only their code and message are used. Code downloads are bounded
	// by MaxCodePackageSize instead.
	MaxResponseSize int64 = 16 << 20

	// MaxListPages bounds the pages one list operation follows: at FC's 100
	// items per page, 1 000 000 functions or triggers, far more than an FC
	// account holds. An endpoint handing out fresh nextTokens forever would
	// otherwise keep a fetch running, and growing, indefinitely.
	MaxListPages = 10000

	// DefaultStallWindow and DefaultStallMinBytes define a stalled
	// transfer: a code download, an API response body or a request body
	// (a code package sent inline) that moves fewer than
	// DefaultStallMinBytes during DefaultStallWindow of waiting on the
	// network, about 1 KiB/s on average; or a code download whose response
	// headers take longer than the window. Time the caller spends between
	// reads does not count, nor does FC's time to process a request once it
	// is sent (Transport.ResponseHeaderTimeout bounds that). An honest
	// link moves far more: the rule catches an endpoint that trickles a byte
	// now and then, which an idle timeout never would, within two windows.
	DefaultStallWindow         = 30 * time.Second
	DefaultStallMinBytes int64 = 32 << 10
)

const (
	// maxErrorBody is where an error response's body is cut. FC's error
	// documents are a few hundred bytes; the SDK decodes them whole into
	// generic JSON (tens of bytes of heap per input byte), so a long one is
	// truncated rather than refused: its status still classifies it.
	maxErrorBody = 64 << 10

	// maxJSONValues bounds the JSON values and keys in one response. Decoding
	// into generic maps costs up to ~100 bytes of heap per value, which is
	// 30–40 times the input for a body of tiny values; an honest page of 100
	// functions holds well under 100 000.
	maxJSONValues = 1 << 18

	// maxTokenLen bounds a nextToken: FC's are short opaque strings, and a
	// token is both remembered (to notice a loop) and sent back in the URL.
	maxTokenLen = 4096
)

// Limits changes the bounds on what the client accepts from the endpoint.
// Zero fields take the defaults; a positive value replaces the default, so a
// caller can tighten a bound (tests, constrained hosts) or raise one (an
// account whose code package quota FC raised).
type Limits struct {
	MaxResponseSize    int64         // bytes of one API response body; default MaxResponseSize
	MaxCodePackageSize int64         // bytes of one downloaded code package; default MaxCodePackageSize
	MaxListPages       int           // pages one list operation follows; default MaxListPages
	StallWindow        time.Duration // the window of the stall rule; default DefaultStallWindow
	StallMinBytes      int64         // bytes a transfer must move per window; default DefaultStallMinBytes
}

// withDefaults fills zero (and meaningless negative) fields.
func (l Limits) withDefaults() Limits {
	if l.MaxResponseSize <= 0 {
		l.MaxResponseSize = MaxResponseSize
	}
	if l.MaxCodePackageSize <= 0 {
		l.MaxCodePackageSize = MaxCodePackageSize
	}
	if l.MaxListPages <= 0 {
		l.MaxListPages = MaxListPages
	}
	if l.StallWindow <= 0 {
		l.StallWindow = DefaultStallWindow
	}
	if l.StallMinBytes <= 0 {
		l.StallMinBytes = DefaultStallMinBytes
	}
	return l
}

// codeLimitText names the code package bound in messages: FC's own limit
// when it is the default, since that is what the package broke.
func (l Limits) codeLimitText() string {
	if l.MaxCodePackageSize == MaxCodePackageSize {
		return "FC's " + formatSize(MaxCodePackageSize) + " limit"
	}
	return "the configured " + formatSize(l.MaxCodePackageSize) + " limit"
}

// responseLimitText names the API response bound in messages.
func (l Limits) responseLimitText() string {
	if l.MaxResponseSize == MaxResponseSize {
		return "fcgit's " + formatSize(MaxResponseSize) + " limit for an FC API response"
	}
	return "the configured " + formatSize(l.MaxResponseSize) + " limit for an FC API response"
}

// formatSize renders a byte count in the largest binary unit that divides it
// exactly, so a limit prints as it was set ("500 MiB", not "524288000").
func formatSize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitError is a refusal to accept more from the endpoint. It travels
// through the SDK and net/http as a plain error; classify and the decoders
// recognise it and report KindTooLarge.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// limitedBody lets at most max bytes through and then fails with err instead
// of reading further, like http.MaxBytesReader: the bytes up to the bound are
// delivered, the first byte past it turns into err, for good.
type limitedBody struct {
	rc   io.ReadCloser
	left int64 // bytes still allowed; -1 once the bound was passed
	err  error
}

func newLimitedBody(rc io.ReadCloser, max int64, err error) *limitedBody {
	return &limitedBody{rc: rc, left: max, err: err}
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.err
	}
	// One byte more than allowed is asked for, so a body ending exactly at
	// the bound is told apart from one going past it.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	n = int(b.left)
	b.left = -1
	return n, b.err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// truncatedBody ends a body silently after max bytes.
type truncatedBody struct {
	io.Reader
	io.Closer
}

func newTruncatedBody(rc io.ReadCloser, max int64) io.ReadCloser {
	return truncatedBody{Reader: io.LimitReader(rc, max), Closer: rc}
}

// pageGuard stops a list operation the endpoint would keep going forever:
// it refuses oversized pages, repeated or absurd tokens, and more than a
// bounded number of pages.
type pageGuard struct {
	op, subject string
	tokenName   string // how the API spells the token, for messages
	maxPages    int
	pages       int
	seen        map[[sha256.Size]byte]bool // digests: tokens can be long
}

func newPageGuard(op, subject, tokenName string, maxPages int) *pageGuard {
	return &pageGuard{op: op, subject: subject, tokenName: tokenName, maxPages: maxPages, seen: map[[sha256.Size]byte]bool{}}
}

// check looks at one page that held items items and pointed at next
// ("" = last page), and says whether following next is refused.
func (g *pageGuard) check(items int, next string) *Error {
	g.pages++
	if items > pageLimit {
		return &Error{Op: g.op, Subject: g.subject, Kind: KindTooLarge,
			Message: fmt.Sprintf("page %d holds %d items, more than the %d asked for", g.pages, items, pageLimit)}
	}
	if next == "" {
		return nil
	}
	if len(next) > maxTokenLen {
		return &Error{Op: g.op, Subject: g.subject, Kind: KindOther,
			Message: fmt.Sprintf("%s of %s is longer than %s", g.tokenName, formatSize(int64(len(next))), formatSize(maxTokenLen))}
	}
	if g.pages >= g.maxPages {
		return &Error{Op: g.op, Subject: g.subject, Kind: KindTooLarge,
			Message: fmt.Sprintf("list is longer than the %d-page limit (%s still set after page %d)", g.maxPages, g.tokenName, g.pages)}
	}
	// A token coming back twice would loop forever; FC never does that,
	// so treat it as a broken response rather than spin.
	sum := sha256.Sum256([]byte(next))
	if g.seen[sum] {
		return &Error{Op: g.op, Subject: g.subject, Kind: KindOther, Err: fmt.Errorf("%s %q repeated", g.tokenName, next)}
	}
	g.seen[sum] = true
	return nil
}

// countJSONValues counts the values and keys in a JSON text, from the
// structural characters outside strings ('[', '{', ',', ':'), and stops
// early once the count passes max. The count is an approximation (an empty
// container or a lone scalar counts as zero) that is cheap to take before
// committing memory to a decode.
func countJSONValues(data []byte, max int) int {
	n := 0
	inString, escaped := false, false
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '[', '{', ',', ':':
			n++
			if n > max {
				return n
			}
		}
	}
	return n
}
