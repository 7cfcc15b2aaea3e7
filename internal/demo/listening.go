package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
)

// Deliverer is the channel pipeline's way in (ingest.Pipeline.Deliver).
type Deliverer func(ctx context.Context, msg connector.Inbound) (connector.Receipt, error)

// supportExamples trains the demo's support-request model. They are a
// handful of made-up posts, enough to show the feature; a desk trains on
// its own labelled posts (docs/listening.md).
var supportExamples = []classify.Example{
	{Text: "my laptop will not start this morning, can someone help", Label: "1"},
	{Text: "vpn keeps dropping every few minutes, I cannot work from home", Label: "1"},
	{Text: "outlook crashed again and I lost the draft, so annoying", Label: "1"},
	{Text: "the printer on floor 3 is jammed again", Label: "1"},
	{Text: "cannot log in to the expenses portal since the update", Label: "1"},
	{Text: "wifi in the Lyon office is down for everyone", Label: "1"},
	{Text: "teams calls keep freezing, is anyone else seeing this", Label: "1"},
	{Text: "my password expired and the reset link does not work", Label: "1"},
	{Text: "why is the shared drive so slow today", Label: "1"},
	{Text: "the badge reader at the main entrance rejects my card", Label: "1"},
	{Text: "payroll app shows error 503, help", Label: "1"},
	{Text: "phone stopped syncing mail after the reset", Label: "1"},
	{Text: "lovely lunch in the canteen today", Label: "0"},
	{Text: "who is coming to the match tonight", Label: "0"},
	{Text: "welcome to our new colleague in finance", Label: "0"},
	{Text: "nice weather this weekend, anyone hiking", Label: "0"},
	{Text: "book club meets on thursday at noon", Label: "0"},
	{Text: "great talk at the all hands, thanks everyone", Label: "0"},
	{Text: "the new coffee machine on floor two is brilliant", Label: "0"},
	{Text: "parking lot repainting next week, park at the back", Label: "0"},
	{Text: "congratulations to the sales team on the record quarter", Label: "0"},
	{Text: "the summer party is on the 12th, bring your family", Label: "0"},
	{Text: "thanks IT for the quick fix yesterday, much appreciated", Label: "0"},
	{Text: "meeting moved to three, same room", Label: "0"},
}

// outage is a burst of reports of one VPN outage from five people on two
// channels: enough for listening to open a major incident.
var outage = []struct {
	channel, author, email, text string
	tags                         []string
}{
	{"slack", "U-EMMA", "employee@example.com", "VPN just dropped again, anyone else? #itdown", []string{"itdown"}},
	{"mastodon", "@jonas", "jonas@example.com", "the vpn keeps disconnecting every couple of minutes", nil},
	{"slack", "U-PRIYA", "priya@example.com", "vpn drops for me too, cannot stay connected", nil},
	{"mastodon", "@carlos", "contractor@example.com", "VPN down? it disconnects all the time #itdown", []string{"itdown"}},
	{"slack", "U-KIM", "km@example.com", "my vpn keeps dropping since 10 minutes", nil},
	{"slack", "U-NOOR", "noor@example.com", "vpn disconnecting here as well, Lyon", nil},
}

// LoadListening adds the listening demo: watch rules, a support-request
// model trained from a few made-up posts, and a burst of VPN reports on
// Slack and Mastodon that opens a major incident, shown on /listening and
// /status. Call it after Load, on the desk Load filled.
func LoadListening(ctx context.Context, l *listening.Service, deliver Deliverer) error {
	sys := desk.SystemContext(ctx)
	for _, r := range []listening.Rule{
		{Kind: listening.KindKeyword, Value: "vpn"},
		{Kind: listening.KindHashtag, Value: "#itdown"},
		{Kind: listening.KindService, Value: "Outlook"},
	} {
		if _, err := l.AddRule(sys, r); err != nil {
			return fmt.Errorf("demo watch rule %q: %w", r.Value, err)
		}
	}
	if _, err := l.Train(sys, listening.ModelSupport, supportExamples, "demo model from a few made-up posts; train your own"); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	// The models that suggest a support request's service, impact and
	// urgency learn from past tickets: here the demo queue's own.
	for _, kind := range []string{listening.ModelService, listening.ModelImpact, listening.ModelUrgency} {
		var ex []classify.Example
		for _, t := range tickets {
			label := map[string]string{listening.ModelService: t.service, listening.ModelImpact: t.impact, listening.ModelUrgency: t.urgency}[kind]
			ex = append(ex, classify.Example{Text: t.title + " " + t.desc, Label: label})
		}
		if _, err := l.Train(sys, kind, ex, "demo model from the demo queue's tickets; train your own"); err != nil {
			return fmt.Errorf("demo %s model: %w", kind, err)
		}
	}
	start := time.Now().Add(-time.Duration(len(outage)) * 30 * time.Second)
	for i, p := range outage {
		// The Slack channel is a company channel with members; the
		// Mastodon posts are public.
		vis := connector.Private
		if p.channel == "mastodon" {
			vis = connector.Public
		}
		msg := connector.Inbound{Channel: p.channel, ExternalID: fmt.Sprintf("demo-outage-%d", i+1), Author: connector.Author{ID: p.author, Email: p.email},
			Text: p.text, Tags: p.tags, SentAt: start.Add(time.Duration(i) * 30 * time.Second), Visibility: vis}
		if _, err := deliver(ctx, msg); err != nil {
			return fmt.Errorf("demo report %d: %w", i+1, err)
		}
	}
	return nil
}
