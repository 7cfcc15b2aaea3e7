package listening

import (
	"context"
	"time"

	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// DetectorLease is the lease held by the node that runs outage detection
// when several nodes share the database.
const DetectorLease = "listening-detector"

const (
	// feedBatch is how many feed posts one read takes.
	feedBatch = 2000
	// gapWait is how long a missing feed id is waited for: ids are taken
	// when a row is inserted, so a smaller id may commit after a larger
	// one. An id still missing after gapWait was rolled back or skipped.
	gapWait = 10 * time.Second
	// rebuildLimit bounds the posts read back when the lease is taken.
	rebuildLimit = 100_000
)

// feedKeep is how long the feed keeps posts: twice the window, and at
// least an hour, from which a new lease holder learns the background.
func feedKeep(window time.Duration) time.Duration {
	return max(2*window, time.Hour)
}

// feedReader is the lease holder's position in the listening feed and
// the window's posts, by feed id.
type feedReader struct {
	held      bool
	renewed   time.Time           // when the lease was last taken or renewed
	after     int64               // every feed id up to after has been handled
	top       int64               // the highest feed id read
	seen      map[int64]bool      // ids above after already handled
	gaps      map[int64]time.Time // ids between after and top not seen yet, since when
	posts     map[int64]store.FeedPost
	last      time.Time // newest post time handled
	trim      time.Time // when posts was last trimmed
	prune     time.Time // when the feed table was last pruned
	published time.Time // when the live clusters were last published
}

func (r *feedReader) reset() {
	r.after, r.top, r.seen, r.gaps, r.posts, r.last = 0, 0, map[int64]bool{}, map[int64]time.Time{}, map[int64]store.FeedPost{}, time.Time{}
}

// RunDetector runs outage detection for a shared database until ctx ends:
// every DetectEvery it takes or renews the DetectorLease and, while this
// node holds it, feeds the posts every node appended to the listening
// feed to the detector. The holder also reads the feed as soon as the
// database announces a new post (FeedNotices), so detection does not wait
// for the next tick. On taking the lease it rebuilds the window from the
// feed's recent posts; reports already linked to an incident make a
// rebuilt outage continue that incident. Every 10 s it also applies the
// configuration another node may have changed. Without Options.Shared it
// returns at once: Observe detects in process.
func (s *Service) RunDetector(ctx context.Context) {
	if !s.opts.Shared {
		return
	}
	t := time.NewTicker(s.opts.DetectEvery)
	defer t.Stop()
	notices := s.db.FeedNotices(ctx)
	r := &feedReader{}
	r.reset()
	var synced time.Time
	for {
		// Settings changed on another node reach this one within 10 s.
		if time.Since(synced) >= 10*time.Second {
			synced = time.Now()
			s.syncConfig(ctx)
		}
		s.detectOnce(ctx, r)
		var wake <-chan struct{}
		if r.held {
			wake = notices // the other nodes wait for the lease, not for posts
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// holdsLease takes or renews the detector lease.
func (s *Service) holdsLease(ctx context.Context) bool {
	ok, err := s.db.AcquireLease(ctx, DetectorLease, s.opts.NodeID, time.Now(), 5*s.opts.DetectEvery)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("listening: detector lease failed", "err", err)
	}
	return ok && err == nil
}

func (s *Service) detectOnce(ctx context.Context, r *feedReader) {
	// The lease is renewed once a DetectEvery, not on every read: it
	// lasts five of them, and a node checks it again before opening an
	// incident.
	if !r.held || time.Since(r.renewed) >= s.opts.DetectEvery {
		if !s.holdsLease(ctx) {
			if r.held {
				s.log.Info("listening: outage detection moved to another node", "node", s.opts.NodeID)
				r.held = false
				s.detecting.Store(false)
			}
			return
		}
		r.renewed = time.Now()
	}
	// A batch under way is finished even if the node is stopping, so a
	// report is not left half linked.
	ctx = desk.SystemContext(context.WithoutCancel(ctx))
	s.mu.Lock()
	resync := s.resync
	s.resync = false
	s.mu.Unlock()
	if !r.held || resync {
		if err := s.rebuild(ctx, r); err != nil {
			s.log.Error("listening: could not rebuild the detection window", "err", err)
			return
		}
		r.held = true
		s.detecting.Store(true)
	}
	for range 50 {
		n, err := s.readFeed(ctx, r)
		if err != nil {
			s.log.Warn("listening: could not read the detection feed", "err", err)
			return
		}
		if n < feedBatch {
			break
		}
	}
	s.pruneFeed(ctx, r)
	if now := time.Now(); now.Sub(r.published) >= 5*time.Second {
		r.published = now
		if err := s.publishClusters(ctx); err != nil {
			s.log.Warn("listening: could not publish live clusters", "err", err)
		}
	}
}

// rebuild starts a fresh detector and replays the feed's posts within the
// window, then reads on from the newest feed id.
func (s *Service) rebuild(ctx context.Context, r *feedReader) error {
	s.mu.Lock()
	s.det = NewDetector(s.detectorOptions())
	s.incidents = map[int64]int64{}
	window := s.det.Options().Window
	s.mu.Unlock()
	r.reset()
	head, err := s.db.FeedHead(ctx)
	if err != nil {
		return err
	}
	// The posts the feed keeps from before the window teach the new
	// detector which words are ordinary chatter, as the previous holder
	// had learned; without them every word would look unusual at first.
	now := s.desk.Now()
	older, err := s.db.FeedPostsBetween(ctx, now.Add(-feedKeep(window)), now.Add(-window), rebuildLimit)
	if err != nil {
		return err
	}
	posts, err := s.db.FeedPostsSince(ctx, now.Add(-window), rebuildLimit)
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, p := range older {
		s.det.Background(p.Text)
	}
	s.mu.Unlock()
	r.after, r.top = head, head
	for _, p := range posts {
		if p.ID > head {
			r.seen[p.ID] = true
		}
		s.detect(ctx, r, p)
	}
	if s.opts.Shared {
		s.log.Info("listening: this node runs outage detection", "node", s.opts.NodeID, "replayed", len(posts), "background", len(older))
	} else {
		s.log.Info("listening: outage detection window rebuilt", "replayed", len(posts), "background", len(older))
	}
	return nil
}

// readFeed handles the feed posts after the highest id read so far, and
// those that appeared below it since (ids are taken when a row is
// inserted, so a smaller id can commit later; an insert that meets a
// duplicate takes an id and leaves no row at all). The cursor r.after
// moves over every id handled or waited for longer than gapWait. It
// returns how many new posts it read above the highest id.
func (s *Service) readFeed(ctx context.Context, r *feedReader) (int, error) {
	if len(r.gaps) > 0 {
		ids := make([]int64, 0, len(r.gaps))
		for id := range r.gaps {
			ids = append(ids, id)
		}
		late, err := s.db.FeedPostsIn(ctx, ids)
		if err != nil {
			return 0, err
		}
		for _, p := range late {
			delete(r.gaps, p.ID)
			if !r.seen[p.ID] {
				r.seen[p.ID] = true
				s.detect(ctx, r, p)
			}
		}
	}
	posts, err := s.db.FeedPostsAfter(ctx, r.top, feedBatch)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	for _, p := range posts {
		for id := r.top + 1; id < p.ID; id++ {
			if !r.seen[id] {
				r.gaps[id] = now
			}
		}
		r.top = p.ID
		if !r.seen[p.ID] {
			r.seen[p.ID] = true
			s.detect(ctx, r, p)
		}
	}
	for id := r.after + 1; id <= r.top; id++ {
		if first, waiting := r.gaps[id]; waiting {
			if now.Sub(first) < gapWait {
				break
			}
			delete(r.gaps, id)
		}
		delete(r.seen, id)
		r.after = id
	}
	return len(posts), nil
}

// detect feeds one post to the detector and acts on the outcome.
func (s *Service) detect(ctx context.Context, r *feedReader, p store.FeedPost) {
	s.act(ctx, r, s.observeFeed(r, p))
}

// observation is what the detector made of one feed post.
type observation struct {
	Outcome
	incident int64 // the incident the post's cluster already has, or 0
}

// observeFeed gives one feed post to the detector and remembers it.
func (s *Service) observeFeed(r *feedReader, p store.FeedPost) observation {
	s.mu.Lock()
	out := s.det.Observe(Report{ID: p.ID, Channel: p.Channel, Author: p.Author, Text: p.Text, At: p.At})
	incident := s.incidents[out.Cluster]
	s.mu.Unlock()
	r.posts[p.ID] = p
	if p.At.After(r.last) {
		r.last = p.At
	}
	return observation{Outcome: out, incident: incident}
}

// act opens the incident when a post made its cluster an outage, or links
// the cluster's reports to the incident it has.
func (s *Service) act(ctx context.Context, r *feedReader, o observation) {
	out, incident := o.Outcome, o.incident
	if !out.Outage {
		return
	}
	if out.Fired {
		// Reports this outage is made of may have been linked already,
		// before a restart or by the node that held the lease before:
		// continue that incident.
		for _, m := range out.Members {
			if id := r.posts[m.ID].IncidentID; id != 0 {
				incident = id
				break
			}
		}
		if incident != 0 {
			s.mu.Lock()
			s.incidents[out.Cluster] = incident
			s.mu.Unlock()
		} else {
			// Check the lease again just before opening, so a node that
			// stalled past its lease does not open a second incident.
			if s.opts.Shared && !s.holdsLease(ctx) {
				return
			}
			s.storeOutagePosts(ctx, r, out)
			tickets := out
			tickets.Members = make([]Report, len(out.Members))
			for i, m := range out.Members {
				tickets.Members[i] = m
				tickets.Members[i].ID = r.posts[m.ID].TicketID
			}
			s.openIncident(ctx, tickets, func(id int64) { s.recordLinks(ctx, r, id, out.Members) })
			return
		}
	}
	if incident == 0 {
		return
	}
	s.storeOutagePosts(ctx, r, out)
	var fresh []Report
	for _, m := range out.Members {
		if r.posts[m.ID].IncidentID != incident {
			fresh = append(fresh, m)
		}
	}
	s.recordLinks(ctx, r, incident, fresh)
	for _, m := range fresh {
		s.link(ctx, incident, r.posts[m.ID].TicketID)
	}
}

// recordLinks notes in the feed that reports belong to an incident, so a
// node taking the lease later continues it.
func (s *Service) recordLinks(ctx context.Context, r *feedReader, incident int64, members []Report) {
	if len(members) == 0 {
		return
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.ID)
		if p, ok := r.posts[m.ID]; ok {
			p.IncidentID = incident
			r.posts[m.ID] = p
		}
	}
	if err := s.db.SetFeedIncident(ctx, incident, ids); err != nil {
		s.log.Warn("listening: could not record reports of an incident", "err", err)
	}
}

// storeOutagePosts keeps the reports of an outage as listening posts, as
// a single node does (a post stored already is left as it is).
func (s *Service) storeOutagePosts(ctx context.Context, r *feedReader, out Outcome) {
	for _, m := range out.Members {
		p, ok := r.posts[m.ID]
		if !ok || p.IncidentID != 0 {
			continue
		}
		if _, _, err := s.db.AddListeningPost(ctx, store.ListeningPost{Channel: p.Channel, ExternalID: p.ExternalID, Author: p.Author,
			Text: p.Text, ClusterID: out.Cluster, TicketID: p.TicketID, At: p.At}); err != nil {
			s.log.Warn("listening: could not store post", "channel", p.Channel, "err", err)
		}
	}
}

// pruneFeed forgets posts that left the window, in memory and, once a
// minute, in the feed table (kept for two windows, at least an hour).
func (s *Service) pruneFeed(ctx context.Context, r *feedReader) {
	s.mu.Lock()
	window := s.det.Options().Window
	s.mu.Unlock()
	if time.Since(r.trim) > 10*time.Second {
		r.trim = time.Now()
		cut := r.last.Add(-2 * window)
		for id, p := range r.posts {
			if p.At.Before(cut) {
				delete(r.posts, id)
			}
		}
	}
	if time.Since(r.prune) < time.Minute {
		return
	}
	r.prune = time.Now()
	if _, err := s.db.PruneFeed(ctx, s.desk.Now().Add(-feedKeep(window))); err != nil {
		s.log.Warn("listening: could not prune the detection feed", "err", err)
	}
}
