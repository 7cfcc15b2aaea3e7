package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/sla"
)

// slaForm is the SLA settings form: the policy as the text of its fields,
// so that a form sent back with a mistake shows what the admin typed.
type slaForm struct {
	Timezone    string
	Days        []slaDay
	Holidays    string // one date per line
	Targets     []slaTarget
	WarnPercent string
	Rules       []slaRule
}

type slaDay struct {
	Key, Name   string
	Open, Close string // "09:00"; both empty when the desk is closed
}

type slaTarget struct {
	Priority             int
	Response, Resolution string
}

type slaRule struct {
	On, Clock, Action, Group string
	Priorities               [sla.MaxPriority + 1]bool // by priority number; none means every priority
}

// slaBlankRules is how many empty rule rows the form offers for new rules.
const slaBlankRules = 2

var slaWeek = []struct{ key, name string }{
	{"mon", "Monday"}, {"tue", "Tuesday"}, {"wed", "Wednesday"}, {"thu", "Thursday"}, {"fri", "Friday"}, {"sat", "Saturday"}, {"sun", "Sunday"},
}

// slaFormFrom fills the form from a policy, with empty rows for new rules.
func slaFormFrom(c desk.SLAConfig) slaForm {
	f := slaForm{Timezone: c.Calendar.Timezone, Holidays: strings.Join(c.Calendar.Holidays, "\n")}
	if f.Timezone == "" {
		f.Timezone = "UTC"
	}
	for _, d := range slaWeek {
		h := c.Calendar.Days[d.key]
		f.Days = append(f.Days, slaDay{Key: d.key, Name: d.name, Open: h.Open, Close: h.Close})
	}
	for _, p := range priorityNumbers() {
		row := slaTarget{Priority: p}
		if t, ok := c.Targets[p]; ok {
			row.Response, row.Resolution = sla.FormatDuration(t.Response), sla.FormatDuration(t.Resolution)
		}
		f.Targets = append(f.Targets, row)
	}
	switch {
	case c.WarnAt < 0:
		f.WarnPercent = "0"
	case c.WarnAt == 0:
		f.WarnPercent = formatPercent(sla.DefaultWarnAt)
	default:
		f.WarnPercent = formatPercent(c.WarnAt)
	}
	for _, r := range c.Rules {
		row := slaRule{On: r.On, Clock: r.Clock, Action: r.Action, Group: r.Group}
		for _, p := range r.Priorities {
			if p >= sla.MinPriority && p <= sla.MaxPriority {
				row.Priorities[p] = true
			}
		}
		f.Rules = append(f.Rules, row)
	}
	for range slaBlankRules {
		f.Rules = append(f.Rules, slaRule{})
	}
	return f
}

func formatPercent(frac float64) string {
	return strconv.FormatFloat(frac*100, 'f', -1, 64)
}

// slaFormFromRequest reads the form as sent: rule rows marked for removal
// and rows left without an event are dropped, and blank rows are added
// back for the page shown again after a mistake.
func slaFormFromRequest(r *http.Request) slaForm {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f := slaForm{Timezone: v("timezone"), Holidays: v("holidays"), WarnPercent: v("warn_percent")}
	for _, d := range slaWeek {
		f.Days = append(f.Days, slaDay{Key: d.key, Name: d.name, Open: v("open_" + d.key), Close: v("close_" + d.key)})
	}
	for _, p := range priorityNumbers() {
		f.Targets = append(f.Targets, slaTarget{Priority: p, Response: v(fmt.Sprintf("response_%d", p)), Resolution: v(fmt.Sprintf("resolution_%d", p))})
	}
	n, _ := strconv.Atoi(v("rules"))
	for i := range min(max(n, 0), 100) {
		key := func(field string) string { return fmt.Sprintf("rule_%d_%s", i, field) }
		row := slaRule{On: v(key("on")), Clock: v(key("clock")), Action: v(key("action")), Group: v(key("group"))}
		if row.On == "" || v(key("remove")) != "" {
			continue
		}
		for _, s := range r.PostForm[key("priority")] {
			if p, err := strconv.Atoi(s); err == nil && p >= sla.MinPriority && p <= sla.MaxPriority {
				row.Priorities[p] = true
			}
		}
		f.Rules = append(f.Rules, row)
	}
	for range slaBlankRules {
		f.Rules = append(f.Rules, slaRule{})
	}
	return f
}

// config turns the form into a policy configuration, or says which field
// is wrong and how to write it. The service validates the result again
// (time zone, hours, dates, target order, rule fields).
func (f slaForm) config() (desk.SLAConfig, error) {
	c := desk.SLAConfig{Calendar: sla.CalendarConfig{Timezone: f.Timezone, Days: map[string]sla.DayHours{}}, Targets: sla.Targets{}}
	for _, d := range f.Days {
		switch {
		case d.Open == "" && d.Close == "":
			// closed all day
		case d.Open == "" || d.Close == "":
			return c, socialdesk.FieldError("open_"+d.Key, "Give %s both an opening and a closing time, or leave both empty to close the desk that day.", d.Name)
		default:
			c.Calendar.Days[d.Key] = sla.DayHours{Open: d.Open, Close: d.Close}
		}
	}
	for _, h := range strings.FieldsFunc(f.Holidays, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' }) {
		c.Calendar.Holidays = append(c.Calendar.Holidays, h)
	}
	for _, t := range f.Targets {
		resp, err := parseTarget(t.Response)
		if err != nil {
			return c, socialdesk.FieldError(fmt.Sprintf("response_%d", t.Priority), "P%d response target: %v", t.Priority, err)
		}
		reso, err := parseTarget(t.Resolution)
		if err != nil {
			return c, socialdesk.FieldError(fmt.Sprintf("resolution_%d", t.Priority), "P%d resolution target: %v", t.Priority, err)
		}
		c.Targets[t.Priority] = sla.Target{Response: resp, Resolution: reso}
	}
	pct, err := strconv.ParseFloat(f.WarnPercent, 64)
	if err != nil || !(pct >= 0 && pct < 100) { // also refuses NaN
		return c, socialdesk.FieldError("warn_percent", "The warning threshold is a percentage from 0 to 99 (0 turns warnings off); %q is not.", f.WarnPercent)
	}
	c.WarnAt = pct / 100
	if pct == 0 {
		c.WarnAt = -1
	}
	for i, r := range f.Rules {
		if r.On == "" {
			continue
		}
		rule := sla.Rule{On: r.On, Clock: r.Clock, Action: r.Action, Group: r.Group}
		for p, on := range r.Priorities {
			if on {
				rule.Priorities = append(rule.Priorities, p)
			}
		}
		// Named by the row number the form shows.
		if err := rule.Validate(); err != nil {
			return c, socialdesk.FieldError("escalation", "Rule %d: %v.", i+1, err)
		}
		c.Rules = append(c.Rules, rule)
	}
	return c, nil
}

// parseTarget reads a target such as "30m", "4h" or "1h30m".
func parseTarget(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("give a time such as 30m, 4h or 1h30m")
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a time such as 30m, 4h or 1h30m", s)
	}
	return d, nil
}

// slaPage renders the SLA settings: the form, and the same policy as JSON
// for copying between desks. A form or JSON sent back with a mistake is
// shown as it was typed, with the error.
// editor is "json" when the JSON editor was sent, which opens it.
func (s *Server) slaPage(w http.ResponseWriter, r *http.Request, status int, form slaForm, jsonText, editor string, err error) {
	groups, _ := s.desk.Groups(r.Context())
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	// A rule may name a group that was renamed or removed since; keep it
	// selectable so that saving the form does not change the rule.
	for _, rule := range form.Rules {
		if rule.Group != "" && !slices.Contains(names, rule.Group) {
			names = append(names, rule.Group)
		}
	}
	data := map[string]any{"Form": form, "JSON": jsonText, "Groups": names, "Priorities": priorityNumbers(), "Editor": editor, "ErrorField": ""}
	if err != nil {
		data["Error"] = socialdesk.ErrorMessage(err)
		data["ErrorField"] = socialdesk.ErrorField(err)
	}
	s.Render(w, r, status, "adminsla", "SLA settings", data)
}

// priorityNumbers lists the priorities, P1 first.
func priorityNumbers() []int {
	var out []int
	for p := sla.MinPriority; p <= sla.MaxPriority; p++ {
		out = append(out, p)
	}
	return out
}

func (s *Server) adminSLA(w http.ResponseWriter, r *http.Request) {
	p := s.desk.SLAPolicy()
	s.slaPage(w, r, http.StatusOK, slaFormFrom(p.Config()), p.ConfigJSON(), "", nil)
}

// adminSaveSLA saves the policy from the form, or from the JSON editor
// when the request says editor=json. Nothing is saved unless the whole
// policy is valid.
func (s *Server) adminSaveSLA(w http.ResponseWriter, r *http.Request) {
	current := s.desk.SLAPolicy()
	if r.PostFormValue("editor") == "json" {
		raw := r.PostFormValue("policy")
		if err := s.desk.SetSLAPolicy(r.Context(), []byte(raw)); err != nil {
			s.slaPage(w, r, http.StatusUnprocessableEntity, slaFormFrom(current.Config()), raw, "json", err)
			return
		}
	} else {
		form := slaFormFromRequest(r)
		c, err := form.config()
		if err == nil {
			raw, _ := json.Marshal(c)
			err = s.desk.SetSLAPolicy(r.Context(), raw)
		}
		if err != nil {
			s.slaPage(w, r, http.StatusUnprocessableEntity, form, current.ConfigJSON(), "form", err)
			return
		}
	}
	http.Redirect(w, r, "/admin/sla?flash="+url.QueryEscape("SLA settings saved."), http.StatusSeeOther)
}
