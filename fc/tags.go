package fc

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// FC 3.0 tags live in the tags-v2 API: resources are addressed by type
// "function" and their ARN (functionArn), not their name.
const (
	tagResourceType = "function"
	tagsBatch       = 20 // tags per TagResources / keys per UntagResources request
)

// functionArn looks the function up to learn the ARN tags-v2 wants.
func (c *Client) functionArn(ctx context.Context, op, function string) (string, error) {
	f, err := c.GetFunction(ctx, function)
	if err != nil {
		return "", err
	}
	arn := f.Arn()
	if arn == "" {
		return "", &Error{Op: op, Subject: function, Kind: KindOther, Err: fmt.Errorf("function has no functionArn")}
	}
	return arn, nil
}

// TagFunction sets tags on the function, replacing the values of keys it
// already has and leaving other tags alone.
func (c *Client) TagFunction(ctx context.Context, function string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	arn, err := c.functionArn(ctx, "TagResources", function)
	if err != nil {
		return err
	}
	keys := mapkeys.Sorted(tags)
	for batch := range slices.Chunk(keys, tagsBatch) {
		type tag struct {
			Key   string `json:"Key"`
			Value string `json:"Value"`
		}
		input := struct {
			ResourceID   []string `json:"ResourceId"`
			ResourceType string   `json:"ResourceType"`
			Tag          []tag    `json:"Tag"`
		}{ResourceID: []string{arn}, ResourceType: tagResourceType}
		for _, k := range batch {
			input.Tag = append(input.Tag, tag{Key: k, Value: tags[k]})
		}
		body, err := encodeJSON(input)
		if err != nil {
			return fmt.Errorf("tag function %s: encode input: %w", function, err)
		}
		if _, _, err := c.do(ctx, call{op: "TagResources", subject: function, method: http.MethodPost,
			path: apiPath("tags-v2"), body: body}); err != nil {
			return err
		}
	}
	return nil
}

// UntagFunction removes the given tag keys from the function; absent keys
// are ignored.
func (c *Client) UntagFunction(ctx context.Context, function string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	arn, err := c.functionArn(ctx, "UntagResources", function)
	if err != nil {
		return err
	}
	resourceIDs, err := encodeJSON([]string{arn})
	if err != nil {
		return fmt.Errorf("untag function %s: %w", function, err)
	}
	sorted := slices.Sorted(slices.Values(keys))
	for batch := range slices.Chunk(slices.Compact(sorted), tagsBatch) {
		tagKeys, err := encodeJSON(batch)
		if err != nil {
			return fmt.Errorf("untag function %s: %w", function, err)
		}
		query := map[string]string{
			"ResourceType": tagResourceType,
			"ResourceId":   string(resourceIDs),
			"TagKey":       string(tagKeys),
		}
		if _, _, err := c.do(ctx, call{op: "UntagResources", subject: function, method: http.MethodDelete,
			path: apiPath("tags-v2"), query: query}); err != nil {
			return err
		}
	}
	return nil
}

// FunctionTags returns the function's tags.
func (c *Client) FunctionTags(ctx context.Context, function string) (map[string]string, error) {
	arn, err := c.functionArn(ctx, "ListTagResources", function)
	if err != nil {
		return nil, err
	}
	resourceIDs, err := encodeJSON([]string{arn})
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", function, err)
	}
	tags := map[string]string{}
	guard := newPageGuard("ListTagResources", function, "NextToken", c.limits.MaxListPages)
	token := ""
	for {
		query := map[string]string{
			"ResourceType": tagResourceType,
			"ResourceId":   string(resourceIDs),
			"Limit":        strconv.Itoa(pageLimit),
		}
		if token != "" {
			query["NextToken"] = token
		}
		body, _, err := c.do(ctx, call{op: "ListTagResources", subject: function, method: http.MethodGet,
			path: apiPath("tags-v2"), query: query})
		if err != nil {
			return nil, err
		}
		var page struct {
			NextToken    string `json:"NextToken"`
			TagResources []struct {
				ResourceID string `json:"ResourceId"`
				TagKey     string `json:"TagKey"`
				TagValue   string `json:"TagValue"`
			} `json:"TagResources"`
		}
		if err := decodeJSON(body, &page); err != nil {
			return nil, decodeError("ListTagResources", function, "page", err)
		}
		for _, tr := range page.TagResources {
			if tr.ResourceID == "" || tr.ResourceID == arn {
				tags[tr.TagKey] = tr.TagValue
			}
		}
		if err := guard.check(len(page.TagResources), page.NextToken); err != nil {
			return nil, err
		}
		if page.NextToken == "" {
			return tags, nil
		}
		token = page.NextToken
	}
}
