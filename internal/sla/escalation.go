package sla

import (
	"errors"
	"fmt"
	"slices"
)

// Values of Rule.On: the clock event a rule reacts to.
const (
	OnWarning = "warning"
	OnBreach  = "breach"
)

// Values of Rule.Clock: which of a ticket's two clocks a rule watches.
const (
	ClockResponse   = "response"
	ClockResolution = "resolution"
)

// Values of Rule.Action: what the service layer does when a rule applies.
const (
	ActionNotify   = "notify"
	ActionReassign = "reassign"
)

// Rule is one escalation rule, stored as data and carried out by the
// service layer.
type Rule struct {
	// On is OnWarning or OnBreach.
	On string `json:"on"`
	// Clock is ClockResponse or ClockResolution.
	Clock string `json:"clock"`
	// Priorities limits the rule to these ticket priorities; empty means
	// every priority.
	Priorities []int `json:"priorities,omitempty"`
	// Action is ActionNotify or ActionReassign.
	Action string `json:"action"`
	// Group is the group to notify or reassign to; required for reassign.
	Group string `json:"group,omitempty"`
}

// Validate reports what is wrong with the rule, or nil.
func (r Rule) Validate() error {
	var errs []error
	if r.On != OnWarning && r.On != OnBreach {
		errs = append(errs, fmt.Errorf("on %q must be %q or %q", r.On, OnWarning, OnBreach))
	}
	if r.Clock != ClockResponse && r.Clock != ClockResolution {
		errs = append(errs, fmt.Errorf("clock %q must be %q or %q", r.Clock, ClockResponse, ClockResolution))
	}
	switch r.Action {
	case ActionNotify:
	case ActionReassign:
		if r.Group == "" {
			errs = append(errs, errors.New("reassign needs a group"))
		}
	default:
		errs = append(errs, fmt.Errorf("action %q must be %q or %q", r.Action, ActionNotify, ActionReassign))
	}
	for _, p := range r.Priorities {
		if p < MinPriority || p > MaxPriority {
			errs = append(errs, fmt.Errorf("priority %d is outside %d..%d", p, MinPriority, MaxPriority))
		}
	}
	return errors.Join(errs...)
}

// ValidateRules validates every rule and names the failing ones by index.
func ValidateRules(rules []Rule) error {
	var errs []error
	for i, r := range rules {
		if err := r.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("sla: rule %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// Evaluate returns, in their original order, the rules that apply to the
// named clock (ClockResponse or ClockResolution) of a ticket with the
// given priority in the given state. Warning rules apply in StateWarning
// and breach rules in StateBreached; no rule applies in any other state.
// Evaluate is stateless: the caller makes sure each rule fires once.
func Evaluate(rules []Rule, clock string, state State, priority int) []Rule {
	var on string
	switch state {
	case StateWarning:
		on = OnWarning
	case StateBreached:
		on = OnBreach
	default:
		return nil
	}
	var out []Rule
	for _, r := range rules {
		if r.On != on || r.Clock != clock {
			continue
		}
		if len(r.Priorities) > 0 && !slices.Contains(r.Priorities, priority) {
			continue
		}
		out = append(out, r)
	}
	return out
}
