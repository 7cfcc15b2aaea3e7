package listening

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// feedService returns a service on a fresh SQLite store that detects
// over the feed as a shared node does, with its clock fixed at now.
func feedService(t *testing.T, now time.Time) *Service {
	t.Helper()
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d, err := desk.New(context.Background(), db, desk.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return &Service{desk: d, db: db, log: slog.New(slog.DiscardHandler), opts: Options{Shared: true, NodeID: "n1", DetectEvery: time.Second},
		det: NewDetector(DetectorOptions{}), incidents: map[int64]int64{}}
}

// TestLeaseHolderLearnsBackground checks that a node taking the detector
// lease learns the background from the posts the feed keeps from before
// the window, not only from the window: the match talk in the window is
// everyday chatter in the hour before it, so no incident opens. Without
// that hour the talk fires (TestDetectorBackground).
func TestLeaseHolderLearnsBackground(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 20, 0, 0, 0, time.UTC)
	s := feedService(t, now)
	history := popularChatter()
	start := now.Add(-11*time.Minute - time.Duration(len(history))*time.Minute)
	inKeep := 0
	for i, p := range history {
		at := start.Add(time.Duration(i) * time.Minute)
		if !at.Before(now.Add(-feedKeep(10 * time.Minute))) {
			inKeep++
		}
		if _, _, err := s.db.AddFeedPost(ctx, store.FeedPost{Channel: p.Channel, ExternalID: fmt.Sprint("h", i), Author: p.Author, Text: p.Text, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	for i, text := range []string{"anyone watching the match tonight", "the match tonight is on at eight", "match tonight, who is in", "watching the match tonight",
		"anyone watching the match tonight", "the match tonight is on at eight", "match tonight, who is in", "watching the match tonight"} {
		if _, _, err := s.db.AddFeedPost(ctx, store.FeedPost{Channel: fmt.Sprint("chat", i%2), ExternalID: fmt.Sprint("w", i), Author: fmt.Sprint("fan", i),
			Text: text, At: now.Add(time.Duration(i-9) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	r := &feedReader{}
	r.reset()
	s.detectOnce(ctx, r)
	if !r.held {
		t.Fatal("the node did not take the lease")
	}
	if s.det.docs != float64(inKeep) {
		t.Errorf("background learned from %v posts, want the %d the feed keeps before the window", s.det.docs, inKeep)
	}
	if majors, err := s.db.MajorIncidents(ctx, 10); err != nil || len(majors) != 0 {
		t.Errorf("major incidents after replaying everyday chatter: %d (%v), want none", len(majors), err)
	}
}

// TestRestartContinuesWindow checks that a single node, whose detector
// lives in process, loses nothing by a restart: the new process learns the
// background from the listening feed's hour before the window (so the
// match talk of TestDetectorBackground does not fire), rebuilds the window
// (so an outage reported partly before and partly after the restart opens
// one incident with every report linked), and continues an open incident
// after a second restart and after a change of settings instead of opening
// another.
func TestRestartContinuesWindow(t *testing.T) {
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	clock := time.Date(2026, 5, 1, 20, 0, 0, 0, time.UTC)
	db, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d, err := desk.New(ctx, db, desk.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	start := func() *Service {
		t.Helper()
		s, err := New(ctx, Options{Desk: d})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// post hands one message to Observe as the ingest pipeline does, with
	// the ticket it opened, sent at the clock's time.
	n := 0
	post := func(s *Service, channel, author, text string) int64 {
		t.Helper()
		n++
		id := fmt.Sprint("m", n)
		tk, err := d.CreateTicket(sys, desk.NewTicket{Title: text, Channel: channel,
			First: &socialdesk.Message{Body: text, Channel: channel, ExternalID: id, Direction: "in"}})
		if err != nil {
			t.Fatal(err)
		}
		s.Observe(ctx, connector.Inbound{Channel: channel, ExternalID: id, Author: connector.Author{ID: author}, Text: text, SentAt: clock},
			connector.Receipt{TicketID: tk.ID})
		return tk.ID
	}
	majors := func() []*socialdesk.Ticket {
		t.Helper()
		m, err := db.MajorIncidents(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	s := start()
	history := popularChatter()
	now := clock.Add(time.Duration(len(history)+11) * time.Minute)
	var sent []time.Time
	for i, p := range history {
		clock = now.Add(-11*time.Minute - time.Duration(len(history)-i)*time.Minute)
		sent = append(sent, clock)
		post(s, p.Channel, p.Author, p.Text)
	}
	// inKeep counts the chatter the feed keeps before the window.
	inKeep := func() int {
		k := 0
		for _, at := range sent {
			if !at.Before(clock.Add(-feedKeep(10*time.Minute))) && at.Before(clock.Add(-10*time.Minute)) {
				k++
			}
		}
		return k
	}
	// The first reports of an outage, too few to open an incident.
	outage := []string{"VPN keeps dropping every few minutes", "my vpn disconnected again, is it down?",
		"the VPN drops out constantly, cannot reach the file shares", "vpn client keeps disconnecting",
		"company VPN dropped me three times already", "vpn disconected again, working from home today",
		"is the vpn down? it keeps dropping", "VPN dropping every five minutes for me too"}
	var reports []int64
	clock = now.Add(-3 * time.Minute)
	for i := range 3 {
		reports = append(reports, post(s, fmt.Sprint("chan", i%2), fmt.Sprint("user", i), outage[i]))
	}
	if m := majors(); len(m) != 0 {
		t.Fatalf("%d incidents after 3 reports, want none yet", len(m))
	}

	// Restart.
	clock = now
	s = start()
	if s.det.docs != float64(inKeep()) {
		t.Errorf("after a restart the background holds %v posts, want the %d the feed keeps before the window", s.det.docs, inKeep())
	}
	talk := []string{"anyone watching the match tonight", "the match tonight is on at eight", "match tonight, who is in", "watching the match tonight"}
	for i := range 8 {
		clock = now.Add(time.Duration(i) * time.Second)
		post(s, fmt.Sprint("chat", i%2), fmt.Sprint("fan", i), talk[i%len(talk)])
	}
	if m := majors(); len(m) != 0 {
		t.Fatalf("after a restart the match talk opened %q", m[0].Title)
	}
	for i := 3; i < 6; i++ {
		clock = now.Add(time.Duration(10+i) * time.Second)
		reports = append(reports, post(s, fmt.Sprint("chan", i%2), fmt.Sprint("user", i), outage[i]))
	}
	m := majors()
	if len(m) != 1 {
		t.Fatalf("%d incidents after 3 reports before a restart and 3 after, want 1", len(m))
	}
	incident := m[0].ID
	linked := func() {
		t.Helper()
		for _, id := range reports {
			if tk, err := d.Ticket(sys, id); err != nil || tk.ParentID != incident {
				t.Errorf("report ticket %d: parent %v (%v), want the incident %d", id, tk.ParentID, err, incident)
			}
		}
	}
	linked()

	// A second restart, then a change of settings: later reports join the
	// open incident.
	s = start()
	clock = now.Add(time.Minute)
	reports = append(reports, post(s, "chan0", "user6", outage[6]))
	c := s.Config()
	c.MinReports++
	c.Similarity = 0.25
	if err := s.SetConfig(sys, c); err != nil {
		t.Fatal(err)
	}
	if o := s.det.Options(); o.MinReports != c.MinReports || o.Threshold != 0.25 {
		t.Errorf("the detector runs with %+v after the settings changed to %+v", o, c)
	}
	if s.det.docs != float64(inKeep()) {
		t.Errorf("after a settings change the background holds %v posts, want %d", s.det.docs, inKeep())
	}
	clock = now.Add(2 * time.Minute)
	reports = append(reports, post(s, "chan1", "user7", outage[7]))
	if m := majors(); len(m) != 1 {
		t.Errorf("%d incidents after restarts and a settings change, want 1", len(m))
	}
	linked()
}

// TestFeedReaderPassesGaps checks the detecting node's feed reader when
// an id never gets a row (an insert rolled back, or a duplicate that took
// an id) and more posts than one read holds arrive after it: every post is
// read in one pass, the cursor waits at the gap, a late row for a waited-
// for id is still read, and the cursor moves on once the wait is over.
func TestFeedReaderPassesGaps(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := feedService(t, now)
	db := s.db
	add := func(ext string, at time.Time) int64 {
		t.Helper()
		id, fresh, err := db.AddFeedPost(ctx, store.FeedPost{Channel: "webhook", ExternalID: ext, Author: ext,
			Text: "chatter number " + ext, At: at})
		if err != nil || !fresh {
			t.Fatalf("add %s: %v", ext, err)
		}
		return id
	}
	first := add("first", now)
	// A permanent gap: a row that is gone before the reader sees it.
	gap := add("gone", now.Add(-48*time.Hour))
	if _, err := db.PruneFeed(ctx, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var last int64
	for i := range feedBatch + 500 {
		last = add(fmt.Sprint("p", i), now.Add(time.Duration(i)*time.Millisecond))
	}
	r := &feedReader{}
	r.reset()
	for range 3 {
		if _, err := s.readFeed(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if r.top != last || len(r.posts) != feedBatch+501 {
		t.Fatalf("read up to id %d with %d posts; want %d with %d", r.top, len(r.posts), last, feedBatch+501)
	}
	if r.after != first || len(r.gaps) != 1 {
		t.Fatalf("cursor at %d with gaps %v; want it waiting at %d for %d", r.after, r.gaps, first, gap)
	}
	// A waited-for id whose row commits late is still read.
	r.gaps[last+1] = time.Now()
	late := add("late", now)
	if late != last+1 {
		t.Skipf("the database gave id %d, not %d; cannot stage a late row", late, last+1)
	}
	r.top = late // as if a later row had been read before this one committed
	if _, err := s.readFeed(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.posts[late]; !ok || r.gaps[late] != (time.Time{}) {
		t.Fatalf("late row %d not read (gaps %v)", late, r.gaps)
	}
	// Once the wait is over the cursor passes the gap.
	r.gaps[gap] = time.Now().Add(-gapWait)
	if _, err := s.readFeed(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.after != late || len(r.gaps) != 0 || len(r.seen) != 0 {
		t.Fatalf("cursor at %d (gaps %v, %d seen); want %d with nothing waiting", r.after, r.gaps, len(r.seen), late)
	}
}
