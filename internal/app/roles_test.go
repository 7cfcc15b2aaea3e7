package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
	"github.com/socialdesk/socialdesk/internal/store"
)

// access says who may use a route. "owner" routes act on a ticket raised by
// the employee: the employee and staff may, other people may not.
const (
	public = "public"
	user   = "user"
	owner  = "owner"
	staff  = "staff"
	admin  = "admin"
	// asker routes act on the employee's community question: only the
	// employee may. reviewer routes are for knowledge managers and admins.
	asker    = "asker"
	reviewer = "reviewer"
)

// routeAccess is the authorisation table: every page and API route, and who
// may use it. It is written out by hand on purpose: a new route fails
// TestEveryRouteAsEveryRole until someone decides who may use it and adds
// it here.
var routeAccess = map[string]string{
	"GET /listening":                             staff,
	"POST /listening/posts/{id}/feedback":        staff,
	"POST /listening/posts/{id}/apply":           staff,
	"POST /listening/replies/{id}/approve":       staff,
	"POST /listening/replies/{id}/reject":        staff,
	"GET /admin/listening":                       admin,
	"POST /admin/listening/rules":                admin,
	"POST /admin/listening/rules/{id}/delete":    admin,
	"POST /admin/listening/config":               admin,
	"POST /admin/listening/models/{id}/activate": admin,
	"POST /admin/listening/models/update":        admin,
	"POST /admin/listening/models/train":         admin,
	"POST /admin/listening/models/train-tickets": admin,
	"GET /status":                           user,
	"POST /status/{id}/update":              staff,
	"POST /status/{id}/metoo":               user,
	"POST /api/v1/listening/classify":       staff,
	"GET /{$}":                              public,
	"GET /login":                            public,
	"POST /login":                           public,
	"POST /logout":                          user,
	"GET /auth/login":                       public,
	"GET /auth/callback":                    public,
	"GET /policy":                           user,
	"POST /policy/ack":                      user,
	"GET /events":                           user,
	"GET /queue":                            staff,
	"POST /queue/bulk":                      staff,
	"GET /tickets/new":                      staff,
	"POST /tickets/new":                     staff,
	"GET /tickets/{id}":                     owner,
	"POST /tickets/{id}/reply":              owner,
	"POST /tickets/{id}/update":             staff,
	"POST /tickets/{id}/link":               staff,
	"GET /attachments/{id}":                 owner,
	"GET /notifications":                    user,
	"GET /portal":                           user,
	"GET /portal/new":                       user,
	"POST /portal/new":                      user,
	"GET /portal/suggest":                   user,
	"GET /profile":                          user,
	"POST /profile":                         user,
	"GET /admin":                            admin,
	"GET /admin/users":                      admin,
	"POST /admin/users":                     admin,
	"POST /admin/users/{id}":                admin,
	"GET /admin/groups":                     admin,
	"POST /admin/groups":                    admin,
	"GET /admin/priority":                   admin,
	"POST /admin/priority":                  admin,
	"GET /admin/sla":                        admin,
	"POST /admin/sla":                       admin,
	"GET /admin/policy":                     admin,
	"POST /admin/policy":                    admin,
	"GET /admin/audit":                      admin,
	"GET /admin/channels":                   admin,
	"POST /admin/channels":                  admin,
	"POST /admin/channels/policy":           admin,
	"POST /admin/channels/{name}/enable":    admin,
	"POST /admin/channels/{name}/disable":   admin,
	"POST /admin/channels/{name}/remove":    admin,
	"GET /channels/held":                    staff,
	"POST /channels/held/{id}/link":         staff,
	"GET /chat/widget":                      user,
	"GET /chat/widget.js":                   public,
	"GET /chat/embed.js":                    public,
	"GET /chat/messages":                    user,
	"POST /chat/messages":                   user,
	"GET /api/v1/openapi.json":              public,
	"GET /search":                           user,
	"GET /search/open":                      user,
	"POST /search/solved":                   user,
	"GET /api/v1/search":                    user,
	"GET /api/v1/me":                        user,
	"GET /api/v1/tickets":                   user,
	"POST /api/v1/tickets":                  user,
	"GET /api/v1/tickets/{id}":              owner,
	"PATCH /api/v1/tickets/{id}":            staff,
	"GET /api/v1/tickets/{id}/messages":     owner,
	"POST /api/v1/tickets/{id}/messages":    owner,
	"POST /api/v1/tickets/{id}/attachments": owner,
	"GET /api/v1/attachments/{id}":          owner,
	"GET /api/v1/tickets/{id}/history":      staff,

	// Community and knowledge base; the question and answer are the
	// employee's and employee2's, the article is published.
	"GET /community":                           user,
	"GET /community/ask":                       user,
	"POST /community/ask":                      user,
	"GET /community/similar":                   user,
	"GET /community/questions/{id}":            user,
	"POST /community/questions/{id}/answers":   user,
	"POST /community/questions/{id}/duplicate": owner,
	"POST /community/comments":                 user,
	"POST /community/vote":                     user,
	"GET /community/answers/{id}":              user,
	"POST /community/answers/{id}/accept":      asker,
	"POST /community/answers/{id}/verify":      staff,
	"POST /community/answers/{id}/flag":        user,
	"POST /community/answers/{id}/moderate":    reviewer,
	"POST /community/answers/{id}/article":     staff,
	"GET /community/moderation":                reviewer,
	"POST /community/moderation/threshold":     reviewer,
	"POST /community/deflect":                  user,
	"GET /community/people/{id}":               user,
	"GET /community/experts":                   user,
	"POST /community/tickets":                  staff,
	"GET /kb":                                  user,
	"GET /kb/new":                              staff,
	"POST /kb/new":                             staff,
	"GET /kb/{id}":                             user,
	"GET /kb/{id}/edit":                        staff,
	"POST /kb/{id}/edit":                       staff,
	"POST /kb/{id}/state":                      staff,
	"POST /kb/{id}/confirm":                    reviewer,
	"POST /kb/{id}/feedback":                   user,
	"POST /kb/{id}/media":                      staff,
	"GET /kb/{id}/diff":                        user,
	"GET /kb-media/{id}":                       user,
	"GET /api/v1/questions":                    user,
	"POST /api/v1/questions":                   user,
	"GET /api/v1/questions/{id}":               user,
	"POST /api/v1/questions/{id}/answers":      user,
	"POST /api/v1/answers/{id}/accept":         asker,
	"POST /api/v1/answers/{id}/verify":         staff,
	"POST /api/v1/answers/{id}/flag":           user,
	"POST /api/v1/answers/{id}/moderate":       reviewer,
	"GET /api/v1/articles":                     user,
	"POST /api/v1/articles":                    staff,
	"GET /api/v1/articles/{id}":                user,

	// Analytics: staff; the CSV exports are for administrators.
	"GET /analytics":                staff,
	"GET /analytics/digest":         staff,
	"GET /analytics/problems":       staff,
	"GET /analytics/problems.csv":   admin,
	"GET /analytics/channels":       staff,
	"GET /analytics/channels.csv":   admin,
	"GET /analytics/sla":            staff,
	"GET /analytics/sla.csv":        admin,
	"GET /analytics/deflection":     staff,
	"GET /analytics/deflection.csv": admin,
	"GET /analytics/community":      staff,
	"GET /analytics/community.csv":  admin,
	"GET /analytics/searches":       staff,
	"GET /analytics/searches.csv":   admin,
	"GET /analytics/listening":      staff,
	"GET /analytics/listening.csv":  admin,
}

var testRoles = []string{"anonymous", "employee", "contractor", "agent", "knowledge_manager", "admin"}

func allowed(access, role string) bool {
	switch access {
	case public:
		return true
	case user:
		return role != "anonymous"
	case owner:
		return role == "employee" || role == "agent" || role == "knowledge_manager" || role == "admin"
	case staff:
		return role == "agent" || role == "knowledge_manager" || role == "admin"
	case admin:
		return role == "admin"
	case asker:
		return role == "employee"
	case reviewer:
		return role == "knowledge_manager" || role == "admin"
	}
	panic("unknown access " + access)
}

// TestEveryRouteAsEveryRole sends a request to every page and API route as
// every role and checks that it is allowed or denied as the table says.
// Denied means 401, 403, 404 or being sent to the sign-in page to come
// back afterwards (a redirect to /login?next=...).
func TestEveryRouteAsEveryRole(t *testing.T) {
	e := apptest.New(t, func(c *app.Config) { c.SSO = fakeSSO{} })
	ctx := context.Background()
	d := e.App.Desk
	tk, err := d.CreateTicket(e.As("employee"), desk.NewTicket{Title: "Printer jams", Description: "third floor"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddMessage(e.As("employee"), tk.ID, desk.NewMessage{Body: "photo", Files: []store.NewAttachment{{Name: "jam.txt", ContentType: "text/plain", Data: []byte("jammed")}}}); err != nil {
		t.Fatal(err)
	}
	// The status routes act on a major incident.
	major := true
	inc, err := d.CreateTicket(e.As("agent"), desk.NewTicket{Title: "VPN down for everyone", Impact: "high", Urgency: "high"})
	if err == nil {
		_, err = d.UpdateTicket(e.As("agent"), inc.ID, socialdesk.TicketUpdate{Major: &major})
	}
	if err != nil {
		t.Fatal(err)
	}
	cs := e.App.Community
	q, err := cs.Ask(e.As("employee"), community.NewQuestion{Title: "VPN on Android"})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := cs.Answer(e.As("employee2"), q.ID, "Reinstall the profile")
	if err != nil {
		t.Fatal(err)
	}
	art, err := cs.CreateArticle(e.As("knowledge_manager"), community.ArticleInput{Title: "Reset MFA", Body: "Steps"})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"in_review", "published"} {
		if _, err := cs.MoveArticle(e.As("knowledge_manager"), art.ID, to); err != nil {
			t.Fatal(err)
		}
	}
	mediaURL, err := cs.AddMedia(e.As("knowledge_manager"), art.ID, "a.png", "image/png", []byte("\x89PNG"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := e.App.DB.Messages(ctx, tk.ID)
	attachmentID := msgs[0].Attachments[0].ID
	// A channel to switch on and off, and a message held for review.
	if err := e.App.Channels.Add(e.As("admin"), "rolecheck", "webhook", `{"secret":"a-secret-of-enough-length"}`, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: "rolecheck", ExternalID: "r1", Author: connector.Author{ID: "stranger"}, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	held, err := e.App.Ingest.Held(e.As("agent"))
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %v %v", held, err)
	}
	// Listening fixtures: a rule, a model version, a stored post and a
	// held reply.
	ruleID, err := e.App.Listening.AddRule(e.As("admin"), listening.Rule{Kind: listening.KindKeyword, Value: "printer"})
	if err != nil {
		t.Fatal(err)
	}
	modelID, err := e.App.Listening.Train(e.As("admin"), listening.ModelSupport, []classify.Example{{Text: "my printer is broken", Label: "1"}, {Text: "lovely day", Label: "0"}}, "roles")
	if err != nil {
		t.Fatal(err)
	}
	postID, _, err := e.App.DB.AddListeningPost(ctx, store.ListeningPost{Channel: "rolecheck", ExternalID: "lp1", Author: "a", Text: "printer broken", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	replyID, _, err := e.App.DB.AddListeningReply(ctx, store.ListeningReply{PostID: postID, TicketID: tk.ID, Channel: "rolecheck", Thread: "lp1", Body: "hi", State: "held"})
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{
		"/listening/posts/{id}":        fmt.Sprint("/listening/posts/", postID),
		"/listening/replies/{id}":      fmt.Sprint("/listening/replies/", replyID),
		"/admin/listening/rules/{id}":  fmt.Sprint("/admin/listening/rules/", ruleID),
		"/admin/listening/models/{id}": fmt.Sprint("/admin/listening/models/", modelID),
		"/status/{id}":                 fmt.Sprint("/status/", inc.ID),
		"/tickets/{id}":                fmt.Sprint("/tickets/", tk.ID),
		"/api/v1/tickets/{id}":         fmt.Sprint("/api/v1/tickets/", tk.ID),
		"/attachments/{id}":            fmt.Sprint("/attachments/", attachmentID),
		"/api/v1/attachments/{id}":     fmt.Sprint("/api/v1/attachments/", attachmentID),
		"/admin/users/{id}":            fmt.Sprint("/admin/users/", e.People["employee2"].ID),
		"/{$}":                         "/",
		"/community/questions/{id}":    fmt.Sprint("/community/questions/", q.ID),
		"/community/answers/{id}":      fmt.Sprint("/community/answers/", ans.ID),
		"/community/people/{id}":       fmt.Sprint("/community/people/", e.People["employee2"].ID),
		"/kb/{id}":                     fmt.Sprint("/kb/", art.ID),
		"/kb-media/{id}":               mediaURL,
		"/api/v1/questions/{id}":       fmt.Sprint("/api/v1/questions/", q.ID),
		"/api/v1/answers/{id}":         fmt.Sprint("/api/v1/answers/", ans.ID),
		"/api/v1/articles/{id}":        fmt.Sprint("/api/v1/articles/", art.ID),
		"/admin/channels/{name}":       "/admin/channels/rolecheck",
		"/channels/held/{id}":          fmt.Sprint("/channels/held/", held[0].ID),
	}
	path := func(pattern string) string {
		for k, v := range params {
			if strings.HasPrefix(pattern, k) {
				return v + strings.TrimPrefix(pattern, k)
			}
		}
		if strings.Contains(pattern, "{") {
			t.Fatalf("no test value for the path parameters of %s; add one to params", pattern)
		}
		return pattern
	}

	served := map[string]bool{}
	for _, r := range append(e.App.Web.Routes(), e.App.API.Routes()...) {
		key := r.Method + " " + r.Pattern
		served[key] = true
		if _, ok := routeAccess[key]; !ok {
			t.Errorf("route %s is not in the authorisation table; decide who may use it and add it to routeAccess", key)
		}
	}
	for key := range routeAccess {
		if !served[key] {
			t.Errorf("routeAccess lists %s, which is not served", key)
		}
	}
	if t.Failed() {
		return
	}
	keys := make([]string, 0, len(routeAccess))
	for k := range routeAccess {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, key := range keys {
		method, pattern, _ := strings.Cut(key, " ")
		for _, role := range testRoles {
			req := newRequest(t, e, method, e.Server.URL+path(pattern), role, strings.HasPrefix(pattern, "/api/"))
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			resp, err := client.Do(req.WithContext(rctx))
			if err != nil {
				cancel()
				t.Fatalf("%s as %s: %v", key, role, err)
			}
			resp.Body.Close()
			cancel()
			denied := resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404 ||
				(resp.StatusCode/100 == 3 && strings.HasPrefix(resp.Header.Get("Location"), "/login?next="))
			if want := allowed(routeAccess[key], role); want == denied {
				t.Errorf("%s as %s: status %d (Location %q); want allowed=%v", key, role, resp.StatusCode, resp.Header.Get("Location"), want)
			}
		}
	}
}

// fakeSSO stands in for the identity provider, so the single sign-on
// routes are served; the real provider is tested against Dex.
type fakeSSO struct{}

func (fakeSSO) AuthURL(state, nonce, verifier string) string {
	return "https://idp.invalid/auth?state=" + state
}
func (fakeSSO) Exchange(context.Context, string, string, string) (desk.ExternalIdentity, error) {
	return desk.ExternalIdentity{}, fmt.Errorf("not a real provider")
}

// newRequest builds a request as the role: a bearer token for the API, a
// fresh session cookie and CSRF token for pages.
func newRequest(t *testing.T, e *apptest.Env, method, target, role string, isAPI bool) *http.Request {
	t.Helper()
	form := url.Values{}
	var body string
	if isAPI {
		if method != "GET" {
			body = "{}"
		}
	}
	var cookies []*http.Cookie
	if !isAPI && role != "anonymous" {
		tok, csrf, err := e.App.Desk.StartSession(context.Background(), e.People[role])
		if err != nil {
			t.Fatal(err)
		}
		cookies = append(cookies, &http.Cookie{Name: "sd_session", Value: tok})
		form.Set("csrf", csrf)
	}
	if !isAPI && strings.HasSuffix(target, "/login") && method == "POST" {
		cookies = append(cookies, &http.Cookie{Name: "sd_login", Value: "x"})
		form.Set("login_csrf", "x")
		who := role
		if who == "anonymous" {
			who = "employee"
		}
		form.Set("email", e.People[who].Email)
		form.Set("password", apptest.Password)
	}
	if !isAPI && method == "POST" {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	if isAPI {
		req.Header.Set("Content-Type", "application/json")
		if role != "anonymous" {
			req.Header.Set("Authorization", "Bearer "+e.Tokens[role])
		}
	} else if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}
