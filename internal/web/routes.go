package web

import "github.com/socialdesk/socialdesk/internal/httpx"

// coreRoutes lists every page of the service desk core. Access is checked
// by the session middleware before the handler runs; finer rules (an
// employee sees only their own tickets) are checked in the desk service.
func (s *Server) coreRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/{$}", Access: "public", Summary: "Home: the queue for staff, the portal for others", Handler: s.home},
		{Method: "GET", Pattern: "/login", Access: "public", Summary: "Sign-in form", Handler: s.loginForm},
		{Method: "POST", Pattern: "/login", Access: "public", Summary: "Sign in", Handler: s.login},
		{Method: "GET", Pattern: "/auth/login", Access: "public", Summary: "Start single sign-on", Handler: s.ssoStart},
		{Method: "GET", Pattern: "/auth/callback", Access: "public", Summary: "Finish single sign-on", Handler: s.ssoCallback},
		{Method: "POST", Pattern: "/logout", Access: "user", Summary: "Sign out", Handler: s.logout},
		{Method: "GET", Pattern: "/policy", Access: "user", Summary: "The social media and self-help guideline", Handler: s.policyPage},
		{Method: "POST", Pattern: "/policy/ack", Access: "user", Summary: "Accept the guideline", Handler: s.policyAck},
		{Method: "GET", Pattern: "/events", Access: "user", Summary: "Live updates (server-sent events)", Handler: s.events},

		{Method: "GET", Pattern: "/queue", Access: "staff", Summary: "The agent queue", Handler: s.queue},
		{Method: "POST", Pattern: "/queue/bulk", Access: "staff", Summary: "Bulk action on selected tickets", Handler: s.bulk},
		{Method: "GET", Pattern: "/tickets/new", Access: "staff", Summary: "Log a phone call or desk visit", Handler: s.logCallForm},
		{Method: "POST", Pattern: "/tickets/new", Access: "staff", Summary: "Save a logged call", Handler: s.logCall},
		{Method: "GET", Pattern: "/tickets/{id}", Access: "user", Summary: "A ticket", Handler: s.ticket},
		{Method: "POST", Pattern: "/tickets/{id}/reply", Access: "user", Summary: "Reply or add an internal note", Handler: s.reply},
		{Method: "POST", Pattern: "/tickets/{id}/update", Access: "staff", Summary: "Change state, assignment or fields", Handler: s.updateTicket},
		{Method: "POST", Pattern: "/tickets/{id}/link", Access: "staff", Summary: "Link to a parent ticket", Handler: s.linkTicket},
		{Method: "GET", Pattern: "/attachments/{id}", Access: "user", Summary: "Download an attachment", Handler: s.attachment},
		{Method: "GET", Pattern: "/notifications", Access: "user", Summary: "Notifications", Handler: s.notifications},

		{Method: "GET", Pattern: "/portal", Access: "user", Summary: "My tickets", Handler: s.portal},
		{Method: "GET", Pattern: "/portal/new", Access: "user", Summary: "Raise a request form", Handler: s.portalNewForm},
		{Method: "POST", Pattern: "/portal/new", Access: "user", Summary: "Raise a request", Handler: s.portalNew},
		{Method: "GET", Pattern: "/portal/suggest", Access: "user", Summary: "Self-help suggestions for a ticket being written", Handler: s.portalSuggest},
		{Method: "GET", Pattern: "/profile", Access: "user", Summary: "My profile and preferred channels", Handler: s.profile},
		{Method: "POST", Pattern: "/profile", Access: "user", Summary: "Save my profile", Handler: s.saveProfile},

		{Method: "GET", Pattern: "/admin", Access: "admin", Summary: "Administration", Handler: s.adminHome},
		{Method: "GET", Pattern: "/admin/users", Access: "admin", Summary: "Users", Handler: s.adminUsers},
		{Method: "POST", Pattern: "/admin/users", Access: "admin", Summary: "Add a user", Handler: s.adminAddUser},
		{Method: "POST", Pattern: "/admin/users/{id}", Access: "admin", Summary: "Change a user", Handler: s.adminUpdateUser},
		{Method: "GET", Pattern: "/admin/groups", Access: "admin", Summary: "Assignment groups", Handler: s.adminGroups},
		{Method: "POST", Pattern: "/admin/groups", Access: "admin", Summary: "Add a group", Handler: s.adminAddGroup},
		{Method: "GET", Pattern: "/admin/priority", Access: "admin", Summary: "Priority matrix", Handler: s.adminPriority},
		{Method: "POST", Pattern: "/admin/priority", Access: "admin", Summary: "Save the priority matrix", Handler: s.adminSavePriority},
		{Method: "GET", Pattern: "/admin/sla", Access: "admin", Summary: "SLA calendar, targets and escalation", Handler: s.adminSLA},
		{Method: "POST", Pattern: "/admin/sla", Access: "admin", Summary: "Save the SLA settings", Handler: s.adminSaveSLA},
		{Method: "GET", Pattern: "/admin/policy", Access: "admin", Summary: "Edit the usage guideline", Handler: s.adminPolicy},
		{Method: "POST", Pattern: "/admin/policy", Access: "admin", Summary: "Publish the usage guideline", Handler: s.adminSavePolicy},
		{Method: "GET", Pattern: "/admin/audit", Access: "admin", Summary: "Audit log", Handler: s.adminAudit},
	}
}
