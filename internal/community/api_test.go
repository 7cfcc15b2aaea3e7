package community_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/community"
)

// call sends an API request and decodes the JSON answer into out (when not
// nil), failing unless the status is want.
func call(t *testing.T, e *apptest.Env, role, method, path, body string, want int, out any) {
	t.Helper()
	resp := e.Request(t, role, method, path, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s as %q: status %d, want %d: %s", method, path, role, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

type idJSON struct {
	ID      int64 `json:"id"`
	Answers []struct {
		ID       int64  `json:"id"`
		Verified bool   `json:"verified"`
		Status   string `json:"status"`
	} `json:"answers"`
	Status      string `json:"status"`
	Verified    bool   `json:"verified"`
	State       string `json:"state"`
	HasAccepted bool   `json:"has_accepted"`
	HasVerified bool   `json:"has_verified"`
}

func TestAPIRoles(t *testing.T) {
	e := apptest.New(t)
	var q idJSON
	call(t, e, "employee", "POST", "/api/v1/questions", `{"title":"VPN on Android","body":"help","tags":["vpn","android"]}`, http.StatusCreated, &q)
	if q.ID == 0 {
		t.Fatal("no id")
	}
	call(t, e, "employee", "POST", "/api/v1/questions", `{"title":""}`, http.StatusUnprocessableEntity, nil)
	call(t, e, "employee", "POST", "/api/v1/questions", `{"title":"x","extra":1}`, http.StatusBadRequest, nil)
	var list struct {
		Questions []idJSON `json:"questions"`
	}
	call(t, e, "contractor", "GET", "/api/v1/questions?tag=android", "", http.StatusOK, &list)
	if len(list.Questions) != 1 || list.Questions[0].HasAccepted || list.Questions[0].HasVerified {
		t.Fatalf("questions: %+v", list)
	}
	var a, bad idJSON
	call(t, e, "employee2", "POST", fmt.Sprintf("/api/v1/questions/%d/answers", q.ID), `{"body":"Reinstall the profile"}`, http.StatusCreated, &a)
	call(t, e, "contractor", "POST", fmt.Sprintf("/api/v1/questions/%d/answers", q.ID), `{"body":"Disable the firewall"}`, http.StatusCreated, &bad)
	call(t, e, "employee2", "POST", fmt.Sprintf("/api/v1/answers/%d/accept", a.ID), "", http.StatusForbidden, nil)
	call(t, e, "employee", "POST", fmt.Sprintf("/api/v1/answers/%d/accept", a.ID), "", http.StatusOK, nil)
	for _, role := range []string{"employee", "employee2", "contractor"} {
		call(t, e, role, "POST", fmt.Sprintf("/api/v1/answers/%d/verify", a.ID), "", http.StatusForbidden, nil)
	}
	var v idJSON
	call(t, e, "agent", "POST", fmt.Sprintf("/api/v1/answers/%d/verify", a.ID), `{"review_by":"2099-01-01T00:00:00Z"}`, http.StatusOK, &v)
	if !v.Verified || v.ID != a.ID {
		t.Fatalf("verify: %+v", v)
	}
	// The question now says it has an accepted and a verified answer.
	call(t, e, "contractor", "GET", "/api/v1/questions?tag=android", "", http.StatusOK, &list)
	if len(list.Questions) != 1 || !list.Questions[0].HasAccepted || !list.Questions[0].HasVerified {
		t.Errorf("question marks after accept and verify: %+v", list)
	}
	call(t, e, "employee", "POST", fmt.Sprintf("/api/v1/answers/%d/flag", bad.ID), `{}`, http.StatusUnprocessableEntity, nil)
	var fl idJSON
	call(t, e, "agent", "POST", fmt.Sprintf("/api/v1/answers/%d/flag", bad.ID), `{"reason":"unsafe advice"}`, http.StatusOK, &fl)
	if fl.Status != "quarantined" {
		t.Fatalf("flag status %q", fl.Status)
	}
	// Quarantined content is absent for employees, present for its author
	// and for knowledge managers.
	for role, want := range map[string]bool{"employee": false, "employee2": false, "agent": false, "contractor": true, "knowledge_manager": true} {
		var got idJSON
		call(t, e, role, "GET", fmt.Sprintf("/api/v1/questions/%d", q.ID), "", http.StatusOK, &got)
		seen := false
		for _, x := range got.Answers {
			seen = seen || x.ID == bad.ID
		}
		if seen != want {
			t.Errorf("%s sees quarantined answer: %v, want %v", role, seen, want)
		}
		if len(got.Answers) == 0 || got.Answers[0].ID != a.ID {
			t.Errorf("%s: verified answer not first: %+v", role, got.Answers)
		}
	}
	for _, role := range []string{"employee", "agent"} {
		call(t, e, role, "POST", fmt.Sprintf("/api/v1/answers/%d/moderate", bad.ID), `{"decision":"restore"}`, http.StatusForbidden, nil)
	}
	call(t, e, "knowledge_manager", "POST", fmt.Sprintf("/api/v1/answers/%d/moderate", bad.ID), `{"decision":"remove"}`, http.StatusOK, nil)

	// Articles: staff write, knowledge managers publish, employees read published only.
	call(t, e, "employee", "POST", "/api/v1/articles", `{"title":"x"}`, http.StatusForbidden, nil)
	var art idJSON
	call(t, e, "agent", "POST", "/api/v1/articles", `{"title":"Reset MFA","body":"Steps","applies":{"roles":["contractor"]}}`, http.StatusCreated, &art)
	if art.ID == 0 || art.State != "draft" {
		t.Fatalf("article: %+v", art)
	}
	call(t, e, "employee", "GET", fmt.Sprintf("/api/v1/articles/%d", art.ID), "", http.StatusNotFound, nil)
	call(t, e, "agent", "GET", fmt.Sprintf("/api/v1/articles/%d", art.ID), "", http.StatusOK, nil)
	var arts struct {
		Articles []idJSON `json:"articles"`
	}
	call(t, e, "employee", "GET", "/api/v1/articles", "", http.StatusOK, &arts)
	if len(arts.Articles) != 0 {
		t.Fatal("employee lists drafts")
	}
	call(t, e, "agent", "GET", "/api/v1/articles", "", http.StatusOK, &arts)
	if len(arts.Articles) != 1 {
		t.Fatal("agent does not list drafts")
	}
}

func TestAPIAnonymousGets401(t *testing.T) {
	e := apptest.New(t)
	for _, r := range e.App.API.Routes() {
		if r.Access == "public" {
			continue
		}
		path := strings.ReplaceAll(r.Pattern, "{id}", "1")
		resp := e.Request(t, "", r.Method, path, `{}`)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %d, want 401", r.Method, path, resp.StatusCode)
		}
	}
}

// TestPagesNeedSignIn checks that every community page sends anonymous
// visitors to the sign-in page and never shows content.
func TestPagesNeedSignIn(t *testing.T) {
	e := apptest.New(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, r := range e.App.Web.Routes() {
		if !strings.HasPrefix(r.Pattern, "/community") && !strings.HasPrefix(r.Pattern, "/kb") {
			continue
		}
		path := strings.ReplaceAll(r.Pattern, "{id}", "1")
		req, _ := http.NewRequest(r.Method, e.Server.URL+path, strings.NewReader(""))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s %s: %d to %q, want a redirect to sign in", r.Method, path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// TestDuplicatePageRedirects checks that a question closed as a duplicate
// sends readers to the original, and still opens with ?stay=1.
func TestDuplicatePageRedirects(t *testing.T) {
	e := apptest.New(t)
	cs := e.App.Community
	orig, err := cs.Ask(e.As("employee"), community.NewQuestion{Title: "Printer offline"})
	if err != nil {
		t.Fatal(err)
	}
	dup, _ := cs.Ask(e.As("employee2"), community.NewQuestion{Title: "Printer is offline again"})
	if err := cs.CloseDuplicate(e.As("agent"), dup.ID, orig.ID); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.App.Desk.StartSession(t.Context(), e.People["contractor"])
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
		resp.Body.Close()
		return resp
	}
	resp := get(fmt.Sprintf("/community/questions/%d", dup.ID))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, fmt.Sprintf("/community/questions/%d?", orig.ID)) {
		t.Fatalf("duplicate page: %d to %q", resp.StatusCode, loc)
	}
	if resp := get(fmt.Sprintf("/community/questions/%d?stay=1", dup.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("duplicate page with stay: %d", resp.StatusCode)
	}
}
