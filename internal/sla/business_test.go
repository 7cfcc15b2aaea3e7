package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("loading zone %s: %v", name, err)
	}
	return loc
}

func mustCal(t testing.TB, cfg CalendarConfig) *Calendar {
	t.Helper()
	c, err := NewCalendar(cfg)
	if err != nil {
		t.Fatalf("NewCalendar: %v", err)
	}
	return c
}

// parisOffice is open Mon-Fri 09:00-17:30 in Paris, closed at Christmas and
// on Easter Monday 2026.
func parisOffice(t testing.TB) *Calendar {
	h := DayHours{Open: "09:00", Close: "17:30"}
	return mustCal(t, CalendarConfig{
		Timezone: "Europe/Paris",
		Days:     map[string]DayHours{"mon": h, "tue": h, "wed": h, "thu": h, "fri": h},
		Holidays: []string{"2026-12-25", "2026-04-06"},
	})
}

// parisAlways is open around the clock in Paris.
func parisAlways(t testing.TB) *Calendar {
	h := DayHours{Open: "00:00", Close: "24:00"}
	return mustCal(t, CalendarConfig{
		Timezone: "Europe/Paris",
		Days:     map[string]DayHours{"mon": h, "tue": h, "wed": h, "thu": h, "fri": h, "sat": h, "sun": h},
	})
}

// oddHours is a sparse calendar with uneven windows, one ending at midnight.
func oddHours(t testing.TB) *Calendar {
	return mustCal(t, CalendarConfig{
		Timezone: "America/New_York",
		Days: map[string]DayHours{
			"tuesday":  {Open: "22:00", Close: "24:00"},
			"Saturday": {Open: "00:00", Close: "02:30"},
			"wed":      {Open: "01:30", Close: "03:15"},
		},
		Holidays: []string{"2026-07-04", "2026-11-25"},
	})
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestAdd(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, paris)
	}
	def := Default()
	office := parisOffice(t)
	always := parisAlways(t)

	// 2026-11-20 is a Friday, 2026-11-23 a Monday.
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within one day", def, utc(2026, 11, 23, 10, 0), 2 * time.Hour, utc(2026, 11, 23, 12, 0)},
		{"zero duration keeps start", def, utc(2026, 11, 21, 3, 0), 0, utc(2026, 11, 21, 3, 0)},
		{"start before opening", def, utc(2026, 11, 23, 7, 0), time.Hour, utc(2026, 11, 23, 10, 0)},
		{"start after closing", def, utc(2026, 11, 23, 18, 0), time.Hour, utc(2026, 11, 24, 10, 0)},
		{"start exactly at close", def, utc(2026, 11, 23, 17, 0), time.Hour, utc(2026, 11, 24, 10, 0)},
		{"ends exactly at close", def, utc(2026, 11, 23, 15, 0), 2 * time.Hour, utc(2026, 11, 23, 17, 0)},
		{"one minute past close", def, utc(2026, 11, 23, 15, 0), 2*time.Hour + time.Minute, utc(2026, 11, 24, 9, 1)},
		{"over the weekend", def, utc(2026, 11, 20, 16, 0), 2 * time.Hour, utc(2026, 11, 23, 10, 0)},
		{"start on saturday", def, utc(2026, 11, 21, 12, 0), 30 * time.Minute, utc(2026, 11, 23, 9, 30)},
		{"start on sunday night", def, utc(2026, 11, 22, 23, 59), 8 * time.Hour, utc(2026, 11, 23, 17, 0)},
		{"five whole weeks", def, utc(2026, 11, 23, 9, 0), 200 * time.Hour, utc(2026, 12, 25, 17, 0)},
		{"five whole weeks from midnight", def, utc(2026, 11, 23, 0, 0), 200 * time.Hour, utc(2026, 12, 25, 17, 0)},
		{"five hundred weeks", def, utc(2026, 11, 23, 0, 0), 20000 * time.Hour, utc(2026, 11, 23, 17, 0).AddDate(0, 0, 500*7-3)},
		{"five weeks and an hour", def, utc(2026, 11, 23, 9, 0), 201 * time.Hour, utc(2026, 12, 28, 10, 0)},
		{"multi-week from mid-week", def, utc(2026, 11, 25, 13, 0), 123 * time.Hour, utc(2026, 12, 16, 16, 0)},
		{"skips christmas", office, at(2026, 12, 24, 17, 0), time.Hour, at(2026, 12, 28, 9, 30)},
		{"two weeks over christmas", office, at(2026, 12, 14, 9, 0), 85 * time.Hour, at(2026, 12, 28, 17, 30)},
		{"skips easter monday", office, at(2026, 4, 3, 17, 0), time.Hour, at(2026, 4, 7, 9, 30)},
		{"24x7 utc over weekend", Always(), utc(2026, 11, 20, 16, 0), 50 * time.Hour, utc(2026, 11, 22, 18, 0)},
		{"24x7 utc long", Always(), utc(2026, 11, 20, 16, 0), 1000 * time.Hour, utc(2026, 11, 20, 16, 0).Add(1000 * time.Hour)},
		// Paris moves to summer time on Sunday 2026-03-29 at 02:00.
		{"weekend with spring DST", office, at(2026, 3, 27, 17, 0), time.Hour, at(2026, 3, 30, 9, 30)},
		{"weeks across spring DST", office, at(2026, 3, 16, 9, 0), 127*time.Hour + 30*time.Minute, at(2026, 4, 3, 17, 30)},
		{"24x7 across spring DST", always, at(2026, 3, 28, 12, 0), 24 * time.Hour, at(2026, 3, 29, 13, 0)},
		{"24x7 across autumn DST", always, at(2026, 10, 24, 12, 0), 24 * time.Hour, at(2026, 10, 25, 11, 0)},
		{"24x7 weeks across DST", always, at(2026, 3, 20, 12, 0), 14 * 24 * time.Hour, at(2026, 4, 3, 13, 0)},
		{"nil calendar is 24x7", nil, utc(2026, 11, 21, 12, 0), 3 * time.Hour, utc(2026, 11, 21, 15, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.start, tt.d)
			if !got.Equal(tt.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", tt.start, tt.d, got, tt.want)
			}
			if tt.d > 0 {
				if back := tt.cal.Between(tt.start, got); back != tt.d {
					t.Fatalf("Between(start, Add(start, %v)) = %v", tt.d, back)
				}
			}
		})
	}
}

func TestAddResultInCalendarZone(t *testing.T) {
	office := parisOffice(t)
	got := office.Add(utc(2026, 11, 23, 8, 0), time.Hour)
	if got.Location().String() != "Europe/Paris" {
		t.Fatalf("result zone = %s, want Europe/Paris", got.Location())
	}
	if got.Hour() != 10 || got.Minute() != 0 {
		t.Fatalf("result wall clock = %s, want 10:00", got.Format("15:04"))
	}
}

func TestBetween(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, paris)
	}
	def := Default()
	office := parisOffice(t)
	always := parisAlways(t)

	tests := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"b before a", def, utc(2026, 11, 23, 12, 0), utc(2026, 11, 23, 10, 0), 0},
		{"b equals a", def, utc(2026, 11, 23, 12, 0), utc(2026, 11, 23, 12, 0), 0},
		{"within one day", def, utc(2026, 11, 23, 10, 0), utc(2026, 11, 23, 12, 30), 150 * time.Minute},
		{"both before opening", def, utc(2026, 11, 23, 6, 0), utc(2026, 11, 23, 8, 0), 0},
		{"from before opening", def, utc(2026, 11, 23, 6, 0), utc(2026, 11, 23, 9, 45), 45 * time.Minute},
		{"to after closing", def, utc(2026, 11, 23, 16, 0), utc(2026, 11, 23, 23, 0), time.Hour},
		{"overnight", def, utc(2026, 11, 23, 16, 0), utc(2026, 11, 24, 10, 0), 2 * time.Hour},
		{"weekend only", def, utc(2026, 11, 21, 0, 0), utc(2026, 11, 23, 0, 0), 0},
		{"over the weekend", def, utc(2026, 11, 20, 16, 0), utc(2026, 11, 23, 10, 0), 2 * time.Hour},
		{"whole week midnight to midnight", def, utc(2026, 11, 23, 0, 0), utc(2026, 11, 30, 0, 0), 40 * time.Hour},
		{"ten weeks", def, utc(2026, 11, 23, 0, 0), utc(2027, 2, 1, 0, 0), 400 * time.Hour},
		{"ten weeks and a bit", def, utc(2026, 11, 20, 16, 30), utc(2027, 2, 1, 9, 15), 400*time.Hour + 45*time.Minute},
		{"christmas day", office, at(2026, 12, 25, 0, 0), at(2026, 12, 26, 0, 0), 0},
		{"christmas week", office, at(2026, 12, 21, 0, 0), at(2026, 12, 28, 0, 0), 34 * time.Hour},
		{"office hours across spring DST", office, at(2026, 3, 27, 17, 0), at(2026, 3, 30, 9, 30), time.Hour},
		{"24x7 spring DST day is 23h", always, at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0), 23 * time.Hour},
		{"24x7 autumn DST day is 25h", always, at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0), 25 * time.Hour},
		{"24x7 weeks across DST", always, at(2026, 3, 1, 0, 0), at(2026, 4, 5, 0, 0), 35*24*time.Hour - time.Hour},
		{"24x7 utc", Always(), utc(2026, 11, 20, 16, 0), utc(2026, 12, 20, 16, 7), 30*24*time.Hour + 7*time.Minute},
		{"mixed zones of arguments", def, time.Date(2026, 11, 23, 11, 0, 0, 0, paris), utc(2026, 11, 23, 12, 0), 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Between(tt.a, tt.b); got != tt.want {
				t.Fatalf("Between(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestIsOpen(t *testing.T) {
	office := parisOffice(t)
	paris := mustLoc(t, "Europe/Paris")
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 23, 8, 59, 0, 0, paris), false},
		{time.Date(2026, 11, 23, 9, 0, 0, 0, paris), true},
		{time.Date(2026, 11, 23, 17, 29, 0, 0, paris), true},
		{time.Date(2026, 11, 23, 17, 30, 0, 0, paris), false},
		{time.Date(2026, 11, 21, 12, 0, 0, 0, paris), false},
		{time.Date(2026, 12, 25, 12, 0, 0, 0, paris), false},
		{utc(2026, 11, 23, 8, 30), true}, // 09:30 in Paris
	}
	for _, tt := range tests {
		if got := office.IsOpen(tt.at); got != tt.want {
			t.Errorf("IsOpen(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

// naiveAdd and naiveBetween step minute by minute; they are the reference
// the optimised Add and Between must agree with.
func naiveAdd(c *Calendar, start time.Time, d time.Duration) time.Time {
	t := start
	for d > 0 {
		if c.IsOpen(t) {
			d -= time.Minute
		}
		t = t.Add(time.Minute)
	}
	return t
}

func naiveBetween(c *Calendar, a, b time.Time) time.Duration {
	var total time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if c.IsOpen(t) {
			total += time.Minute
		}
	}
	return total
}

// randomStart returns a minute-aligned instant in 2026-2027, and retries
// until it is inside business hours when inside is true.
func randomStart(rng *rand.Rand, c *Calendar, inside bool) time.Time {
	base := utc(2026, 1, 1, 0, 0)
	for {
		t := base.Add(time.Duration(rng.IntN(2*365*24*60)) * time.Minute)
		if !inside || c.IsOpen(t) {
			return t
		}
	}
}

func TestAddBetweenRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	cals := map[string]*Calendar{
		"default":      Default(),
		"paris office": parisOffice(t),
		"paris 24x7":   parisAlways(t),
		"odd hours":    oddHours(t),
	}
	for name, c := range cals {
		t.Run(name, func(t *testing.T) {
			for i := range 300 {
				start := randomStart(rng, c, i%2 == 0)
				d := time.Duration(rng.IntN(2000*60)) * time.Minute
				end := c.Add(start, d)
				if got := c.Between(start, end); got != d {
					t.Fatalf("start %v d %v: Between(start, Add) = %v", start, d, got)
				}
				if end.Before(start) {
					t.Fatalf("start %v d %v: Add went backwards to %v", start, d, end)
				}
				// Between is additive over any split point.
				mid := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)) + 1)))
				if a, b := c.Between(start, mid), c.Between(mid, end); a+b != d {
					t.Fatalf("start %v mid %v end %v: %v + %v != %v", start, mid, end, a, b, d)
				}
			}
		})
	}
}

func TestAddBetweenMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 42))
	cals := map[string]*Calendar{
		"default":      Default(),
		"paris office": parisOffice(t),
		"paris 24x7":   parisAlways(t),
		"odd hours":    oddHours(t),
	}
	// Starts concentrated around the Paris and New York DST changes and
	// Christmas, plus a random spread.
	anchors := []time.Time{utc(2026, 3, 7, 0, 0), utc(2026, 3, 27, 0, 0), utc(2026, 10, 24, 0, 0), utc(2026, 10, 31, 0, 0), utc(2026, 12, 22, 0, 0)}
	for name, c := range cals {
		t.Run(name, func(t *testing.T) {
			for i := range 30 {
				var start time.Time
				if i%2 == 0 {
					start = anchors[rng.IntN(len(anchors))].Add(time.Duration(rng.IntN(5*24*60)) * time.Minute)
				} else {
					start = randomStart(rng, c, false)
				}
				d := time.Duration(rng.IntN(30*60)) * time.Minute
				got := c.Add(start, d)
				if want := naiveAdd(c, start, d); !got.Equal(want) {
					t.Fatalf("Add(%v, %v) = %v, naive %v", start, d, got, want)
				}
				end := start.Add(time.Duration(rng.IntN(21*24*60)) * time.Minute)
				if got, want := c.Between(start, end), naiveBetween(c, start, end); got != want {
					t.Fatalf("Between(%v, %v) = %v, naive %v", start, end, got, want)
				}
			}
		})
	}
}

func BenchmarkAdd200h(b *testing.B) {
	cals := map[string]*Calendar{"default": Default(), "paris office": parisOffice(b), "24x7": Always()}
	start := utc(2026, 11, 23, 11, 17)
	for name, c := range cals {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				c.Add(start, 200*time.Hour)
			}
		})
	}
}
