package listening

import (
	"testing"
	"time"
)

func TestVolume(t *testing.T) {
	var v volume
	now := time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	v.add("slack", now.Add(-25*time.Hour), true) // too old
	v.add("slack", now.Add(-23*time.Hour), true)
	v.add("slack", now, false)
	v.add("twitter", now.Add(-time.Minute), true)
	v.add("twitter", now.Add(time.Hour), true) // future: not counted yet
	by, total, support := v.since24h(now)
	if by["slack"] != 2 || by["twitter"] != 1 || total != 3 || support != 2 {
		t.Fatalf("by=%v total=%d support=%d", by, total, support)
	}
	// A bucket reused a day later starts from zero.
	v.add("slack", now.Add(24*time.Hour), false)
	by, _, _ = v.since24h(now.Add(24 * time.Hour))
	if by["slack"] != 1 {
		t.Fatalf("after a day slack = %d, want 1", by["slack"])
	}
}
