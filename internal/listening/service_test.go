package listening_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
	"github.com/socialdesk/socialdesk/internal/store"
)

// TestFeedbackVersionsAndRollback checks that agents' corrections become a
// new model version through Model.Update, that the new version moves the
// corrected post's score, and that an admin can roll back.
func TestFeedbackVersionsAndRollback(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	l := e.App.Listening
	if _, err := l.Classify("anything"); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("classify without a model: %v, want ECONFLICT", err)
	}
	ex := []classify.Example{{Text: "my laptop will not start", Label: "1"}, {Text: "vpn is down again", Label: "1"}, {Text: "printer jammed please help", Label: "1"},
		{Text: "great game last night", Label: "0"}, {Text: "lunch was tasty", Label: "0"}, {Text: "happy friday everyone", Label: "0"}}
	v1, err := l.Train(sys, listening.ModelSupport, ex, "seed")
	if err != nil {
		t.Fatal(err)
	}
	const text = "the coffee machine on floor two is broken again"
	before, err := l.Classify(text)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := e.App.DB.AddListeningPost(ctx, store.ListeningPost{Channel: "slack", ExternalID: "p1", Author: "a", Text: text, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Feedback(e.As("employee"), id, "not", ""); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("employee feedback: %v, want EFORBIDDEN", err)
	}
	if err := l.Feedback(e.As("agent"), id, "maybe", ""); socialdesk.ErrorCode(err) != socialdesk.EINVALID {
		t.Fatalf("bad kind: %v, want EINVALID", err)
	}
	for i := 0; i < 3; i++ {
		if err := l.Feedback(e.As("agent"), id, "is", ""); err != nil {
			t.Fatal(err)
		}
	}
	v2, err := l.ApplyFeedback(sys, listening.ModelSupport)
	if err != nil || v2 == 0 || v2 == v1 {
		t.Fatalf("apply feedback: version %d, %v", v2, err)
	}
	after, _ := l.Classify(text)
	if after.Score <= before.Score {
		t.Errorf("score after 'is a support request' corrections = %.3f, before %.3f; want higher", after.Score, before.Score)
	}
	if again, err := l.ApplyFeedback(sys, listening.ModelSupport); err != nil || again != 0 {
		t.Errorf("second apply with nothing pending = %d, %v; want 0", again, err)
	}
	if err := l.Rollback(sys, v1); err != nil {
		t.Fatal(err)
	}
	if back, _ := l.Classify(text); back.Score != before.Score {
		t.Errorf("after rollback score = %.3f, want %.3f", back.Score, before.Score)
	}
	if err := l.Rollback(sys, 9999); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Errorf("rollback to a missing version: %v", err)
	}
}

// TestRulesStorePosts checks that a post matching a rule is stored once,
// redacted, with the rule's id, and that bad rules are refused.
func TestRulesStorePosts(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	l := e.App.Listening
	if _, err := l.AddRule(e.As("agent"), listening.Rule{Kind: listening.KindKeyword, Value: "sap"}); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("agent adding a rule: %v", err)
	}
	if _, err := l.AddRule(e.As("admin"), listening.Rule{Kind: "regex", Value: "x"}); socialdesk.ErrorCode(err) != socialdesk.EINVALID {
		t.Fatalf("bad rule: %v", err)
	}
	id, err := l.AddRule(e.As("admin"), listening.Rule{Kind: listening.KindPhrase, Value: "SAP is slow", Channel: "slack"})
	if err != nil {
		t.Fatal(err)
	}
	msg := connector.Inbound{Channel: "slack", ExternalID: "m1", Author: connector.Author{ID: "x", Email: "employee@example.com"},
		Text: "sap is slow today, my card is 4111 1111 1111 1111", Visibility: connector.Public}
	for i := 0; i < 2; i++ { // a replay stores nothing new
		if _, err := e.App.Ingest.Deliver(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	msg.ExternalID, msg.Channel = "m2", "twitter" // rule is for slack only
	e.App.Ingest.Deliver(ctx, msg)
	posts, err := e.App.DB.ListeningPosts(ctx, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var matched []store.ListeningPost
	for _, p := range posts {
		if len(p.RuleIDs) > 0 {
			matched = append(matched, p)
		}
	}
	if len(matched) != 1 || matched[0].RuleIDs[0] != id || matched[0].ExternalID != "m1" || matched[0].TicketID == 0 {
		t.Fatalf("matched posts = %+v", matched)
	}
	if strings.Contains(matched[0].Text, "4111 1111 1111 1111") {
		t.Errorf("stored text was not redacted: %q", matched[0].Text)
	}
}

// TestOldModelFormatDoesNotStopListening checks that a model stored by an
// older build (another feature format) is set aside with a warning instead
// of failing the reload, that Classify then asks for a new model, and
// that training one works again.
func TestOldModelFormatDoesNotStopListening(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	l := e.App.Listening
	ex := []classify.Example{{Text: "my laptop will not start", Label: "1"}, {Text: "vpn is down again", Label: "1"},
		{Text: "great game last night", Label: "0"}, {Text: "lunch was tasty", Label: "0"}}
	m, err := classify.Train(ex, classify.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	blob[4] = 1 // the version byte after the magic: version 1, which this build no longer reads
	if _, err := e.App.DB.AddListeningModel(ctx, store.ListeningModel{Kind: listening.ModelSupport, Model: blob, Note: "old build", Examples: len(ex)}); err != nil {
		t.Fatal(err)
	}
	if err := l.ReloadModels(ctx); err != nil {
		t.Fatalf("reload with an old-format model: %v", err)
	}
	if _, err := l.Classify("vpn is down"); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("classify with only an old-format model: %v, want ECONFLICT", err)
	}
	if _, err := l.Train(sys, listening.ModelSupport, ex, "retrained"); err != nil {
		t.Fatal(err)
	}
	if c, err := l.Classify("vpn is down again"); err != nil || !c.SupportRequest {
		t.Fatalf("classify after retraining: %+v, %v", c, err)
	}
	// A blob that is not a model at all is still an error.
	blob[0] = 'X'
	if _, err := e.App.DB.AddListeningModel(ctx, store.ListeningModel{Kind: listening.ModelSupport, Model: blob, Note: "broken"}); err != nil {
		t.Fatal(err)
	}
	if err := l.ReloadModels(ctx); err == nil {
		t.Fatal("reload with a corrupt model: no error")
	}
}
