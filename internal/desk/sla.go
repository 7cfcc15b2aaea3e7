package desk

import (
	"encoding/json"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/sla"
)

// SLAPolicy is the SLA configuration in force: the business calendar, the
// targets per priority, the warning threshold and the escalation rules.
type SLAPolicy struct {
	sla.Policy
	Rules []sla.Rule
}

// SLAConfig is the stored and edited form of an SLAPolicy: the JSON that
// admins edit, and what the SLA settings form reads and writes.
type SLAConfig struct {
	Calendar sla.CalendarConfig `json:"calendar"`
	Targets  sla.Targets        `json:"targets"`
	WarnAt   float64            `json:"warn_at"`
	Rules    []sla.Rule         `json:"escalation"`
}

// DefaultSLAPolicy is Mon-Fri 09:00-17:00 UTC with the default targets, a
// warning at 25% remaining, a notification of the assignment group on every
// breach, and P1/P2 resolution breaches reassigned to the duty managers.
func DefaultSLAPolicy() SLAPolicy {
	return SLAPolicy{
		Policy: sla.DefaultPolicy(),
		Rules: []sla.Rule{
			{On: sla.OnWarning, Clock: sla.ClockResponse, Action: sla.ActionNotify},
			{On: sla.OnWarning, Clock: sla.ClockResolution, Action: sla.ActionNotify},
			{On: sla.OnBreach, Clock: sla.ClockResponse, Action: sla.ActionNotify},
			{On: sla.OnBreach, Clock: sla.ClockResolution, Action: sla.ActionNotify},
			{On: sla.OnBreach, Clock: sla.ClockResolution, Priorities: []int{1, 2}, Action: sla.ActionReassign, Group: "Duty Managers"},
		},
	}
}

// ParseSLAPolicy reads and validates the JSON form of a policy.
func ParseSLAPolicy(raw []byte) (SLAPolicy, error) {
	var c SLAConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return SLAPolicy{}, socialdesk.FieldError("sla", "The SLA settings are not valid JSON: %v", err)
	}
	cal, err := sla.NewCalendar(c.Calendar)
	if err != nil {
		return SLAPolicy{}, socialdesk.FieldError("calendar", "%v", err)
	}
	p := SLAPolicy{Policy: sla.Policy{Calendar: cal, Targets: c.Targets, WarnAt: c.WarnAt}, Rules: c.Rules}
	if err := p.Policy.Validate(); err != nil {
		return SLAPolicy{}, socialdesk.FieldError("targets", "%v", err)
	}
	if err := sla.ValidateRules(p.Rules); err != nil {
		return SLAPolicy{}, socialdesk.FieldError("escalation", "%v", err)
	}
	return p, nil
}

// Config returns the editable form of the policy.
func (p SLAPolicy) Config() SLAConfig {
	return SLAConfig{Calendar: p.Calendar.Config(), Targets: p.Targets, WarnAt: p.WarnAt, Rules: p.Rules}
}

// ConfigJSON returns the indented JSON form, for the admin editor.
func (p SLAPolicy) ConfigJSON() string {
	b, _ := json.MarshalIndent(p.Config(), "", "  ")
	return string(b)
}

// clocks rebuilds a ticket's two SLA clocks from its stored state.
func clocks(t *socialdesk.Ticket) (response, resolution sla.Clock) {
	response = sla.Clock{Start: t.CreatedAt, Target: t.SLA.ResponseTarget, Paused: t.SLA.Paused, PausedSince: t.SLA.PausedSince, StoppedAt: t.SLA.RespondedAt}
	resolution = sla.Clock{Start: t.CreatedAt, Target: t.SLA.ResolutionTarget, Paused: t.SLA.Paused, PausedSince: t.SLA.PausedSince, StoppedAt: t.ResolvedAt}
	if !t.SLA.RespondedAt.IsZero() {
		response.PausedSince = time.Time{}
	}
	if !t.ResolvedAt.IsZero() {
		resolution.PausedSince = time.Time{}
	}
	return response, resolution
}

// applyTargets sets the SLA targets for the ticket's priority and
// recomputes its due times.
func (p SLAPolicy) applyTargets(t *socialdesk.Ticket, now time.Time) {
	if tg, ok := p.Targets[int(t.Priority)]; ok {
		t.SLA.ResponseTarget, t.SLA.ResolutionTarget = tg.Response, tg.Resolution
	}
	p.refreshDue(t, now)
}

// refreshDue recomputes the stored due times from the clocks.
func (p SLAPolicy) refreshDue(t *socialdesk.Ticket, now time.Time) {
	resp, reso := clocks(t)
	t.SLA.ResponseDue = resp.Due(p.Calendar, now)
	t.SLA.ResolutionDue = reso.Due(p.Calendar, now)
}

// pause stops both clocks while the ticket waits on the requester.
func (p SLAPolicy) pause(t *socialdesk.Ticket, now time.Time) {
	if t.SLA.PausedSince.IsZero() {
		t.SLA.PausedSince = now
	}
	p.refreshDue(t, now)
}

// resume restarts the clocks, adding the business time spent paused.
func (p SLAPolicy) resume(t *socialdesk.Ticket, now time.Time) {
	if !t.SLA.PausedSince.IsZero() {
		t.SLA.Paused += p.Calendar.Between(t.SLA.PausedSince, now)
		t.SLA.PausedSince = time.Time{}
	}
	p.refreshDue(t, now)
}

// ClockView is one SLA clock as shown to an agent.
type ClockView struct {
	Name      string
	State     sla.State
	Due       time.Time
	Remaining time.Duration
	Target    time.Duration
	// Used is the share of the target used so far, 0..1 and beyond.
	Used float64
}

// SLAView returns both clocks of t at now.
func (p SLAPolicy) SLAView(t *socialdesk.Ticket, now time.Time) (response, resolution ClockView) {
	resp, reso := clocks(t)
	view := func(name string, c sla.Clock) ClockView {
		v := ClockView{Name: name, State: p.State(c, now), Due: c.Due(p.Calendar, now), Remaining: c.Remaining(p.Calendar, now), Target: c.Target}
		if c.Target > 0 {
			v.Used = float64(c.Elapsed(p.Calendar, now)) / float64(c.Target)
		}
		return v
	}
	return view("Response", resp), view("Resolution", reso)
}
