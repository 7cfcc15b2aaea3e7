package channels_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector/mastodon/gtstest"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// TestMastodonRoundTrip runs the Mastodon channel against a real
// GoToSocial server: a post mentioning the desk becomes a ticket, the
// agent's reply appears under the post on the server, and polling the same
// notifications again (a lost cursor) creates nothing new.
func TestMastodonRoundTrip(t *testing.T) {
	srv := gtstest.Start(t, gtstest.User{Username: "desk"}, gtstest.User{Username: "ann"})
	deskToken, annToken := srv.Token(t, "desk"), srv.Token(t, "ann")
	e := apptest.New(t)
	ctx := context.Background()
	ann := &socialdesk.Person{Email: "ann@example.org", Name: "Ann", Role: socialdesk.RoleEmployee}
	if err := e.App.Desk.CreatePerson(desk.SystemContext(ctx), ann, ""); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(srv.BaseURL, "http://"), "https://")
	if err := e.App.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: ann.ID, Channel: "mastodon", ExternalID: "ann@" + host}); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"base_url":%q,"access_token":%q,"poll_interval":"1s"}`, srv.BaseURL, deskToken)
	if err := e.App.Channels.Add(e.As("admin"), "fedi", "mastodon", cfg, true); err != nil {
		t.Fatal(err)
	}
	e.StartWorkers()

	var post struct{ ID string }
	if err := srv.API(ctx, annToken, "POST", "/api/v1/statuses", map[string]string{"status": "@desk my laptop will not boot after the update", "visibility": "public"}, &post); err != nil {
		t.Fatal(err)
	}
	var tk *socialdesk.Ticket
	waitFor(t, 60*time.Second, "the mention to become a ticket", func() bool {
		m, err := e.App.DB.MessageByExternalID(ctx, "fedi", post.ID)
		if err != nil {
			return false
		}
		tk, err = e.App.DB.Ticket(ctx, m.TicketID)
		return err == nil
	})
	if tk.Channel != "mastodon" || tk.RequesterID != ann.ID {
		t.Fatalf("ticket = %+v", tk)
	}
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Hold the power button for ten seconds, then start it again."}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the reply to appear under ann's post", func() bool {
		var thread struct {
			Descendants []struct {
				InReplyToID string `json:"in_reply_to_id"`
				Content     string
			}
		}
		if err := srv.API(ctx, annToken, "GET", "/api/v1/statuses/"+post.ID+"/context", nil, &thread); err != nil {
			return false
		}
		for _, d := range thread.Descendants {
			if d.InReplyToID == post.ID && strings.Contains(d.Content, "power button") {
				return true
			}
		}
		return false
	})
	// Lose the connector's position: the next poll sees the same mention
	// again, and nothing new is stored.
	before := count(t, e, `SELECT COUNT(*) FROM messages`)
	if _, err := e.App.DB.SQL().Exec(`DELETE FROM connector_cursors WHERE channel = 'fedi'`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if n := count(t, e, `SELECT COUNT(*) FROM messages`); n != before {
		t.Fatalf("re-polling the same mention added %d message(s)", n-before)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}
