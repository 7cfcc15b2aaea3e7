package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
)

const (
	sessionCookie   = "sd_session"
	loginCSRFCookie = "sd_login"
	maxFormBody     = 10 << 20
)

// parseForm reads a posted form, multipart or not, and returns the error
// that PostFormValue would hide, such as a body over maxFormBody. A
// multipart form is kept in memory: it is no larger than maxFormBody.
func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxFormBody)
	}
	return r.ParseForm()
}

// session resolves the session cookie, enforces the route's access level
// and checks the CSRF token on every state-changing request.
func (s *Server) session(route httpx.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		ctx := desk.NewContextWithRemoteAddr(r.Context(), r.RemoteAddr)
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			if p, csrf, err := s.desk.Session(ctx, c.Value); err == nil {
				ctx = socialdesk.NewContextWithUser(ctx, p)
				ctx = context.WithValue(ctx, csrfKey, csrf)
			}
		}
		r = r.WithContext(ctx)
		user := socialdesk.UserFromContext(ctx)
		if route.Access != "public" && user == nil {
			s.RenderError(w, r, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Sign in to continue."))
			return
		}
		if r.Method == http.MethodPost && user != nil {
			want := csrfFrom(ctx)
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				if err := parseForm(r); err != nil {
					var tooBig *http.MaxBytesError
					if errors.As(err, &tooBig) {
						s.Render(w, r, http.StatusRequestEntityTooLarge, "error", "Too large", map[string]any{"Status": 413,
							"Message": fmt.Sprintf("This form is larger than %d MB. Go back and attach smaller files; for large imports use the API or the command line.", maxFormBody>>20)})
						return
					}
				}
				got = r.PostFormValue("csrf")
			}
			if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
				s.Render(w, r, http.StatusForbidden, "error", "Form expired", map[string]any{"Status": 403,
					"Message": "This form has expired or came from another site. Go back, reload the page and try again."})
				return
			}
		}
		switch route.Access {
		case "staff":
			if err := socialdesk.Authorize(user, socialdesk.ActTicketViewAll); err != nil {
				s.RenderError(w, r, err)
				return
			}
		case "admin":
			if err := socialdesk.Authorize(user, socialdesk.ActAdmin); err != nil {
				s.RenderError(w, r, err)
				return
			}
		}
		if user != nil && s.policyGate(w, r) {
			return
		}
		route.Handler(w, r)
	})
}

// setSessionCookie sets the session cookie.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// loginLimiter throttles sign-in attempts per client address and per
// account: after 5 failures within 15 minutes, further tries wait.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{failures: map[string][]time.Time{}} }

const (
	loginWindow   = 15 * time.Minute
	loginMaxFails = 5
)

func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range l.failures[key] {
		if now.Sub(t) < loginWindow {
			keep = append(keep, t)
		}
	}
	if keep == nil {
		delete(l.failures, key)
	} else {
		l.failures[key] = keep
	}
	return keep
}

// Allowed reports whether another attempt may be made for all keys.
func (l *loginLimiter) Allowed(now time.Time, keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.recent(k, now)) >= loginMaxFails {
			return false
		}
	}
	return true
}

// Fail records a failed attempt for each key.
func (l *loginLimiter) Fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) > 100000 {
		l.failures = map[string][]time.Time{}
	}
	for _, k := range keys {
		l.failures[k] = append(l.recent(k, now), now)
	}
}

// Reset forgets the failures for the keys after a successful sign-in.
func (l *loginLimiter) Reset(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.failures, k)
	}
}

// SecurityHeaders adds the security headers every response carries: a
// strict Content-Security-Policy and the usual hardening headers. Paths
// given in frameable may be embedded in other pages (the chat widget).
func SecurityHeaders(next http.Handler, frameable ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		frame := "'none'"
		for _, p := range frameable {
			if len(r.URL.Path) >= len(p) && r.URL.Path[:len(p)] == p {
				frame = "*"
			}
		}
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+frame)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if frame == "'none'" {
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}
