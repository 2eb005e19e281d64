package emulator

import (
	"encoding/base64"
	"net/http"
	"net/url"
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

// listByName answers a list operation over resources keyed by name: those
// whose name starts with the prefix query parameter, one page of limit
// sorted by name, each rendered by view, under key (with nextToken when
// more follow). The caller holds s.mu.
func listByName[V, Item any](q url.Values, limit int, key string, all map[string]V, view func(name string, v V) Item) (int, []byte, *apiError) {
	names := make([]string, 0, len(all))
	for name := range all {
		if strings.HasPrefix(name, q.Get("prefix")) {
			names = append(names, name)
		}
	}
	pageNames, next, e := page(names, q.Get("nextToken"), limit)
	if e != nil {
		return 0, nil, e
	}
	items := make([]any, 0, len(pageNames))
	for _, name := range pageNames {
		items = append(items, view(name, all[name]))
	}
	resp := map[string]any{key: items}
	if next != "" {
		resp["nextToken"] = next
	}
	out, e := marshal(resp)
	return http.StatusOK, out, e
}
