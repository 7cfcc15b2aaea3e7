package apptest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Session is a signed-in browser for one role: it sends the session
// cookie, adds the CSRF token to forms and does not follow redirects.
type Session struct {
	t      testing.TB
	e      *Env
	tok    string
	csrf   string
	client *http.Client
}

// NewSession signs in the person with the role key.
func (e *Env) NewSession(t testing.TB, role string) *Session {
	t.Helper()
	tok, csrf, err := e.App.Desk.StartSession(context.Background(), e.People[role])
	if err != nil {
		t.Fatal(err)
	}
	return &Session{t: t, e: e, tok: tok, csrf: csrf, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Do sends a request, with form (if not nil) as a posted form, and returns
// the status, the Location header and the body.
func (s *Session) Do(method, path string, form url.Values) (status int, location, body string) {
	s.t.Helper()
	var r io.Reader
	if form != nil {
		form.Set("csrf", s.csrf)
		r = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.e.Server.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: "sd_session", Value: s.tok})
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
