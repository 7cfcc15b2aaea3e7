package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Lowest and highest ticket priorities; 1 is the most urgent.
const (
	MinPriority = 1
	MaxPriority = 5
)

// Target is the pair of SLA targets for one priority, both measured in
// business time. In JSON the durations are strings such as "15m" or "4h".
type Target struct {
	Response   time.Duration
	Resolution time.Duration
}

type targetJSON struct {
	Response   string `json:"response"`
	Resolution string `json:"resolution"`
}

// MarshalJSON encodes the durations as strings like "4h30m".
func (t Target) MarshalJSON() ([]byte, error) {
	return json.Marshal(targetJSON{Response: FormatDuration(t.Response), Resolution: FormatDuration(t.Resolution)})
}

// UnmarshalJSON decodes durations written as Go duration strings ("90m",
// "4h", "1h30m").
func (t *Target) UnmarshalJSON(data []byte) error {
	var raw targetJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("sla: decoding target: %w", err)
	}
	resp, err := time.ParseDuration(raw.Response)
	if err != nil {
		return fmt.Errorf("sla: response target %q is not a duration like \"4h\"", raw.Response)
	}
	res, err := time.ParseDuration(raw.Resolution)
	if err != nil {
		return fmt.Errorf("sla: resolution target %q is not a duration like \"4h\"", raw.Resolution)
	}
	*t = Target{Response: resp, Resolution: res}
	return nil
}

// Targets maps each priority (MinPriority..MaxPriority) to its targets.
// In JSON it is an object keyed by the priority number.
type Targets map[int]Target

// DefaultTargets returns the stock targets, in business time:
// P1 15m/4h, P2 30m/8h, P3 4h/24h, P4 8h/40h, P5 16h/80h
// (response/resolution).
func DefaultTargets() Targets {
	return Targets{
		1: {Response: 15 * time.Minute, Resolution: 4 * time.Hour},
		2: {Response: 30 * time.Minute, Resolution: 8 * time.Hour},
		3: {Response: 4 * time.Hour, Resolution: 24 * time.Hour},
		4: {Response: 8 * time.Hour, Resolution: 40 * time.Hour},
		5: {Response: 16 * time.Hour, Resolution: 80 * time.Hour},
	}
}

// Validate checks that every priority from MinPriority to MaxPriority has
// positive targets, that no other priority is listed and that no response
// target exceeds its resolution target.
func (ts Targets) Validate() error {
	var errs []error
	keys := make([]int, 0, len(ts))
	for p := range ts {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		if p < MinPriority || p > MaxPriority {
			errs = append(errs, fmt.Errorf("priority %d is outside %d..%d", p, MinPriority, MaxPriority))
		}
	}
	for p := MinPriority; p <= MaxPriority; p++ {
		t, ok := ts[p]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("priority %d has no targets", p))
		case t.Response <= 0 || t.Resolution <= 0:
			errs = append(errs, fmt.Errorf("priority %d: targets must be positive", p))
		case t.Response > t.Resolution:
			errs = append(errs, fmt.Errorf("priority %d: response target %s exceeds resolution target %s",
				p, FormatDuration(t.Response), FormatDuration(t.Resolution)))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sla: invalid targets: %w", errors.Join(errs...))
	}
	return nil
}

// FormatDuration writes d like time.Duration.String but without trailing
// zero units: "4h" rather than "4h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
