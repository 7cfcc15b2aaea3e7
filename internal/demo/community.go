package demo

import (
	"context"
	"fmt"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// answer is a demo answer: who wrote it and what became of it.
type answer struct {
	author, body string
	accepted     bool   // the asker accepted it
	verifiedBy   string // the staff member who verified it, if any
	flaggedBy    string // the staff member who flagged it as unsafe, if any
	flagReason   string
	votes        []string // colleagues who voted it up
}

// question is a demo community question with its answers.
type question struct {
	asker, title, body string
	tags               []string
	answers            []answer
}

// questions show every state of the community: an answer verified by IT
// and accepted by the asker, one only accepted, one only verified, an
// unsafe answer held for review, and a question nobody has answered yet.
var questions = []question{
	{"employee@example.com", "How do I join CORP-WIFI with an Android phone?",
		"My new Android phone asks for an EAP method, phase 2 and a CA certificate. What do I choose?", []string{"wifi", "android", "site:lyon"},
		[]answer{{author: "jonas@example.com", body: "EAP method **PEAP**, phase 2 **MSCHAPV2**, CA certificate **Use system certificates**, domain `corp.example.com`, then your normal sign-in name and password.",
			accepted: true, verifiedBy: "noor@example.com", votes: []string{"priya@example.com", "contractor@example.com"}}}},
	{"priya@example.com", "Outlook on my Mac keeps asking for my password since the MFA change",
		"Every few minutes Outlook asks for the password again. Typing it does not help for long.", []string{"outlook", "macos", "mfa"},
		[]answer{
			{author: "jonas@example.com", body: "Open Keychain Access, search for *Exchange*, delete the old entries, then restart Outlook and sign in once with MFA. It stopped asking for me.",
				accepted: true, votes: []string{"employee@example.com"}},
			{author: "contractor@example.com", body: "Easiest is to switch MFA off in your account settings, then Outlook stops asking.",
				flaggedBy: "agent@example.com", flagReason: "Switching MFA off breaks the security policy; it is also not possible for company accounts."},
		}},
	{"jonas@example.com", "Teams calls have no sound after the update",
		"Since the last Teams update I hear nobody in calls, although the headset works in other apps.", []string{"teams", "audio"},
		[]answer{{author: "employee@example.com", body: "The update picked another audio device. In Teams go to **Settings > Devices** and choose your headset as speaker and microphone.",
			verifiedBy: "agent@example.com", votes: []string{"priya@example.com"}}}},
	{"contractor@example.com", "Where do I get the VPN client for Linux?",
		"The portal only offers the Windows and macOS clients. I use Ubuntu 24.04.", []string{"vpn", "linux", "contractor"}, nil},
}

// articles are published knowledge base articles, each with the context it
// applies to, so that context-aware search has something to rank.
var articles = []struct {
	title, body string
	applies     socialdesk.Applicability
}{
	{"Connect to the VPN from home",
		"1. Start **GlobalProtect** from the menu bar or the Start menu.\n2. Portal: `vpn.example.com`.\n3. Sign in with your usual name and password and approve the MFA prompt.\n\nIf the VPN drops every few minutes, check the [status page](/status) first: the desk posts known outages there.",
		socialdesk.Applicability{Services: []string{"vpn"}, Roles: []string{"employee", "contractor"}}},
	{"Reset a forgotten password",
		"Go to `https://password.example.com`, enter your sign-in name and approve the MFA prompt on your phone. The new password works everywhere within five minutes.\n\nIf you also lost your phone, call the service desk: they check who you are before resetting MFA.",
		socialdesk.Applicability{Services: []string{"identity"}}},
	{"Set up company mail on an Android phone",
		"Install **Outlook** from the Play Store, open it and add your work account. Accept the request to install **Company Portal**: mail syncs only on enrolled phones.",
		socialdesk.Applicability{Devices: []string{"android phone"}, OS: []string{"android"}, Services: []string{"email"}}},
	{"Guest Wi-Fi for visitors",
		"Visitors join **CORP-GUEST**. Reception prints a voucher valid for one day. Guest Wi-Fi reaches the internet only, not company systems.",
		socialdesk.Applicability{Roles: []string{"visitor"}, Services: []string{"wifi"}}},
}

// LoadCommunity adds community questions and answers in every state and
// published knowledge base articles, one of them drafted from the
// resolved Teams ticket with its personal data redacted ("paid forward").
// Call it after Load, on the desk Load filled.
func LoadCommunity(ctx context.Context, svc *desk.Service, c *community.Service) error {
	sys := desk.SystemContext(ctx)
	everyone, err := svc.People(sys, "")
	if err != nil {
		return err
	}
	as := map[string]context.Context{}
	for _, p := range everyone {
		as[p.Email] = socialdesk.NewContextWithUser(ctx, p)
	}
	for _, q := range questions {
		asked, err := c.Ask(as[q.asker], community.NewQuestion{Title: q.title, Body: q.body, Tags: q.tags})
		if err != nil {
			return fmt.Errorf("demo question %q: %w", q.title, err)
		}
		for _, a := range q.answers {
			ans, err := c.Answer(as[a.author], asked.ID, a.body)
			if err != nil {
				return fmt.Errorf("demo answer to %q: %w", q.title, err)
			}
			for _, v := range a.votes {
				if err := c.Vote(as[v], "answer", ans.ID, 1); err != nil {
					return err
				}
			}
			if a.accepted {
				if _, err := c.Accept(as[q.asker], ans.ID); err != nil {
					return err
				}
			}
			if a.verifiedBy != "" {
				if _, err := c.Verify(as[a.verifiedBy], ans.ID, svc.Now().AddDate(0, 6, 0)); err != nil {
					return err
				}
			}
			if a.flaggedBy != "" {
				if _, err := c.Flag(as[a.flaggedBy], ans.ID, a.flagReason); err != nil {
					return err
				}
			}
		}
	}
	km := as["km@example.com"]
	publish := func(id int64) error {
		if _, err := c.MoveArticle(km, id, socialdesk.ArticleInReview); err != nil {
			return err
		}
		_, err := c.MoveArticle(km, id, socialdesk.ArticlePublished)
		return err
	}
	for _, a := range articles {
		art, err := c.CreateArticle(km, community.ArticleInput{Title: a.title, Body: a.body, Applies: a.applies})
		if err != nil {
			return fmt.Errorf("demo article %q: %w", a.title, err)
		}
		if err := publish(art.ID); err != nil {
			return fmt.Errorf("demo article %q: %w", a.title, err)
		}
	}
	// Paid forward: the resolved Teams ticket becomes an article after a
	// reviewer confirmed its redactions.
	ts, _, err := svc.Tickets(sys, socialdesk.TicketFilter{States: []socialdesk.State{socialdesk.StateResolved}, Query: "Teams calls have no sound", Limit: 1})
	if err != nil || len(ts) == 0 {
		return fmt.Errorf("demo: the resolved Teams ticket is missing (%v); call Load first", err)
	}
	draft, err := c.DraftFromTicket(km, ts[0].ID)
	if err != nil {
		return fmt.Errorf("demo article from %s: %w", ts[0].Number(), err)
	}
	if _, err := c.ConfirmRedactions(km, draft.ID); err != nil {
		return err
	}
	return publish(draft.ID)
}
