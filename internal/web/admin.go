package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "admin", "Administration", nil)
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	people, err := s.desk.People(r.Context(), "")
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	groups, _ := s.desk.Groups(r.Context())
	s.Render(w, r, http.StatusOK, "adminusers", "Users", map[string]any{"People": people, "Roles": socialdesk.Roles, "Groups": groups})
}

func (s *Server) adminAddUser(w http.ResponseWriter, r *http.Request) {
	role, err := socialdesk.ParseRole(r.PostFormValue("role"))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	p := &socialdesk.Person{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: role, Site: strings.TrimSpace(r.PostFormValue("site"))}
	if v := r.PostFormValue("expires"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			s.RenderError(w, r, socialdesk.FieldError("expires", "Enter the access expiry as YYYY-MM-DD."))
			return
		}
		p.AccessExpires = t
	}
	pw := r.PostFormValue("password")
	generated := ""
	if pw == "" {
		pw = desk.RandomToken(12)
		generated = pw
	}
	if err := s.desk.CreatePerson(r.Context(), p, pw); err != nil {
		http.Redirect(w, r, "/admin/users?flash="+url.QueryEscape(socialdesk.ErrorMessage(err)), http.StatusSeeOther)
		return
	}
	msg := "Added " + p.Name + "."
	if generated != "" {
		msg += " Their password is " + generated + " (shown once)."
	}
	http.Redirect(w, r, "/admin/users?flash="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	p, err := s.desk.Person(r.Context(), id)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	r.ParseForm()
	if v := r.PostFormValue("role"); v != "" {
		role, err := socialdesk.ParseRole(v)
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		p.Role = role
	}
	p.Disabled = r.PostFormValue("disabled") == "1"
	if _, ok := r.PostForm["groups"]; ok || r.PostFormValue("groups_present") == "1" {
		p.GroupIDs = nil
		for _, g := range r.PostForm["groups"] {
			if gid, err := strconv.ParseInt(g, 10, 64); err == nil {
				p.GroupIDs = append(p.GroupIDs, gid)
			}
		}
	}
	if err := s.desk.UpdatePerson(r.Context(), p); err != nil {
		http.Redirect(w, r, "/admin/users?flash="+url.QueryEscape(socialdesk.ErrorMessage(err)), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/users?flash="+url.QueryEscape("Saved "+p.Name+"."), http.StatusSeeOther)
}

func (s *Server) adminGroups(w http.ResponseWriter, r *http.Request) {
	groups, err := s.desk.Groups(r.Context())
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "admingroups", "Groups", map[string]any{"Groups": groups})
}

func (s *Server) adminAddGroup(w http.ResponseWriter, r *http.Request) {
	g := &socialdesk.Group{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), OnCall: r.PostFormValue("oncall") == "1"}
	msg := "Added " + g.Name + "."
	if err := s.desk.CreateGroup(r.Context(), g); err != nil {
		msg = socialdesk.ErrorMessage(err)
	}
	http.Redirect(w, r, "/admin/groups?flash="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) adminPriority(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "adminpriority", "Priority matrix", map[string]any{"M": s.desk.PriorityMatrix(), "Levels": socialdesk.Levels})
}

func (s *Server) adminSavePriority(w http.ResponseWriter, r *http.Request) {
	m := socialdesk.PriorityMatrix{}
	for _, i := range socialdesk.Levels {
		m[i] = map[socialdesk.Level]socialdesk.Priority{}
		for _, u := range socialdesk.Levels {
			p, err := socialdesk.ParsePriority(r.PostFormValue(string(i) + "_" + string(u)))
			if err != nil {
				s.Render(w, r, http.StatusUnprocessableEntity, "adminpriority", "Priority matrix", map[string]any{"M": s.desk.PriorityMatrix(), "Levels": socialdesk.Levels, "Error": socialdesk.ErrorMessage(err)})
				return
			}
			m[i][u] = p
		}
	}
	if err := s.desk.SetPriorityMatrix(r.Context(), m); err != nil {
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/priority?flash="+url.QueryEscape("Priority matrix saved. New tickets use it now."), http.StatusSeeOther)
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	entries, err := s.desk.AuditLog(r.Context(), r.URL.Query().Get("action"), 100, (page-1)*100)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "adminaudit", "Audit log", map[string]any{"Entries": entries, "Action": r.URL.Query().Get("action"), "Page": page})
}
