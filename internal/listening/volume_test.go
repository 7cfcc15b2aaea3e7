package listening

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// TestVolumeAcrossNodes checks the dashboard's post counts with two
// services (nodes) on one database: each sees its own counts at once and
// the other's once stored, old and future hours are left out, and counts
// that fail to store are kept for the next try.
func TestVolumeAcrossNodes(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	d, err := desk.New(ctx, db, desk.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	a := &Service{desk: d, db: db, log: slog.Default()}
	b := &Service{desk: d, db: db, log: slog.Default()}
	check := func(s *Service, name string, slack, twitter, total, support int) {
		t.Helper()
		by, tot, sup, err := s.Volume(ctx)
		if err != nil || by["slack"] != slack || by["twitter"] != twitter || tot != total || sup != support {
			t.Fatalf("%s: by=%v total=%d support=%d err=%v; want slack %d twitter %d total %d support %d",
				name, by, tot, sup, err, slack, twitter, total, support)
		}
	}
	a.vol.add("slack", now.Add(-25*time.Hour), true) // too old
	a.vol.add("slack", now.Add(-23*time.Hour), true)
	a.vol.add("slack", now, false)
	a.vol.add("twitter", now.Add(-time.Minute), true)
	a.vol.add("twitter", now.Add(time.Hour), true) // future: not counted yet
	b.vol.add("slack", now, true)
	check(a, "a before storing", 2, 1, 3, 2)
	check(b, "b before storing", 1, 0, 1, 1)
	if err := a.FlushVolume(ctx); err != nil {
		t.Fatal(err)
	}
	check(a, "a after storing", 2, 1, 3, 2)
	check(b, "b after a stored", 3, 1, 4, 3)
	// A failed store keeps the counts.
	b.vol.add("twitter", now, false)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.FlushVolume(gone); err == nil {
		t.Fatal("store with a cancelled context: no error")
	}
	check(b, "b after a failed store", 3, 2, 5, 3)
	if err := b.FlushVolume(ctx); err != nil {
		t.Fatal(err)
	}
	check(a, "a after b stored", 3, 2, 5, 3)
	check(b, "b after storing", 3, 2, 5, 3)
	// Storing twice adds nothing.
	if err := b.FlushVolume(ctx); err != nil {
		t.Fatal(err)
	}
	check(a, "a after an empty store", 3, 2, 5, 3)
}
