// Package sla computes ITIL service level agreement clocks on a
// business-hours calendar.
//
// A Calendar describes when the service desk is working: a time zone,
// opening hours for each weekday and a list of holidays. Calendar.Add and
// Calendar.Between convert between wall-clock instants and business time,
// so that a four hour resolution target raised at 16:00 on a Friday falls
// due at 11:00 on the following Monday with 09:00-17:00 opening hours.
//
// A Clock records one SLA clock on one ticket (response or resolution):
// when it started, its target, how much business time it spent paused and
// whether it has been stopped. Its State is one of ok, warning, breached,
// met, missed or paused.
//
// A Policy bundles a Calendar, per-priority Targets and the warning
// threshold, and starts the two clocks of a new ticket. Escalation Rules
// are plain data; Evaluate picks the rules that apply to a clock state and
// the service layer carries them out.
//
// All functions are pure: they never read the system clock, so callers pass
// the current time explicitly.
package sla
