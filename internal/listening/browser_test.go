package listening_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/browsertest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
)

// TestBrowserDashboardIsLive keeps the listening dashboard open in a real
// browser while a support request arrives: the figures and the new post's
// cluster appear without a reload, and the page stays the same page.
func TestBrowserDashboardIsLive(t *testing.T) {
	e := apptest.New(t)
	ctx := t.Context()
	sys := desk.SystemContext(ctx)
	if _, err := e.App.Listening.Train(sys, listening.ModelSupport, []classify.Example{{Text: "vpn broken please help", Label: "1"}, {Text: "printer jammed help", Label: "1"},
		{Text: "lovely lunch today", Label: "0"}, {Text: "great match tonight", Label: "0"}}, "t"); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	browsertest.Login(t, b, e.Server.URL, "agent@example.com", apptest.Password)
	browsertest.Do(t, b, chromedp.Navigate(e.Server.URL+"/listening"), chromedp.WaitVisible(chromedp.ID("listening-live")))
	if s := browsertest.Text(t, b, "#listening-live"); !strings.Contains(s, "Last 24 hours: 0 posts") {
		t.Fatalf("before any post the dashboard says %q", s)
	}
	// A marker on the page tells a reload from a refresh of the region.
	if _, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.sameSession = true`)); err != nil {
		t.Fatal(err)
	}
	for i, who := range []string{"ana", "ben", "cy"} {
		if _, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: "slack", ExternalID: "live-" + who, Author: connector.Author{ID: who, Email: who + "@example.com"},
			Text: "the vpn is broken again, please help", SentAt: e.App.Desk.Now().Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = browsertest.Text(t, b, "#listening-live")
		if strings.Contains(s, "Last 24 hours: 3 posts") && strings.Contains(s, "the vpn is broken again") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(s, "Last 24 hours: 3 posts") || !strings.Contains(s, "the vpn is broken again") {
		t.Fatalf("the dashboard did not update by itself; it says %q", s)
	}
	same, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.sameSession === true`))
	if err != nil || !same {
		t.Fatalf("the page was reloaded rather than refreshed in place (%v)", err)
	}
}
