package emulator

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
)

const (
	defaultListLimit = 20 // inferred: FC documents only the 1..100 range
	maxListLimit     = 100
)

// parseLimit reads a list limit from the query: absent means the default,
// anything else must be an integer in 1..100.
func parseLimit(raw string, present bool) (int, *apiError) {
	if !present {
		return defaultListLimit, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 || n > maxListLimit {
		return 0, invalidArgument("limit must be an integer in [1, %d], got '%s'", maxListLimit, raw)
	}
	return n, nil
}

// page returns one page of sorted keys starting at the key the token names,
// and the token of the next page ("" when this is the last). Tokens are the
// opaque base64 of the next page's first key, so paging stays stable while
// items before the cursor are added or removed.
func page(keys []string, token string, limit int) ([]string, string, *apiError) {
	sort.Strings(keys)
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) == 0 {
			return nil, "", invalidArgument("invalid nextToken '%s'", token)
		}
		start = sort.SearchStrings(keys, string(raw))
	}
	end := min(start+limit, len(keys))
	next := ""
	if end < len(keys) {
		next = base64.RawURLEncoding.EncodeToString([]byte(keys[end]))
	}
	return keys[start:end], next, nil
}
