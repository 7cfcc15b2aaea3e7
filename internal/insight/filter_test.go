package insight

import (
	"net/url"
	"testing"
	"time"
)

func TestFilterRoundTripAndBuckets(t *testing.T) {
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	f, err := ParseFilter(url.Values{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if f.FromDate() != "2026-10-26" || f.ToDate() != "2026-11-22" || len(f.Buckets()) != 28 {
		t.Fatalf("default range %s..%s with %d buckets", f.FromDate(), f.ToDate(), len(f.Buckets()))
	}
	q := url.Values{"from": {"2026-01-01"}, "to": {"2026-03-31"}, "group": {"3"}, "priority": {"2"}, "site": {"Lyon"}, "channel": {"email"}}
	f, err = ParseFilter(q, now)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseFilter(f.Query(), now)
	if err != nil || back != f {
		t.Fatalf("filter does not survive its query: %+v -> %s -> %+v (%v)", f, f.Query().Encode(), back, err)
	}
	bs := f.Buckets()
	// 1 January 2026 is a Thursday: a short first week, then Mondays.
	if bs[0].Label != "week of 2026-01-01" || bs[1].Start.Weekday() != time.Monday || bs[1].Label != "week of 2026-01-05" {
		t.Fatalf("first buckets %+v %+v", bs[0], bs[1])
	}
	for i := 1; i < len(bs); i++ {
		if !bs[i].Start.Equal(bs[i-1].End) {
			t.Fatalf("gap between %v and %v", bs[i-1], bs[i])
		}
	}
	if last := bs[len(bs)-1]; !last.End.Equal(f.To) || len(bs) != 14 {
		t.Fatalf("%d buckets, last %+v, want 14 ending %v", len(bs), last, f.To)
	}
	for _, bad := range []url.Values{{"from": {"2026-03-02"}, "to": {"2026-03-01"}}, {"priority": {"9"}}, {"group": {"x"}}, {"to": {"yesterday"}}} {
		if _, err := ParseFilter(bad, now); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}
