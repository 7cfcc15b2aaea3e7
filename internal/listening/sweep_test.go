package listening

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReplaySweep replays the stream of TestReplayOutages with bursts
// from many more seeds than the acceptance test's three and reports how
// many bursts got fewer than 90% of their reports linked, the lowest
// share, and how many background posts were linked to the incidents. It
// runs only with LISTENING_SWEEP set to the first and last seed ("4-23");
// docs/listening.md has its results.
func TestReplaySweep(t *testing.T) {
	first, last, ok := parseSeeds(os.Getenv("LISTENING_SWEEP"))
	if !ok {
		t.Skip("set LISTENING_SWEEP=first-last (seeds) to run the burst sweep")
	}
	start := t0
	bg := loadBackground(t, start)
	span := bg[len(bg)-1].At.Sub(start)
	bursts, fires, under, background, minShare := 0, 0, 0, 0, 1.0
	for seed := first; seed <= last; seed++ {
		r := rand.New(rand.NewPCG(seed, 42))
		starts := []time.Time{start.Add(span / 5), start.Add(span / 2), start.Add(span * 4 / 5)}
		if seed%3 == 0 {
			starts[1] = starts[0].Add(90 * time.Second) // overlapping bursts
		}
		bs := makeBursts(r, starts, 1_000_000)
		stream := withBursts(bg, bs)
		d := NewDetector(DetectorOptions{})
		linked := map[int64]bool{}
		for _, rep := range stream {
			o := d.Observe(rep)
			if o.Fired {
				fires++
			}
			if o.Outage {
				for _, m := range o.Members {
					linked[m.ID] = true
					if m.ID < 1_000_000 {
						background++
					}
				}
			}
		}
		for _, b := range bs {
			bursts++
			n := 0
			for _, rep := range b.reports {
				if linked[rep.ID] {
					n++
				}
			}
			share := float64(n) / float64(len(b.reports))
			minShare = min(minShare, share)
			if share < 0.9 {
				under++
			}
		}
	}
	t.Logf("seeds %d-%d: %d bursts, %d outages opened, %d bursts with under 90%% of reports linked (lowest share %.2f), %d background posts linked",
		first, last, bursts, fires, under, minShare, background)
}

func parseSeeds(s string) (first, last uint64, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	f, err1 := strconv.ParseUint(a, 10, 64)
	l, err2 := strconv.ParseUint(b, 10, 64)
	return f, l, err1 == nil && err2 == nil && f <= l
}
