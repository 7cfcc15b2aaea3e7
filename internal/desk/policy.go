package desk

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
)

// UsagePolicy is the social-media and self-help guideline people accept on
// first use and again whenever it changes.
type UsagePolicy struct {
	Version   int       `json:"version"`
	Text      string    `json:"text"` // markdown
	UpdatedAt time.Time `json:"updated_at"`
}

const settingPolicy = "usage_policy"

// DefaultPolicyText is the guideline until an admin publishes their own.
const DefaultPolicyText = `## Asking for help in public and with colleagues

- **Never post passwords, codes from your authenticator, API keys or card numbers** anywhere, not even in a direct message. The desk will never ask for them.
- **Photos and screenshots:** check them before you post. Location data is removed from photos you upload here, but a screen can still show a password, a customer's data or a badge.
- **Public channels** (Mastodon, X, public Slack channels) are public. Describe the problem, not the customer, the colleague or the system's internal names.
- **Answers from colleagues** are welcome, but only answers marked *verified by IT* have been checked. Don't follow advice to switch off encryption, antivirus or updates: flag it.
- **Outages:** check the status page first; add "me too" to the existing report instead of opening a new one.
`

// UsagePolicy returns the guideline in force (version 1 is the default).
func (s *Service) UsagePolicy(ctx context.Context) (UsagePolicy, error) {
	v, ok, err := s.db.Setting(ctx, settingPolicy)
	if err != nil {
		return UsagePolicy{}, err
	}
	if !ok {
		return UsagePolicy{Version: 1, Text: DefaultPolicyText}, nil
	}
	var p UsagePolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil || p.Version < 1 {
		return UsagePolicy{Version: 1, Text: DefaultPolicyText}, nil
	}
	return p, nil
}

// PublishUsagePolicy publishes a new version of the guideline; everyone
// accepts it again on their next visit. Admin only.
func (s *Service) PublishUsagePolicy(ctx context.Context, text string) (UsagePolicy, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return UsagePolicy{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return UsagePolicy{}, socialdesk.FieldError("text", "Write the guideline before publishing it.")
	}
	if len(text) > 50000 {
		return UsagePolicy{}, socialdesk.FieldError("text", "The guideline is longer than 50,000 characters.")
	}
	cur, err := s.UsagePolicy(ctx)
	if err != nil {
		return UsagePolicy{}, err
	}
	p := UsagePolicy{Version: cur.Version + 1, Text: text, UpdatedAt: s.Now()}
	b, _ := json.Marshal(p)
	if err := s.db.PutSetting(ctx, settingPolicy, string(b)); err != nil {
		return UsagePolicy{}, err
	}
	s.audit(ctx, "admin.usage_policy", "", "version "+strconv.Itoa(p.Version))
	return p, nil
}

// NeedsPolicyAck reports whether the acting person still has to accept
// the guideline in force.
func (s *Service) NeedsPolicyAck(ctx context.Context) (bool, error) {
	p := socialdesk.UserFromContext(ctx)
	if p == nil || p.ID == 0 {
		return false, nil
	}
	pol, err := s.UsagePolicy(ctx)
	if err != nil {
		return false, err
	}
	ok, err := s.db.PolicyAcked(ctx, p.ID, pol.Version)
	return !ok, err
}

// AckUsagePolicy records that the acting person accepted a version. The
// version must be the one in force, so nobody accepts a text they did not
// see.
func (s *Service) AckUsagePolicy(ctx context.Context, version int) error {
	p := socialdesk.UserFromContext(ctx)
	if p == nil {
		return socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Sign in to continue.")
	}
	pol, err := s.UsagePolicy(ctx)
	if err != nil {
		return err
	}
	if version != pol.Version {
		return socialdesk.Errorf(socialdesk.ECONFLICT, "The guideline changed while you were reading it. Read the new version and accept again.")
	}
	if err := s.db.AckPolicy(ctx, p.ID, version, s.Now()); err != nil {
		return err
	}
	s.audit(ctx, "policy.ack", p.Email, "version "+strconv.Itoa(version))
	return nil
}
