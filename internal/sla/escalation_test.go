package sla

import (
	"reflect"
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	rules := []Rule{
		{On: OnWarning, Clock: ClockResponse, Action: ActionNotify, Group: "service-desk"},                 // 0
		{On: OnBreach, Clock: ClockResponse, Priorities: []int{1, 2}, Action: ActionNotify, Group: "duty"}, // 1
		{On: OnBreach, Clock: ClockResolution, Priorities: []int{1}, Action: ActionReassign, Group: "l2"},  // 2
		{On: OnBreach, Clock: ClockResolution, Action: ActionNotify, Group: "managers"},                    // 3
		{On: OnWarning, Clock: ClockResolution, Priorities: []int{3}, Action: ActionNotify},                // 4
	}
	tests := []struct {
		name     string
		clock    string
		state    State
		priority int
		want     []int // indexes into rules
	}{
		{"response warning any priority", ClockResponse, StateWarning, 4, []int{0}},
		{"response breach P1", ClockResponse, StateBreached, 1, []int{1}},
		{"response breach P3 has no rule", ClockResponse, StateBreached, 3, nil},
		{"resolution breach P1 keeps order", ClockResolution, StateBreached, 1, []int{2, 3}},
		{"resolution breach P2", ClockResolution, StateBreached, 2, []int{3}},
		{"resolution warning P3", ClockResolution, StateWarning, 3, []int{4}},
		{"resolution warning P2", ClockResolution, StateWarning, 2, nil},
		{"ok fires nothing", ClockResponse, StateOK, 1, nil},
		{"paused fires nothing", ClockResolution, StatePaused, 1, nil},
		{"missed fires nothing", ClockResolution, StateMissed, 1, nil},
		{"met fires nothing", ClockResponse, StateMet, 1, nil},
		{"unknown clock", "other", StateBreached, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []Rule
			for _, i := range tt.want {
				want = append(want, rules[i])
			}
			got := Evaluate(rules, tt.clock, tt.state, tt.priority)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Evaluate = %+v\nwant %+v", got, want)
			}
		})
	}
	if got := Evaluate(nil, ClockResponse, StateBreached, 1); got != nil {
		t.Errorf("Evaluate(nil) = %v", got)
	}
}

func TestRuleValidate(t *testing.T) {
	ok := Rule{On: OnBreach, Clock: ClockResolution, Priorities: []int{1, 5}, Action: ActionReassign, Group: "l2"}
	tests := []struct {
		name   string
		change func(*Rule)
		want   string // empty for a valid rule
	}{
		{"valid", func(*Rule) {}, ""},
		{"notify without group", func(r *Rule) { r.Action = ActionNotify; r.Group = "" }, ""},
		{"bad on", func(r *Rule) { r.On = "breached" }, `on "breached" must be "warning" or "breach"`},
		{"bad clock", func(r *Rule) { r.Clock = "" }, `clock "" must be "response" or "resolution"`},
		{"bad action", func(r *Rule) { r.Action = "page" }, `action "page" must be "notify" or "reassign"`},
		{"reassign without group", func(r *Rule) { r.Group = "" }, "reassign needs a group"},
		{"bad priority", func(r *Rule) { r.Priorities = []int{0} }, "priority 0 is outside 1..5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			r.Priorities = append([]int(nil), ok.Priorities...)
			tt.change(&r)
			err := r.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want error mentioning %q", err, tt.want)
			}
		})
	}

	err := ValidateRules([]Rule{ok, {On: "x", Clock: ClockResponse, Action: ActionNotify}})
	if err == nil || !strings.Contains(err.Error(), "sla: rule 1:") || strings.Contains(err.Error(), "rule 0") {
		t.Errorf("ValidateRules = %v, want an error naming rule 1 only", err)
	}
	if err := ValidateRules([]Rule{ok}); err != nil {
		t.Errorf("ValidateRules(valid) = %v", err)
	}
}
