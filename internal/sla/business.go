package sla

import (
	"fmt"
	"time"
)

// civilDate is a calendar date without a time zone.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

// dateOf returns the date of t in t's own location.
func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

func (d civilDate) addDays(n int) civilDate {
	return dateOf(time.Date(d.year, d.month, d.day+n, 12, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d civilDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}

// at returns the instant at wall-clock offset off after midnight on date d
// in the calendar's zone. Wall-clock times skipped by a daylight saving
// change are moved forward as time.Date does.
func (c *Calendar) at(d civilDate, off time.Duration) time.Time {
	h := int(off / time.Hour)
	m := int(off % time.Hour / time.Minute)
	return time.Date(d.year, d.month, d.day, h, m, 0, 0, c.loc)
}

// window returns the opening and closing instants of date d, or ok false
// when the desk is closed that day.
func (c *Calendar) window(d civilDate) (open, closing time.Time, ok bool) {
	s := c.week[d.weekday()]
	if !s.isOpen() {
		return time.Time{}, time.Time{}, false
	}
	if _, holiday := c.holidays[d]; holiday {
		return time.Time{}, time.Time{}, false
	}
	return c.at(d, s.open), c.at(d, s.close), true
}

// plainWeek reports whether the seven days starting at d contain no
// holiday and no change of UTC offset, so that their business time is
// exactly c.weekly.
func (c *Calendar) plainWeek(d civilDate) bool {
	for i := range 7 {
		if _, holiday := c.holidays[d.addDays(i)]; holiday {
			return false
		}
	}
	_, zoneEnd := c.at(d, 0).ZoneBounds()
	return zoneEnd.IsZero() || !zoneEnd.Before(c.at(d.addDays(7), 0))
}

// Add returns the instant at which d of business time has elapsed after
// start. A start outside business hours counts from the next opening. When
// the target lands exactly on a closing time, that closing instant is
// returned. A non-positive d returns start unchanged. The result is in the
// calendar's time zone.
//
// Whole weeks without holidays or daylight saving changes are skipped in
// one step, so long durations cost little.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	c = c.eff()
	t := start.In(c.loc)
	if d <= 0 {
		return t
	}
	day := dateOf(t)
	for {
		if !t.After(c.at(day, 0)) && d > c.weekly && c.plainWeek(day) {
			d -= c.weekly
			day = day.addDays(7)
			t = c.at(day, 0)
			continue
		}
		if open, closing, ok := c.window(day); ok && t.Before(closing) {
			if t.Before(open) {
				t = open
			}
			avail := closing.Sub(t)
			if d <= avail {
				return t.Add(d)
			}
			d -= avail
		}
		day = day.addDays(1)
		t = c.at(day, 0)
	}
}

// Between returns the business time between instants a and b, or 0 when b
// is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	c = c.eff()
	if !b.After(a) {
		return 0
	}
	t := a.In(c.loc)
	day := dateOf(t)
	var total time.Duration
	for {
		if !t.After(c.at(day, 0)) {
			next := c.at(day.addDays(7), 0)
			if !next.After(b) && c.plainWeek(day) {
				total += c.weekly
				day = day.addDays(7)
				t = next
				continue
			}
		}
		if open, closing, ok := c.window(day); ok {
			lo, hi := open, closing
			if t.After(lo) {
				lo = t
			}
			if b.Before(hi) {
				hi = b
			}
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
		day = day.addDays(1)
		t = c.at(day, 0)
		if !b.After(t) {
			return total
		}
	}
}
