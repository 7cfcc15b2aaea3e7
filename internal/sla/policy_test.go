package sla

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultTargets(t *testing.T) {
	want := map[int][2]time.Duration{
		1: {15 * time.Minute, 4 * time.Hour},
		2: {30 * time.Minute, 8 * time.Hour},
		3: {4 * time.Hour, 24 * time.Hour},
		4: {8 * time.Hour, 40 * time.Hour},
		5: {16 * time.Hour, 80 * time.Hour},
	}
	got := DefaultTargets()
	if len(got) != len(want) {
		t.Fatalf("DefaultTargets has %d priorities, want %d", len(got), len(want))
	}
	for p, w := range want {
		if got[p].Response != w[0] || got[p].Resolution != w[1] {
			t.Errorf("P%d = %v/%v, want %v/%v", p, got[p].Response, got[p].Resolution, w[0], w[1])
		}
	}
	if err := got.Validate(); err != nil {
		t.Errorf("DefaultTargets invalid: %v", err)
	}
}

func TestTargetsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(Targets)
		want   string
	}{
		{"missing priority", func(ts Targets) { delete(ts, 3) }, "priority 3 has no targets"},
		{"extra priority", func(ts Targets) { ts[6] = Target{time.Hour, time.Hour} }, "priority 6 is outside 1..5"},
		{"zero response", func(ts Targets) { ts[2] = Target{0, time.Hour} }, "priority 2: targets must be positive"},
		{"negative resolution", func(ts Targets) { ts[1] = Target{time.Minute, -time.Hour} }, "priority 1: targets must be positive"},
		{"response after resolution", func(ts Targets) { ts[4] = Target{5 * time.Hour, 4 * time.Hour} },
			"priority 4: response target 5h exceeds resolution target 4h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := DefaultTargets()
			tt.change(ts)
			err := ts.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestTargetsJSON(t *testing.T) {
	data, err := json.Marshal(DefaultTargets())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"1":{"response":"15m","resolution":"4h"},"2":{"response":"30m","resolution":"8h"},` +
		`"3":{"response":"4h","resolution":"24h"},"4":{"response":"8h","resolution":"40h"},` +
		`"5":{"response":"16h","resolution":"80h"}}`
	if string(data) != want {
		t.Fatalf("Marshal = %s\nwant      %s", data, want)
	}
	var back Targets
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, DefaultTargets()) {
		t.Fatalf("round trip = %v", back)
	}

	var tg Target
	if err := json.Unmarshal([]byte(`{"response":"1h30m","resolution":"90m"}`), &tg); err != nil {
		t.Fatal(err)
	}
	if tg.Response != 90*time.Minute || tg.Resolution != 90*time.Minute {
		t.Fatalf("decoded %+v", tg)
	}
	for _, bad := range []string{`{"response":"4 hours","resolution":"8h"}`, `{"response":"4h","resolution":""}`, `"4h"`} {
		if err := json.Unmarshal([]byte(bad), &tg); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		15 * time.Minute:               "15m",
		4 * time.Hour:                  "4h",
		4*time.Hour + 30*time.Minute:   "4h30m",
		10 * time.Hour:                 "10h",
		time.Hour + 30*time.Second:     "1h0m30s",
		0:                              "0s",
		90 * time.Second:               "1m30s",
		100*time.Hour + 10*time.Minute: "100h10m",
	}
	for d, want := range tests {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", d, back, err)
		}
	}
}

func TestPolicyNewClocks(t *testing.T) {
	p := DefaultPolicy()
	start := utc(2026, 11, 20, 16, 0) // Friday 16:00
	tests := []struct {
		priority        int
		respDue, resDue time.Time
	}{
		{1, utc(2026, 11, 20, 16, 15), utc(2026, 11, 23, 12, 0)},
		{3, utc(2026, 11, 23, 12, 0), utc(2026, 11, 25, 16, 0)},
		{5, utc(2026, 11, 24, 16, 0), utc(2026, 12, 4, 16, 0)},
	}
	for _, tt := range tests {
		resp, res, err := p.NewClocks(tt.priority, start)
		if err != nil {
			t.Fatalf("P%d: %v", tt.priority, err)
		}
		if !resp.Start.Equal(start) || !res.Start.Equal(start) || resp.IsPaused() || res.IsStopped() {
			t.Errorf("P%d: clocks not freshly started: %+v %+v", tt.priority, resp, res)
		}
		if got := resp.Due(p.Calendar, start); !got.Equal(tt.respDue) {
			t.Errorf("P%d response due %v, want %v", tt.priority, got, tt.respDue)
		}
		if got := res.Due(p.Calendar, start); !got.Equal(tt.resDue) {
			t.Errorf("P%d resolution due %v, want %v", tt.priority, got, tt.resDue)
		}
	}
	for _, bad := range []int{0, 6, -1} {
		if _, _, err := p.NewClocks(bad, start); err == nil || !strings.Contains(err.Error(), "no targets for priority") {
			t.Errorf("NewClocks(%d) error = %v", bad, err)
		}
	}
}

func TestPolicyState(t *testing.T) {
	start := utc(2026, 11, 23, 0, 0)
	c := Clock{Start: start, Target: 10 * time.Hour}
	now := start.Add(8 * time.Hour) // 20% remains
	tests := []struct {
		warnAt float64
		want   State
	}{
		{0, StateWarning}, // default 0.25
		{0.1, StateOK},
		{-1, StateOK},
	}
	for _, tt := range tests {
		p := Policy{Calendar: nil, Targets: DefaultTargets(), WarnAt: tt.warnAt}
		if got := p.State(c, now); got != tt.want {
			t.Errorf("WarnAt %v: State = %s, want %s", tt.warnAt, got, tt.want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("DefaultPolicy invalid: %v", err)
	}
	p := DefaultPolicy()
	p.WarnAt = 1
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "warn_at") {
		t.Errorf("WarnAt 1 error = %v", err)
	}
	p = DefaultPolicy()
	delete(p.Targets, 5)
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "priority 5") {
		t.Errorf("missing P5 error = %v", err)
	}
}

func TestPolicyJSON(t *testing.T) {
	p := DefaultPolicy()
	p.Calendar = parisOffice(t)
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Policy
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("Unmarshal(%s): %v", data, err)
	}
	if !reflect.DeepEqual(back.Calendar.Config(), p.Calendar.Config()) ||
		!reflect.DeepEqual(back.Targets, p.Targets) || back.WarnAt != p.WarnAt {
		t.Fatalf("round trip of %s gave %+v", data, back)
	}
	bad := strings.Replace(string(data), `"Europe/Paris"`, `"Europe/Nowhere"`, 1)
	if err := json.Unmarshal([]byte(bad), &back); err == nil {
		t.Fatalf("Unmarshal accepted a bad zone: %s", bad)
	}
}
