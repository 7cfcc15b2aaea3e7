package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DayHours is the opening window of one weekday in configuration form.
// Open and Close are wall-clock times "HH:MM" in the calendar's time zone.
// Close may be "24:00" to mean the end of the day. A day that is closed
// is simply left out of CalendarConfig.Days.
type DayHours struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

// CalendarConfig is the JSON-serialisable form of a Calendar.
//
// Timezone is an IANA zone name such as "Europe/Paris"; an empty string
// means "UTC". Days maps weekday names ("mon" ... "sun", or the full
// English names, in any letter case) to their opening hours; missing days
// are closed. Holidays lists whole dates "2026-12-25" in the calendar's
// zone on which the desk is closed all day.
type CalendarConfig struct {
	Timezone string              `json:"timezone"`
	Days     map[string]DayHours `json:"days"`
	Holidays []string            `json:"holidays,omitempty"`
}

// Validate reports every problem in the configuration, or nil when
// NewCalendar would accept it.
func (cfg CalendarConfig) Validate() error {
	_, err := NewCalendar(cfg)
	return err
}

// Calendar is a validated business-hours calendar. It is immutable after
// construction and safe for concurrent use. A nil or zero Calendar behaves
// like Always().
type Calendar struct {
	zone     string
	loc      *time.Location
	week     [7]span // indexed by time.Weekday
	weekly   time.Duration
	holidays map[civilDate]struct{}
}

// span is one day's opening window as offsets from local midnight.
// A span with close == 0 means the day is closed.
type span struct {
	open, close time.Duration
}

func (s span) isOpen() bool { return s.close > s.open }

// dayKey returns the canonical short name of a weekday, such as "mon".
func dayKey(wd time.Weekday) string {
	return strings.ToLower(wd.String()[:3])
}

const dateLayout = "2006-01-02"

// NewCalendar validates cfg and builds a Calendar from it. The returned
// error lists every problem found, one per line.
func NewCalendar(cfg CalendarConfig) (*Calendar, error) {
	var errs []error

	zone := strings.TrimSpace(cfg.Timezone)
	if zone == "" {
		zone = "UTC"
	}
	var loc *time.Location
	if zone == "Local" {
		errs = append(errs, errors.New(`timezone "Local" depends on the server; use an IANA name such as "Europe/Paris"`))
	} else if l, err := time.LoadLocation(zone); err != nil {
		errs = append(errs, fmt.Errorf("timezone %q is not a known IANA time zone", cfg.Timezone))
	} else {
		loc = l
	}

	var week [7]span
	var seen [7]bool
	keys := make([]string, 0, len(cfg.Days))
	for k := range cfg.Days {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		h := cfg.Days[k]
		wd, ok := parseWeekday(k)
		if !ok {
			errs = append(errs, fmt.Errorf("day %q is not a weekday name (want mon, tue, wed, thu, fri, sat or sun)", k))
			continue
		}
		if seen[wd] {
			errs = append(errs, fmt.Errorf("day %q is listed more than once", dayKey(wd)))
			continue
		}
		seen[wd] = true
		open, err := parseClockTime(h.Open, false)
		if err != nil {
			errs = append(errs, fmt.Errorf("day %q: open: %w", k, err))
			continue
		}
		closing, err := parseClockTime(h.Close, true)
		if err != nil {
			errs = append(errs, fmt.Errorf("day %q: close: %w", k, err))
			continue
		}
		if closing <= open {
			errs = append(errs, fmt.Errorf("day %q: close %s is not after open %s (leave the day out to close it)", k, h.Close, h.Open))
			continue
		}
		week[wd] = span{open: open, close: closing}
	}
	if len(errs) == 0 && weeklyTotal(week) == 0 {
		errs = append(errs, errors.New("no opening hours: at least one day must be open"))
	}

	holidays := make(map[civilDate]struct{}, len(cfg.Holidays))
	for _, s := range cfg.Holidays {
		t, err := time.Parse(dateLayout, strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, fmt.Errorf("holiday %q is not a date like 2026-12-25", s))
			continue
		}
		holidays[dateOf(t)] = struct{}{}
	}

	if len(errs) > 0 {
		return nil, fmt.Errorf("sla: invalid calendar: %w", errors.Join(errs...))
	}
	return newCalendar(zone, loc, week, holidays), nil
}

func newCalendar(zone string, loc *time.Location, week [7]span, holidays map[civilDate]struct{}) *Calendar {
	return &Calendar{zone: zone, loc: loc, week: week, weekly: weeklyTotal(week), holidays: holidays}
}

func weeklyTotal(week [7]span) time.Duration {
	var total time.Duration
	for _, s := range week {
		if s.isOpen() {
			total += s.close - s.open
		}
	}
	return total
}

// Default returns a calendar open Monday to Friday, 09:00-17:00 UTC, with
// no holidays.
func Default() *Calendar {
	var week [7]span
	for wd := time.Monday; wd <= time.Friday; wd++ {
		week[wd] = span{open: 9 * time.Hour, close: 17 * time.Hour}
	}
	return newCalendar("UTC", time.UTC, week, nil)
}

// Always returns a 24x7 calendar in UTC with no holidays, under which
// business time equals elapsed time.
func Always() *Calendar {
	var week [7]span
	for i := range week {
		week[i] = span{open: 0, close: 24 * time.Hour}
	}
	return newCalendar("UTC", time.UTC, week, nil)
}

// eff returns the calendar to compute with: c itself, or a 24x7 UTC
// calendar when c is nil or has no opening hours.
func (c *Calendar) eff() *Calendar {
	if c == nil || c.loc == nil || c.weekly <= 0 {
		return Always()
	}
	return c
}

// Timezone returns the IANA name of the calendar's time zone.
func (c *Calendar) Timezone() string { return c.eff().zone }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.eff().loc }

// IsOpen reports whether t falls inside business hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	c = c.eff()
	open, closing, ok := c.window(dateOf(t.In(c.loc)))
	return ok && !t.Before(open) && t.Before(closing)
}

// Config returns the configuration form of the calendar, with canonical
// short day names and holidays in date order.
func (c *Calendar) Config() CalendarConfig {
	c = c.eff()
	cfg := CalendarConfig{Timezone: c.zone, Days: map[string]DayHours{}}
	for wd, s := range c.week {
		if s.isOpen() {
			cfg.Days[dayKey(time.Weekday(wd))] = DayHours{Open: formatClockTime(s.open), Close: formatClockTime(s.close)}
		}
	}
	for d := range c.holidays {
		cfg.Holidays = append(cfg.Holidays, d.String())
	}
	slices.Sort(cfg.Holidays)
	return cfg
}

// MarshalJSON encodes the calendar as its CalendarConfig.
func (c *Calendar) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.Config())
}

// UnmarshalJSON decodes a CalendarConfig and validates it.
func (c *Calendar) UnmarshalJSON(data []byte) error {
	var cfg CalendarConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("sla: decoding calendar: %w", err)
	}
	built, err := NewCalendar(cfg)
	if err != nil {
		return err
	}
	*c = *built
	return nil
}

// parseWeekday maps "mon", "Monday" and similar to a time.Weekday.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if s == dayKey(wd) || s == strings.ToLower(wd.String()) {
			return wd, true
		}
	}
	return 0, false
}

// parseClockTime parses "HH:MM" into an offset from midnight. "24:00" is
// accepted only when allowEnd is true.
func parseClockTime(s string, allowEnd bool) (time.Duration, error) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hs) != 2 || len(ms) != 2 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	if h > 24 || (h == 24 && (m != 0 || !allowEnd)) {
		if allowEnd {
			return 0, fmt.Errorf("%q is out of range 00:00-24:00", s)
		}
		return 0, fmt.Errorf("%q is out of range 00:00-23:59", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func formatClockTime(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
