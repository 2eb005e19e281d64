package fc

import (
	"context"
	"time"
)

// Function states FC reports after a create or update.
const (
	statePending      = "Pending"
	stateFailed       = "Failed"
	updateInProgress  = "InProgress"
	updateFailed      = "Failed"
	maxSettlePollWait = 2 * time.Second
)

// WaitFunctionSettled polls GetFunction until the function is neither
// Pending nor InProgress, so the next write to it is accepted. A Failed state
// or update is returned as an *Error whose Code and Message are FC's reason
// code and reason; the function as last read is returned with it.
func (c *Client) WaitFunctionSettled(ctx context.Context, name string) (Function, error) {
	for poll := 1; ; poll++ {
		f, err := c.GetFunction(ctx, name)
		if err != nil {
			return nil, err
		}
		state, _ := f["state"].(string)
		update, _ := f["lastUpdateStatus"].(string)
		switch {
		case state == stateFailed:
			return f, &Error{Op: "WaitFunctionSettled", Subject: name, Kind: KindOther,
				Code: stringField(f, "stateReasonCode"), Message: "state Failed: " + stringField(f, "stateReason")}
		case update == updateFailed:
			return f, &Error{Op: "WaitFunctionSettled", Subject: name, Kind: KindOther,
				Code: stringField(f, "lastUpdateStatusReasonCode"), Message: "last update Failed: " + stringField(f, "lastUpdateStatusReason")}
		case state != statePending && update != updateInProgress:
			return f, nil
		}
		// Polls start fast (a settle usually takes well under a second)
		// and back off, but stay frequent enough not to add much latency.
		wait := min(c.retry.ceiling(poll), maxSettlePollWait)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, cancelled("WaitFunctionSettled", name, err)
		}
	}
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
