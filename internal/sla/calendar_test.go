package sla

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewCalendarErrors(t *testing.T) {
	nine := DayHours{Open: "09:00", Close: "17:00"}
	tests := []struct {
		name string
		cfg  CalendarConfig
		want []string // substrings the error must contain
	}{
		{"unknown zone", CalendarConfig{Timezone: "Mars/Olympus", Days: map[string]DayHours{"mon": nine}},
			[]string{`timezone "Mars/Olympus" is not a known IANA time zone`}},
		{"server local zone", CalendarConfig{Timezone: "Local", Days: map[string]DayHours{"mon": nine}},
			[]string{`"Local" depends on the server`}},
		{"close before open", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "17:00", Close: "09:00"}}},
			[]string{`day "mon": close 09:00 is not after open 17:00`}},
		{"close equals open", CalendarConfig{Days: map[string]DayHours{"tue": {Open: "09:00", Close: "09:00"}}},
			[]string{`day "tue": close 09:00 is not after open 09:00`}},
		{"single digit hour", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "9:00", Close: "17:00"}}},
			[]string{`day "mon": open: "9:00" is not a time like 09:00`}},
		{"hour out of range", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "09:00", Close: "25:00"}}},
			[]string{`close: "25:00" is out of range 00:00-24:00`}},
		{"minute out of range", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "09:60", Close: "17:00"}}},
			[]string{`open: "09:60" is not a time like 09:00`}},
		{"open at 24:00", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "24:00", Close: "24:00"}}},
			[]string{`open: "24:00" is out of range 00:00-23:59`}},
		{"24:30 close", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "09:00", Close: "24:30"}}},
			[]string{`close: "24:30" is out of range`}},
		{"empty times", CalendarConfig{Days: map[string]DayHours{"mon": {}}},
			[]string{`open: "" is not a time`}},
		{"unknown day", CalendarConfig{Days: map[string]DayHours{"mon": nine, "funday": nine}},
			[]string{`day "funday" is not a weekday name`}},
		{"same day twice", CalendarConfig{Days: map[string]DayHours{"mon": nine, "Monday": nine}},
			[]string{`day "mon" is listed more than once`}},
		{"no open days", CalendarConfig{Timezone: "UTC"},
			[]string{"at least one day must be open"}},
		{"bad holiday month", CalendarConfig{Days: map[string]DayHours{"mon": nine}, Holidays: []string{"2026-13-01"}},
			[]string{`holiday "2026-13-01" is not a date like 2026-12-25`}},
		{"holiday in another format", CalendarConfig{Days: map[string]DayHours{"mon": nine}, Holidays: []string{"25/12/2026"}},
			[]string{`holiday "25/12/2026"`}},
		{"every problem is reported", CalendarConfig{
			Timezone: "Nowhere/Town",
			Days:     map[string]DayHours{"wed": {Open: "18:00", Close: "08:00"}},
			Holidays: []string{"2026-02-30"},
		}, []string{`timezone "Nowhere/Town"`, `day "wed": close 08:00`, `holiday "2026-02-30"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCalendar(tt.cfg)
			if err == nil {
				t.Fatalf("NewCalendar accepted %+v", tt.cfg)
			}
			if c != nil {
				t.Fatalf("NewCalendar returned a calendar with an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "sla: invalid calendar: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if verr := tt.cfg.Validate(); verr == nil || verr.Error() != err.Error() {
				t.Errorf("Validate() = %v, want %v", verr, err)
			}
		})
	}
}

func TestNewCalendarAccepts(t *testing.T) {
	tests := []struct {
		name     string
		cfg      CalendarConfig
		zone     string
		weekly   time.Duration
		openDays []time.Weekday
	}{
		{"empty zone means UTC", CalendarConfig{Days: map[string]DayHours{"mon": {Open: "09:00", Close: "17:00"}}},
			"UTC", 8 * time.Hour, []time.Weekday{time.Monday}},
		{"full and mixed case names", CalendarConfig{Timezone: "Europe/Paris", Days: map[string]DayHours{
			"Monday": {Open: "08:30", Close: "12:00"}, "FRI": {Open: "13:00", Close: "24:00"},
		}}, "Europe/Paris", 3*time.Hour + 30*time.Minute + 11*time.Hour, []time.Weekday{time.Monday, time.Friday}},
		{"whole day", CalendarConfig{Timezone: "Asia/Tokyo", Days: map[string]DayHours{"sun": {Open: "00:00", Close: "24:00"}}},
			"Asia/Tokyo", 24 * time.Hour, []time.Weekday{time.Sunday}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			c := mustCal(t, tt.cfg)
			if c.Timezone() != tt.zone || c.Location().String() != tt.zone {
				t.Errorf("zone = %s / %s, want %s", c.Timezone(), c.Location(), tt.zone)
			}
			if c.weekly != tt.weekly {
				t.Errorf("weekly = %v, want %v", c.weekly, tt.weekly)
			}
			for wd := time.Sunday; wd <= time.Saturday; wd++ {
				want := false
				for _, o := range tt.openDays {
					want = want || o == wd
				}
				if got := c.week[wd].isOpen(); got != want {
					t.Errorf("%s open = %v, want %v", wd, got, want)
				}
			}
		})
	}
}

func TestDefaultAndAlways(t *testing.T) {
	def := Default()
	want := CalendarConfig{Timezone: "UTC", Days: map[string]DayHours{}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		want.Days[d] = DayHours{Open: "09:00", Close: "17:00"}
	}
	if got := def.Config(); !reflect.DeepEqual(got, want) {
		t.Errorf("Default().Config() = %+v, want %+v", got, want)
	}
	always := Always()
	for _, d := range always.Config().Days {
		if d != (DayHours{Open: "00:00", Close: "24:00"}) {
			t.Errorf("Always() day = %+v", d)
		}
	}
	if n := len(always.Config().Days); n != 7 {
		t.Errorf("Always() has %d open days, want 7", n)
	}
	var zero Calendar
	start := utc(2026, 11, 21, 12, 0)
	if got := zero.Add(start, 5*time.Hour); !got.Equal(start.Add(5 * time.Hour)) {
		t.Errorf("zero Calendar Add = %v, want 24x7 behaviour", got)
	}
}

func TestCalendarConfigRoundTrip(t *testing.T) {
	cfg := CalendarConfig{
		Timezone: "Europe/Paris",
		Days: map[string]DayHours{
			"mon": {Open: "09:00", Close: "17:30"},
			"sat": {Open: "10:15", Close: "24:00"},
		},
		Holidays: []string{"2026-12-25", "2026-01-01", "2026-12-25"},
	}
	c := mustCal(t, cfg)
	got := c.Config()
	want := CalendarConfig{
		Timezone: "Europe/Paris",
		Days:     cfg.Days,
		Holidays: []string{"2026-01-01", "2026-12-25"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Config() = %+v, want %+v", got, want)
	}

	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Calendar
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("Unmarshal(%s): %v", data, err)
	}
	if !reflect.DeepEqual(back.Config(), want) {
		t.Fatalf("JSON round trip = %+v, want %+v", back.Config(), want)
	}
	start := time.Date(2026, 12, 24, 17, 0, 0, 0, c.Location())
	if a, b := c.Add(start, 10*time.Hour), back.Add(start, 10*time.Hour); !a.Equal(b) {
		t.Fatalf("decoded calendar computes %v, original %v", b, a)
	}
}

func TestCalendarUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not an object", `[1,2]`, "sla: decoding calendar"},
		{"invalid config", `{"timezone":"UTC","days":{"mon":{"open":"10:00","close":"09:00"}}}`, "close 09:00 is not after open 10:00"},
		{"bad zone", `{"timezone":"Europe/Atlantis","days":{"mon":{"open":"09:00","close":"17:00"}}}`, "Europe/Atlantis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Calendar
			err := json.Unmarshal([]byte(tt.json), &c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Unmarshal error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
