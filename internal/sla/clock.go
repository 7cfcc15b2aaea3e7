package sla

import "time"

// State is the condition of an SLA clock at a given instant.
type State string

// The states a Clock can be in.
const (
	// StateOK means the clock is running with time to spare.
	StateOK State = "ok"
	// StateWarning means the clock is running and less than the warning
	// fraction of its target remains.
	StateWarning State = "warning"
	// StateBreached means the clock is running (or paused) past its due time.
	StateBreached State = "breached"
	// StateMet means the clock was stopped on or before its due time.
	StateMet State = "met"
	// StateMissed means the clock was stopped after its due time.
	StateMissed State = "missed"
	// StatePaused means the clock is paused and not yet breached.
	StatePaused State = "paused"
)

// Clock is the state of one SLA clock (response or resolution) on one
// ticket. The zero PausedSince and StoppedAt mean "not paused" and "still
// running". Pause, Resume and Stop keep the fields consistent; callers
// store the struct and pass the current time to each method.
type Clock struct {
	// Start is when the clock started, normally when the ticket was opened.
	Start time.Time `json:"start"`
	// Target is the business time allowed before the clock is breached.
	Target time.Duration `json:"target"`
	// Paused is the business time spent in completed pauses.
	Paused time.Duration `json:"paused"`
	// PausedSince is when the current pause began; zero when not paused.
	PausedSince time.Time `json:"paused_since,omitzero"`
	// StoppedAt is when the clock was stopped (first response made or
	// ticket resolved); zero while the clock runs.
	StoppedAt time.Time `json:"stopped_at,omitzero"`
}

// IsPaused reports whether the clock is currently paused.
func (c Clock) IsPaused() bool { return !c.PausedSince.IsZero() }

// IsStopped reports whether the clock has been stopped.
func (c Clock) IsStopped() bool { return !c.StoppedAt.IsZero() }

// end is the instant up to which the clock counts: StoppedAt when stopped,
// otherwise now.
func (c Clock) end(now time.Time) time.Time {
	if c.IsStopped() {
		return c.StoppedAt
	}
	return now
}

// pausedAt returns the business time paused up to now, including the
// current pause if there is one.
func (c Clock) pausedAt(cal *Calendar, now time.Time) time.Duration {
	p := c.Paused
	if c.IsPaused() {
		p += cal.Between(c.PausedSince, c.end(now))
	}
	return p
}

// Due returns the instant the clock falls due: Target plus all paused
// business time after Start, in business time. While the clock is paused
// the due time moves forward as the pause lasts, so it depends on now.
func (c Clock) Due(cal *Calendar, now time.Time) time.Time {
	return cal.Add(c.Start, c.Target+c.pausedAt(cal, now))
}

// Elapsed returns the business time the clock has run, excluding pauses,
// up to now (or up to StoppedAt when stopped).
func (c Clock) Elapsed(cal *Calendar, now time.Time) time.Duration {
	end := c.end(now)
	return cal.Between(c.Start, end) - c.pausedAt(cal, end)
}

// Remaining returns the business time left before the clock is due, as of
// now (or as of StoppedAt when stopped). It is negative once the clock has
// run past its target during business hours; right after a due time that
// falls on a closing time it stays at zero until the desk reopens.
func (c Clock) Remaining(cal *Calendar, now time.Time) time.Duration {
	return c.Target - c.Elapsed(cal, now)
}

// State returns the clock's state at now. warnAt is the fraction of the
// target below which a running clock is in StateWarning (for example
// 0.25); zero or less disables warnings.
func (c Clock) State(cal *Calendar, now time.Time, warnAt float64) State {
	end := c.end(now)
	due := c.Due(cal, end)
	switch {
	case c.IsStopped() && end.After(due):
		return StateMissed
	case c.IsStopped():
		return StateMet
	case now.After(due):
		return StateBreached
	case c.IsPaused():
		return StatePaused
	case warnAt > 0 && c.Remaining(cal, now) < time.Duration(warnAt*float64(c.Target)):
		return StateWarning
	default:
		return StateOK
	}
}

// Pause pauses the clock at now, for example while the ticket waits on the
// customer. It does nothing when the clock is already paused or stopped.
func (c *Clock) Pause(now time.Time) {
	if c.IsPaused() || c.IsStopped() {
		return
	}
	c.PausedSince = now
}

// Resume ends the current pause at now and adds the business time it
// lasted to Paused. It does nothing when the clock is not paused.
func (c *Clock) Resume(cal *Calendar, now time.Time) {
	if !c.IsPaused() {
		return
	}
	c.Paused += cal.Between(c.PausedSince, now)
	c.PausedSince = time.Time{}
}

// Stop stops the clock at now, ending any pause first. It does nothing
// when the clock is already stopped.
func (c *Clock) Stop(cal *Calendar, now time.Time) {
	if c.IsStopped() {
		return
	}
	c.Resume(cal, now)
	c.StoppedAt = now
}
