package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// queueFilter is the queue's filter as it appears in the URL.
type queueFilter struct {
	Group      string
	Priority   string
	State      string
	Channel    string
	Q          string
	Sort       string
	AtRisk     bool
	Mine       bool
	Unassigned bool
	Page       int
}

func parseQueueFilter(v url.Values) queueFilter {
	f := queueFilter{Group: v.Get("group"), Priority: v.Get("priority"), State: v.Get("state"), Channel: v.Get("channel"),
		Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), AtRisk: v.Get("atrisk") == "1", Mine: v.Get("mine") == "1", Unassigned: v.Get("unassigned") == "1"}
	f.Page, _ = strconv.Atoi(v.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	if f.State == "" {
		f.State = "open"
	}
	return f
}

// Query renders the filter back into a query string, with a page number.
func (f queueFilter) Query(page int) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("group", f.Group)
	set("priority", f.Priority)
	set("state", f.State)
	set("channel", f.Channel)
	set("q", f.Q)
	set("sort", f.Sort)
	if f.AtRisk {
		v.Set("atrisk", "1")
	}
	if f.Mine {
		v.Set("mine", "1")
	}
	if f.Unassigned {
		v.Set("unassigned", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

const queuePageSize = 50

func (f queueFilter) toTicketFilter(me int64) socialdesk.TicketFilter {
	tf := socialdesk.TicketFilter{Query: f.Q, Sort: f.Sort, Channel: f.Channel, AtRisk: f.AtRisk, Unassigned: f.Unassigned,
		Limit: queuePageSize, Offset: (f.Page - 1) * queuePageSize}
	switch f.State {
	case "open":
		tf.OpenOnly = true
	case "all", "":
	default:
		if st, err := socialdesk.ParseState(f.State); err == nil {
			tf.States = []socialdesk.State{st}
		}
	}
	if p, err := socialdesk.ParsePriority(f.Priority); err == nil {
		tf.Priorities = []socialdesk.Priority{p}
	}
	tf.GroupID, _ = strconv.ParseInt(f.Group, 10, 64)
	if f.Mine {
		tf.AssigneeID = me
	}
	return tf
}

// queueRow is one ticket in the queue with what the row shows.
type queueRow struct {
	T          *socialdesk.Ticket
	Assignee   string
	Group      string
	Response   desk.ClockView
	Resolution desk.ClockView
	// Reports counts the reports linked to a major incident; Parent is
	// the incident a linked report belongs to. Both tell an agent which
	// rows are one problem.
	Reports int
	Parent  *socialdesk.Ticket
}

// names caches people and group names for rendering lists.
type names struct {
	people map[int64]*socialdesk.Person
	groups map[int64]string
	list   []*socialdesk.Group
	agents []*socialdesk.Person
}

func (s *Server) loadNames(r *http.Request) names {
	n := names{people: map[int64]*socialdesk.Person{}, groups: map[int64]string{}}
	ctx := r.Context()
	if gs, err := s.desk.Groups(ctx); err == nil {
		n.list = gs
		for _, g := range gs {
			n.groups[g.ID] = g.Name
		}
	}
	// Staff only: they are the assignees a list shows and offers. Pages
	// that name other people add them with addNames.
	if ps, err := s.desk.Staff(ctx); err == nil {
		for _, p := range ps {
			n.people[p.ID] = p
		}
		n.agents = ps
	}
	return n
}

// addNames adds the people with the ids that n does not know yet, in one
// lookup. A failure leaves them unnamed.
func (s *Server) addNames(ctx context.Context, n names, ids ...int64) {
	var missing []int64
	for _, id := range ids {
		if _, ok := n.people[id]; !ok && id != 0 && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return
	}
	people, err := s.desk.Names(ctx, missing)
	if err != nil {
		s.log.Warn("could not look up names", "err", err)
		return
	}
	maps.Copy(n.people, people)
}

func (n names) person(id int64) string {
	if p := n.people[id]; p != nil {
		return p.Name
	}
	return ""
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	me := socialdesk.UserFromContext(r.Context())
	f := parseQueueFilter(r.URL.Query())
	tickets, total, err := s.desk.Tickets(r.Context(), f.toTicketFilter(me.ID))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	n := s.loadNames(r)
	pol, now := s.desk.SLAPolicy(), s.desk.Now()
	rows := make([]queueRow, 0, len(tickets))
	// The report counts of the major incidents on the page, and the
	// incidents the linked reports belong to, in one query each.
	var majors, parentIDs []int64
	for _, t := range tickets {
		if t.Major {
			majors = append(majors, t.ID)
		}
		if t.ParentID != 0 && !slices.Contains(parentIDs, t.ParentID) {
			parentIDs = append(parentIDs, t.ParentID)
		}
	}
	reports, err := s.desk.ReportCounts(r.Context(), majors)
	if err != nil {
		s.log.Warn("could not count the reports of major incidents", "err", err)
	}
	parents := map[int64]*socialdesk.Ticket{}
	if len(parentIDs) > 0 {
		ps, _, err := s.desk.Tickets(r.Context(), socialdesk.TicketFilter{IDs: parentIDs, Limit: len(parentIDs)})
		if err != nil {
			s.log.Warn("could not look up the incidents of linked reports", "err", err)
		}
		for _, p := range ps {
			parents[p.ID] = p
		}
	}
	for _, t := range tickets {
		resp, reso := pol.SLAView(t, now)
		row := queueRow{T: t, Assignee: n.person(t.AssigneeID), Group: n.groups[t.GroupID], Response: resp, Resolution: reso,
			Reports: reports[t.ID], Parent: parents[t.ParentID]}
		rows = append(rows, row)
	}
	pages := max(1, (total+queuePageSize-1)/queuePageSize)
	data := map[string]any{
		"Filter": f, "Rows": rows, "Total": total, "Groups": n.list, "Agents": n.agents,
		"States": socialdesk.States, "Channels": []string{"portal", "email", "chat", "slack", "mastodon", "webhook", "phone", "walk-up", "api"},
		"Page": f.Page, "Pages": pages, "PrevQuery": f.Query(f.Page - 1), "NextQuery": f.Query(f.Page + 1), "Self": f.Query(f.Page),
	}
	if r.URL.Query().Get("partial") == "rows" {
		s.RenderFragment(w, r, "queue", "queue-rows", data)
		return
	}
	s.Render(w, r, http.StatusOK, "queue", "Queue", data)
}

func (s *Server) bulk(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, socialdesk.Errorf(socialdesk.EINVALID, "The form could not be read."))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	back := "/queue?" + r.PostFormValue("back")
	if len(ids) == 0 {
		http.Redirect(w, r, back+"&flash="+url.QueryEscape("Select at least one ticket first."), http.StatusSeeOther)
		return
	}
	var u socialdesk.TicketUpdate
	switch action := r.PostFormValue("action"); {
	case action == "assign_me":
		me := socialdesk.UserFromContext(r.Context()).ID
		u.AssigneeID = &me
	case strings.HasPrefix(action, "state:"):
		st, err := socialdesk.ParseState(strings.TrimPrefix(action, "state:"))
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		u.State = &st
	case strings.HasPrefix(action, "group:"):
		gid, err := strconv.ParseInt(strings.TrimPrefix(action, "group:"), 10, 64)
		if err != nil {
			s.RenderError(w, r, socialdesk.FieldError("group", "Choose a group."))
			return
		}
		u.GroupID = &gid
	case strings.HasPrefix(action, "assign:"):
		aid, err := strconv.ParseInt(strings.TrimPrefix(action, "assign:"), 10, 64)
		if err != nil {
			s.RenderError(w, r, socialdesk.FieldError("assignee", "Choose an agent."))
			return
		}
		u.AssigneeID = &aid
	default:
		http.Redirect(w, r, back+"&flash="+url.QueryEscape("Choose an action to apply."), http.StatusSeeOther)
		return
	}
	res, err := s.desk.BulkUpdate(r.Context(), ids, u)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	msg := strconv.Itoa(res.Updated) + " ticket(s) updated."
	for id, e := range res.Errors {
		msg += " #" + strconv.FormatInt(id, 10) + ": " + socialdesk.ErrorMessage(e)
		break
	}
	http.Redirect(w, r, back+"&flash="+url.QueryEscape(msg), http.StatusSeeOther)
}
