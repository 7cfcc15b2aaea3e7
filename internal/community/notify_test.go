package community_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/store"
)

// TestAnswerNotifications: the asker hears of a new answer, the answer's
// author of its acceptance, verification, being held for review and the
// reviewer's decision; nobody hears of their own action. The header counts
// unread notifications until the notifications page has shown them.
func TestAnswerNotifications(t *testing.T) {
	f := setup(t)
	notes := func(role string) []store.Notification {
		t.Helper()
		ns, err := f.App.DB.Notifications(t.Context(), f.People[role].ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	q, a := f.askAnswer(t, "VPN profile missing on Android")
	link := fmt.Sprintf("/community/questions/%d#answer-%d", q.ID, a.ID)
	asker := notes("employee")
	if len(asker) != 1 || asker[0].Kind != "answer" || asker[0].Link != link || !strings.Contains(asker[0].Text, "answered your question: VPN profile missing on Android") {
		t.Fatalf("asker's notifications = %+v, want one about the answer linking to %s", asker, link)
	}
	if len(notes("employee2")) != 0 {
		t.Errorf("the answer's author was told about their own answer")
	}
	// The asker answering their own question is not news to them.
	if _, err := f.svc.Answer(f.As("employee"), q.ID, "Found it myself."); err != nil {
		t.Fatal(err)
	}
	if n := len(notes("employee")); n != 1 {
		t.Errorf("asker has %d notifications after answering their own question, want 1", n)
	}
	if _, err := f.svc.Accept(f.As("employee"), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Verify(f.As("agent"), a.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Answer(f.As("contractor"), q.ID, "Switch off the device's encryption.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Flag(f.As("agent"), b.ID, "Switching encryption off is unsafe."); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Moderate(f.As("knowledge_manager"), b.ID, "remove", "internal note"); err != nil {
		t.Fatal(err)
	}
	kinds := func(role string) string {
		var ks []string
		for _, n := range notes(role) {
			ks = append(ks, n.Kind)
		}
		return strings.Join(ks, ",")
	}
	if got := kinds("employee2"); got != "answer_verified,answer_accepted" {
		t.Errorf("answer author's notifications = %s, want verified and accepted, newest first", got)
	}
	contractor := notes("contractor")
	if got := kinds("contractor"); got != "answer_remove,answer_held" || !strings.Contains(contractor[1].Text, "Switching encryption off is unsafe.") || strings.Contains(contractor[0].Text, "internal note") {
		t.Errorf("flagged author's notifications = %+v, want held (with the reason) then removed (without the audit note)", contractor)
	}
	// The header counts the two unread notifications until the page shows them.
	s := f.NewSession(t, "employee2")
	if _, _, body := s.Do("GET", "/portal", nil); !strings.Contains(body, `<span class="badge" id="unread">2<span class="sr"> unread</span></span>`) {
		t.Errorf("the header does not count 2 unread notifications:\n%s", body)
	}
	_, _, body := s.Do("GET", "/notifications", nil)
	if strings.Count(body, `<span class="tag">new</span>`) != 2 || !strings.Contains(body, `href="`+link+`"`) {
		t.Errorf("the notifications page does not mark the 2 new ones or link to the answer:\n%s", body)
	}
	if _, _, body := s.Do("GET", "/portal?"+url.Values{"x": {"1"}}.Encode(), nil); strings.Contains(body, `id="unread"`) {
		t.Errorf("notifications still count as unread after the page showed them")
	}
}
