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
// over the feed as a shared node does, with its clock at now.
func feedService(t *testing.T, now time.Time) *Service {
	t.Helper()
	sn := newSingleNode(t)
	sn.clock = now
	return &Service{desk: sn.d, db: sn.db, log: slog.New(slog.DiscardHandler), opts: Options{Shared: true, NodeID: "n1", DetectEvery: time.Second},
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
	// The match talk describes no trouble: turn the trouble check off, so
	// that only the background can keep it from firing.
	noTroubleCheck(t, s)
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

// noTroubleCheck saves settings that turn the trouble check off (a share
// of 0), and checks that the detector then runs without it.
func noTroubleCheck(t *testing.T, s *Service) {
	t.Helper()
	c := s.Config()
	off := 0.0
	c.TroubleShare = &off
	if err := s.SetConfig(desk.SystemContext(context.Background()), c); err != nil {
		t.Fatal(err)
	}
	if s.Config().Trouble() != 0 {
		t.Fatalf("trouble share %v after setting 0", s.Config().Trouble())
	}
}

// singleNode is a listening service alone on a SQLite store, as a
// single process runs it, with a clock the test moves.
type singleNode struct {
	t     *testing.T
	db    *store.DB
	d     *desk.Service
	clock time.Time
	n     int
}

func newSingleNode(t *testing.T) *singleNode {
	t.Helper()
	sn := &singleNode{t: t, clock: time.Date(2026, 5, 1, 20, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sn.db = db
	if sn.d, err = desk.New(context.Background(), db, desk.Options{Now: func() time.Time { return sn.clock }}); err != nil {
		t.Fatal(err)
	}
	return sn
}

// start starts the service, as a process start does.
func (sn *singleNode) start() *Service {
	sn.t.Helper()
	s, err := New(context.Background(), Options{Desk: sn.d})
	if err != nil {
		sn.t.Fatal(err)
	}
	return s
}

// ticket stores a new post as the ingest pipeline does, sent at the
// clock's time, and returns the message Observe would be given and its
// receipt.
func (sn *singleNode) ticket(channel, author, text string) (connector.Inbound, connector.Receipt) {
	sn.t.Helper()
	sn.n++
	id := fmt.Sprint("m", sn.n)
	tk, err := sn.d.CreateTicket(desk.SystemContext(context.Background()), desk.NewTicket{Title: text, Channel: channel,
		First: &socialdesk.Message{Body: text, Channel: channel, ExternalID: id, Direction: "in"}})
	if err != nil {
		sn.t.Fatal(err)
	}
	return connector.Inbound{Channel: channel, ExternalID: id, Author: connector.Author{ID: author}, Text: text, SentAt: sn.clock},
		connector.Receipt{TicketID: tk.ID}
}

// post stores a post and hands it to Observe; it returns its ticket.
func (sn *singleNode) post(s *Service, channel, author, text string) int64 {
	sn.t.Helper()
	msg, rc := sn.ticket(channel, author, text)
	s.Observe(context.Background(), msg, rc)
	return rc.TicketID
}

func (sn *singleNode) majors() []*socialdesk.Ticket {
	sn.t.Helper()
	m, err := sn.db.MajorIncidents(context.Background(), 10)
	if err != nil {
		sn.t.Fatal(err)
	}
	return m
}

// TestReplayObservesLostPost checks a post that was stored but never
// observed (the process stopped in between, so the sender got no
// acknowledgement and sends it again): the replay, a duplicate to the
// ingest pipeline, is observed then and completes the outage; a second
// replay changes nothing, and a replay of a post older than the window is
// left out.
func TestReplayObservesLostPost(t *testing.T) {
	sn := newSingleNode(t)
	ctx := context.Background()
	s := sn.start()
	outage := []string{"VPN keeps dropping every few minutes", "my vpn disconnected again, is it down?",
		"vpn keeps disconnecting, is it down", "vpn client keeps disconnecting",
		"company VPN dropped me three times already"}
	var reports []int64
	for i, text := range outage[:4] {
		sn.clock = sn.clock.Add(10 * time.Second)
		reports = append(reports, sn.post(s, fmt.Sprint("chan", i%2), fmt.Sprint("user", i), text))
	}
	sn.clock = sn.clock.Add(10 * time.Second)
	lost, rc := sn.ticket("chan0", "user4", outage[4])
	reports = append(reports, rc.TicketID)
	if m := sn.majors(); len(m) != 0 {
		t.Fatalf("%d incidents from 4 reports, want none", len(m))
	}
	// The restarted process gets the post again.
	s = sn.start()
	sn.clock = sn.clock.Add(5 * time.Second)
	rc.Duplicate = true
	s.Observe(ctx, lost, rc)
	m := sn.majors()
	if len(m) != 1 {
		t.Fatalf("%d incidents after the lost fifth report was replayed, want 1", len(m))
	}
	for _, id := range reports {
		if tk, err := sn.d.Ticket(desk.SystemContext(ctx), id); err != nil || tk.ParentID != m[0].ID {
			t.Errorf("report ticket %d: parent %v (%v), want the incident %d", id, tk.ParentID, err, m[0].ID)
		}
	}
	counts := func() (window, volume int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.vol.pending {
			volume += c.total
		}
		return len(s.det.window) - s.det.head, volume
	}
	window, volume := counts()
	s.Observe(ctx, lost, rc)
	if w, v := counts(); w != window || v != volume {
		t.Errorf("a second replay changed the window (%d -> %d posts) or the volume (%d -> %d)", window, w, volume, v)
	}
	old, orc := sn.ticket("chan1", "user9", "the printer on floor two is jammed")
	orc.Duplicate = true
	old.SentAt = sn.clock.Add(-time.Hour)
	s.Observe(ctx, old, orc)
	if head, err := sn.db.FeedPostsSince(ctx, sn.clock.Add(-2*time.Hour), 100); err != nil || len(head) != len(outage) {
		t.Errorf("feed holds %d posts (%v), want the %d reports and not the hour-old replay", len(head), err, len(outage))
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
	sn := newSingleNode(t)
	sys := desk.SystemContext(context.Background())
	start, post, majors, d := sn.start, sn.post, sn.majors, sn.d
	clock := &sn.clock

	s := start()
	noTroubleCheck(t, s) // as in TestLeaseHolderLearnsBackground; the setting outlives restarts
	history := popularChatter()
	now := clock.Add(time.Duration(len(history)+11) * time.Minute)
	var sent []time.Time
	for i, p := range history {
		*clock = now.Add(-11*time.Minute - time.Duration(len(history)-i)*time.Minute)
		sent = append(sent, *clock)
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
	*clock = now.Add(-3 * time.Minute)
	for i := range 3 {
		reports = append(reports, post(s, fmt.Sprint("chan", i%2), fmt.Sprint("user", i), outage[i]))
	}
	if m := majors(); len(m) != 0 {
		t.Fatalf("%d incidents after 3 reports, want none yet", len(m))
	}

	// Restart.
	*clock = now
	s = start()
	if s.det.docs != float64(inKeep()) {
		t.Errorf("after a restart the background holds %v posts, want the %d the feed keeps before the window", s.det.docs, inKeep())
	}
	talk := []string{"anyone watching the match tonight", "the match tonight is on at eight", "match tonight, who is in", "watching the match tonight"}
	for i := range 8 {
		*clock = now.Add(time.Duration(i) * time.Second)
		post(s, fmt.Sprint("chat", i%2), fmt.Sprint("fan", i), talk[i%len(talk)])
	}
	if m := majors(); len(m) != 0 {
		t.Fatalf("after a restart the match talk opened %q", m[0].Title)
	}
	for i := 3; i < 6; i++ {
		*clock = now.Add(time.Duration(10+i) * time.Second)
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
	*clock = now.Add(time.Minute)
	reports = append(reports, post(s, "chan0", "user6", outage[6]))
	c := s.Config()
	c.MinReports++
	c.Similarity = 0.25
	if err := s.SetConfig(sys, c); err != nil {
		t.Fatal(err)
	}
	if o := s.det.Options(); o.MinReports != c.MinReports || o.Threshold != 0.25 || o.TroubleShare >= 0 {
		t.Errorf("the detector runs with %+v after the settings changed to %+v", o, c)
	}
	if s.det.docs != float64(inKeep()) {
		t.Errorf("after a settings change the background holds %v posts, want %d", s.det.docs, inKeep())
	}
	*clock = now.Add(2 * time.Minute)
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
