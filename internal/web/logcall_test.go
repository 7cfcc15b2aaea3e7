package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// TestLogCall: an agent logs a phone call for the caller named by email or
// full name. A name two people share is refused with both addresses, not
// given to one of them, and a refused form keeps what was typed and stores
// nothing.
func TestLogCall(t *testing.T) {
	e := apptest.New(t)
	sys := socialdesk.NewContextWithUser(t.Context(), desk.System)
	for _, p := range []*socialdesk.Person{
		{Email: "kim.lee@example.com", Name: "Kim Lee", Role: socialdesk.RoleEmployee},
		{Email: "kim.lee2@example.com", Name: "Kim Lee", Role: socialdesk.RoleContractor},
		{Email: "ines@example.com", Name: "Inès Ñúñez", Role: socialdesk.RoleEmployee},
	} {
		if err := e.App.Desk.CreatePerson(sys, p, "a-long-password"); err != nil {
			t.Fatal(err)
		}
	}
	agent := e.NewSession(t, "agent")
	call := func(who string) (int, string, string) {
		return agent.Do("POST", "/tickets/new", url.Values{"requester": {who}, "channel": {"phone"}, "title": {"Printer jammed on 3rd floor"},
			"description": {"Caller says the printer shows error 13."}, "impact": {"low"}, "urgency": {"low"}, "type": {"request"}})
	}
	requesterOf := func(loc string) string {
		t.Helper()
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/tickets/")
		code, _, body := agent.Do("GET", "/tickets/"+id, nil)
		if code != 200 {
			t.Fatalf("ticket page %s: status %d", id, code)
		}
		return body
	}
	count := func() int {
		_, n, err := e.App.Desk.Tickets(e.As("agent"), socialdesk.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	for who, want := range map[string]string{"KIM.LEE2@example.com": "Kim Lee", "inès ñúñez": "Inès Ñúñez", "employee test": "Employee Test"} {
		code, loc, body := call(who)
		if code != 303 || !strings.HasPrefix(loc, "/tickets/") {
			t.Fatalf("logging a call from %q: status %d, location %q\n%s", who, code, loc, body)
		}
		if page := requesterOf(loc); !strings.Contains(page, "raised by "+want) {
			t.Errorf("the call from %q is not raised by %s", who, want)
		}
	}
	before := count()
	code, _, body := call("kim lee")
	if code != 422 || !strings.Contains(body, "2 people are called Kim Lee (kim.lee@example.com, kim.lee2@example.com)") {
		t.Errorf("an ambiguous name: status %d; want 422 naming both addresses\n%s", code, body)
	}
	if !strings.Contains(body, `value="kim lee"`) || !strings.Contains(body, "Printer jammed on 3rd floor") {
		t.Error("the refused form lost what was typed")
	}
	if !strings.Contains(body, "<option selected>low</option>") || !strings.Contains(body, `value="request" selected`) {
		t.Error("the refused form lost the chosen type, impact or urgency")
	}
	code, _, body = call("Nobody Here")
	if code != 422 || !strings.Contains(body, "Nobody is called or has the email Nobody Here") {
		t.Errorf("an unknown caller: status %d\n%s", code, body)
	}
	if code, _, _ := call("nobody@example.com"); code != 422 {
		t.Errorf("an unknown email: status %d, want 422", code)
	}
	if n := count(); n != before {
		t.Errorf("refused calls stored %d tickets", n-before)
	}
}
