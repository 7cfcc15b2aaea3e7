package slack

import (
	"fmt"
	"testing"
	"time"
)

func TestParseTS(t *testing.T) {
	tests := []struct {
		ts   string
		want time.Time
	}{
		{"1700000000.000100", time.Unix(1700000000, 100_000).UTC()},
		{"1700000000.5", time.Unix(1700000000, 500_000_000).UTC()},
		{"1700000000.123456789", time.Unix(1700000000, 123_456_000).UTC()},
		{"1700000000", time.Unix(1700000000, 0).UTC()},
		{"soon", time.Time{}},
	}
	for _, tt := range tests {
		if got := parseTS(tt.ts); !got.Equal(tt.want) {
			t.Errorf("parseTS(%q) = %v, want %v", tt.ts, got, tt.want)
		}
	}
}

func TestSplitID(t *testing.T) {
	tests := []struct{ id, channel, ts string }{
		{"C123:1700000000.000100", "C123", "1700000000.000100"},
		{"C123", "C123", ""},
		{"C123:ask:1.2.3", "C123", ""},
		{"c123:1.2", "", ""},
		{"", "", ""},
		{"C1:1.2x", "C1", ""},
		{"C1:1234567890123.1", "C1", ""},
	}
	for _, tt := range tests {
		ch, ts := splitID(tt.id)
		if ch != tt.channel || ts != tt.ts {
			t.Errorf("splitID(%q) = %q, %q; want %q, %q", tt.id, ch, ts, tt.channel, tt.ts)
		}
	}
}

func TestSeenEventsForgetsOldest(t *testing.T) {
	s := newSeenEvents(3)
	for i := range 4 {
		s.add(fmt.Sprint("E", i))
	}
	s.add("E3") // adding again must not evict anything
	for i, want := range []bool{false, true, true, true} {
		if got := s.has(fmt.Sprint("E", i)); got != want {
			t.Errorf("has(E%d) = %v, want %v", i, got, want)
		}
	}
	s.add("")
	if s.has("") {
		t.Error("the empty event id was remembered")
	}
}
