package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
)

// ListeningRule is a stored watch rule; Channel empty means every channel.
type ListeningRule struct {
	ID        int64
	Kind      string
	Value     string
	Channel   string
	CreatedAt time.Time
}

// AddListeningRule stores a rule and returns its id.
func (db *DB) AddListeningRule(ctx context.Context, r ListeningRule) (int64, error) {
	return db.insert(ctx, db.w, `INSERT INTO listening_rules (kind, value, channel, created_at) VALUES (?, ?, ?, ?)`,
		r.Kind, r.Value, r.Channel, toMicros(db.now()))
}

// DeleteListeningRule removes a rule; ENOTFOUND when there is none.
func (db *DB) DeleteListeningRule(ctx context.Context, id int64) error {
	res, err := db.exec(ctx, db.w, `DELETE FROM listening_rules WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return socialdesk.Errorf(socialdesk.ENOTFOUND, "Rule not found.")
	}
	return nil
}

// ListeningRules lists the rules, oldest first.
func (db *DB) ListeningRules(ctx context.Context) ([]ListeningRule, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, kind, value, channel, created_at FROM listening_rules ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListeningRule
	for rows.Next() {
		var r ListeningRule
		var at int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Value, &r.Channel, &at); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ListeningPost is a post that matched a watch rule or was scored.
type ListeningPost struct {
	ID         int64
	Channel    string
	ExternalID string
	Author     string
	Text       string
	RuleIDs    []int64
	Score      float64
	Support    bool
	// Category, Service, Impact and Urgency are the classifier's
	// suggestions for a support request; empty where no model of that
	// kind is active.
	Category  string
	Service   string
	Impact    string
	Urgency   string
	ClusterID int64
	TicketID  int64
	At        time.Time
}

// AddListeningPost stores a post. A post seen before (same channel and
// external id) is not stored again: its stored id is returned with
// fresh false.
func (db *DB) AddListeningPost(ctx context.Context, p ListeningPost) (id int64, fresh bool, err error) {
	var ids []string
	for _, r := range p.RuleIDs {
		ids = append(ids, strconv.FormatInt(r, 10))
	}
	id, err = db.insert(ctx, db.w, `INSERT INTO listening_posts (channel, external_id, author, text, rule_ids, support_score, support, category, service, impact, urgency, cluster_id, ticket_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING`,
		p.Channel, p.ExternalID, p.Author, p.Text, strings.Join(ids, ","), p.Score, boolInt(p.Support), p.Category, p.Service, p.Impact, p.Urgency, p.ClusterID, p.TicketID, toMicros(p.At))
	if err == nil {
		return id, true, nil
	}
	if err != sql.ErrNoRows {
		return 0, false, err
	}
	err = db.queryRow(ctx, db.db, `SELECT id FROM listening_posts WHERE channel = ? AND external_id = ?`, p.Channel, p.ExternalID).Scan(&id)
	return id, false, err
}

// SetListeningPostTicket records the ticket a post became or joined.
func (db *DB) SetListeningPostTicket(ctx context.Context, id, ticketID int64) error {
	_, err := db.exec(ctx, db.w, `UPDATE listening_posts SET ticket_id = ? WHERE id = ?`, ticketID, id)
	return err
}

const listeningPostColumns = `id, channel, external_id, author, text, rule_ids, support_score, support, category, service, impact, urgency, cluster_id, ticket_id, at`

func scanListeningPost(row interface{ Scan(...any) error }) (ListeningPost, error) {
	var p ListeningPost
	var rules string
	var support int
	var at int64
	if err := row.Scan(&p.ID, &p.Channel, &p.ExternalID, &p.Author, &p.Text, &rules, &p.Score, &support, &p.Category, &p.Service, &p.Impact, &p.Urgency, &p.ClusterID, &p.TicketID, &at); err != nil {
		return p, err
	}
	for _, s := range strings.Split(rules, ",") {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.RuleIDs = append(p.RuleIDs, v)
		}
	}
	p.Support, p.At = support != 0, fromMicros(at)
	return p, nil
}

// ListeningPost returns one post.
func (db *DB) ListeningPost(ctx context.Context, id int64) (ListeningPost, error) {
	p, err := scanListeningPost(db.queryRow(ctx, db.db, `SELECT `+listeningPostColumns+` FROM listening_posts WHERE id = ?`, id))
	return p, notFound(err, "Post")
}

// TicketListeningPost returns the first post that opened or joined a
// ticket, ENOTFOUND when no listened post did.
func (db *DB) TicketListeningPost(ctx context.Context, ticketID int64) (ListeningPost, error) {
	p, err := scanListeningPost(db.queryRow(ctx, db.db, `SELECT `+listeningPostColumns+` FROM listening_posts WHERE ticket_id = ? ORDER BY id LIMIT 1`, ticketID))
	return p, notFound(err, "Post")
}

// ListeningPosts lists posts since a time, newest first.
func (db *DB) ListeningPosts(ctx context.Context, since time.Time, limit int) ([]ListeningPost, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+listeningPostColumns+` FROM listening_posts WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?`, toMicros(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListeningPost
	for rows.Next() {
		p, err := scanListeningPost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListeningModel is one stored classifier version.
type ListeningModel struct {
	ID        int64
	Kind      string // "support", "category", "service", "impact" or "urgency"
	Model     []byte
	Note      string
	Examples  int
	Active    bool
	CreatedAt time.Time
}

// AddListeningModel stores a model version and makes it the active one of
// its kind, in one transaction.
func (db *DB) AddListeningModel(ctx context.Context, m ListeningModel) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `UPDATE listening_models SET active = 0 WHERE kind = ?`, m.Kind); err != nil {
			return err
		}
		var err error
		id, err = db.insert(ctx, tx, `INSERT INTO listening_models (kind, model, note, examples, active, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
			m.Kind, m.Model, m.Note, m.Examples, toMicros(db.now()))
		return err
	})
	return id, err
}

// ActivateListeningModel makes version id the active model of its kind.
func (db *DB) ActivateListeningModel(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := db.queryRow(ctx, tx, `SELECT kind FROM listening_models WHERE id = ?`, id).Scan(&kind); err != nil {
			return notFound(err, "Model version")
		}
		if _, err := db.exec(ctx, tx, `UPDATE listening_models SET active = 0 WHERE kind = ?`, kind); err != nil {
			return err
		}
		_, err := db.exec(ctx, tx, `UPDATE listening_models SET active = 1 WHERE id = ?`, id)
		return err
	})
}

// ActiveListeningModel returns the active model of a kind, or ENOTFOUND.
func (db *DB) ActiveListeningModel(ctx context.Context, kind string) (ListeningModel, error) {
	m := ListeningModel{Kind: kind, Active: true}
	var at int64
	err := db.queryRow(ctx, db.db, `SELECT id, model, note, examples, created_at FROM listening_models WHERE kind = ? AND active = 1`, kind).
		Scan(&m.ID, &m.Model, &m.Note, &m.Examples, &at)
	m.CreatedAt = fromMicros(at)
	return m, notFound(err, "Model")
}

// ListeningModels lists the versions, newest first, without their blobs.
func (db *DB) ListeningModels(ctx context.Context) ([]ListeningModel, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, kind, note, examples, active, created_at FROM listening_models ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListeningModel
	for rows.Next() {
		var m ListeningModel
		var active int
		var at int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.Note, &m.Examples, &active, &at); err != nil {
			return nil, err
		}
		m.Active, m.CreatedAt = active != 0, fromMicros(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ListeningFeedback is an agent's correction of a post's classification.
type ListeningFeedback struct {
	ID       int64
	PostID   int64
	PersonID int64
	Kind     string // "support" or "category"
	Label    string
	Text     string
	Applied  bool
}

// AddListeningFeedback stores a correction as a training example.
func (db *DB) AddListeningFeedback(ctx context.Context, f ListeningFeedback) (int64, error) {
	return db.insert(ctx, db.w, `INSERT INTO listening_feedback (post_id, person_id, kind, label, text, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.PostID, f.PersonID, f.Kind, f.Label, f.Text, toMicros(db.now()))
}

// PendingListeningFeedback lists corrections of a kind not yet applied.
func (db *DB) PendingListeningFeedback(ctx context.Context, kind string) ([]ListeningFeedback, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, post_id, person_id, kind, label, text FROM listening_feedback WHERE kind = ? AND applied = 0 ORDER BY id`, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListeningFeedback
	for rows.Next() {
		var f ListeningFeedback
		if err := rows.Scan(&f.ID, &f.PostID, &f.PersonID, &f.Kind, &f.Label, &f.Text); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// suggestionColumns names the listening_posts and tickets column of each
// suggested field: the same name in both tables.
var suggestionColumns = map[string]string{"category": "category", "service": "service", "impact": "impact", "urgency": "urgency"}

// ticketCorrections is the FROM and WHERE of the posts that were given a
// suggestion for a field and whose ticket was resolved or closed with
// another value in it, not yet taken as a correction of that kind. A post
// suggested nothing (no model at the time) teaches nothing: a ticket's
// impact of medium may be no more than the default. Its argument is the
// kind.
func ticketCorrections(col string) string {
	return ` FROM listening_posts p JOIN tickets t ON t.id = p.ticket_id
		WHERE p.ticket_id <> 0 AND p.support = 1 AND t.state IN ('resolved', 'closed')
		AND p.` + col + ` <> '' AND t.` + col + ` <> '' AND t.` + col + ` <> p.` + col + `
		AND NOT EXISTS (SELECT 1 FROM listening_feedback f WHERE f.post_id = p.id AND f.kind = ?)`
}

// CountTicketCorrections counts the posts whose resolved or closed ticket
// ended with a value of the field kind (category, service, impact or
// urgency) other than the one suggested, and that AddTicketCorrections has
// not taken yet.
func (db *DB) CountTicketCorrections(ctx context.Context, kind string) (int, error) {
	col, ok := suggestionColumns[kind]
	if !ok {
		return 0, fmt.Errorf("store: no suggested field %q", kind)
	}
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(*)`+ticketCorrections(col), kind).Scan(&n)
	return n, err
}

// AddTicketCorrections stores, as pending corrections of kind, the value
// that each counted ticket ended with, labelling its post's text: an
// agent who set the service of a ticket teaches the service model. The
// person is the ticket's assignee (0 when none). Each post gives at most
// one correction of a kind, however often this runs. It returns how many
// were added.
func (db *DB) AddTicketCorrections(ctx context.Context, kind string) (int, error) {
	col, ok := suggestionColumns[kind]
	if !ok {
		return 0, fmt.Errorf("store: no suggested field %q", kind)
	}
	res, err := db.exec(ctx, db.w, `INSERT INTO listening_feedback (post_id, person_id, kind, label, text, created_at)
		SELECT p.id, t.assignee_id, CAST(? AS TEXT), t.`+col+`, p.text, CAST(? AS BIGINT)`+ticketCorrections(col), kind, toMicros(db.now()), kind)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// TicketExample is a past ticket's title and description with the value
// of one of its fields: a training example for a suggestion model.
type TicketExample struct {
	Text  string
	Label string
}

// resolvedTickets is the WHERE of the tickets the suggestion models learn
// from: resolved or closed, so an agent has had the last word on their
// fields, and not major incidents, whose text is written by the desk
// rather than by the person who had the trouble.
const resolvedTickets = ` WHERE state IN ('resolved', 'closed') AND major = 0`

// ResolvedTicketExamples returns up to limit resolved or closed tickets,
// newest first, that have a value in field (category, service, impact or
// urgency): each ticket's title and description, and that value.
func (db *DB) ResolvedTicketExamples(ctx context.Context, field string, limit int) ([]TicketExample, error) {
	col, ok := suggestionColumns[field]
	if !ok {
		return nil, fmt.Errorf("store: no suggested field %q", field)
	}
	rows, err := db.query(ctx, db.db, `SELECT title, description, `+col+` FROM tickets`+resolvedTickets+` AND `+col+` <> '' ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TicketExample
	for rows.Next() {
		var title, desc string
		var e TicketExample
		if err := rows.Scan(&title, &desc, &e.Label); err != nil {
			return nil, err
		}
		e.Text = strings.TrimSpace(title + "\n" + desc)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ResolvedTicketCount is how many resolved or closed tickets have a
// value in a field, and how many different values they have.
type ResolvedTicketCount struct {
	Tickets int
	Labels  int
}

// ResolvedTicketCounts counts, for each field a suggestion model learns
// (category, service, impact and urgency), the tickets that
// ResolvedTicketExamples would return with no limit, in one pass over the
// tickets.
func (db *DB) ResolvedTicketCounts(ctx context.Context) (map[string]ResolvedTicketCount, error) {
	fields := slices.Sorted(maps.Keys(suggestionColumns))
	var sel []string
	dest := make([]any, 0, 2*len(fields))
	counts := make([]ResolvedTicketCount, len(fields))
	for i, f := range fields {
		col := suggestionColumns[f]
		sel = append(sel, `COUNT(NULLIF(`+col+`, '')), COUNT(DISTINCT NULLIF(`+col+`, ''))`)
		dest = append(dest, &counts[i].Tickets, &counts[i].Labels)
	}
	if err := db.queryRow(ctx, db.db, `SELECT `+strings.Join(sel, ", ")+` FROM tickets`+resolvedTickets).Scan(dest...); err != nil {
		return nil, err
	}
	out := make(map[string]ResolvedTicketCount, len(fields))
	for i, f := range fields {
		out[f] = counts[i]
	}
	return out, nil
}

// AddListeningModelFromFeedback stores a model version built from the
// corrections with the given ids, makes it active and marks those
// corrections applied, all in one transaction.
func (db *DB) AddListeningModelFromFeedback(ctx context.Context, m ListeningModel, feedbackIDs []int64) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `UPDATE listening_models SET active = 0 WHERE kind = ?`, m.Kind); err != nil {
			return err
		}
		var err error
		if id, err = db.insert(ctx, tx, `INSERT INTO listening_models (kind, model, note, examples, active, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
			m.Kind, m.Model, m.Note, m.Examples, toMicros(db.now())); err != nil {
			return err
		}
		for _, f := range feedbackIDs {
			if _, err := db.exec(ctx, tx, `UPDATE listening_feedback SET applied = 1 WHERE id = ?`, f); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// ListeningReply is an acknowledgement for a public post: held for an
// agent, sent, or rejected.
type ListeningReply struct {
	ID        int64
	PostID    int64
	TicketID  int64
	Channel   string
	Thread    string
	Body      string
	State     string // "held", "sent", "rejected"
	CreatedAt time.Time
	DecidedBy int64
}

// AddListeningReply records a reply for a thread. A thread has at most
// one: fresh is false when it already had one, and nothing is stored.
func (db *DB) AddListeningReply(ctx context.Context, r ListeningReply) (id int64, fresh bool, err error) {
	id, err = db.insert(ctx, db.w, `INSERT INTO listening_replies (post_id, ticket_id, channel, thread, body, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, thread) DO NOTHING`, r.PostID, r.TicketID, r.Channel, r.Thread, r.Body, r.State, toMicros(db.now()))
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return id, err == nil, err
}

// DecideListeningReply moves a held reply to state (sent or rejected).
// It returns the reply; ECONFLICT when it was not held any more.
func (db *DB) DecideListeningReply(ctx context.Context, id, personID int64, state string) (ListeningReply, error) {
	res, err := db.exec(ctx, db.w, `UPDATE listening_replies SET state = ?, decided_by = ? WHERE id = ? AND state = 'held'`, state, personID, id)
	if err != nil {
		return ListeningReply{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ListeningReply{}, socialdesk.Errorf(socialdesk.ECONFLICT, "This reply was already decided or does not exist.")
	}
	rs, err := db.listeningReplies(ctx, `WHERE id = ?`, id)
	if err != nil || len(rs) == 0 {
		return ListeningReply{}, notFound(sql.ErrNoRows, "Reply")
	}
	return rs[0], nil
}

// ListeningReplies lists replies since a time, newest first.
func (db *DB) ListeningReplies(ctx context.Context, since time.Time) ([]ListeningReply, error) {
	return db.listeningReplies(ctx, `WHERE created_at >= ? ORDER BY id DESC`, toMicros(since))
}

func (db *DB) listeningReplies(ctx context.Context, where string, args ...any) ([]ListeningReply, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, post_id, ticket_id, channel, thread, body, state, created_at, decided_by FROM listening_replies `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListeningReply
	for rows.Next() {
		var r ListeningReply
		var at int64
		if err := rows.Scan(&r.ID, &r.PostID, &r.TicketID, &r.Channel, &r.Thread, &r.Body, &r.State, &at, &r.DecidedBy); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// StatusUpdate is one public update on a major incident.
type StatusUpdate struct {
	ID        int64
	TicketID  int64
	AuthorID  int64
	Body      string
	Resolved  bool
	CreatedAt time.Time
}

// AddStatusUpdate stores an update and returns its id.
func (db *DB) AddStatusUpdate(ctx context.Context, u StatusUpdate) (int64, error) {
	return db.insert(ctx, db.w, `INSERT INTO status_updates (ticket_id, author_id, body, resolved, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.TicketID, u.AuthorID, u.Body, boolInt(u.Resolved), toMicros(db.now()))
}

// StatusUpdates lists the updates of a ticket (0 for all), oldest first.
func (db *DB) StatusUpdates(ctx context.Context, ticketID int64) ([]StatusUpdate, error) {
	if ticketID == 0 {
		return db.statusUpdates(ctx, "")
	}
	return db.statusUpdates(ctx, " WHERE ticket_id = ?", ticketID)
}

// StatusUpdatesOf lists the updates of each of the tickets, oldest first,
// by ticket, in one query; a ticket without updates has no entry.
func (db *DB) StatusUpdatesOf(ctx context.Context, ticketIDs []int64) (map[int64][]StatusUpdate, error) {
	out := map[int64][]StatusUpdate{}
	if len(ticketIDs) == 0 {
		return out, nil
	}
	ups, err := db.statusUpdates(ctx, " WHERE ticket_id IN ("+placeholders(len(ticketIDs))+")", idArgs(ticketIDs)...)
	if err != nil {
		return nil, err
	}
	for _, u := range ups {
		out[u.TicketID] = append(out[u.TicketID], u)
	}
	return out, nil
}

// statusUpdates lists the status updates that match where, oldest first.
func (db *DB) statusUpdates(ctx context.Context, where string, args ...any) ([]StatusUpdate, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, ticket_id, author_id, body, resolved, created_at FROM status_updates`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StatusUpdate
	for rows.Next() {
		var u StatusUpdate
		var res int
		var at int64
		if err := rows.Scan(&u.ID, &u.TicketID, &u.AuthorID, &u.Body, &res, &at); err != nil {
			return nil, err
		}
		u.Resolved, u.CreatedAt = res != 0, fromMicros(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// ReportCounts counts the tickets linked to each of the major incidents,
// in one query; an incident without reports has no entry.
func (db *DB) ReportCounts(ctx context.Context, incidentIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(incidentIDs) == 0 {
		return out, nil
	}
	rows, err := db.query(ctx, db.db, `SELECT parent_id, COUNT(*) FROM tickets WHERE parent_id IN (`+
		placeholders(len(incidentIDs))+`) GROUP BY parent_id`, idArgs(incidentIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// MajorIncidents lists major-incident tickets, newest first.
func (db *DB) MajorIncidents(ctx context.Context, limit int) ([]*socialdesk.Ticket, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+ticketColumns+` FROM tickets WHERE major = 1 ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ThreadAcked reports whether a thread already had an automatic
// acknowledgement (from the ingest pipeline or from listening).
func (db *DB) ThreadAcked(ctx context.Context, channel, threadID string) (bool, error) {
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM channel_acks WHERE channel = ? AND thread_id = ?`, channel, threadID).Scan(&n)
	return n > 0, err
}
