package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
)

// InsightFilter narrows the rows the analytics pages read. Zero values
// mean "any".
type InsightFilter struct {
	From, To time.Time // created in [From, To)
	GroupID  int64
	Channel  string
	Priority int
	// Site is the requester's site.
	Site string
}

// InsightTicket is one ticket as the analytics pages see it.
type InsightTicket struct {
	ID            int64
	Service       string
	Category      string
	Channel       string
	Priority      int
	GroupID       int64
	GroupName     string
	Site          string
	State         string
	CreatedAt     time.Time
	ResponseDue   time.Time
	RespondedAt   time.Time
	ResolutionDue time.Time
	ResolvedAt    time.Time
	Breached      bool
}

// InsightTickets returns the tickets created in the filter's range that
// match it, oldest first.
func (db *DB) InsightTickets(ctx context.Context, f InsightFilter) ([]InsightTicket, error) {
	where := []string{"t.created_at >= ?", "t.created_at < ?"}
	args := []any{toMicros(f.From), toMicros(f.To)}
	if f.GroupID != 0 {
		where, args = append(where, "t.group_id = ?"), append(args, f.GroupID)
	}
	if f.Channel != "" {
		where, args = append(where, "t.channel = ?"), append(args, f.Channel)
	}
	if f.Priority != 0 {
		where, args = append(where, "t.priority = ?"), append(args, f.Priority)
	}
	if f.Site != "" {
		where, args = append(where, "COALESCE(p.site, '') = ?"), append(args, f.Site)
	}
	rows, err := db.query(ctx, db.db, `SELECT t.id, t.service, t.category, t.channel, t.priority, t.group_id,
		COALESCE(g.name, ''), COALESCE(p.site, ''), t.state, t.created_at, t.response_due, t.responded_at,
		t.resolution_due, t.resolved_at, t.sla_breached
		FROM tickets t LEFT JOIN assignment_groups g ON g.id = t.group_id LEFT JOIN people p ON p.id = t.requester_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY t.created_at, t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InsightTicket
	for rows.Next() {
		var t InsightTicket
		var created, rdue, rat, sdue, sat int64
		var breached int
		if err := rows.Scan(&t.ID, &t.Service, &t.Category, &t.Channel, &t.Priority, &t.GroupID, &t.GroupName, &t.Site, &t.State,
			&created, &rdue, &rat, &sdue, &sat, &breached); err != nil {
			return nil, err
		}
		t.CreatedAt, t.ResponseDue, t.RespondedAt = fromMicros(created), fromMicros(rdue), fromMicros(rat)
		t.ResolutionDue, t.ResolvedAt, t.Breached = fromMicros(sdue), fromMicros(sat), breached != 0
		out = append(out, t)
	}
	return out, rows.Err()
}

// InsightQuestion is one community question as the analytics pages see
// it.
type InsightQuestion struct {
	ID          int64
	Title       string
	Tags        string // JSON list
	Site        string
	CreatedAt   time.Time
	FirstAnswer time.Time // zero when unanswered
	Verified    bool
}

// InsightQuestions returns the questions asked in [from, to) by people at
// site (any site when empty), oldest first, with their first visible
// answer and whether any answer is verified.
func (db *DB) InsightQuestions(ctx context.Context, from, to time.Time, site string) ([]InsightQuestion, error) {
	q := `SELECT q.id, q.title, q.tags, COALESCE(p.site, ''), q.created_at,
		COALESCE((SELECT MIN(a.created_at) FROM answers a WHERE a.question_id = q.id AND a.status = 'visible'), 0),
		(SELECT COUNT(*) FROM answers a WHERE a.question_id = q.id AND a.status = 'visible' AND a.verified_at > 0)
		FROM questions q LEFT JOIN people p ON p.id = q.author_id
		WHERE q.created_at >= ? AND q.created_at < ? AND q.duplicate_of = 0`
	args := []any{toMicros(from), toMicros(to)}
	if site != "" {
		q, args = q+` AND COALESCE(p.site, '') = ?`, append(args, site)
	}
	rows, err := db.query(ctx, db.db, q+` ORDER BY q.created_at, q.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InsightQuestion
	for rows.Next() {
		var x InsightQuestion
		var created, first, verified int64
		if err := rows.Scan(&x.ID, &x.Title, &x.Tags, &x.Site, &created, &first, &verified); err != nil {
			return nil, err
		}
		x.CreatedAt, x.FirstAnswer, x.Verified = fromMicros(created), fromMicros(first), verified > 0
		out = append(out, x)
	}
	return out, rows.Err()
}

// ActiveHelpers counts the distinct people who posted a visible answer in
// [from, to).
func (db *DB) ActiveHelpers(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(DISTINCT author_id) FROM answers WHERE status = 'visible' AND created_at >= ? AND created_at < ?`,
		toMicros(from), toMicros(to)).Scan(&n)
	return n, err
}

// DeflectionTimes returns when each deflection in [from, to) happened.
func (db *DB) DeflectionTimes(ctx context.Context, from, to time.Time) ([]time.Time, error) {
	return db.times(ctx, `SELECT created_at FROM deflections WHERE created_at >= ? AND created_at < ? ORDER BY created_at`, from, to)
}

func (db *DB) times(ctx context.Context, q string, from, to time.Time) ([]time.Time, error) {
	rows, err := db.query(ctx, db.db, q, toMicros(from), toMicros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, fromMicros(v))
	}
	return out, rows.Err()
}

// SearchLogBetween returns the searches logged in [from, to), oldest
// first.
func (db *DB) SearchLogBetween(ctx context.Context, from, to time.Time) ([]SearchLogEntry, error) {
	rows, err := db.query(ctx, db.db, `SELECT at, query, results, clicked, solved FROM search_log WHERE at >= ? AND at < ? ORDER BY at, id`,
		toMicros(from), toMicros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchLogEntry
	for rows.Next() {
		var e SearchLogEntry
		var at int64
		var solved int
		if err := rows.Scan(&at, &e.Query, &e.Results, &e.Clicked, &solved); err != nil {
			return nil, err
		}
		e.At, e.Solved = fromMicros(at), solved != 0
		out = append(out, e)
	}
	return out, rows.Err()
}

// ListeningStat is one post read from the social listening table, for analytics.
type ListeningStat struct {
	At time.Time
	// Flagged is the classifier's verdict: a support request.
	Flagged bool
	// Confirmed is an agent's latest "support" correction of the post:
	// nil when nobody judged it.
	Confirmed *bool
}

// ListeningStats reads the social listening posts in [from, to). The
// listening_posts table (with its at and support columns) and the
// listening_feedback table belong to the listening feature and may not
// exist yet; ok is false then.
func (db *DB) ListeningStats(ctx context.Context, from, to time.Time) (posts []ListeningStat, ok bool, err error) {
	cols, err := db.columns(ctx, "listening_posts")
	if err != nil || !slices.Contains(cols, "at") || !slices.Contains(cols, "support") || !slices.Contains(cols, "id") {
		return nil, false, err
	}
	judged := "NULL"
	if fcols, err := db.columns(ctx, "listening_feedback"); err == nil && slices.Contains(fcols, "label") && slices.Contains(fcols, "kind") {
		judged = `(SELECT f.label FROM listening_feedback f WHERE f.post_id = p.id AND f.kind = 'support' ORDER BY f.id DESC LIMIT 1)`
	}
	rows, err := db.query(ctx, db.db, `SELECT p.at, p.support, `+judged+` FROM listening_posts p WHERE p.at >= ? AND p.at < ? ORDER BY p.at, p.id`,
		toMicros(from), toMicros(to))
	if err != nil {
		return nil, true, err
	}
	defer rows.Close()
	for rows.Next() {
		var at, support int64
		var label sql.NullString
		if err := rows.Scan(&at, &support, &label); err != nil {
			return nil, true, err
		}
		p := ListeningStat{At: fromMicros(at), Flagged: support != 0}
		if label.Valid {
			yes := slices.Contains([]string{"1", "support", "true", "yes"}, strings.ToLower(strings.TrimSpace(label.String)))
			p.Confirmed = &yes
		}
		posts = append(posts, p)
	}
	return posts, true, rows.Err()
}

// columns returns the column names of table, or none when it does not
// exist.
func (db *DB) columns(ctx context.Context, table string) ([]string, error) {
	var n int
	var err error
	if db.dialect == Postgres {
		err = db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`, table).Scan(&n)
	} else {
		err = db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n)
	}
	if err != nil || n == 0 {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

// DueForReview lists what a knowledge manager should look at before
// until: verified answers whose review date has come and published
// articles whose review date has come.
type DueForReview struct {
	Kind  string // "answer" or "article"
	ID    int64
	Title string
	Due   time.Time
}

// ReviewsDue returns the verified answers and published articles whose
// review date is before until, soonest first.
func (db *DB) ReviewsDue(ctx context.Context, until time.Time) ([]DueForReview, error) {
	rows, err := db.query(ctx, db.db, `SELECT 'answer', a.id, q.title, a.verify_review_by FROM answers a JOIN questions q ON q.id = a.question_id
		WHERE a.status = 'visible' AND a.verified_at > 0 AND a.verify_review_by > 0 AND a.verify_review_by < ?
		UNION ALL
		SELECT 'article', id, title, review_by FROM articles WHERE state = 'published' AND review_by > 0 AND review_by < ?
		ORDER BY 4, 2`, toMicros(until), toMicros(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueForReview
	for rows.Next() {
		var d DueForReview
		var due int64
		if err := rows.Scan(&d.Kind, &d.ID, &d.Title, &due); err != nil {
			return nil, err
		}
		d.Due = fromMicros(due)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDigest records that the digest for recipient and week is being
// sent. It returns false when it was already claimed, so a digest goes out
// once even with several workers.
func (db *DB) ClaimDigest(ctx context.Context, recipient, week string, at time.Time) (bool, error) {
	_, err := db.exec(ctx, db.w, `INSERT INTO sent_digests (recipient, week, sent_at) VALUES (?, ?, ?)`, recipient, week, toMicros(at))
	if isUniqueViolation(err) {
		return false, nil
	}
	return err == nil, err
}

// SLAStates counts the open tickets by SLA state: "breached" (a target
// was missed), "paused" (the clock is stopped while pending), "at_risk" (a
// warning has fired), "running" (a clock runs) and "none" (no clock).
func (db *DB) SLAStates(ctx context.Context) (map[string]int, error) {
	rows, err := db.query(ctx, db.db, `SELECT CASE
		WHEN sla_breached > 0 THEN 'breached'
		WHEN paused_since > 0 THEN 'paused'
		WHEN sla_warned > 0 THEN 'at_risk'
		WHEN next_due > 0 THEN 'running'
		ELSE 'none' END AS s, COUNT(*)
		FROM tickets WHERE state NOT IN ('resolved', 'closed') GROUP BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{"breached": 0, "paused": 0, "at_risk": 0, "running": 0, "none": 0}
	for rows.Next() {
		var s string
		var c int
		if err := rows.Scan(&s, &c); err != nil {
			return nil, err
		}
		out[s] = c
	}
	return out, rows.Err()
}
