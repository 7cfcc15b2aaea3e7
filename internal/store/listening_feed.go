package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// FeedPost is one new post observed by a node, waiting for the node that
// runs outage detection (see listening_feed in the migrations).
type FeedPost struct {
	ID         int64
	Channel    string
	ExternalID string
	Author     string
	Text       string // already redacted
	TicketID   int64
	At         time.Time
	// IncidentID is the major incident the post was linked to, or 0.
	IncidentID int64
}

// AddFeedPost appends a post to the listening feed. A post already there
// (same channel and external id) is not added again: fresh is false. On
// PostgreSQL a new post is announced to FeedNotices, on every node.
func (db *DB) AddFeedPost(ctx context.Context, p FeedPost) (id int64, fresh bool, err error) {
	q := `INSERT INTO listening_feed (channel, external_id, author, text, ticket_id, at, incident_id)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING RETURNING id`
	if db.dialect == Postgres {
		// One round trip; the notice is sent when the row commits, and
		// only when a row was added.
		q = `WITH ins AS (` + q + `) SELECT id FROM ins, (SELECT pg_notify('` + feedChannel + `', '')) AS notice`
	}
	err = db.queryRow(ctx, db.w, q, p.Channel, p.ExternalID, p.Author, p.Text, p.TicketID, toMicros(p.At), p.IncidentID).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if err != sql.ErrNoRows {
		return 0, false, err
	}
	err = db.queryRow(ctx, db.db, `SELECT id FROM listening_feed WHERE channel = ? AND external_id = ?`, p.Channel, p.ExternalID).Scan(&id)
	return id, false, err
}

// feedChannel is the PostgreSQL notification channel of the listening
// feed. Notification channels are per database, so nodes of other
// installs in other schemas of the same database wake each other up, to
// no harm.
const feedChannel = "socialdesk_listening_feed"

// FeedNotices returns a channel that receives a value soon after any node
// adds a post to the listening feed, until ctx ends; values arriving while
// one is pending are merged into it. It listens on a connection of its
// own and reconnects after a failure. On SQLite, where one process writes
// and reads the feed, it returns nil (a channel that never receives).
func (db *DB) FeedNotices(ctx context.Context) <-chan struct{} {
	if db.dialect != Postgres {
		return nil
	}
	ch := make(chan struct{}, 1)
	go func() {
		for {
			db.listenFeed(ctx, ch)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return ch
}

// listenFeed passes the feed's notifications to ch until the connection
// fails or ctx ends.
func (db *DB) listenFeed(ctx context.Context, ch chan<- struct{}) {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return nil
		}
		if _, err := pc.Conn().Exec(ctx, "LISTEN "+feedChannel); err != nil {
			return driver.ErrBadConn
		}
		for {
			// Also once at the start: posts may have arrived while no
			// connection was listening.
			select {
			case ch <- struct{}{}:
			default:
			}
			if _, err := pc.Conn().WaitForNotification(ctx); err != nil {
				// A connection left listening is not given back to the pool.
				return driver.ErrBadConn
			}
		}
	})
}

const feedColumns = `id, channel, external_id, author, text, ticket_id, at, incident_id`

// FeedPostsAfter returns up to limit posts with an id above after, in id
// order. Ids are assigned when a row is inserted, not when it commits, so
// with concurrent writers a smaller id can appear later; readers that
// must see every row re-read from the first id they have not seen.
func (db *DB) FeedPostsAfter(ctx context.Context, after int64, limit int) ([]FeedPost, error) {
	return db.feedPosts(ctx, `SELECT `+feedColumns+` FROM listening_feed WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

// FeedPostsSince returns up to limit posts sent at or after since, oldest
// first.
func (db *DB) FeedPostsSince(ctx context.Context, since time.Time, limit int) ([]FeedPost, error) {
	return db.feedPosts(ctx, `SELECT `+feedColumns+` FROM listening_feed WHERE at >= ? ORDER BY at, id LIMIT ?`, toMicros(since), limit)
}

// FeedPostsBetween returns the newest limit posts sent at or after from
// and before to, oldest first.
func (db *DB) FeedPostsBetween(ctx context.Context, from, to time.Time, limit int) ([]FeedPost, error) {
	posts, err := db.feedPosts(ctx, `SELECT `+feedColumns+` FROM listening_feed WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?`, toMicros(from), toMicros(to), limit)
	slices.Reverse(posts)
	return posts, err
}

func (db *DB) feedPosts(ctx context.Context, q string, args ...any) ([]FeedPost, error) {
	rows, err := db.query(ctx, db.db, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FeedPost
	for rows.Next() {
		var p FeedPost
		var at int64
		if err := rows.Scan(&p.ID, &p.Channel, &p.ExternalID, &p.Author, &p.Text, &p.TicketID, &at, &p.IncidentID); err != nil {
			return nil, err
		}
		p.At = fromMicros(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// FeedPostsIn returns the feed posts with the given ids that exist, in id
// order.
func (db *DB) FeedPostsIn(ctx context.Context, ids []int64) ([]FeedPost, error) {
	var out []FeedPost
	for len(ids) > 0 {
		n := min(len(ids), 500)
		posts, err := db.feedPosts(ctx, `SELECT `+feedColumns+` FROM listening_feed WHERE id IN (`+placeholders(n)+`) ORDER BY id`, idArgs(ids[:n])...)
		if err != nil {
			return nil, err
		}
		out = append(out, posts...)
		ids = ids[n:]
	}
	slices.SortFunc(out, func(a, b FeedPost) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// idArgs returns ids as query arguments.
func idArgs(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// SetFeedIncident records that the feed posts ids were linked to a major
// incident.
func (db *DB) SetFeedIncident(ctx context.Context, incidentID int64, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		if _, err := db.exec(ctx, db.w, `UPDATE listening_feed SET incident_id = ? WHERE id IN (`+placeholders(n)+`)`, append([]any{incidentID}, idArgs(ids[:n])...)...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// PruneFeed deletes feed posts sent before a time and returns how many.
func (db *DB) PruneFeed(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.exec(ctx, db.w, `DELETE FROM listening_feed WHERE at < ?`, toMicros(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// FeedHead returns the largest feed post id, or 0 when the feed is empty.
func (db *DB) FeedHead(ctx context.Context) (int64, error) {
	var id int64
	err := db.queryRow(ctx, db.db, `SELECT COALESCE(MAX(id), 0) FROM listening_feed`).Scan(&id)
	return id, err
}
