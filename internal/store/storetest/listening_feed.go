package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/store"
)

func testListeningFeed(t *testing.T, db *store.DB) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if head, err := db.FeedHead(ctx); err != nil || head != 0 {
		t.Fatalf("empty feed head = %d, %v", head, err)
	}
	var ids []int64
	for i, text := range []string{"vpn down", "vpn dropping", "lunch was nice"} {
		id, fresh, err := db.AddFeedPost(ctx, store.FeedPost{Channel: "twitter", ExternalID: string(rune('a' + i)), Author: "u", Text: text,
			TicketID: int64(10 + i), At: now.Add(time.Duration(i) * time.Minute)})
		if err != nil || !fresh {
			t.Fatalf("add feed post %d: %v %v", i, fresh, err)
		}
		ids = append(ids, id)
	}
	// Replayed posts are not added twice.
	if id, fresh, err := db.AddFeedPost(ctx, store.FeedPost{Channel: "twitter", ExternalID: "b", Author: "u", Text: "again", At: now}); err != nil || fresh || id != ids[1] {
		t.Fatalf("replayed feed post: id %d fresh %v err %v, want id %d", id, fresh, err, ids[1])
	}
	if head, err := db.FeedHead(ctx); err != nil || head != ids[2] {
		t.Fatalf("feed head = %d, %v; want %d", head, err, ids[2])
	}
	got, err := db.FeedPostsAfter(ctx, ids[0], 10)
	if err != nil || len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[2] || got[0].Text != "vpn dropping" || got[0].TicketID != 11 || !got[0].At.Equal(now.Add(time.Minute)) {
		t.Fatalf("posts after %d = %+v, %v", ids[0], got, err)
	}
	if got, _ := db.FeedPostsAfter(ctx, 0, 1); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("limit 1 = %+v", got)
	}
	if got, err := db.FeedPostsIn(ctx, []int64{ids[2], ids[0], ids[2] + 1000}); err != nil || len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[2] {
		t.Fatalf("posts in %v = %+v, %v", ids, got, err)
	}
	if got, err := db.FeedPostsIn(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("posts in no ids = %+v, %v", got, err)
	}
	if err := db.SetFeedIncident(ctx, 99, ids[:2]); err != nil {
		t.Fatal(err)
	}
	got, err = db.FeedPostsSince(ctx, now.Add(time.Second), 10)
	if err != nil || len(got) != 2 || got[0].ID != ids[1] || got[0].IncidentID != 99 || got[1].IncidentID != 0 {
		t.Fatalf("posts since = %+v, %v", got, err)
	}
	// The newest posts of a time range, oldest first: the range holds all
	// three posts and the limit keeps the newest two. The end is exclusive.
	if got, err := db.FeedPostsBetween(ctx, now, now.Add(2*time.Minute+time.Millisecond), 2); err != nil || len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[2] {
		t.Fatalf("posts between = %+v, %v", got, err)
	}
	if got, err := db.FeedPostsBetween(ctx, now, now.Add(2*time.Minute), 1); err != nil || len(got) != 1 || got[0].ID != ids[1] {
		t.Fatalf("newest post between, limit 1 = %+v, %v", got, err)
	}
	if got, err := db.FeedPostsBetween(ctx, now.Add(time.Hour), now.Add(2*time.Hour), 10); err != nil || len(got) != 0 {
		t.Fatalf("posts between in an empty range = %+v, %v", got, err)
	}
	if n, err := db.PruneFeed(ctx, now.Add(90*time.Second)); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want 2", n, err)
	}
	if got, _ := db.FeedPostsAfter(ctx, 0, 10); len(got) != 1 || got[0].ID != ids[2] {
		t.Fatalf("after prune = %+v", got)
	}
}

func testListeningVolume(t *testing.T, db *store.DB) {
	if got, err := db.ListeningVolume(ctx, 0); err != nil || len(got) != 0 {
		t.Fatalf("empty volume = %+v, %v", got, err)
	}
	// Two nodes add their counts for the same hours; they add up.
	for _, counts := range [][]store.VolumeCount{
		{{Channel: "slack", Hour: 100, Total: 5, Support: 2}, {Channel: "mastodon", Hour: 101, Total: 1}},
		{{Channel: "slack", Hour: 100, Total: 3, Support: 1}, {Channel: "slack", Hour: 102, Total: 7, Support: 7}},
	} {
		if err := db.AddListeningVolume(ctx, counts); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ListeningVolume(ctx, 100)
	want := []store.VolumeCount{{Channel: "mastodon", Hour: 101, Total: 1}, {Channel: "slack", Hour: 100, Total: 8, Support: 3}, {Channel: "slack", Hour: 102, Total: 7, Support: 7}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("volume = %+v, %v; want %+v", got, err, want)
	}
	if got, _ := db.ListeningVolume(ctx, 101); len(got) != 2 {
		t.Fatalf("volume from hour 101 = %+v", got)
	}
	if err := db.PruneListeningVolume(ctx, 102); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ListeningVolume(ctx, 0); !slices.Equal(got, want[2:]) {
		t.Fatalf("after prune = %+v", got)
	}
}

// testFeedNotices: on PostgreSQL a post added to the feed is announced
// (after the notice every listener gets at its start); SQLite has none.
func testFeedNotices(t *testing.T, db *store.DB) {
	nctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notices := db.FeedNotices(nctx)
	if db.Dialect() != store.Postgres {
		if notices != nil {
			t.Fatal("FeedNotices on SQLite returned a channel")
		}
		return
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-notices:
		case <-time.After(10 * time.Second):
			t.Fatalf("no feed notice %s within 10 s", what)
		}
	}
	wait("when the listener started")
	if _, fresh, err := db.AddFeedPost(ctx, store.FeedPost{Channel: "mastodon", ExternalID: "notice-1", Author: "u", Text: "vpn down", At: time.Now()}); err != nil || !fresh {
		t.Fatalf("add feed post: %v %v", fresh, err)
	}
	wait("for a new post")
}
