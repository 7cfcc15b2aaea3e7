package listening

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// chatter returns varied ordinary posts for a background.
func chatter(n int) []Report {
	topics := []string{"lunch was great today", "who is going to the party", "nice weather this weekend", "new coffee machine on floor two",
		"meeting moved to three", "welcome our new colleague", "the canteen menu looks good", "football match tonight", "book club on thursday", "parking lot repainting next week"}
	var out []Report
	for i := 0; i < n; i++ {
		out = append(out, Report{ID: int64(i + 1), Channel: "slack", Author: fmt.Sprint("bg", i%50), Text: topics[i%len(topics)] + fmt.Sprintf(" %c", 'a'+i%26), At: t0.Add(time.Duration(i) * 20 * time.Second)})
	}
	return out
}

func TestDetectorChatterDoesNotFire(t *testing.T) {
	d := NewDetector(DetectorOptions{})
	for _, r := range chatter(3000) {
		if o := d.Observe(r); o.Fired {
			t.Fatalf("chatter fired an outage: %q", o.Title)
		}
	}
}

func TestDetectorThresholds(t *testing.T) {
	burst := func(d *Detector, start time.Time, authors, channels int, n int) (fired int, firstAt time.Time) {
		for i := 0; i < n; i++ {
			o := d.Observe(Report{ID: int64(1000 + i), Channel: fmt.Sprint("ch", i%channels), Author: fmt.Sprint("a", i%authors),
				Text: []string{"vpn keeps dropping", "the vpn disconnected again", "vpn drops every minute", "my vpn is disconnecting"}[i%4] + fmt.Sprint(" ", i),
				At:   start.Add(time.Duration(i) * 30 * time.Second)})
			if o.Fired {
				fired++
				firstAt = start.Add(time.Duration(i) * 30 * time.Second)
			}
		}
		return fired, firstAt
	}
	warm := func(o DetectorOptions) *Detector {
		d := NewDetector(o)
		for _, r := range chatter(600) {
			d.Observe(r)
		}
		return d
	}
	start := t0.Add(4 * time.Hour)
	// Enough people: exactly one outage, at the fifth report.
	if n, at := burst(warm(DetectorOptions{}), start, 10, 1, 10); n != 1 || !at.Equal(start.Add(4*30*time.Second)) {
		t.Errorf("10 reports from 10 people: fired %d at %v, want once at the fifth", n, at)
	}
	// Three people repeating themselves are not four people.
	if n, _ := burst(warm(DetectorOptions{}), start, 3, 1, 12); n != 0 {
		t.Errorf("3 authors fired %d outages, want 0", n)
	}
	// Channels: demanding two channels holds it back on one.
	if n, _ := burst(warm(DetectorOptions{MinChannels: 2}), start, 10, 1, 10); n != 0 {
		t.Errorf("one channel with MinChannels 2 fired %d, want 0", n)
	}
	if n, _ := burst(warm(DetectorOptions{MinChannels: 2}), start, 10, 2, 10); n != 1 {
		t.Errorf("two channels with MinChannels 2 fired %d, want 1", n)
	}
	// Reports spread wider than the window do not add up.
	d := warm(DetectorOptions{Window: time.Minute})
	fired := 0
	for i := 0; i < 8; i++ {
		if d.Observe(Report{Channel: "x", Author: fmt.Sprint("p", i), Text: "vpn keeps dropping", At: start.Add(time.Duration(i) * 5 * time.Minute)}).Fired {
			fired++
		}
	}
	if fired != 0 {
		t.Errorf("reports 5 minutes apart with a 1-minute window fired %d", fired)
	}
}

func TestDetectorDedupeAndLaterReports(t *testing.T) {
	d := NewDetector(DetectorOptions{})
	for _, r := range chatter(300) {
		d.Observe(r)
	}
	at := t0.Add(3 * time.Hour)
	// The same author saying the same thing twice is one report.
	d.Observe(Report{Author: "alice", Channel: "x", Text: "email is not syncing on my phone", At: at})
	if o := d.Observe(Report{Author: "alice", Channel: "x", Text: "Email is not syncing on my phone!!", At: at.Add(time.Second)}); !o.Duplicate {
		t.Errorf("repeat by the same author not flagged as duplicate: %+v", o)
	}
	var incident int64
	for i := 0; i < 6; i++ {
		o := d.Observe(Report{ID: int64(i + 1), Author: fmt.Sprint("p", i), Channel: "x", Text: "outlook email not syncing " + fmt.Sprint(i), At: at.Add(time.Duration(i+2) * time.Second)})
		if o.Fired {
			incident = o.Cluster
		}
	}
	if incident == 0 {
		t.Fatal("no outage")
	}
	// A later report joins the same outage instead of opening another.
	o := d.Observe(Report{ID: 99, Author: "late", Channel: "y", Text: "email stopped syncing", At: at.Add(20 * time.Minute)})
	if o.Fired || !o.Outage || o.Cluster != incident || len(o.Members) == 0 || o.Members[len(o.Members)-1].ID != 99 {
		t.Errorf("late report: %+v, want it linked to cluster %d", o, incident)
	}
}

func TestDetectorBoundedMemory(t *testing.T) {
	d := NewDetector(DetectorOptions{MaxPosts: 500, MaxClusters: 200})
	for i := 0; i < 20000; i++ {
		d.Observe(Report{Author: fmt.Sprint("u", i), Channel: "x", Text: fmt.Sprintf("word%c%c topic%c thing%c", 'a'+i%26, 'a'+(i/26)%26, 'a'+(i/7)%26, 'a'+(i/3)%26), At: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	if n := len(d.window) - d.head; n > 500 {
		t.Errorf("window holds %d posts, want <= 500", n)
	}
	if len(d.clusters) > 200 {
		t.Errorf("%d clusters, want <= 200", len(d.clusters))
	}
	if d.order.Len() > 2*200+1024 || len(d.renamed) > 4096+500 {
		t.Errorf("bookkeeping grew: %d queued cluster ids, %d renames", d.order.Len(), len(d.renamed))
	}
	if len(d.authors) > 500 {
		t.Errorf("%d authors remembered, want <= 500", len(d.authors))
	}
}
