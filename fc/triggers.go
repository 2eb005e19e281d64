package fc

import (
	"context"
	"fmt"
	"net/http"
)

// triggerSubject names a trigger in errors as "function/trigger".
func triggerSubject(function, trigger string) string { return function + "/" + trigger }

// ListTriggers returns every trigger of the function, following nextToken.
func (c *Client) ListTriggers(ctx context.Context, function string) ([]Trigger, error) {
	var all []Trigger
	err := c.paginate(ctx, "ListTriggers", function, apiPath("functions", function, "triggers"), "", func(body []byte) (int, string, error) {
		var page struct {
			Triggers  []Trigger `json:"triggers"`
			NextToken string    `json:"nextToken"`
		}
		if err := decodeJSON(body, &page); err != nil {
			return 0, "", err
		}
		all = append(all, page.Triggers...)
		return len(page.Triggers), page.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// GetTrigger returns one trigger of the function.
func (c *Client) GetTrigger(ctx context.Context, function, trigger string) (Trigger, error) {
	subject := triggerSubject(function, trigger)
	body, _, err := c.do(ctx, call{op: "GetTrigger", subject: subject, method: http.MethodGet,
		path: apiPath("functions", function, "triggers", trigger)})
	if err != nil {
		return nil, err
	}
	return decodeTrigger("GetTrigger", subject, body)
}

// CreateTrigger creates a trigger from a CreateTriggerInput document
// (triggerName included; triggerConfig is a JSON string). Like
// CreateFunction it accepts an existing trigger that matches input when an
// earlier attempt may have created it.
func (c *Client) CreateTrigger(ctx context.Context, function string, input map[string]any) (Trigger, error) {
	name, _ := input["triggerName"].(string)
	subject := triggerSubject(function, name)
	body, err := encodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("create trigger %s: encode input: %w", subject, err)
	}
	resp, out, err := c.do(ctx, call{op: "CreateTrigger", subject: subject, method: http.MethodPost,
		path: apiPath("functions", function, "triggers"), body: body})
	if err != nil {
		if IsAlreadyExists(err) && out.mayHaveApplied && name != "" {
			online, getErr := c.GetTrigger(ctx, function, name)
			if getErr == nil && triggerMatchesInput(online, input) {
				return online, nil
			}
		}
		return nil, err
	}
	return decodeTrigger("CreateTrigger", subject, resp)
}

// UpdateTrigger updates description, invocationRole, qualifier and
// triggerConfig; other fields cannot change (delete and re-create instead).
func (c *Client) UpdateTrigger(ctx context.Context, function, trigger string, input map[string]any) (Trigger, error) {
	subject := triggerSubject(function, trigger)
	body, err := encodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("update trigger %s: encode input: %w", subject, err)
	}
	resp, _, err := c.do(ctx, call{op: "UpdateTrigger", subject: subject, method: http.MethodPut,
		path: apiPath("functions", function, "triggers", trigger), body: body})
	if err != nil {
		return nil, err
	}
	return decodeTrigger("UpdateTrigger", subject, resp)
}

// DeleteTrigger deletes a trigger; NotFound after a lost response counts as done.
func (c *Client) DeleteTrigger(ctx context.Context, function, trigger string) error {
	_, out, err := c.do(ctx, call{op: "DeleteTrigger", subject: triggerSubject(function, trigger), method: http.MethodDelete,
		path: apiPath("functions", function, "triggers", trigger)})
	if err != nil && IsNotFound(err) && out.mayHaveApplied {
		return nil
	}
	return err
}

func decodeTrigger(op, subject string, body []byte) (Trigger, error) {
	var t Trigger
	if err := decodeJSON(body, &t); err != nil {
		return nil, decodeError(op, subject, "trigger", err)
	}
	if t == nil {
		return nil, &Error{Op: op, Subject: subject, Kind: KindOther, Err: fmt.Errorf("empty response body")}
	}
	return t, nil
}
