package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// TestPolicyGate: a new guideline version sends everyone to read and accept
// it on their next visit, and brings them back where they were going.
func TestPolicyGate(t *testing.T) {
	e := apptest.New(t)
	ctx := t.Context()
	admin := socialdesk.NewContextWithUser(ctx, e.People["admin"])
	if _, err := e.App.Desk.PublishUsagePolicy(admin, "Never post passwords. Version two."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.PublishUsagePolicy(socialdesk.NewContextWithUser(ctx, e.People["agent"]), "x"); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("an agent published the guideline: %v", err)
	}
	tok, csrf, err := e.App.Desk.StartSession(ctx, e.People["employee"])
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", e.Server.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("/portal/new")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/policy?next=%2Fportal%2Fnew" {
		t.Fatalf("unaccepted guideline: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := get("/policy")
	body, _ := io.ReadAll(page.Body)
	if !strings.Contains(string(body), "Version two") || !strings.Contains(string(body), `name="version" value="2"`) {
		t.Fatalf("policy page does not show version 2: %s", body)
	}
	// Accepting an old version is refused.
	post := func(version string) *http.Response {
		form := url.Values{"csrf": {csrf}, "version": {version}, "next": {"/portal/new"}}
		req, _ := http.NewRequest("POST", e.Server.URL+"/policy/ack", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := post("1"); !strings.HasPrefix(r.Header.Get("Location"), "/policy?flash=") {
		t.Fatalf("accepting the old version: %s", r.Header.Get("Location"))
	}
	if r := post("2"); r.Header.Get("Location") != "/portal/new" {
		t.Fatalf("after accepting: %s", r.Header.Get("Location"))
	}
	if r := get("/portal/new"); r.StatusCode != 200 {
		t.Fatalf("after accepting, the portal answers %d", r.StatusCode)
	}
	need, _ := e.App.Desk.NeedsPolicyAck(socialdesk.NewContextWithUser(ctx, e.People["employee"]))
	if need {
		t.Fatal("the acceptance was not stored")
	}
	audit, _ := e.App.DB.AuditLog(ctx, "policy.ack", 10, 0)
	if len(audit) == 0 {
		t.Fatal("acceptance not audited")
	}
	_ = desk.DefaultPolicyText
}
