package sla

import (
	"encoding/json"
	"testing"
	"time"
)

// event is one step applied to a clock in TestClockTransitions.
type event struct {
	kind string // "pause", "resume" or "stop"
	at   time.Time
}

func apply(c *Clock, cal *Calendar, evs []event) {
	for _, e := range evs {
		switch e.kind {
		case "pause":
			c.Pause(e.at)
		case "resume":
			c.Resume(cal, e.at)
		case "stop":
			c.Stop(cal, e.at)
		default:
			panic("unknown event " + e.kind)
		}
	}
}

func TestClockTransitions(t *testing.T) {
	cal := Default() // Mon-Fri 09:00-17:00 UTC
	mon := func(h, m int) time.Time { return utc(2026, 11, 23, h, m) }
	tue := func(h, m int) time.Time { return utc(2026, 11, 24, h, m) }
	start := mon(9, 0)
	const target = 4 * time.Hour // due Monday 13:00 without pauses

	tests := []struct {
		name          string
		events        []event
		now           time.Time
		wantState     State
		wantDue       time.Time
		wantRemaining time.Duration
		wantPaused    time.Duration
	}{
		{"running with time to spare", nil, mon(10, 0), StateOK, mon(13, 0), 3 * time.Hour, 0},
		{"exactly at warning threshold", nil, mon(12, 0), StateOK, mon(13, 0), time.Hour, 0},
		{"inside warning threshold", nil, mon(12, 1), StateWarning, mon(13, 0), 59 * time.Minute, 0},
		{"exactly at due", nil, mon(13, 0), StateWarning, mon(13, 0), 0, 0},
		{"breached", nil, mon(13, 30), StateBreached, mon(13, 0), -30 * time.Minute, 0},
		{"breached overnight counts business time", nil, tue(10, 0), StateBreached, mon(13, 0), -5 * time.Hour, 0},
		{"before start is ok", nil, mon(8, 0), StateOK, mon(13, 0), target, 0},
		{"paused", []event{{"pause", mon(10, 0)}}, mon(11, 0), StatePaused, mon(14, 0), 3 * time.Hour, 0},
		{"due moves while paused", []event{{"pause", mon(10, 0)}}, mon(16, 0), StatePaused, tue(11, 0), 3 * time.Hour, 0},
		{"paused past the original due is not breached", []event{{"pause", mon(12, 0)}}, mon(15, 0), StatePaused, mon(16, 0), time.Hour, 0},
		{"resumed pause extends due", []event{{"pause", mon(10, 0)}, {"resume", mon(11, 0)}}, mon(13, 30), StateWarning, mon(14, 0), 30 * time.Minute, time.Hour},
		{"resumed then breached", []event{{"pause", mon(10, 0)}, {"resume", mon(11, 0)}}, mon(14, 1), StateBreached, mon(14, 0), -time.Minute, time.Hour},
		{"overnight pause counts business time only", []event{{"pause", mon(12, 0)}, {"resume", tue(10, 0)}}, tue(10, 0), StateOK, tue(11, 0), time.Hour, 6 * time.Hour},
		{"pause twice keeps first start", []event{{"pause", mon(10, 0)}, {"pause", mon(11, 0)}, {"resume", mon(12, 0)}}, mon(12, 0), StateOK, mon(15, 0), 3 * time.Hour, 2 * time.Hour},
		{"resume twice adds once", []event{{"pause", mon(10, 0)}, {"resume", mon(11, 0)}, {"resume", mon(12, 0)}}, mon(12, 0), StateOK, mon(14, 0), 2 * time.Hour, time.Hour},
		{"resume without pause does nothing", []event{{"resume", mon(11, 0)}}, mon(10, 0), StateOK, mon(13, 0), 3 * time.Hour, 0},
		{"two pauses add up", []event{{"pause", mon(9, 30)}, {"resume", mon(10, 0)}, {"pause", mon(11, 0)}, {"resume", mon(11, 45)}}, mon(12, 0), StateOK, mon(14, 15), 2*time.Hour + 15*time.Minute, 75 * time.Minute},
		{"paused after breach stays breached", []event{{"pause", mon(14, 0)}}, mon(16, 0), StateBreached, mon(15, 0), -time.Hour, 0},
		{"resumed after breach stays breached", []event{{"pause", mon(14, 0)}, {"resume", mon(16, 0)}}, mon(16, 30), StateBreached, mon(15, 0), -90 * time.Minute, 2 * time.Hour},
		{"met", []event{{"stop", mon(12, 0)}}, tue(12, 0), StateMet, mon(13, 0), time.Hour, 0},
		{"met exactly at due", []event{{"stop", mon(13, 0)}}, tue(12, 0), StateMet, mon(13, 0), 0, 0},
		{"missed", []event{{"stop", mon(13, 1)}}, mon(13, 5), StateMissed, mon(13, 0), -time.Minute, 0},
		{"missed out of hours", []event{{"stop", utc(2026, 11, 28, 10, 0)}}, tue(12, 0), StateMissed, mon(13, 0), -36 * time.Hour, 0},
		{"stop while paused ends the pause", []event{{"pause", mon(10, 0)}, {"stop", mon(11, 0)}}, tue(9, 0), StateMet, mon(14, 0), 3 * time.Hour, time.Hour},
		{"stop twice keeps first", []event{{"stop", mon(12, 0)}, {"stop", mon(14, 0)}}, mon(15, 0), StateMet, mon(13, 0), time.Hour, 0},
		{"pause after stop does nothing", []event{{"stop", mon(12, 0)}, {"pause", mon(12, 30)}}, mon(15, 0), StateMet, mon(13, 0), time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Clock{Start: start, Target: target}
			apply(&c, cal, tt.events)
			if got := c.State(cal, tt.now, 0.25); got != tt.wantState {
				t.Errorf("State = %s, want %s", got, tt.wantState)
			}
			if got := c.Due(cal, tt.now); !got.Equal(tt.wantDue) {
				t.Errorf("Due = %v, want %v", got, tt.wantDue)
			}
			if got := c.Remaining(cal, tt.now); got != tt.wantRemaining {
				t.Errorf("Remaining = %v, want %v", got, tt.wantRemaining)
			}
			if c.Paused != tt.wantPaused {
				t.Errorf("Paused = %v, want %v", c.Paused, tt.wantPaused)
			}
		})
	}
}

func TestClockWarnAt(t *testing.T) {
	cal := Always()
	c := Clock{Start: utc(2026, 11, 23, 0, 0), Target: 10 * time.Hour}
	now := utc(2026, 11, 23, 8, 0) // 2h of 10h remain
	tests := []struct {
		warnAt float64
		want   State
	}{
		{0.25, StateWarning},
		{0.2, StateOK}, // remaining equals the threshold: not yet a warning
		{0.1, StateOK},
		{0, StateOK},
		{-1, StateOK},
		{0.5, StateWarning},
	}
	for _, tt := range tests {
		if got := c.State(cal, now, tt.warnAt); got != tt.want {
			t.Errorf("warnAt %v: State = %s, want %s", tt.warnAt, got, tt.want)
		}
	}
}

func TestClockStoppedIsFrozen(t *testing.T) {
	cal := Default()
	c := Clock{Start: utc(2026, 11, 23, 9, 0), Target: 2 * time.Hour}
	c.Stop(cal, utc(2026, 11, 23, 10, 15))
	for _, now := range []time.Time{utc(2026, 11, 23, 11, 0), utc(2026, 12, 1, 12, 0)} {
		if got := c.Elapsed(cal, now); got != 75*time.Minute {
			t.Errorf("Elapsed at %v = %v, want 1h15m", now, got)
		}
		if got := c.State(cal, now, 0.25); got != StateMet {
			t.Errorf("State at %v = %s, want met", now, got)
		}
	}
	if !c.IsStopped() || c.IsPaused() {
		t.Errorf("IsStopped/IsPaused = %v/%v", c.IsStopped(), c.IsPaused())
	}
}

func TestClockMissedAfterClose(t *testing.T) {
	cal := Default()
	// Due exactly at Monday's close; stopped an hour later, when no
	// business time has passed since the due instant.
	c := Clock{Start: utc(2026, 11, 23, 9, 0), Target: 8 * time.Hour}
	if got := c.State(cal, utc(2026, 11, 23, 18, 0), 0.25); got != StateBreached {
		t.Errorf("running State after close = %s, want breached", got)
	}
	c.Stop(cal, utc(2026, 11, 23, 18, 0))
	if got := c.State(cal, utc(2026, 11, 24, 9, 0), 0.25); got != StateMissed {
		t.Errorf("State = %s, want missed", got)
	}
	if got := c.Remaining(cal, utc(2026, 11, 24, 9, 0)); got != 0 {
		t.Errorf("Remaining = %v, want 0", got)
	}
}

func TestClockJSON(t *testing.T) {
	c := Clock{Start: utc(2026, 11, 23, 9, 0), Target: time.Hour, Paused: time.Minute}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Clock
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Start.Equal(c.Start) || back.Target != c.Target || back.Paused != c.Paused || back.IsPaused() || back.IsStopped() {
		t.Fatalf("round trip %s gave %+v", data, back)
	}
	c.Pause(utc(2026, 11, 23, 10, 0))
	data, _ = json.Marshal(c)
	back = Clock{}
	if err := json.Unmarshal(data, &back); err != nil || !back.PausedSince.Equal(c.PausedSince) {
		t.Fatalf("paused round trip %s gave %+v, %v", data, back, err)
	}
}
