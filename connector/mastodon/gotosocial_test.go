package mastodon

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"log/slog"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/mastodon/gtstest"
)

// memCursor is an in-memory connector.Cursor.
type memCursor struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *memCursor) Load(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

func (c *memCursor) Save(_ context.Context, key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	c.m[key] = value
	return nil
}

// recorder is a Sink that records what it is given.
type recorder struct {
	mu  sync.Mutex
	got []connector.Inbound
	ch  chan connector.Inbound
}

func newRecorder() *recorder { return &recorder{ch: make(chan connector.Inbound, 1024)} }

func (r *recorder) Deliver(_ context.Context, msg connector.Inbound) (connector.Receipt, error) {
	r.mu.Lock()
	r.got = append(r.got, msg)
	r.mu.Unlock()
	r.ch <- msg
	return connector.Receipt{}, nil
}

func (r *recorder) all() []connector.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]connector.Inbound(nil), r.got...)
}

func (r *recorder) wait(t *testing.T, within time.Duration) connector.Inbound {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(within):
		t.Fatalf("nothing delivered within %v", within)
		return connector.Inbound{}
	}
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// fediverse is a GoToSocial server with a desk account and a user, ann.
type fediverse struct {
	srv       *gtstest.Server
	deskToken string
	annToken  string
}

func startFediverse(t *testing.T) *fediverse {
	t.Helper()
	srv := gtstest.Start(t, gtstest.User{Username: "desk"}, gtstest.User{Username: "ann"})
	return &fediverse{srv: srv, deskToken: srv.Token(t, "desk"), annToken: srv.Token(t, "ann")}
}

func (f *fediverse) connector(t *testing.T, cur connector.Cursor, hashtags ...string) *Connector {
	t.Helper()
	c, err := New(Config{
		Name:        "fedi",
		BaseURL:     f.srv.BaseURL,
		AccessToken: f.deskToken,
		Hashtags:    hashtags,
		Cursor:      cur,
		// GoToSocial does not stream hashtag timelines; Stream's periodic
		// poll picks those posts up.
		PollInterval: time.Second,
	}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// post publishes a status as ann and returns it.
func (f *fediverse) post(t *testing.T, text, visibility string) status {
	t.Helper()
	var st status
	err := f.srv.API(t.Context(), f.annToken, "POST", "/api/v1/statuses",
		map[string]string{"status": text, "visibility": visibility}, &st)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGoToSocialStreamReplyAndRestart(t *testing.T) {
	f := startFediverse(t)
	cur := &memCursor{}
	sink := newRecorder()

	// Posted while the connector is not running: the catch-up poll at
	// the start of Stream must deliver it.
	early := f.post(t, "@desk is the mail server down?", "public")
	// GoToSocial creates notifications in the background; wait until the
	// desk has this one so the catch-up poll, not a later poll, finds it.
	waitFor(t, "the desk's notification of the early post", func() bool {
		var ns []notification
		if err := f.srv.API(t.Context(), f.deskToken, "GET", "/api/v1/notifications", nil, &ns); err != nil {
			t.Fatal(err)
		}
		return len(ns) > 0 && ns[0].Status != nil && ns[0].Status.ID == early.ID
	})

	c := f.connector(t, cur, "socialdesk")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Stream(ctx, sink) }()

	got := sink.wait(t, 30*time.Second)
	if got.ExternalID != early.ID || !got.Mentioned || got.Author.Handle != "@"+annAcct(f) {
		t.Errorf("catch-up delivered %+v, want status %s by ann mentioning the desk", got, early.ID)
	}

	// Posted while streaming: delivered through the WebSocket.
	live := f.post(t, "@desk my laptop will not boot #socialdesk", "unlisted")
	got = sink.wait(t, 30*time.Second)
	if got.ExternalID != live.ID {
		t.Fatalf("stream delivered %s, want %s", got.ExternalID, live.ID)
	}
	if got.Channel != "fedi" || got.Text != "@desk my laptop will not boot #socialdesk" ||
		got.Visibility != connector.Public || !got.Mentioned || got.Author.Name != "ann" {
		t.Errorf("streamed inbound = %+v", got)
	}
	if !strings.Contains(strings.Join(got.Tags, ","), "socialdesk") {
		t.Errorf("Tags = %q, want socialdesk", got.Tags)
	}
	// A public post with the followed hashtag that does not mention the
	// desk arrives too (from the periodic poll: GoToSocial v0.18 accepts
	// hashtag streams but sends nothing on them).
	tagged := f.post(t, "anyone else lost wifi? #socialdesk", "public")
	got2 := sink.wait(t, 30*time.Second)
	if got2.ExternalID != tagged.ID || got2.Mentioned || got2.Visibility != connector.Public {
		t.Errorf("hashtag post delivered as %+v, want unmentioned public status %s", got2, tagged.ID)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Stream returned %v after cancel", err)
	}
	for _, m := range sink.all() {
		if m.ExternalID != early.ID && m.ExternalID != live.ID && m.ExternalID != tagged.ID {
			t.Errorf("unexpected delivery %s", m.ExternalID)
		}
	}

	// Reply to the live post; ann sees it, threaded, mentioning her.
	replyID, err := c.Send(t.Context(), connector.Outbound{
		ReplyTo: got.ExternalID,
		To:      got.Author,
		Text:    "Sorry to hear that. Hold the power button for 10 seconds.",
	})
	if err != nil {
		t.Fatal(err)
	}
	var reply status
	if err := f.srv.API(t.Context(), f.annToken, "GET", "/api/v1/statuses/"+replyID, nil, &reply); err != nil {
		t.Fatal(err)
	}
	if reply.InReplyToID != live.ID {
		t.Errorf("reply in_reply_to_id = %q, want %q", reply.InReplyToID, live.ID)
	}
	if reply.Visibility != "unlisted" {
		t.Errorf("reply visibility = %q, want unlisted like the post it answers", reply.Visibility)
	}
	if !strings.Contains(reply.Content, "Hold the power button") {
		t.Errorf("reply content = %q", reply.Content)
	}
	waitFor(t, "ann's mention notification for the reply", func() bool {
		var ns []notification
		if err := f.srv.API(t.Context(), f.annToken, "GET", "/api/v1/notifications", nil, &ns); err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Type == "mention" && n.Status != nil && n.Status.ID == replyID && n.Status.InReplyToID == live.ID {
				return true
			}
		}
		return false
	})

	// Favourite ann's post and look up her profile.
	if err := c.React(t.Context(), live.ID, "eyes"); err != nil {
		t.Fatal(err)
	}
	var faved struct {
		Favourited bool `json:"favourited"`
	}
	if err := f.srv.API(t.Context(), f.deskToken, "GET", "/api/v1/statuses/"+live.ID, nil, &faved); err != nil {
		t.Fatal(err)
	}
	if !faved.Favourited {
		t.Error("status not favourited by the desk after React")
	}
	prof, err := c.Profile(t.Context(), got.Author.ID)
	if err != nil {
		t.Fatal(err)
	}
	if prof.ID != got.Author.ID || prof.Name != "ann" {
		t.Errorf("Profile(%q) = %+v", got.Author.ID, prof)
	}

	// Restart with the same cursor: nothing is delivered again, neither by
	// the catch-up poll nor by the stream.
	before := len(sink.all())
	restarted := f.connector(t, cur, "socialdesk")
	ctx, cancel = context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if err := restarted.Stream(ctx, sink); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.all()); n != before {
		t.Errorf("restart redelivered %d messages: %+v", n-before, sink.all()[before:])
	}
}

func TestGoToSocialPoll(t *testing.T) {
	f := startFediverse(t)
	cur := &memCursor{}
	sink := newRecorder()
	c := f.connector(t, cur, "printers")

	mention := f.post(t, "@desk toner is empty on floor 2", "private")
	tagged := f.post(t, "who else has a jammed printer? #printers", "public")

	// Notifications are created in the background; poll until both came.
	waitFor(t, "poll to deliver the mention and the tagged post", func() bool {
		if err := c.Poll(t.Context(), sink); err != nil {
			t.Fatal(err)
		}
		return len(sink.all()) >= 2
	})
	byID := map[string]connector.Inbound{}
	for _, m := range sink.all() {
		if _, dup := byID[m.ExternalID]; dup {
			t.Errorf("%s delivered twice", m.ExternalID)
		}
		byID[m.ExternalID] = m
	}
	if m, ok := byID[mention.ID]; !ok || !m.Mentioned || m.Visibility != connector.Private {
		t.Errorf("mention delivered as %+v", m)
	}
	if m, ok := byID[tagged.ID]; !ok || m.Mentioned || m.Visibility != connector.Public {
		t.Errorf("tagged post delivered as %+v", m)
	}

	// Polling again, and from a new connector with the same cursor,
	// delivers nothing new.
	before := len(sink.all())
	if err := c.Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if err := f.connector(t, cur, "printers").Poll(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.all()); n != before {
		t.Errorf("repeated polls redelivered %d messages", n-before)
	}

	// A direct reply to the private mention stays private.
	id, err := c.Send(t.Context(), connector.Outbound{ReplyTo: mention.ID, To: byID[mention.ID].Author, Text: "On our way."})
	if err != nil {
		t.Fatal(err)
	}
	var reply status
	if err := f.srv.API(t.Context(), f.annToken, "GET", "/api/v1/statuses/"+id, nil, &reply); err != nil {
		t.Fatal(err)
	}
	if reply.Visibility != "private" || reply.InReplyToID != mention.ID {
		t.Errorf("reply = visibility %q in_reply_to %q, want private reply to %s", reply.Visibility, reply.InReplyToID, mention.ID)
	}
}

func annAcct(f *fediverse) string {
	return fmt.Sprintf("ann@%s", strings.TrimPrefix(f.srv.BaseURL, "http://"))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
