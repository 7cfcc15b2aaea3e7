package apptest

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
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
	contentType := ""
	if form != nil {
		form.Set("csrf", s.csrf)
		r = strings.NewReader(form.Encode())
		contentType = "application/x-www-form-urlencoded"
	}
	return s.send(method, path, r, contentType)
}

// Upload posts a multipart form with fields and one file, as a browser
// sends a form with a file input, and returns what Do returns.
func (s *Session) Upload(path string, fields url.Values, fileField, fileName string, data []byte) (status int, location, body string) {
	s.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", s.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, err := w.CreateFormFile(fileField, fileName)
	if err != nil {
		s.t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return s.send("POST", path, &buf, w.FormDataContentType())
}

func (s *Session) send(method, path string, r io.Reader, contentType string) (status int, location, body string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.e.Server.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
