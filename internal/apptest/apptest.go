// Package apptest starts a complete socialdesk on a fresh SQLite database
// for tests, with one signed-up person of every role and an API token each.
package apptest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// Password is every test account's password.
const Password = "test-password-123"

// Env is a running test desk.
type Env struct {
	App    *app.App
	Server *httptest.Server
	// People and Tokens are keyed by role name ("employee", "agent", ...),
	// plus "employee2" for a second employee.
	People map[string]*socialdesk.Person
	Tokens map[string]string

	startWorkers func()
	waitWorkers  func()
}

// StartWorkers runs the app's background jobs (search indexing, SLA
// escalation, outbound replies, ...) until the test ends. Tests that drive
// a job by hand leave them off.
func (e *Env) StartWorkers() { e.startWorkers() }

// Roles lists the keys of Env.People.
var Roles = []string{"employee", "employee2", "contractor", "agent", "knowledge_manager", "admin"}

// New starts a desk. Options may adjust the configuration before it opens.
func New(t testing.TB, opts ...func(*app.Config)) *Env {
	t.Helper()
	// Tests send bursts from one token; rate limiting has its own tests.
	cfg := app.Config{DataDir: t.TempDir(), RateLimit: -1}
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{App: a, People: map[string]*socialdesk.Person{}, Tokens: map[string]string{}}
	sys := desk.SystemContext(ctx)
	for _, key := range Roles {
		role := socialdesk.Role(strings.TrimSuffix(key, "2"))
		p := &socialdesk.Person{Email: key + "@example.com", Name: strings.ToUpper(key[:1]) + key[1:] + " Test", Role: role, Site: "Lyon"}
		if err := a.Desk.CreatePerson(sys, p, Password); err != nil {
			t.Fatal(err)
		}
		tok, err := a.Desk.CreateToken(sys, p.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.People[key], e.Tokens[key] = p, tok
		// Test people have accepted the usage guideline, so pages open
		// directly; TestPolicyGate covers the first visit.
		if err := a.Desk.AckUsagePolicy(socialdesk.NewContextWithUser(ctx, p), 1); err != nil {
			t.Fatal(err)
		}
	}
	e.Server = httptest.NewServer(a.Handler)
	wctx, stop := context.WithCancel(context.Background())
	e.startWorkers = func() { e.waitWorkers = a.StartWorkers(wctx) }
	t.Cleanup(func() {
		a.Web.Close()
		e.Server.Close()
		stop()
		if e.waitWorkers != nil {
			e.waitWorkers()
		}
		a.Close()
	})
	return e
}

// As returns a context acting as the person with the role key.
func (e *Env) As(key string) context.Context {
	return socialdesk.NewContextWithUser(context.Background(), e.People[key])
}

// Request sends an API request as the role key ("" for anonymous) and
// returns the response.
func (e *Env) Request(t testing.TB, role, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.Server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.Tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
