package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/sla"
)

// slaFormValues is the SLA settings form as the page fills it for the
// default policy: Monday to Friday 09:00-17:00 UTC, the default targets,
// a warning at 25% and five escalation rules, plus two empty rows.
func slaFormValues() url.Values {
	f := url.Values{"timezone": {"UTC"}, "holidays": {""}, "warn_percent": {"25"}, "rules": {"7"}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		f.Set("open_"+d, "09:00")
		f.Set("close_"+d, "17:00")
	}
	for p, t := range map[string][2]string{"1": {"15m", "4h"}, "2": {"30m", "8h"}, "3": {"4h", "24h"}, "4": {"8h", "40h"}, "5": {"16h", "80h"}} {
		f.Set("response_"+p, t[0])
		f.Set("resolution_"+p, t[1])
	}
	for i, r := range [][3]string{{"warning", "response", "notify"}, {"warning", "resolution", "notify"}, {"breach", "response", "notify"}, {"breach", "resolution", "notify"}, {"breach", "resolution", "reassign"}} {
		key := "rule_" + string(rune('0'+i)) + "_"
		f.Set(key+"on", r[0])
		f.Set(key+"clock", r[1])
		f.Set(key+"action", r[2])
	}
	f.Set("rule_4_group", "Duty Managers")
	f["rule_4_priority"] = []string{"1", "2"}
	return f
}

// TestSLAForm edits the SLA policy through the settings form: the page
// shows the policy in its fields, a valid form saves every field, a form
// with a mistake is refused with a message naming the field and saves
// nothing, and the JSON editor still works.
func TestSLAForm(t *testing.T) {
	e := apptest.New(t)
	admin := e.NewSession(t, "admin")
	code, _, body := admin.Do("GET", "/admin/sla", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /admin/sla = %d", code)
	}
	for _, want := range []string{`name="response_1" value="15m"`, `name="resolution_4" value="40h"`, `name="open_mon" value="09:00"`, `name="open_sat" value=""`,
		`name="rules" value="7"`, `name="rule_4_group"`, `<option value="reassign" selected>`, `name="warn_percent" type="number" min="0" max="99" step="any" value="25"`, `name="editor" value="json"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	// A valid form: Paris time, closed on Fridays, a holiday, a new P2
	// response target, warnings at 10%, the reassign rule removed and a
	// new rule added in an empty row.
	f := slaFormValues()
	f.Set("timezone", "Europe/Paris")
	f.Set("open_fri", "")
	f.Set("close_fri", "")
	f.Set("open_sat", "10:00")
	f.Set("close_sat", "12:30")
	f.Set("holidays", "2026-12-25\n2027-01-01")
	f.Set("response_2", "45m")
	f.Set("warn_percent", "10")
	f.Set("rule_4_remove", "1")
	f.Set("rule_5_on", "breach")
	f.Set("rule_5_clock", "response")
	f.Set("rule_5_action", "notify")
	f.Set("rule_5_group", "Network")
	f["rule_5_priority"] = []string{"1"}
	if code, loc, body := admin.Do("POST", "/admin/sla", f); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/sla?flash=") {
		t.Fatalf("saving the form: %d %s %s", code, loc, body)
	}
	p := e.App.Desk.SLAPolicy()
	cal := p.Calendar.Config()
	if cal.Timezone != "Europe/Paris" || len(cal.Days) != 5 || cal.Days["sat"] != (sla.DayHours{Open: "10:00", Close: "12:30"}) || !slices.Equal(cal.Holidays, []string{"2026-12-25", "2027-01-01"}) {
		t.Errorf("calendar after saving = %+v", cal)
	}
	if _, open := cal.Days["fri"]; open {
		t.Error("Friday is still open")
	}
	if p.Targets[2].Response != 45*time.Minute || p.Targets[2].Resolution != 8*time.Hour || p.Targets[5].Resolution != 80*time.Hour {
		t.Errorf("targets after saving = %+v", p.Targets)
	}
	if p.WarnAt != 0.10 {
		t.Errorf("warning threshold = %v, want 0.10", p.WarnAt)
	}
	wantRules := []sla.Rule{{On: "warning", Clock: "response", Action: "notify"}, {On: "warning", Clock: "resolution", Action: "notify"},
		{On: "breach", Clock: "response", Action: "notify"}, {On: "breach", Clock: "resolution", Action: "notify"},
		{On: "breach", Clock: "response", Priorities: []int{1}, Action: "notify", Group: "Network"}}
	if len(p.Rules) != len(wantRules) {
		t.Fatalf("rules after saving = %+v", p.Rules)
	}
	for i, r := range wantRules {
		got := p.Rules[i]
		if got.On != r.On || got.Clock != r.Clock || got.Action != r.Action || got.Group != r.Group || !slices.Equal(got.Priorities, r.Priorities) {
			t.Errorf("rule %d = %+v, want %+v", i, got, r)
		}
	}
	if entries, _ := e.App.DB.AuditLog(t.Context(), "admin.sla_policy", 10, 0); len(entries) != 1 {
		t.Errorf("%d audit entries for the change, want 1", len(entries))
	}
	// The page shows what was saved; a group a rule names is selectable
	// even when no such group exists.
	_, _, body = admin.Do("GET", "/admin/sla", nil)
	for _, want := range []string{`name="response_2" value="45m"`, `name="open_fri" value=""`, `name="warn_percent" type="number" min="0" max="99" step="any" value="10"`, "2026-12-25\n2027-01-01", `<option value="Network" selected>Network</option>`, `name="rules" value="7"`} {
		if !strings.Contains(body, want) {
			t.Errorf("after saving, the page lacks %s", want)
		}
	}

	// Mistakes: each is refused with a message, shows what was typed, and
	// leaves the saved policy as it was.
	saved := p.ConfigJSON()
	for _, tc := range []struct {
		name, field, value, message string
	}{
		{"target not a time", "response_3", "soon", `P3 response target: &#34;soon&#34; is not a time such as 30m, 4h or 1h30m`},
		{"empty target", "resolution_1", "", "P1 resolution target: give a time"},
		{"half a day", "close_mon", "", "Give Monday both an opening and a closing time"},
		{"warning out of range", "warn_percent", "150", "The warning threshold is a percentage from 0 to 99"},
		{"warning not a number", "warn_percent", "NaN", "The warning threshold is a percentage from 0 to 99"},
		{"unknown time zone", "timezone", "Mars/Olympus", "Mars/Olympus"},
		{"bad holiday", "holidays", "next tuesday", "tuesday"},
		{"response after resolution", "response_1", "5h", "response target 5h exceeds resolution target 4h"},
		{"closing before opening", "close_tue", "08:00", "Tuesday"},
		{"reassign without a group", "rule_4_action", "reassign", "Rule 5: reassign needs a group."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := slaFormValues()
			f.Set(tc.field, tc.value)
			f.Set("rule_4_group", "")
			if tc.field != "rule_4_action" {
				f.Del("rule_4_on") // drop the reassign rule so it does not need its group
			}
			code, _, body := admin.Do("POST", "/admin/sla", f)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.message) {
				t.Fatalf("got %d, want 422 with %q in:\n%s", code, tc.message, errorLine(body))
			}
			if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("the error is not announced, or no field is marked invalid:\n%s", errorLine(body))
			}
			if tc.value != "" && !strings.Contains(body, tc.value) {
				t.Errorf("the page does not show the value typed, %q", tc.value)
			}
			if got := e.App.Desk.SLAPolicy().ConfigJSON(); got != saved {
				t.Errorf("a refused form changed the policy:\n%s", got)
			}
		})
	}

	// The JSON editor: a mistake opens it again with the text typed; valid
	// JSON is saved.
	code, _, body = admin.Do("POST", "/admin/sla", url.Values{"editor": {"json"}, "policy": {`{"calendar": `}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "not valid JSON") || !strings.Contains(body, "<details open>") {
		t.Fatalf("bad JSON: %d\n%s", code, errorLine(body))
	}
	def := strings.Replace(saved, `"Europe/Paris"`, `"Asia/Tokyo"`, 1)
	if code, _, _ := admin.Do("POST", "/admin/sla", url.Values{"editor": {"json"}, "policy": {def}}); code != http.StatusSeeOther {
		t.Fatalf("saving JSON: %d", code)
	}
	if tz := e.App.Desk.SLAPolicy().Calendar.Config().Timezone; tz != "Asia/Tokyo" {
		t.Errorf("time zone after saving JSON = %q", tz)
	}
	// Only admins change SLA settings.
	if code, _, _ := e.NewSession(t, "agent").Do("POST", "/admin/sla", slaFormValues()); code != http.StatusForbidden {
		t.Errorf("an agent posting the form got %d, want 403", code)
	}
}

// errorLine returns the page's error paragraph, or the page when it has
// none.
func errorLine(body string) string {
	if i := strings.Index(body, `role="alert">`); i >= 0 {
		end := strings.Index(body[i:], "</p>")
		if end > 0 {
			return body[i : i+end]
		}
	}
	return body
}
