package demo_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/demo"
)

var hrefs = regexp.MustCompile(`(?:href|action)="([^"]*)"`)

// TestEveryLinkAnswers signs in as every demo account and follows every
// link the pages show, from the start page on, as a person clicking
// through the demo would: no link may lead to an error page, every page
// has a main landmark and heading, every form control has a label
// (unlabelled), and each role reaches the pages its work needs (reach). Forms that post are not sent; the packages' own
// tests cover them.
func TestEveryLinkAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the whole demo")
	}
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: t.TempDir(), RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	logins, err := demo.LoadApp(ctx, a)
	if err != nil || logins == nil {
		t.Fatalf("demo: %v, %v", logins, err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, l := range logins {
		t.Run(l.Email, func(t *testing.T) {
			p, err := a.DB.PersonByEmail(ctx, l.Email)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Desk.AckUsagePolicy(socialdesk.NewContextWithUser(ctx, p), 1); err != nil {
				t.Fatal(err)
			}
			tok, _, err := a.Desk.StartSession(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]string{"/": "the start"}
			reported := map[string]bool{}
			queue := []string{"/"}
			for len(queue) > 0 && len(seen) < 400 {
				path := queue[0]
				queue = queue[1:]
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body strings.Builder
				if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					buf := make([]byte, 32<<10)
					for {
						n, err := resp.Body.Read(buf)
						body.Write(buf[:n])
						if err != nil {
							break
						}
					}
				}
				resp.Body.Close()
				if resp.StatusCode >= 400 {
					t.Errorf("%s (linked from %s): %d", path, seen[path], resp.StatusCode)
					continue
				}
				if page := body.String(); resp.StatusCode == http.StatusOK && page != "" && (!strings.Contains(page, "<h1") || !strings.Contains(page, `<main id="main"`)) {
					t.Errorf("%s (linked from %s) has no main heading or no main landmark", path, seen[path])
				}
				if page := body.String(); resp.StatusCode == http.StatusOK && page != "" {
					for _, c := range unlabelled(page) {
						if !reported[c+path] {
							t.Errorf("%s: form control without a label: %s", path, c)
						}
						reported[c+path] = true
					}
				}
				links := hrefs.FindAllStringSubmatch(body.String(), -1)
				if loc := resp.Header.Get("Location"); loc != "" {
					links = append(links, []string{"", loc})
				}
				for _, m := range links {
					next := local(html.UnescapeString(m[1]))
					if next == "" || seen[next] != "" || strings.Contains(m[0], "action=") {
						continue
					}
					seen[next] = path
					queue = append(queue, next)
				}
			}
			t.Logf("%d pages", len(seen))
			paths := map[string]bool{}
			for link := range seen {
				path, _, _ := strings.Cut(link, "?")
				paths[path] = true
			}
			for _, want := range reach[l.Role] {
				if !paths[want] {
					t.Errorf("no link leads to %s (%d pages reached)", want, len(seen))
				}
			}
		})
	}
}

// reach lists pages that each role must be able to click its way to.
var reach = map[string][]string{
	"admin":             {"/admin/channels", "/admin/listening", "/community/moderation", "/admin/sla", "/admin/audit", "/analytics/sla"},
	"agent":             {"/queue", "/listening", "/status", "/channels/held", "/analytics"},
	"knowledge_manager": {"/kb", "/community/moderation", "/kb/new"},
	"employee":          {"/portal", "/portal/new", "/community", "/community/ask", "/kb", "/status", "/search", "/policy"},
	"contractor":        {"/portal", "/community", "/kb", "/status"},
}

// local returns the path and query of a link within the site that a GET
// may follow, or "" for other links: other sites, fragments on the same
// page, sign-out, static files and downloads.
func local(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	for _, skip := range []string{"/logout", "/static/", "/auth/", "/events", "/chat/embed.js", "/chat/widget.js"} {
		if strings.HasPrefix(u.Path, skip) {
			return ""
		}
	}
	u.Fragment = ""
	return u.RequestURI()
}
