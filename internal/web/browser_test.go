package web_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/browsertest"
)

// TestBrowserAgentAnswersPortalTicket is the day of a desk in a real
// browser: an employee raises a ticket in the portal, an agent finds it in
// the queue, answers it and resolves it, and the employee sees the answer.
func TestBrowserAgentAnswersPortalTicket(t *testing.T) {
	e := apptest.New(t)
	base := e.Server.URL

	emp := browsertest.New(t)
	fillRequest(t, emp, base, "Laptop will not join the office wifi", "Since this morning it says wrong password.")
	browsertest.Do(t, emp,
		chromedp.SetValue(chromedp.CSS("select[name=urgency]"), "high"),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.CSS("article.ticket")),
	)
	heading := browsertest.Text(t, emp, "h1")
	if !strings.Contains(heading, "INC-000001") || !strings.Contains(heading, "office wifi") {
		t.Fatalf("employee sees %q after raising the ticket", heading)
	}
	if flash := browsertest.Text(t, emp, ".flash"); !strings.Contains(flash, "INC-000001") {
		t.Fatalf("no confirmation: %q", flash)
	}

	agent := browsertest.New(t)
	browsertest.Login(t, agent, base, "agent@example.com", apptest.Password)
	if loc := browsertest.Location(t, agent); !strings.HasSuffix(loc, "/queue") {
		t.Fatalf("agent landed on %s, want the queue", loc)
	}
	rows := browsertest.Text(t, agent, "#queue-rows")
	if !strings.Contains(rows, "Laptop will not join the office wifi") || !strings.Contains(rows, "P2") {
		t.Fatalf("queue does not show the new P2 ticket: %q", rows)
	}
	// Keyboard: j moves to the first row, Enter opens it.
	browsertest.Do(t, agent,
		chromedp.KeyEvent("j"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("article.ticket")),
		chromedp.SendKeys(chromedp.ID("body"), "Please forget the network and join it again with your new password."),
		chromedp.SetValue(chromedp.CSS("select[name=then_state]"), "resolved"),
		chromedp.Submit(chromedp.ID("body")),
		chromedp.WaitVisible(chromedp.CSS(".msg.out")),
	)
	if s := browsertest.Text(t, agent, ".ticket-head .meta"); !strings.Contains(s, "Resolved") {
		t.Fatalf("ticket not resolved, header says %q", s)
	}
	if os.Getenv("SOCIALDESK_SCREENSHOTS") != "" {
		browsertest.Screenshot(t, agent, os.Getenv("SOCIALDESK_SCREENSHOTS")+"/ticket.png")
	}

	browsertest.Do(t, emp, chromedp.Navigate(base+"/portal"), chromedp.WaitVisible(chromedp.CSS("table.queue")))
	if s := browsertest.Text(t, emp, "table.queue tbody"); !strings.Contains(s, "Resolved") {
		t.Fatalf("employee's list does not show the resolution: %q", s)
	}
	browsertest.Do(t, emp, chromedp.Navigate(base+"/tickets/1"), chromedp.WaitVisible(chromedp.CSS(".msg.out")))
	if s := browsertest.Text(t, emp, ".msg.out .body"); !strings.Contains(s, "join it again") {
		t.Fatalf("employee does not see the answer: %q", s)
	}
	tk, err := e.App.DB.Ticket(t.Context(), 1)
	if err != nil || tk.State != socialdesk.StateResolved || tk.SLA.RespondedAt.IsZero() || tk.Channel != "portal" {
		t.Fatalf("stored ticket = %+v, %v", tk, err)
	}
}

// fillRequest signs in as the demo employee and types a request's title
// and description into the portal's form, without sending it.
func fillRequest(t *testing.T, emp context.Context, base, title, description string) {
	t.Helper()
	browsertest.Login(t, emp, base, "employee@example.com", apptest.Password)
	browsertest.Do(t, emp,
		chromedp.Navigate(base+"/portal/new"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.SendKeys(chromedp.ID("description"), description),
	)
}

// TestBrowserSLAForm changes SLA settings in a real browser with the
// keyboard: a new P2 response target typed in, Friday closed, an
// escalation rule removed with the space bar, and the form sent with Enter
// on its button.
func TestBrowserSLAForm(t *testing.T) {
	e := apptest.New(t)
	base := e.Server.URL
	admin := browsertest.New(t)
	browsertest.Login(t, admin, base, "admin@example.com", apptest.Password)
	browsertest.Do(t, admin,
		chromedp.Navigate(base+"/admin/sla"),
		chromedp.WaitVisible(chromedp.ID("timezone")),
		chromedp.Clear(chromedp.CSS("input[name=response_2]")),
		chromedp.SendKeys(chromedp.CSS("input[name=response_2]"), "45m"),
		chromedp.Clear(chromedp.CSS("input[name=open_fri]")),
		chromedp.Clear(chromedp.CSS("input[name=close_fri]")),
		chromedp.Focus(chromedp.CSS("input[name=rule_4_remove]")),
		chromedp.KeyEvent(" "),
	)
	if os.Getenv("SOCIALDESK_SCREENSHOTS") != "" {
		browsertest.Screenshot(t, admin, os.Getenv("SOCIALDESK_SCREENSHOTS")+"/sla.png")
	}
	browsertest.Do(t, admin,
		chromedp.Focus(chromedp.CSS("form.stack button[type=submit]")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if flash := browsertest.Text(t, admin, ".flash"); !strings.Contains(flash, "SLA settings saved") {
		t.Fatalf("no confirmation: %q", flash)
	}
	p := e.App.Desk.SLAPolicy()
	if p.Targets[2].Response != 45*time.Minute {
		t.Errorf("P2 response target = %v, want 45m", p.Targets[2].Response)
	}
	if _, open := p.Calendar.Config().Days["fri"]; open {
		t.Error("Friday is still open")
	}
	if len(p.Rules) != 4 {
		t.Errorf("%d escalation rules, want 4 after removing one: %+v", len(p.Rules), p.Rules)
	}
}

// TestBrowserBusyForm: a form that takes a while says so when it is sent,
// in a status region, and a second press does not send it again. The test
// keeps the page from navigating away, as a slow server would.
func TestBrowserBusyForm(t *testing.T) {
	e := apptest.New(t)
	base := e.Server.URL
	emp := browsertest.New(t)
	fillRequest(t, emp, base, "Printer on floor 3 is offline", "It shows offline for everyone.")
	// Listeners on window run after the page's own: record whether each
	// submit was let through, then stop the navigation.
	const hold = `window.sent = []; window.addEventListener("submit", function (e) { window.sent.push(!e.defaultPrevented); e.preventDefault(); }); true`
	if _, err := chromedp.Run(emp, chromedp.Evaluate[bool](hold)); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, emp,
		chromedp.Click(chromedp.CSS(`#newticket button[type=submit]`)),
		chromedp.Click(chromedp.CSS(`#newticket button[type=submit]`)),
	)
	state, err := chromedp.Run(emp, chromedp.Evaluate[string](`JSON.stringify({sent: window.sent,
		busy: document.getElementById("newticket").getAttribute("aria-busy"),
		button: document.querySelector("#newticket button[type=submit]").getAttribute("aria-disabled"),
		status: (document.querySelector("#newticket [role=status]") || {}).textContent})`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"sent":[true,false],"busy":"true","button":"true","status":"Sending your request…"}`; state != want {
		t.Errorf("after two presses: %s, want %s (the first sent, the second held back)", state, want)
	}
}
