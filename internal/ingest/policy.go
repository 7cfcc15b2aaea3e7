package ingest

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk"
)

// settingPolicy is the settings key the policy is stored under.
const settingPolicy = "channel_policy"

// Policy is the part of the pipeline's behaviour admins change at run time.
type Policy struct {
	// OnResolved and OnClosed are Reopen or FollowUp.
	OnResolved string `json:"on_resolved"`
	OnClosed   string `json:"on_closed"`
	// AckText is the acknowledgement for public posts; "-" turns it off.
	AckText string `json:"ack_text"`
	// AckLimit is the most acknowledgements per author per AckWindow.
	AckLimit int `json:"ack_limit"`
}

// Validate checks a policy and names the field at fault.
func (p Policy) Validate() error {
	for field, v := range map[string]string{"on_resolved": p.OnResolved, "on_closed": p.OnClosed} {
		if v != Reopen && v != FollowUp {
			return socialdesk.FieldError(field, "Choose %q or %q.", Reopen, FollowUp)
		}
	}
	if strings.TrimSpace(p.AckText) == "" || utf8.RuneCountInString(p.AckText) > 500 {
		return socialdesk.FieldError("ack_text", "Write an acknowledgement of 1 to 500 characters, or \"-\" to send none.")
	}
	if p.AckLimit < 1 || p.AckLimit > 100 {
		return socialdesk.FieldError("ack_limit", "Allow 1 to 100 acknowledgements per author per hour.")
	}
	return nil
}

// Policy returns the policy in force.
func (p *Pipeline) Policy() Policy {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.policy
}

// LoadPolicy replaces the policy from Options with the one stored by an
// admin, if any. An invalid stored policy is logged and ignored.
func (p *Pipeline) LoadPolicy(ctx context.Context) error {
	v, ok, err := p.db.Setting(ctx, settingPolicy)
	if err != nil || !ok {
		return err
	}
	var pol Policy
	if err := json.Unmarshal([]byte(v), &pol); err != nil || pol.Validate() != nil {
		p.log.Warn("stored channel policy is invalid; keeping the defaults", "value", v)
		return nil
	}
	p.mu.Lock()
	p.policy = pol
	p.mu.Unlock()
	return nil
}

// SetPolicy stores and applies a new policy. Admin only.
func (p *Pipeline) SetPolicy(ctx context.Context, pol Policy) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	pol.AckText = strings.TrimSpace(pol.AckText)
	if err := pol.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(pol)
	if err := p.db.PutSetting(ctx, settingPolicy, string(b)); err != nil {
		return err
	}
	p.mu.Lock()
	p.policy = pol
	p.mu.Unlock()
	p.desk.Audit(ctx, "channel.policy", "", string(b))
	return nil
}
