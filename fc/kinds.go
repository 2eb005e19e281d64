package fc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/fcgit/fcgit/kinds"
)

// Doc is an FC resource document (a setting, an alias, a version, a custom
// domain), decoded with numbers kept exact, unknown fields kept.
type Doc map[string]any

// settingSubject names a setting in errors: "fn" or "fn@qualifier".
func settingSubject(fn, qualifier string) string {
	if qualifier == "" {
		return fn
	}
	return fn + "@" + qualifier
}

func settingQuery(s *kinds.Setting, qualifier string) map[string]string {
	if !s.Qualified || qualifier == "" {
		return nil
	}
	return map[string]string{"qualifier": qualifier}
}

// GetSetting reads one per-function setting; found is false when it is not
// configured (FC answers 404, or an empty document for some settings).
func (c *Client) GetSetting(ctx context.Context, s *kinds.Setting, fn, qualifier string) (Doc, bool, error) {
	body, _, err := c.do(ctx, call{op: s.GetOp(), subject: settingSubject(fn, qualifier), method: http.MethodGet,
		path: apiPath("functions", fn, s.Path), query: settingQuery(s, qualifier)})
	if IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var d Doc
	if err := decodeJSON(body, &d); err != nil {
		return nil, false, decodeError(s.GetOp(), fn, "setting", err)
	}
	return d, len(d) > 0, nil
}

// PutSetting writes a setting: body is its document (function.toml's table).
func (c *Client) PutSetting(ctx context.Context, s *kinds.Setting, fn, qualifier string, body map[string]any) (Doc, error) {
	data, err := encodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: encode input: %w", s.PutOp(), fn, err)
	}
	resp, _, err := c.do(ctx, call{op: s.PutOp(), subject: settingSubject(fn, qualifier), method: http.MethodPut,
		path: apiPath("functions", fn, s.Path), query: settingQuery(s, qualifier), body: data})
	if err != nil {
		return nil, err
	}
	var d Doc
	if err := decodeJSON(resp, &d); err != nil {
		return nil, decodeError(s.PutOp(), fn, "setting", err)
	}
	return d, nil
}

// DeleteSetting removes a setting; one that is not there counts as removed.
func (c *Client) DeleteSetting(ctx context.Context, s *kinds.Setting, fn, qualifier string) error {
	_, _, err := c.do(ctx, call{op: s.DeleteOp(), subject: settingSubject(fn, qualifier), method: http.MethodDelete,
		path: apiPath("functions", fn, s.Path), query: settingQuery(s, qualifier)})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// SettingItem is one configured setting as a region-wide list returns it.
type SettingItem struct {
	Function  string
	Qualifier string // "" for settings that are not per qualifier
	Doc       Doc
}

// ListSettings lists every configured setting of a kind in the region, in
// one paged listing: reading them function by function would cost a
// request per function even when nothing is configured.
func (c *Client) ListSettings(ctx context.Context, s *kinds.Setting) ([]SettingItem, error) {
	var out []SettingItem
	err := c.paginate(ctx, s.ListOp(), "", apiPath(s.ListPath), "", func(body []byte) (int, string, error) {
		var page map[string]json.RawMessage
		if err := decodeJSON(body, &page); err != nil {
			return 0, "", err
		}
		var items []Doc
		if raw, ok := page[s.ListKey]; ok {
			if err := decodeJSON(raw, &items); err != nil {
				return 0, "", err
			}
		}
		for _, d := range items {
			fn, q, ok := functionOfArn(d.str("functionArn"))
			if !ok {
				return 0, "", fmt.Errorf("%s item without a function ARN", s.ListOp())
			}
			if s.Qualified && q == "" {
				q = "LATEST"
			}
			if !s.Qualified {
				q = ""
			}
			out = append(out, SettingItem{Function: fn, Qualifier: q, Doc: d})
		}
		var next string
		if raw, ok := page["nextToken"]; ok {
			_ = json.Unmarshal(raw, &next)
		}
		return len(items), next, nil
	})
	return out, err
}

func (d Doc) str(k string) string { s, _ := d[k].(string); return s }

// functionOfArn reads function name and qualifier from a function ARN:
// acs:fc:<region>:<account>:functions/<name>[/<qualifier>].
func functionOfArn(arn string) (fn, qualifier string, ok bool) {
	_, rest, found := strings.Cut(arn, ":functions/")
	if !found || rest == "" {
		return "", "", false
	}
	fn, qualifier, _ = strings.Cut(rest, "/")
	return fn, qualifier, fn != ""
}

// ListVpcBindings returns the VPC ids the function is bound to, sorted.
func (c *Client) ListVpcBindings(ctx context.Context, fn string) ([]string, error) {
	body, _, err := c.do(ctx, call{op: "ListVpcBindings", subject: fn, method: http.MethodGet,
		path: apiPath("functions", fn, "vpc-bindings")})
	if err != nil {
		return nil, err
	}
	var resp struct {
		VpcIDs []string `json:"vpcIds"`
	}
	if err := decodeJSON(body, &resp); err != nil {
		return nil, decodeError("ListVpcBindings", fn, "VPC bindings", err)
	}
	sort.Strings(resp.VpcIDs)
	return resp.VpcIDs, nil
}

// CreateVpcBinding binds the function to a VPC; an existing binding counts
// as made (a retry after a lost response).
func (c *Client) CreateVpcBinding(ctx context.Context, fn, vpcID string) error {
	data, _ := encodeJSON(map[string]any{"vpcId": vpcID})
	_, _, err := c.do(ctx, call{op: "CreateVpcBinding", subject: fn + "/" + vpcID, method: http.MethodPost,
		path: apiPath("functions", fn, "vpc-bindings"), body: data})
	if IsAlreadyExists(err) {
		return nil
	}
	return err
}

// DeleteVpcBinding removes a binding; a missing one counts as removed.
func (c *Client) DeleteVpcBinding(ctx context.Context, fn, vpcID string) error {
	_, _, err := c.do(ctx, call{op: "DeleteVpcBinding", subject: fn + "/" + vpcID, method: http.MethodDelete,
		path: apiPath("functions", fn, "vpc-bindings", vpcID)})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// SetInvocation disables the function's invocations (with a reason) or
// enables them again.
func (c *Client) SetInvocation(ctx context.Context, fn string, disable bool, reason string) error {
	op, seg := "EnableFunctionInvocation", "enable"
	var body []byte
	if disable {
		op, seg = "DisableFunctionInvocation", "disable"
		body, _ = encodeJSON(map[string]any{"reason": reason, "abortOngoingRequest": false})
	}
	_, _, err := c.do(ctx, call{op: op, subject: fn, method: http.MethodPost,
		path: apiPath("functions", fn, "invoke", seg), body: body})
	return err
}

// ListAliases returns the function's aliases.
func (c *Client) ListAliases(ctx context.Context, fn string) ([]Doc, error) {
	var out []Doc
	err := c.paginate(ctx, "ListAliases", fn, apiPath("functions", fn, "aliases"), "", func(body []byte) (int, string, error) {
		var page struct {
			Aliases   []Doc  `json:"aliases"`
			NextToken string `json:"nextToken"`
		}
		if err := decodeJSON(body, &page); err != nil {
			return 0, "", err
		}
		out = append(out, page.Aliases...)
		return len(page.Aliases), page.NextToken, nil
	})
	return out, err
}

// CreateAlias creates an alias (aliasName in input).
func (c *Client) CreateAlias(ctx context.Context, fn string, input map[string]any) (Doc, error) {
	name, _ := input["aliasName"].(string)
	return c.docCall(ctx, "CreateAlias", fn+"/"+name, http.MethodPost, apiPath("functions", fn, "aliases"), input)
}

// UpdateAlias updates an alias with UpdateAliasInput.
func (c *Client) UpdateAlias(ctx context.Context, fn, alias string, input map[string]any) (Doc, error) {
	return c.docCall(ctx, "UpdateAlias", fn+"/"+alias, http.MethodPut, apiPath("functions", fn, "aliases", alias), input)
}

// DeleteAlias deletes an alias; a missing one counts as deleted.
func (c *Client) DeleteAlias(ctx context.Context, fn, alias string) error {
	_, _, err := c.do(ctx, call{op: "DeleteAlias", subject: fn + "/" + alias, method: http.MethodDelete,
		path: apiPath("functions", fn, "aliases", alias)})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// PublishVersion publishes the function's LATEST as a new version.
func (c *Client) PublishVersion(ctx context.Context, fn, description string) (Doc, error) {
	return c.docCall(ctx, "PublishFunctionVersion", fn, http.MethodPost, apiPath("functions", fn, "versions"), map[string]any{"description": description})
}

// ListVersions returns the function's published versions.
func (c *Client) ListVersions(ctx context.Context, fn string) ([]Doc, error) {
	var out []Doc
	err := c.paginate(ctx, "ListFunctionVersions", fn, apiPath("functions", fn, "versions"), "", func(body []byte) (int, string, error) {
		var page struct {
			Versions  []Doc  `json:"versions"`
			NextToken string `json:"nextToken"`
		}
		if err := decodeJSON(body, &page); err != nil {
			return 0, "", err
		}
		out = append(out, page.Versions...)
		return len(page.Versions), page.NextToken, nil
	})
	return out, err
}

// DeleteVersion deletes a published version.
func (c *Client) DeleteVersion(ctx context.Context, fn, id string) error {
	_, _, err := c.do(ctx, call{op: "DeleteFunctionVersion", subject: fn + "@" + id, method: http.MethodDelete,
		path: apiPath("functions", fn, "versions", id)})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// GetFunctionAt returns a function as a version or alias holds it.
func (c *Client) GetFunctionAt(ctx context.Context, name, qualifier string) (Function, error) {
	body, _, err := c.do(ctx, call{op: "GetFunction", subject: name + "@" + qualifier, method: http.MethodGet,
		path: apiPath("functions", name), query: map[string]string{"qualifier": qualifier}})
	if err != nil {
		return nil, err
	}
	return decodeFunction("GetFunction", name, body)
}

func (c *Client) docCall(ctx context.Context, op, subject, method, path string, input map[string]any) (Doc, error) {
	data, err := encodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("%s %s: encode input: %w", op, subject, err)
	}
	resp, _, err := c.do(ctx, call{op: op, subject: subject, method: method, path: path, body: data})
	if err != nil {
		return nil, err
	}
	var d Doc
	if err := decodeJSON(resp, &d); err != nil {
		return nil, decodeError(op, subject, "document", err)
	}
	return d, nil
}

// ListCustomDomains returns every custom domain of the region whose name
// starts with prefix.
func (c *Client) ListCustomDomains(ctx context.Context, prefix string) ([]Doc, error) {
	var out []Doc
	err := c.paginate(ctx, "ListCustomDomains", prefix, apiPath(kinds.CustomDomain.Path), prefix, func(body []byte) (int, string, error) {
		var page struct {
			Domains   []Doc  `json:"customDomains"`
			NextToken string `json:"nextToken"`
		}
		if err := decodeJSON(body, &page); err != nil {
			return 0, "", err
		}
		out = append(out, page.Domains...)
		return len(page.Domains), page.NextToken, nil
	})
	return out, err
}

// CreateCustomDomain creates a custom domain (domainName in input).
func (c *Client) CreateCustomDomain(ctx context.Context, input map[string]any) (Doc, error) {
	name, _ := input["domainName"].(string)
	return c.docCall(ctx, "CreateCustomDomain", name, http.MethodPost, apiPath(kinds.CustomDomain.Path), input)
}

// UpdateCustomDomain updates a custom domain with UpdateCustomDomainInput.
func (c *Client) UpdateCustomDomain(ctx context.Context, name string, input map[string]any) (Doc, error) {
	return c.docCall(ctx, "UpdateCustomDomain", name, http.MethodPut, apiPath(kinds.CustomDomain.Path, name), input)
}

// DeleteCustomDomain deletes a custom domain; a missing one counts as deleted.
func (c *Client) DeleteCustomDomain(ctx context.Context, name string) error {
	_, _, err := c.do(ctx, call{op: "DeleteCustomDomain", subject: name, method: http.MethodDelete,
		path: apiPath(kinds.CustomDomain.Path, name)})
	if IsNotFound(err) {
		return nil
	}
	return err
}
