package web

import (
	"net/http"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := socialdesk.UserFromContext(r.Context())
	switch {
	case u == nil:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case u.Role.IsStaff():
		http.Redirect(w, r, "/queue", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
	}
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	tok := desk.RandomToken(18)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	data := map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "LoginCSRF": tok, "Email": ""}
	if s.opts.SSO != nil {
		data["SSO"] = "/auth/login?next=" + urlQueryEscape(safeNext(r.URL.Query().Get("next")))
	}
	s.Render(w, r, http.StatusOK, "login", "Sign in", data)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	retry := func(status int, msg string) {
		tok := desk.RandomToken(18)
		http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
		s.Render(w, r, status, "login", "Sign in", map[string]any{"Next": next, "LoginCSRF": tok, "Email": email, "Error": msg})
	}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || c.Value != r.PostFormValue("login_csrf") {
		retry(http.StatusForbidden, "The sign-in form expired. Please sign in again.")
		return
	}
	host, _, _ := strings.Cut(r.RemoteAddr, ":")
	now := s.desk.Now()
	keys := []string{"ip:" + host, "email:" + strings.ToLower(email)}
	if !s.limiter.Allowed(now, keys...) {
		s.desk.Audit(r.Context(), "auth.sign_in_throttled", email, host)
		retry(http.StatusTooManyRequests, "Too many failed sign-ins. Wait 15 minutes, or ask the service desk to reset your password.")
		return
	}
	p, err := s.desk.Authenticate(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		s.limiter.Fail(now, keys...)
		s.desk.Audit(r.Context(), "auth.sign_in_failed", email, "")
		retry(http.StatusUnauthorized, socialdesk.ErrorMessage(err))
		return
	}
	s.limiter.Reset(keys...)
	tok, _, err := s.desk.StartSession(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.setSessionCookie(w, tok, int(desk.SessionTTL.Seconds()))
	if next == "/" && p.Role.IsStaff() {
		next = "/queue"
	} else if next == "/" {
		next = "/portal"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.desk.EndSession(r.Context(), c.Value)
	}
	s.setSessionCookie(w, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
