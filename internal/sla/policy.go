package sla

import (
	"errors"
	"fmt"
	"time"
)

// DefaultWarnAt is the warning threshold used when Policy.WarnAt is zero:
// a clock warns once less than a quarter of its target remains.
const DefaultWarnAt = 0.25

// Policy bundles everything needed to run SLA clocks: the business-hours
// calendar, per-priority targets and the warning threshold. It encodes to
// and from JSON with the calendar in its CalendarConfig form.
type Policy struct {
	// Calendar defines business hours; nil means 24x7 UTC.
	Calendar *Calendar `json:"calendar"`
	// Targets holds the response and resolution targets per priority.
	Targets Targets `json:"targets"`
	// WarnAt is the fraction of a target below which a clock warns.
	// Zero means DefaultWarnAt; a negative value disables warnings.
	WarnAt float64 `json:"warn_at,omitempty"`
}

// DefaultPolicy returns the Default calendar, DefaultTargets and
// DefaultWarnAt.
func DefaultPolicy() Policy {
	return Policy{Calendar: Default(), Targets: DefaultTargets(), WarnAt: DefaultWarnAt}
}

// Validate checks the targets and that WarnAt is below 1.
func (p Policy) Validate() error {
	var errs []error
	if err := p.Targets.Validate(); err != nil {
		errs = append(errs, err)
	}
	if p.WarnAt >= 1 {
		errs = append(errs, fmt.Errorf("sla: warn_at %v must be below 1", p.WarnAt))
	}
	return errors.Join(errs...)
}

// warnAt returns the effective warning fraction.
func (p Policy) warnAt() float64 {
	if p.WarnAt == 0 {
		return DefaultWarnAt
	}
	return p.WarnAt
}

// NewClocks starts the response and resolution clocks of a ticket with
// the given priority opened at start. It fails when the policy has no
// targets for that priority.
func (p Policy) NewClocks(priority int, start time.Time) (response, resolution Clock, err error) {
	t, ok := p.Targets[priority]
	if !ok {
		return Clock{}, Clock{}, fmt.Errorf("sla: no targets for priority %d", priority)
	}
	return Clock{Start: start, Target: t.Response}, Clock{Start: start, Target: t.Resolution}, nil
}

// State returns the state of c at now under this policy's calendar and
// warning threshold.
func (p Policy) State(c Clock, now time.Time) State {
	return c.State(p.Calendar, now, p.warnAt())
}
