package fc

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// InlineZip is a code package sent inline (code.zipFile): the request body
// carries it as a JSON string of its bytes in base64, and the encoder reads
// it from Open straight into the body. The package is then held once, as
// part of the body, rather than also as a base64 string and again in the
// encoder's buffer: a 100 MB package costs 134 MB while it is sent, not
// three or four times that.
type InlineZip struct {
	Open func() (io.ReadCloser, error)
	Size int64
}

// spliced is a request body with InlineZip values replaced by placeholder
// strings, and those values in the order they were replaced.
type spliced struct {
	token string
	zips  []InlineZip
}

// replace returns v with every InlineZip under maps and slices replaced by
// a placeholder string, and whether it replaced any; v itself is left alone
// (what holds a replaced value is copied).
func (s *spliced) replace(v any) (any, bool) {
	switch x := v.(type) {
	case InlineZip:
		s.zips = append(s.zips, x)
		return fmt.Sprintf("%s-%d", s.token, len(s.zips)-1), true
	case *InlineZip:
		return s.replace(*x)
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			r, changed := s.replace(e)
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			out[k] = r
		}
		if out == nil {
			return x, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range x {
			r, changed := s.replace(e)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), x...)
			}
			out[i] = r
		}
		if out == nil {
			return x, false
		}
		return out, true
	}
	return v, false
}

// encodeWithInline renders v as encodeJSON does, reading InlineZip values
// into the body as base64 strings. It allocates the body once, at its final
// size.
func encodeWithInline(v any) ([]byte, error) {
	if !hasInline(v) {
		return encodePlain(v)
	}
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	s := &spliced{token: "fcgit-inline-" + hex.EncodeToString(nonce[:])}
	replaced, _ := s.replace(v)
	skeleton, err := encodePlain(replaced)
	if err != nil {
		return nil, err
	}
	// Placeholders appear in the body in key order, not in the order they
	// were made: splice them by position.
	type hole struct {
		at, end int
		zip     InlineZip
	}
	holes := make([]hole, len(s.zips))
	total := len(skeleton)
	for i, z := range s.zips {
		quoted := []byte(fmt.Sprintf("%q", fmt.Sprintf("%s-%d", s.token, i)))
		at := bytes.Index(skeleton, quoted)
		if at < 0 {
			return nil, fmt.Errorf("encode request body: inline code %d lost its place", i)
		}
		holes[i] = hole{at: at, end: at + len(quoted), zip: z}
		total += base64.StdEncoding.EncodedLen(int(z.Size)) + 2 - len(quoted)
	}
	sort.Slice(holes, func(i, j int) bool { return holes[i].at < holes[j].at })
	out := make([]byte, 0, total)
	prev := 0
	for _, h := range holes {
		out = append(out, skeleton[prev:h.at]...)
		prev = h.end
		if out, err = appendBase64(out, h.zip); err != nil {
			return nil, err
		}
	}
	return append(out, skeleton[prev:]...), nil
}

// appendBase64 appends z's bytes as a JSON string of base64.
func appendBase64(out []byte, z InlineZip) ([]byte, error) {
	rc, err := z.Open()
	if err != nil {
		return nil, fmt.Errorf("read inline code: %w", err)
	}
	defer rc.Close()
	out = append(out, '"')
	enc := base64.NewEncoder(base64.StdEncoding, appender{&out})
	n, err := io.Copy(enc, io.LimitReader(rc, z.Size+1))
	if err != nil {
		return nil, fmt.Errorf("read inline code: %w", err)
	}
	if n != z.Size {
		return nil, fmt.Errorf("read inline code: %d bytes, expected %d", n, z.Size)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return append(out, '"'), nil
}

// appender is an io.Writer appending to a slice with room reserved.
type appender struct{ b *[]byte }

func (a appender) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
}

func encodePlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// hasInline reports whether v holds an InlineZip.
func hasInline(v any) bool {
	switch x := v.(type) {
	case InlineZip, *InlineZip:
		return true
	case map[string]any:
		for _, e := range x {
			if hasInline(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasInline(e) {
				return true
			}
		}
	}
	return false
}
