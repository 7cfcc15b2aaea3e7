package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/demo"
)

// TestDemo loads the demo into an empty desk, as `serve --demo` does: the
// accounts, the queue, and a listening setup whose VPN burst opens one
// major incident with every report linked. Loading again does nothing.
func TestDemo(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: t.TempDir(), RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	logins, err := demo.Load(ctx, a.Desk)
	if err != nil || len(logins) == 0 {
		t.Fatalf("demo logins = %v, %v", logins, err)
	}
	if err := demo.LoadListening(ctx, a.Listening, a.Ingest.Deliver); err != nil {
		t.Fatal(err)
	}
	_, total, err := a.DB.Tickets(ctx, socialdesk.TicketFilter{})
	if err != nil || total < 50 {
		t.Fatalf("demo queue holds %d tickets, %v", total, err)
	}
	majors, err := a.DB.MajorIncidents(ctx, 10)
	if err != nil || len(majors) != 1 || majors[0].Channel != "listening" {
		t.Fatalf("major incidents = %+v, %v; want the one listening opened", majors, err)
	}
	_, linked, err := a.DB.Tickets(ctx, socialdesk.TicketFilter{ParentID: majors[0].ID})
	if err != nil || linked != 6 {
		t.Errorf("%d reports linked to %s, want all 6", linked, majors[0].Number())
	}
	if rules, err := a.Listening.Rules(ctx); err != nil || len(rules) != 3 {
		t.Errorf("watch rules = %+v, %v", rules, err)
	}
	if c, err := a.Listening.Classify("my laptop will not boot, please help"); err != nil || !c.SupportRequest {
		t.Errorf("the demo model on a support request: %+v, %v", c, err)
	}
	// The outage's reports were classified as support requests, with a
	// service, impact and urgency suggested from the demo queue.
	posts, err := a.DB.ListeningPosts(ctx, time.Now().Add(-time.Hour), 20)
	if err != nil || len(posts) != 6 {
		t.Fatalf("listening posts = %d, %v; want the 6 reports", len(posts), err)
	}
	support := 0
	for _, p := range posts {
		if p.Support {
			support++
		}
		if p.Support && (p.Service != "VPN" || p.Impact == "" || p.Urgency == "") {
			t.Errorf("post %q: suggested service %q, impact %q, urgency %q; want VPN and levels", p.Text, p.Service, p.Impact, p.Urgency)
		}
	}
	if support < 4 {
		t.Errorf("%d of the 6 reports classified as support requests, want at least 4", support)
	}
	// Community: questions with answers in every state, published
	// articles, one paid forward from a resolved ticket.
	if err := demo.LoadCommunity(ctx, a.Desk, a.Community); err != nil {
		t.Fatal(err)
	}
	kim, err := a.DB.PersonByEmail(ctx, "km@example.com")
	if err != nil {
		t.Fatal(err)
	}
	km := socialdesk.NewContextWithUser(ctx, kim)
	qs, err := a.Community.Questions(km, "", "")
	if err != nil || len(qs) != 4 {
		t.Errorf("demo questions = %d, %v; want 4", len(qs), err)
	}
	held, err := a.Community.ModerationQueue(km)
	if err != nil || len(held) != 1 || !strings.Contains(held[0].Answer.Body, "MFA") {
		t.Errorf("answers held for review = %+v, %v; want the one advising to switch MFA off", held, err)
	}
	arts, err := a.Community.Articles(km, "", socialdesk.ArticlePublished)
	if err != nil || len(arts) != 5 {
		t.Fatalf("published articles = %d, %v; want 5", len(arts), err)
	}
	var paid *socialdesk.Article
	for _, art := range arts {
		if art.SourceKind == "ticket" {
			paid = art
		}
	}
	if paid == nil || strings.Contains(paid.Body, "Emma") || !strings.Contains(paid.Body, "Settings > Devices") {
		t.Errorf("the article paid forward from the Teams ticket = %+v; want it published, redacted and with the solution", paid)
	}
	if again, err := demo.Load(ctx, a.Desk); err != nil || again != nil {
		t.Errorf("loading the demo twice: %v, %v", again, err)
	}
}
