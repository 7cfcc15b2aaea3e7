package community_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/browsertest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// count returns how many elements match the CSS selector.
func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
	if err != nil {
		t.Fatalf("browser: count %s: %v", css, err)
	}
	return n
}

// postStatus posts a form with the page's CSRF token from inside the
// browser session and returns the HTTP status.
func postStatus(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q, {method: "POST", credentials: "same-origin", redirect: "manual",
		body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value})}).then(r => r.status)`, path)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browser: post %s: %v", path, err)
	}
	return n
}

// TestBrowserCommunity walks the social self-help in real Chromium: ask,
// answer, accept, verify (agents only), flag until quarantined, turn a
// resolved ticket into a redacted draft, publish it, and see it suggested
// on the new-ticket form.
func TestBrowserCommunity(t *testing.T) {
	e := apptest.New(t)
	base := e.Server.URL

	emp := browsertest.New(t)
	browsertest.Login(t, emp, base, "employee@example.com", apptest.Password)
	browsertest.Do(t, emp,
		chromedp.Navigate(base+"/community/ask"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "VPN disconnects on my Android phone"),
		chromedp.SendKeys(chromedp.ID("body"), "Every hour the **VPN** drops."),
		chromedp.SendKeys(chromedp.ID("tags"), "vpn, android"),
		chromedp.Click(chromedp.ID("ask-submit")),
		chromedp.WaitVisible(chromedp.ID("qtitle")),
	)
	qURL := strings.SplitN(browsertest.Location(t, emp), "?", 2)[0]
	if !strings.Contains(qURL, "/community/questions/") {
		t.Fatalf("after asking the employee is at %s", qURL)
	}

	// A colleague answers twice; the second answer is bad advice.
	emp2 := browsertest.New(t)
	browsertest.Login(t, emp2, base, "employee2@example.com", apptest.Password)
	// While writing a question of their own, they are shown the similar one.
	browsertest.Do(t, emp2,
		chromedp.Navigate(base+"/community/ask"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "Android VPN keeps dropping"),
		chromedp.WaitVisible(chromedp.CSS("#similar a")),
	)
	if s := browsertest.Text(t, emp2, "#similar"); !strings.Contains(s, "VPN disconnects on my Android phone") {
		t.Fatalf("similar questions: %q", s)
	}
	for _, body := range []string{"Remove the VPN profile and reinstall it from the company portal.", "Just disable the firewall on the phone."} {
		browsertest.Do(t, emp2,
			chromedp.Navigate(qURL),
			chromedp.WaitVisible(chromedp.ID("answer-body")),
			chromedp.SendKeys(chromedp.ID("answer-body"), body),
			chromedp.Click(chromedp.ID("answer-submit")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
	}
	if n := count(t, emp2, "section.answer"); n != 2 {
		t.Fatalf("%d answers shown, want 2", n)
	}
	if n := count(t, emp2, "button.accept"); n != 0 {
		t.Fatal("someone who did not ask sees the accept button")
	}

	// The asker accepts; an employee sees no verify button and the POST is refused.
	browsertest.Do(t, emp,
		chromedp.Navigate(qURL),
		chromedp.WaitVisible(chromedp.CSS("#answer-1 button.accept")),
		chromedp.Click(chromedp.CSS("#answer-1 button.accept")),
		chromedp.WaitVisible(chromedp.CSS("#answer-1 .accepted-mark")),
	)
	if n := count(t, emp, "button.verify"); n != 0 {
		t.Fatal("an employee sees a verify button")
	}
	if status := postStatus(t, emp, "/community/answers/1/verify"); status != 403 {
		t.Fatalf("employee's verify POST answered %d, want 403", status)
	}

	// An agent verifies, then flags the bad answer: one agent flag quarantines.
	agent := browsertest.New(t)
	browsertest.Login(t, agent, base, "agent@example.com", apptest.Password)
	browsertest.Do(t, agent,
		chromedp.Navigate(qURL),
		chromedp.WaitVisible(chromedp.CSS("#answer-1 button.verify")),
		chromedp.Click(chromedp.CSS("#answer-1 button.verify")),
		chromedp.WaitVisible(chromedp.CSS("#answer-1 .verified-mark")),
		chromedp.Click(chromedp.CSS("#answer-2 summary")),
		chromedp.WaitVisible(chromedp.CSS("#answer-2 .flag-reason")),
		chromedp.SendKeys(chromedp.CSS("#answer-2 .flag-reason"), "Disabling the firewall breaks security policy"),
		chromedp.Click(chromedp.CSS("#answer-2 button.flag")),
		chromedp.WaitNotPresent(chromedp.CSS("#answer-2")),
	)
	browsertest.Do(t, emp, chromedp.Navigate(qURL), chromedp.WaitVisible(chromedp.ID("qtitle")))
	if n := count(t, emp, "#answer-2"); n != 0 {
		t.Fatal("the quarantined answer is still shown to an employee")
	}
	if first := browsertest.Text(t, emp, "section.answer"); !strings.Contains(first, "Verified by IT") || !strings.Contains(first, "Accepted") {
		t.Fatalf("first answer is %q, want the verified and accepted one", first)
	}
	km := browsertest.New(t)
	browsertest.Login(t, km, base, "knowledge_manager@example.com", apptest.Password)
	browsertest.Do(t, km, chromedp.Navigate(base+"/community/moderation"), chromedp.WaitVisible(chromedp.ID("mod-2")))
	if s := browsertest.Text(t, km, "#mod-2"); !strings.Contains(s, "breaks security policy") || !strings.Contains(s, "disable the firewall") {
		t.Fatalf("moderation queue shows %q", s)
	}

	// A resolved ticket becomes a redacted draft, reviewed and published.
	ctx := context.Background()
	tk, err := e.App.Desk.CreateTicket(e.As("employee"), desk.NewTicket{Title: "VPN token rejected after phone change",
		Description: "Employee Test here, mail employee@example.com or call +33 6 12 34 56 78. My PIN: 482913 fails."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Hi Employee, re-enrol the token at the self-service page, then restart the VPN app."}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Internal: user lost the phone twice", Internal: true}); err != nil {
		t.Fatal(err)
	}
	resolved := socialdesk.StateResolved
	if _, err := e.App.Desk.UpdateTicket(e.As("agent"), tk.ID, socialdesk.TicketUpdate{State: &resolved}); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, agent,
		chromedp.Navigate(base+"/kb"),
		chromedp.WaitVisible(chromedp.ID("from-ticket")),
		chromedp.SendKeys(chromedp.ID("from-ticket"), tk.Number()),
		chromedp.Click(chromedp.ID("from-ticket-submit")),
		chromedp.WaitVisible(chromedp.ID("redaction-list")),
	)
	body := browsertest.Text(t, agent, "#kbbody")
	for _, leak := range []string{"employee@example.com", "12 34 56", "482913", "Employee", "lost the phone"} {
		if strings.Contains(body, leak) {
			t.Errorf("draft shows %q: %s", leak, body)
		}
	}
	if n := count(t, agent, "#kbbody mark.redacted"); n < 4 {
		t.Errorf("%d highlighted redactions in the draft, want at least 4", n)
	}
	artURL := strings.SplitN(browsertest.Location(t, agent), "?", 2)[0]
	browsertest.Do(t, agent,
		chromedp.Click(chromedp.ID("submit-review")),
		chromedp.WaitVisible(chromedp.CSS(`#kbstate[data-state="in_review"]`)),
	)
	if s := browsertest.Text(t, agent, "#kbstate"); s != "in_review" {
		t.Fatalf("state after submitting: %q", s)
	}
	if n := count(t, agent, "#publish"); n != 0 {
		t.Fatal("an agent sees the publish button")
	}
	browsertest.Do(t, km,
		chromedp.Navigate(artURL),
		chromedp.WaitVisible(chromedp.ID("confirm-redactions")),
		chromedp.Click(chromedp.ID("confirm-redactions")),
		chromedp.WaitVisible(chromedp.ID("redactions-confirmed")),
		chromedp.Click(chromedp.ID("publish")),
		chromedp.WaitVisible(chromedp.CSS(`#kbstate[data-state="published"]`)),
	)
	if s := browsertest.Text(t, km, "#kbstate"); s != "published" {
		t.Fatalf("state after publishing: %q", s)
	}

	// The article is suggested while an employee writes a ticket, and the
	// "solved" click counts as a deflection.
	browsertest.Do(t, emp,
		chromedp.Navigate(base+"/portal/new"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "my vpn token is rejected"),
		chromedp.WaitVisible(chromedp.CSS("#suggestions a")),
	)
	if s := browsertest.Text(t, emp, "#suggestions"); !strings.Contains(s, "VPN token rejected after phone change") {
		t.Fatalf("suggestions: %q", s)
	}
	if os.Getenv("SOCIALDESK_SCREENSHOTS") != "" {
		browsertest.Screenshot(t, emp, os.Getenv("SOCIALDESK_SCREENSHOTS")+"/suggest.png")
	}
	browsertest.Do(t, emp,
		chromedp.Click(chromedp.CSS(`#suggestions a[href^="/kb/"]`)),
		chromedp.WaitVisible(chromedp.ID("deflect")),
		chromedp.Click(chromedp.ID("deflect")),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	// The verified answer is suggested too, and solving with it counts.
	browsertest.Do(t, emp,
		chromedp.Navigate(base+"/portal/new"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "my vpn token is rejected"),
		chromedp.WaitVisible(chromedp.CSS(`#suggestions a[href^="/community/"]`)),
		chromedp.Click(chromedp.CSS(`#suggestions a[href^="/community/"]`)),
		chromedp.WaitVisible(chromedp.ID("deflect")),
		chromedp.Click(chromedp.ID("deflect")),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	n, err := e.App.DB.DeflectionCount(ctx, "", 0)
	if err != nil || n != 2 {
		t.Fatalf("deflections = %d, %v; want 2", n, err)
	}
	if n, _ := e.App.DB.DeflectionCount(ctx, "answer", 1); n != 1 {
		t.Fatalf("deflections of the verified answer = %d, want 1", n)
	}

	// The other pages render and lead on: list, expert directory, profile,
	// editing an article into a new version and the diff between versions.
	browsertest.Do(t, km, chromedp.Navigate(base+"/community?tag=android"), chromedp.WaitVisible(chromedp.CSS("ul.questions")))
	if s := browsertest.Text(t, km, "ul.questions"); !strings.Contains(s, "VPN disconnects") {
		t.Fatalf("question list: %q", s)
	}
	browsertest.Do(t, km, chromedp.Navigate(base+"/community/experts?q=vpn+android"), chromedp.WaitVisible(chromedp.CSS("ol.experts")))
	if s := browsertest.Text(t, km, "ol.experts li"); !strings.Contains(s, "Employee2 Test") {
		t.Fatalf("top expert: %q", s)
	}
	browsertest.Do(t, km, chromedp.Click(chromedp.CSS("ol.experts a")), chromedp.WaitVisible(chromedp.ID("reputation")))
	if s := browsertest.Text(t, km, "ul.badges"); !strings.Contains(s, "Verified helper") || !strings.Contains(s, "Problem solver") {
		t.Fatalf("badges: %q", s)
	}
	browsertest.Do(t, km,
		chromedp.Navigate(artURL+"/edit"),
		chromedp.WaitVisible(chromedp.ID("body")),
		chromedp.SendKeys(chromedp.ID("body"), "\nAsk the service desk if it still fails."),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="diff?from=1&to=2"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="diff?from=1&to=2"]`)),
		chromedp.WaitVisible(chromedp.CSS("pre.diff")),
	)
	if s := browsertest.Text(t, km, "pre.diff .add"); !strings.Contains(s, "still fails") {
		t.Fatalf("diff shows %q", s)
	}
}
