package channels_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/apptest"

	"github.com/socialdesk/socialdesk"
)

// TestSecretsFromWebhookAndPortalNeverShow posts a password, an API key and
// card numbers through the signed webhook and through the portal form, and
// checks that no page, API response or search result shows them to the
// requester or an agent.
func TestSecretsFromWebhookAndPortalNeverShow(t *testing.T) {
	e := apptest.New(t)
	if err := e.App.Channels.Add(e.As("admin"), "partner", "webhook", `{"secret":"`+hookSecret+`"}`, true); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.AddIdentity(t.Context(), socialdesk.Identity{PersonID: e.People["employee"].ID, Channel: "webhook", ExternalID: "emp-7"}); err != nil {
		t.Fatal(err)
	}
	e.StartWorkers()
	secrets := []string{"4111 1111 1111 1111", "AKIAIOSFODNN7EXAMPLE", "Sup3r$ecretPw9"}
	// Through the webhook.
	body := fmt.Sprintf(`{"external_id":"dlp-1","author":{"id":"emp-7","name":"Emp"},"text":"Billing fails with card %s; my AWS key is %s and password: %s"}`, secrets[0], secrets[1], secrets[2])
	if code, _ := post(t, e.Server.URL, "partner", body, true); code != http.StatusAccepted {
		t.Fatalf("webhook = %d", code)
	}
	// Through the portal form, as the employee.
	tok, csrf, err := e.App.Desk.StartSession(t.Context(), e.People["employee"])
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf": {csrf}, "title": {"Card " + secrets[0] + " rejected"}, "description": {"key " + secrets[1] + " pwd=" + secrets[2]}, "impact": {"low"}, "urgency": {"low"}}
	req, _ := http.NewRequest("POST", e.Server.URL+"/portal/new", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal = %v %v", resp, err)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM tickets`); n != 2 {
		t.Fatalf("%d tickets, want one from each way in", n)
	}
	// Both tickets are in the search index (so the search checks below
	// look at real results).
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.Request(t, "agent", "GET", "/api/v1/search?q=card+rejected+billing&types=ticket", "")
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if strings.Count(string(b), `"type": "ticket"`) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tickets not searchable: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	check := func(what, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q", what, s)
			}
		}
	}
	for _, role := range []string{"employee", "agent"} {
		for _, path := range []string{"/api/v1/tickets", "/api/v1/tickets/1", "/api/v1/tickets/1/messages", "/api/v1/tickets/2", "/api/v1/search?q=card+rejected+billing&types=ticket", "/api/v1/search?q=AKIAIOSFODNN7EXAMPLE"} {
			r := e.Request(t, role, "GET", path, "")
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			check(role+" "+path, string(b))
		}
		ptok, _, _ := e.App.Desk.StartSession(t.Context(), e.People[role])
		for _, path := range []string{"/tickets/1", "/tickets/2", "/portal", "/queue", "/search?q=card+rejected"} {
			req, _ := http.NewRequest("GET", e.Server.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: "sd_session", Value: ptok})
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			check(role+" page "+path, string(b))
		}
	}
	// The texts were stored, redacted, not dropped.
	var stored string
	e.App.DB.SQL().QueryRow(`SELECT body FROM messages WHERE external_id = 'dlp-1'`).Scan(&stored)
	if !strings.Contains(stored, "[CARD]") || !strings.Contains(stored, "[SECRET]") {
		t.Fatalf("stored webhook text = %q", stored)
	}
}
