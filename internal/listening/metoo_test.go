package listening_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// TestMeToo: the portal shows open outages; "me too" links the person to
// the outage with one ticket of theirs, however often they press it (also
// at once), and the outage's updates reach that ticket. A resolved outage
// or an ordinary ticket cannot be joined.
func TestMeToo(t *testing.T) {
	e := apptest.New(t)
	d := e.App.Desk
	major := true
	inc, err := d.CreateTicket(e.As("agent"), desk.NewTicket{Title: "Outage: VPN down", Impact: "high", Urgency: "high", Service: "VPN"})
	if err == nil {
		_, err = d.UpdateTicket(e.As("agent"), inc.ID, socialdesk.TicketUpdate{Major: &major})
	}
	if err != nil {
		t.Fatal(err)
	}
	emp := e.NewSession(t, "employee")
	metoo := fmt.Sprintf("/status/%d/metoo", inc.ID)
	for _, page := range []string{"/portal", "/portal/new"} {
		if _, _, body := emp.Do("GET", page, nil); !strings.Contains(body, "Known problems right now") || !strings.Contains(body, `action="`+metoo+`"`) {
			t.Errorf("%s does not offer \"me too\" for %s:\n%s", page, inc.Number(), body)
		}
	}
	code, loc, _ := emp.Do("POST", metoo, url.Values{})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tickets/") || !strings.Contains(loc, "counted+as+affected") {
		t.Fatalf("me too: %d %q", code, loc)
	}
	children, n, err := e.App.DB.Tickets(t.Context(), socialdesk.TicketFilter{ParentID: inc.ID})
	if err != nil || n != 1 || children[0].RequesterID != e.People["employee"].ID || loc != fmt.Sprintf("/tickets/%d?flash=%s", children[0].ID, url.QueryEscape("Thanks: you are counted as affected, and the outage's updates will arrive here. No need to raise a separate request.")) {
		t.Fatalf("reports linked = %d %+v, %v (redirect %q)", n, children, err, loc)
	}
	mine := children[0]
	// The queue shows the agent that the two rows are one problem.
	if _, _, body := e.NewSession(t, "agent").Do("GET", "/queue", nil); !strings.Contains(body, "Outage: VPN down <small>· 1 report linked</small>") ||
		!strings.Contains(body, "<small>· part of "+inc.Number()+"</small>") {
		t.Errorf("the queue does not link the report and the outage:\n%s", body)
	}
	if _, loc, _ := emp.Do("POST", metoo, url.Values{}); !strings.HasPrefix(loc, fmt.Sprintf("/tickets/%d?", mine.ID)) || !strings.Contains(loc, "already") {
		t.Errorf("second press: redirect %q, want the same ticket", loc)
	}
	for _, page := range []string{"/status", "/portal"} {
		if _, _, body := emp.Do("GET", page, nil); !strings.Contains(strings.ToLower(body), "you reported it") || strings.Contains(body, `action="`+metoo+`"`) {
			t.Errorf("%s still offers \"me too\" to someone who reported:\n%s", page, body)
		}
	}
	// One lookup finds the person's reports of several incidents: this
	// one only, and nothing for no incidents, though they have tickets.
	if got, err := d.MyReports(e.As("employee"), []int64{inc.ID, inc.ID + 1000}); err != nil || len(got) != 1 || got[inc.ID] == nil || got[inc.ID].ID != mine.ID {
		t.Errorf("MyReports = %v, %v; want only %s for %s", got, err, mine.Number(), inc.Number())
	}
	if got, err := d.MyReports(e.As("employee"), nil); err != nil || len(got) != 0 {
		t.Errorf("MyReports of no incidents = %v, %v; want none", got, err)
	}
	if got, err := d.MyReports(e.As("employee2"), []int64{inc.ID}); err != nil || len(got) != 0 {
		t.Errorf("MyReports of someone who did not report = %v, %v; want none", got, err)
	}
	// Pressed at once by another person: still one ticket for them.
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tk, _, err := d.MeToo(e.As("employee2"), inc.ID); err == nil {
				ids[i] = tk.ID
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, n, _ := e.App.DB.Tickets(t.Context(), socialdesk.TicketFilter{ParentID: inc.ID, RequesterID: e.People["employee2"].ID}); n != 1 || ids[0] != ids[1] || ids[1] != ids[2] || ids[2] != ids[3] {
		t.Errorf("concurrent presses made %d tickets (%v), want 1", n, ids)
	}
	// The outage's updates reach the reporter's ticket.
	if _, err := e.App.Listening.PostStatus(e.As("agent"), inc.ID, "The VPN gateway is back.", true); err != nil {
		t.Fatal(err)
	}
	msgs, _ := e.App.DB.Messages(t.Context(), mine.ID)
	if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Body, "The VPN gateway is back.") {
		t.Errorf("the reporter's ticket did not get the update: %+v", msgs)
	}
	// Resolved: joining is refused with a message; the portal box is gone.
	if code, loc, _ := e.NewSession(t, "contractor").Do("POST", metoo, url.Values{}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/status?flash=") || !strings.Contains(loc, "resolved") {
		t.Errorf("me too on a resolved outage: %d %q", code, loc)
	}
	if _, _, body := emp.Do("GET", "/portal", nil); strings.Contains(body, "Known problems right now") {
		t.Errorf("the portal still lists the resolved outage")
	}
	// An ordinary ticket is not an outage to join.
	plain, err := d.CreateTicket(e.As("employee2"), desk.NewTicket{Title: "Printer jams"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := emp.Do("POST", fmt.Sprintf("/status/%d/metoo", plain.ID), url.Values{}); code != http.StatusNotFound {
		t.Errorf("me too on an ordinary ticket: %d, want 404", code)
	}
}
