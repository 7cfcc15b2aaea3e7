package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// SSO is a single sign-on provider, as internal/sso implements it.
type SSO interface {
	AuthURL(state, nonce, verifier string) string
	Exchange(ctx context.Context, code, verifier, nonce string) (desk.ExternalIdentity, error)
}

const ssoCookie = "sd_sso"

// ssoStart sends the browser to the provider, keeping the state, nonce and
// PKCE verifier in a short-lived cookie.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	if s.opts.SSO == nil {
		s.RenderError(w, r, socialdesk.Errorf(socialdesk.ENOTFOUND, "Single sign-on is not configured here; sign in with your email and password."))
		return
	}
	state, nonce, verifier := desk.RandomToken(18), desk.RandomToken(18), desk.RandomToken(32)
	v := url.Values{"s": {state}, "n": {nonce}, "v": {verifier}, "next": {safeNext(r.URL.Query().Get("next"))}}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: v.Encode(), Path: "/auth/", HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, s.opts.SSO.AuthURL(state, nonce, verifier), http.StatusFound)
}

// ssoCallback finishes the sign-in the provider sent back.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	fail := func(msg string) {
		s.Render(w, r, http.StatusBadRequest, "error", "Sign-in failed", map[string]any{"Status": 400, "Message": msg})
	}
	if s.opts.SSO == nil {
		fail("Single sign-on is not configured here.")
		return
	}
	c, err := r.Cookie(ssoCookie)
	if err != nil {
		fail("The sign-in took too long or cookies are blocked. Start again from the sign-in page.")
		return
	}
	saved, _ := url.ParseQuery(c.Value)
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/auth/", MaxAge: -1})
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		fail("The identity provider refused the sign-in (" + e + "). Ask the service desk if you should have access.")
		return
	}
	if q.Get("state") == "" || q.Get("state") != saved.Get("s") {
		fail("The sign-in response did not match this browser. Start again from the sign-in page.")
		return
	}
	id, err := s.opts.SSO.Exchange(r.Context(), q.Get("code"), saved.Get("v"), saved.Get("n"))
	if err != nil {
		s.log.Warn("single sign-on failed", "err", err)
		fail("The identity provider's answer could not be verified. Try again; if it keeps failing, tell the service desk.")
		return
	}
	p, err := s.desk.SignInExternal(r.Context(), id)
	if err != nil {
		fail(socialdesk.ErrorMessage(err))
		return
	}
	tok, _, err := s.desk.StartSession(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.setSessionCookie(w, tok, int(desk.SessionTTL.Seconds()))
	next := saved.Get("next")
	if next == "" || next == "/" {
		next = "/"
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}
