package fc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// pageLimit is the largest page FC's list operations accept.
const pageLimit = 100

// ListFunctions returns every function whose name starts with prefix ("" for
// all), following nextToken across pages. List items lack the state fields.
func (c *Client) ListFunctions(ctx context.Context, prefix string) ([]Function, error) {
	var all []Function
	err := c.ListFunctionPages(ctx, prefix, func(page []Function) error {
		all = append(all, page...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// ListFunctionPages is ListFunctions handing over each page as it arrives,
// so that work on the first functions overlaps the listing of the rest. An
// error from page stops the listing and is returned.
func (c *Client) ListFunctionPages(ctx context.Context, prefix string, page func([]Function) error) error {
	return c.ListFunctionPagesOf(ctx, ListQuery{Prefix: prefix}, page)
}

// ListQuery narrows ListFunctions on FC's side.
type ListQuery struct {
	Prefix string
	// FCVersion is ListFunctions's fcVersion: "v2" lists the functions
	// created under FC 2.0 (named service$function), "v3" the others, ""
	// both (FC's default).
	FCVersion string
}

// ListFunctionPagesOf is ListFunctionPages for a ListQuery.
func (c *Client) ListFunctionPagesOf(ctx context.Context, q ListQuery, page func([]Function) error) error {
	return c.ListFunctionDocPages(ctx, q, func(fns []Function, _ []json.RawMessage) error { return page(fns) })
}

// ListFunctionDocPages is ListFunctionPagesOf handing over, beside each
// function decoded, its document as FC sent it (DecodeFunction decodes it
// again). A caller listing thousands of functions to read them one by one
// later keeps the documents, a third of the decoded maps' memory, and
// decodes each when it gets to it.
func (c *Client) ListFunctionDocPages(ctx context.Context, q ListQuery, page func(fns []Function, docs []json.RawMessage) error) error {
	var pageErr error
	var extra map[string]string
	if q.FCVersion != "" {
		extra = map[string]string{"fcVersion": q.FCVersion}
	}
	err := c.paginateQuery(ctx, "ListFunctions", q.Prefix, apiPath("functions"), q.Prefix, extra, func(body []byte) (int, string, error) {
		var p struct {
			Functions []json.RawMessage `json:"functions"`
			NextToken string            `json:"nextToken"`
		}
		if err := decodeJSON(body, &p); err != nil {
			return 0, "", err
		}
		fns := make([]Function, len(p.Functions))
		for i, doc := range p.Functions {
			var err error
			if fns[i], err = DecodeFunction(doc); err != nil {
				return 0, "", err
			}
		}
		if err := page(fns, p.Functions); err != nil {
			pageErr = err
			return len(fns), "", nil
		}
		return len(fns), p.NextToken, nil
	})
	if pageErr != nil {
		return pageErr
	}
	return err
}

// DecodeFunction decodes a function's document as the listing does.
func DecodeFunction(doc []byte) (Function, error) {
	var f Function
	if err := decodeJSON(doc, &f); err != nil {
		return nil, err
	}
	return f, nil
}

// paginate runs a list operation page by page until nextToken is empty.
// handle decodes one page body and returns how many items it held and its
// nextToken. The pages are bounded (see pageGuard): the endpoint decides
// when the list ends, and it is not trusted to.
func (c *Client) paginate(ctx context.Context, op, subject, path, prefix string, handle func([]byte) (int, string, error)) error {
	return c.paginateQuery(ctx, op, subject, path, prefix, nil, handle)
}

// paginateQuery is paginate sending extra query parameters with each page.
func (c *Client) paginateQuery(ctx context.Context, op, subject, path, prefix string, extra map[string]string, handle func([]byte) (int, string, error)) error {
	guard := newPageGuard(op, subject, "nextToken", c.limits.MaxListPages)
	token := ""
	for {
		query := map[string]string{"limit": strconv.Itoa(pageLimit)}
		for k, v := range extra {
			query[k] = v
		}
		if prefix != "" {
			query["prefix"] = prefix
		}
		if token != "" {
			query["nextToken"] = token
		}
		body, _, err := c.do(ctx, call{op: op, subject: subject, method: http.MethodGet, path: path, query: query})
		if err != nil {
			return err
		}
		items, next, err := handle(body)
		if err != nil {
			return decodeError(op, subject, "page", err)
		}
		if err := guard.check(items, next); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

// GetFunction returns the function's configuration (LATEST).
func (c *Client) GetFunction(ctx context.Context, name string) (Function, error) {
	body, _, err := c.do(ctx, call{op: "GetFunction", subject: name, method: http.MethodGet, path: apiPath("functions", name)})
	if err != nil {
		return nil, err
	}
	return decodeFunction("GetFunction", name, body)
}

// CreateFunction creates a function from a CreateFunctionInput document
// (functionName included). If FC says the name is taken after an earlier
// attempt of this same call may have gone through, the function is read back
// and accepted when it matches input; otherwise the AlreadyExists error is
// returned.
func (c *Client) CreateFunction(ctx context.Context, input map[string]any) (Function, error) {
	name, _ := input["functionName"].(string)
	body, err := encodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("create function %s: encode input: %w", name, err)
	}
	resp, out, err := c.do(ctx, call{op: "CreateFunction", subject: name, method: http.MethodPost,
		path: apiPath("functions"), body: body, timeout: codeUploadTimeout})
	if err != nil {
		if IsAlreadyExists(err) && out.mayHaveApplied && name != "" {
			return c.recoverCreatedFunction(ctx, name, input, err)
		}
		return nil, err
	}
	return decodeFunction("CreateFunction", name, resp)
}

// recoverCreatedFunction decides whether an existing function is the one an
// earlier, unanswered attempt of CreateFunction made.
func (c *Client) recoverCreatedFunction(ctx context.Context, name string, input map[string]any, existsErr error) (Function, error) {
	online, err := c.GetFunction(ctx, name)
	if err != nil {
		return nil, existsErr
	}
	if !functionMatchesInput(online, input) {
		return nil, existsErr
	}
	return online, nil
}

// UpdateFunction applies a partial UpdateFunctionInput: omitted fields keep
// their online value, an empty shape clears a setting.
func (c *Client) UpdateFunction(ctx context.Context, name string, input map[string]any) (Function, error) {
	body, err := encodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("update function %s: encode input: %w", name, err)
	}
	resp, _, err := c.do(ctx, call{op: "UpdateFunction", subject: name, method: http.MethodPut,
		path: apiPath("functions", name), body: body, timeout: codeUploadTimeout})
	if err != nil {
		return nil, err
	}
	return decodeFunction("UpdateFunction", name, resp)
}

// DeleteFunction deletes the function. A NotFound on a retry after a lost
// response means the first attempt did it, so it counts as success then.
func (c *Client) DeleteFunction(ctx context.Context, name string) error {
	_, out, err := c.do(ctx, call{op: "DeleteFunction", subject: name, method: http.MethodDelete, path: apiPath("functions", name)})
	if err != nil && IsNotFound(err) && out.mayHaveApplied {
		return nil
	}
	return err
}

func decodeFunction(op, name string, body []byte) (Function, error) {
	var f Function
	if err := decodeJSON(body, &f); err != nil {
		return nil, decodeError(op, name, "function", err)
	}
	if f == nil {
		return nil, &Error{Op: op, Subject: name, Kind: KindOther, Err: fmt.Errorf("empty response body")}
	}
	return f, nil
}
