package snapshot

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// Bounds on what fcgit accepts from FC and from function.toml. Real
// functions stay far inside them; they exist so that a broken or hostile
// document is refused with an error naming the function and the field,
// instead of exhausting memory or the stack, or being committed to git.
const (
	// MaxDepth is how many tables and arrays may nest inside one another in
	// a function's state, counted as function.toml nests them: [vpcConfig]
	// is one level, nasConfig.mountPoints[0] three, [triggers.web.config]
	// three, and each array or table inside adds one. FC's own settings
	// need fewer than ten. fcgit's own limit: FC documents none.
	MaxDepth = 32

	// MaxStringLen is the most bytes one string value or key taken from FC
	// may hold, triggerConfig's JSON text included. fcgit's own limit: FC
	// documents no general maximum; its longest free-text settings (a
	// description, an environment variable, a trigger's configuration) are
	// a few KiB at most.
	MaxStringLen = 64 << 10

	// MaxDocumentSize is the most a function document, or one trigger
	// document, taken from FC may weigh, measured as its compact JSON text.
	// fcgit's own limit.
	MaxDocumentSize = 1 << 20

	// MaxFunctionNameLen is FC's limit on a function name (FC 3.0 API,
	// CreateFunctionInput.functionName: 1-64 characters).
	MaxFunctionNameLen = 64

	// MaxTriggerNameLen is FC's limit on a trigger name (FC 3.0 API,
	// CreateTriggerInput.triggerName and the Trigger structure: 1-128
	// characters).
	MaxTriggerNameLen = 128
)

// maxNumberLen bounds the text of a number taken from FC. A float64 needs
// 17 significant digits and an integer FC can hold 20 characters; the bound
// leaves room for zeros and exponents, and keeps exact comparison cheap.
const maxNumberLen = 100

// depthMessage is the refusal for nesting over MaxDepth, on every path.
var depthMessage = fmt.Sprintf("nesting deeper than %d levels: FC settings are never this deep", MaxDepth)

// ValidFunctionName applies FC's rule for function names
// (CreateFunctionInput.functionName): 1-64 characters of A-Z a-z 0-9 _ -, not starting with a
// digit or '-'; or the name FC 3.0 gives a function created under FC 2.0,
// service$function (FC2Name). The error quotes the name escaped, so a name
// from the cloud never reaches a terminal raw.
func ValidFunctionName(name string) error {
	if validName(name, MaxFunctionNameLen) || FC2Name(name) {
		return nil
	}
	return fmt.Errorf("invalid function name %s: FC function names are 1-%d characters of A-Z a-z 0-9 _ -, not starting with a digit or - (or service$function for a function created under FC 2.0)", quoteName(name), MaxFunctionNameLen)
}

// MaxServiceNameLen is FC 2.0's limit on a service name (1-128 characters).
const MaxServiceNameLen = 128

// FC2Name reports whether name is one FC 3.0's API gives a function created
// under FC 2.0: service$function, the service 1-128 and the function 1-64
// characters of A-Z a-z 0-9 _ -, each not starting with a digit or '-'.
// No FC 3.0 name holds '$', so the two kinds of names never collide.
// CreateFunction refuses '$': such functions can be updated, never created.
func FC2Name(name string) bool {
	service, function, ok := strings.Cut(name, "$")
	return ok && validName(service, MaxServiceNameLen) && validName(function, MaxFunctionNameLen)
}

// ValidTriggerName applies FC's rule for trigger names
// (CreateTriggerInput.triggerName): 1-128 characters of A-Z a-z 0-9 _ -, not
// starting with a digit or '-'. Like ValidFunctionName, the error quotes the
// name escaped.
func ValidTriggerName(name string) error {
	if !validName(name, MaxTriggerNameLen) {
		return fmt.Errorf("invalid trigger name %s: FC trigger names are 1-%d characters of A-Z a-z 0-9 _ -, not starting with a digit or -", quoteName(name), MaxTriggerNameLen)
	}
	return nil
}

// MaxAliasNameLen is the longest alias name FC accepts.
const MaxAliasNameLen = 128

// ValidAliasName checks an alias name by FC's rule (as trigger names, and
// not LATEST, which names the function's current state).
func ValidAliasName(name string) error {
	if !validName(name, MaxAliasNameLen) || name == "LATEST" {
		return fmt.Errorf("invalid alias name %s: FC alias names are 1-%d characters of A-Z a-z 0-9 _ -, not starting with a digit or -, and not LATEST", quoteName(name), MaxAliasNameLen)
	}
	return nil
}

func validName(name string, maxLen int) bool {
	if name == "" || len(name) > maxLen || !isBareKey(name) {
		return false
	}
	c := name[0]
	return !(c >= '0' && c <= '9' || c == '-')
}

// quoteName quotes a name for an error message, cut short when it is far
// longer than any valid name.
func quoteName(name string) string {
	const keep = 2 * MaxTriggerNameLen
	if len(name) <= keep {
		return strconv.Quote(name)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(name[:keep]), len(name))
}

// Printable returns s unchanged when every character in it is printable
// (letters, marks, numbers, punctuation, symbols and the ASCII space), and
// strconv.Quote(s) otherwise: control characters, invalid UTF-8, invisible
// and bidirectional formatting characters come out escaped, so a name or
// value from the cloud cannot move the cursor, recolour or retitle a
// terminal, or make one name look like another in a message.
func Printable(s string) string {
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// docCheck walks a document from FC once before anything else recurses
// into it, refusing nesting over MaxDepth, strings and keys over
// MaxStringLen, a document over MaxDocumentSize and numbers function.toml
// cannot hold exactly. It descends at most MaxDepth+1 levels, so its own
// stack stays small whatever the input.
type docCheck struct {
	size int   // compact JSON size of what has been walked
	path []any // keys (string) and indexes (int) down to the current value
}

// docError is a refusal about one field of a document.
type docError struct {
	field string
	msg   string
}

func (e *docError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return "field " + Printable(e.field) + ": " + e.msg
}

func (c *docCheck) fail(format string, args ...any) error {
	var b strings.Builder
	for _, p := range c.path {
		switch x := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(x)
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		}
	}
	// Keys up to MaxStringLen long would make the message as long.
	field := b.String()
	if len(field) > maxFieldInMessage {
		field = strings.ToValidUTF8(field[:maxFieldInMessage], "") + "..."
	}
	return &docError{field: field, msg: fmt.Sprintf(format, args...)}
}

const maxFieldInMessage = 512

// add counts n more bytes of the document.
func (c *docCheck) add(n int) error {
	c.size += n
	if c.size > MaxDocumentSize {
		c.path = c.path[:0]
		return c.fail("document is larger than %d bytes, fcgit's limit for one function or trigger", MaxDocumentSize)
	}
	return nil
}

// members checks the members of a document's top level, which sits level
// tables deep in the function's state (0 for the function itself, 2 for a
// trigger under [triggers.<name>]).
func (c *docCheck) members(m map[string]any, level int) error {
	for _, k := range mapkeys.Sorted(m) {
		c.path = c.path[:0]
		if err := c.key(k); err != nil {
			return err
		}
		c.path = append(c.path, k)
		if err := c.value(m[k], level); err != nil {
			return err
		}
	}
	c.path = c.path[:0]
	return nil
}

func (c *docCheck) key(k string) error {
	if len(k) > MaxStringLen {
		return c.fail("key of %d bytes is longer than %d, fcgit's limit", len(k), MaxStringLen)
	}
	return c.add(len(k) + 4)
}

func (c *docCheck) str(s string) error {
	if len(s) > MaxStringLen {
		return c.fail("string of %d bytes is longer than %d, fcgit's limit for one value", len(s), MaxStringLen)
	}
	return c.add(len(s) + 2)
}

// value checks v, a member of a table or array that is level tables and
// arrays deep.
func (c *docCheck) value(v any, level int) error {
	switch x := v.(type) {
	case string:
		return c.str(x)
	case json.Number:
		if err := checkNumber(string(x)); err != nil {
			return c.fail("%v", err)
		}
		return c.add(len(x) + 1)
	case map[string]any:
		if level >= MaxDepth {
			return c.fail("%s", depthMessage)
		}
		if err := c.add(2); err != nil {
			return err
		}
		n := len(c.path)
		for _, k := range mapkeys.Sorted(x) {
			c.path = c.path[:n]
			if err := c.key(k); err != nil {
				return err
			}
			c.path = append(c.path, k)
			if err := c.value(x[k], level+1); err != nil {
				return err
			}
		}
		c.path = c.path[:n]
	case []any:
		if level >= MaxDepth {
			return c.fail("%s", depthMessage)
		}
		if err := c.add(2); err != nil {
			return err
		}
		n := len(c.path)
		for i, e := range x {
			c.path = append(c.path[:n], i)
			if err := c.value(e, level+1); err != nil {
				return err
			}
		}
		c.path = c.path[:n]
	case map[string]string:
		if level >= MaxDepth {
			return c.fail("%s", depthMessage)
		}
		for k, e := range x {
			if err := c.key(k); err != nil {
				return err
			}
			if err := c.str(e); err != nil {
				return err
			}
		}
	case []string:
		if level >= MaxDepth {
			return c.fail("%s", depthMessage)
		}
		for _, e := range x {
			if err := c.str(e); err != nil {
				return err
			}
		}
	default:
		// Booleans, nulls and Go numbers: normalizeJSON judges them.
		return c.add(5)
	}
	return nil
}

// checkNumber refuses a JSON number that function.toml cannot hold as it
// is: an integer outside int64, or a decimal whose 64-bit float rendering
// has another value (too many digits, out of range). Such a number would
// otherwise show as drift after every fetch, or fail to encode.
func checkNumber(s string) error {
	if len(s) > maxNumberLen {
		return fmt.Errorf("number of %d characters is longer than %d, fcgit's limit", len(s), maxNumberLen)
	}
	text, isInt, err := numberText(json.Number(s))
	if err != nil {
		return err
	}
	if isInt {
		return nil
	}
	// Exact comparison builds 10^exponent: keep the exponent small enough
	// for that to be cheap. No float64 needs more than three digits.
	if i := strings.IndexAny(s, "eE"); i >= 0 && len(strings.TrimLeft(s[i+1:], "+-0")) > 4 {
		return fmt.Errorf("number %s is out of range", s)
	}
	exact, ok1 := new(big.Rat).SetString(s)
	rounded, ok2 := new(big.Rat).SetString(text)
	if !ok1 || !ok2 || exact.Cmp(rounded) != 0 {
		return fmt.Errorf("number %s cannot be written to function.toml exactly (TOML floats are 64-bit; it would read back as %s)", s, text)
	}
	return nil
}

// jsonTooDeep reports whether JSON text nests arrays and objects more than
// max deep, without decoding it: encoding/json decodes nested values
// recursively. It skips strings and nothing else, which is exact for
// well-formed text and for the prefix of malformed text the decoder reads
// before it gives up.
func jsonTooDeep(s string, max int) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			if depth > max {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}

// deeper returns the key path to the first table or array in v nested more
// than max levels deep, v being a member of a table level levels deep. It
// reads the values BurntSushi/toml decodes and the JSON-like values of a
// State, and descends no further than max+1 levels.
func deeper(v any, level, max int, path []string) ([]string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if level >= max {
			return append([]string(nil), path...), true
		}
		for _, k := range mapkeys.Sorted(x) {
			if p, ok := deeper(x[k], level+1, max, append(path[:len(path):len(path)], k)); ok {
				return p, true
			}
		}
	case []any:
		if level >= max {
			return append([]string(nil), path...), true
		}
		for _, e := range x {
			if p, ok := deeper(e, level+1, max, path); ok {
				return p, true
			}
		}
	case []map[string]any:
		if level >= max {
			return append([]string(nil), path...), true
		}
		for _, e := range x {
			if p, ok := deeper(e, level+1, max, path); ok {
				return p, true
			}
		}
	}
	return nil, false
}
