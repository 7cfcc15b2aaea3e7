package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// policyExempt lists the pages reachable before the usage guideline is
// accepted: the guideline itself, signing out and background requests.
func policyExempt(path string) bool {
	for _, p := range []string{"/policy", "/logout", "/events", "/portal/suggest", "/attachments/", "/auth/", "/login"} {
		if path == p || strings.HasPrefix(path, p+"/") || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}

// policyGate sends people who have not accepted the guideline in force to
// it first, and brings them back afterwards.
func (s *Server) policyGate(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet || policyExempt(r.URL.Path) {
		return false
	}
	need, err := s.desk.NeedsPolicyAck(r.Context())
	if err != nil || !need {
		return false
	}
	http.Redirect(w, r, "/policy?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return true
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) {
	pol, err := s.desk.UsagePolicy(r.Context())
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	need, _ := s.desk.NeedsPolicyAck(r.Context())
	s.Render(w, r, http.StatusOK, "policy", "Usage guideline", map[string]any{"Policy": pol, "HTML": s.markup.HTML(pol.Text), "Need": need, "Next": safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) policyAck(w http.ResponseWriter, r *http.Request) {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	if err := s.desk.AckUsagePolicy(r.Context(), v); err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.ECONFLICT {
			http.Redirect(w, r, "/policy?flash="+url.QueryEscape(socialdesk.ErrorMessage(err)), http.StatusSeeOther)
			return
		}
		s.RenderError(w, r, err)
		return
	}
	next := safeNext(r.PostFormValue("next"))
	if next == "/" || strings.HasPrefix(next, "/policy") {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) adminPolicy(w http.ResponseWriter, r *http.Request) {
	pol, err := s.desk.UsagePolicy(r.Context())
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "adminpolicy", "Usage guideline", map[string]any{"Policy": pol, "Default": desk.DefaultPolicyText})
}

func (s *Server) adminSavePolicy(w http.ResponseWriter, r *http.Request) {
	pol, err := s.desk.PublishUsagePolicy(r.Context(), r.PostFormValue("text"))
	if err != nil {
		cur, _ := s.desk.UsagePolicy(r.Context())
		cur.Text = r.PostFormValue("text")
		s.Render(w, r, http.StatusUnprocessableEntity, "adminpolicy", "Usage guideline", map[string]any{"Policy": cur, "Error": socialdesk.ErrorMessage(err)})
		return
	}
	http.Redirect(w, r, "/admin/policy?flash="+url.QueryEscape("Published version "+strconv.Itoa(pol.Version)+". Everyone accepts it again on their next visit."), http.StatusSeeOther)
}
