package store

import (
	"context"
	"time"

	"github.com/socialdesk/socialdesk"
)

// Session is a signed-in browser session. The cookie holds a random token;
// the database keeps only its hash.
type Session struct {
	TokenHash string
	PersonID  int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s Session) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO sessions (token_hash, person_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		s.TokenHash, s.PersonID, s.CSRF, toMicros(s.CreatedAt), toMicros(s.ExpiresAt))
	return err
}

// Session returns the session with the token hash that has not expired at
// now, or ENOTFOUND. The caller gives the time, from the same clock that
// set the session's expiry.
func (db *DB) Session(ctx context.Context, tokenHash string, now time.Time) (Session, error) {
	var s Session
	var created, expires int64
	err := db.queryRow(ctx, db.db, `SELECT token_hash, person_id, csrf, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, toMicros(now)).
		Scan(&s.TokenHash, &s.PersonID, &s.CSRF, &created, &expires)
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return s, notFound(err, "Session")
}

// DeleteSession ends a session, and removes the sessions that expired
// before now.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string, now time.Time) error {
	_, err := db.exec(ctx, db.w, `DELETE FROM sessions WHERE token_hash = ? OR expires_at < ?`, tokenHash, toMicros(now))
	return err
}

// CreateToken stores the hash of a new API token for a person.
func (db *DB) CreateToken(ctx context.Context, personID int64, name, tokenHash string) (int64, error) {
	return db.insert(ctx, db.w, `INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`, personID, name, tokenHash, toMicros(db.now()))
}

// PersonByToken returns the owner of an API token hash, or ENOTFOUND.
func (db *DB) PersonByToken(ctx context.Context, tokenHash string) (*socialdesk.Person, error) {
	var personID int64
	if err := db.queryRow(ctx, db.db, `SELECT person_id FROM api_tokens WHERE token_hash = ?`, tokenHash).Scan(&personID); err != nil {
		return nil, notFound(err, "Token")
	}
	return db.Person(ctx, personID)
}

// Setting reads a setting's JSON value; ok is false when it was never set.
func (db *DB) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = db.queryRow(ctx, db.db, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if err != nil {
		if socialdesk.ErrorCode(notFound(err, "")) == socialdesk.ENOTFOUND {
			return "", false, nil
		}
		return "", false, err
	}
	return value, true, nil
}

// PutSetting writes a setting.
func (db *DB) PutSetting(ctx context.Context, key, value string) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, toMicros(db.now()))
	return err
}

// Notification is a message for an agent or a group, such as an SLA warning.
type Notification struct {
	ID       int64
	PersonID int64
	GroupID  int64
	TicketID int64
	Kind     string
	Text     string
	// Link is the page the notification leads to when it is not a
	// ticket's (TicketID), for example a community question.
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time
}

// AddNotification stores a notification.
func (db *DB) AddNotification(ctx context.Context, n *Notification) error {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = db.now().UTC()
	}
	id, err := db.insert(ctx, db.w, `INSERT INTO notifications (person_id, group_id, ticket_id, kind, text, link, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		n.PersonID, n.GroupID, n.TicketID, n.Kind, n.Text, n.Link, toMicros(n.CreatedAt))
	n.ID = id
	return err
}

// Notifications lists the newest notifications for a person, including
// those for groups they belong to.
func (db *DB) Notifications(ctx context.Context, personID int64, limit int) ([]Notification, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, person_id, group_id, ticket_id, kind, text, link, created_at, read_at FROM notifications
		WHERE person_id = ? OR group_id IN (SELECT group_id FROM group_members WHERE person_id = ?) ORDER BY id DESC LIMIT ?`, personID, personID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var created, read int64
		if err := rows.Scan(&n.ID, &n.PersonID, &n.GroupID, &n.TicketID, &n.Kind, &n.Text, &n.Link, &created, &read); err != nil {
			return nil, err
		}
		n.CreatedAt, n.ReadAt = fromMicros(created), fromMicros(read)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts a person's own notifications not yet seen on
// the notifications page. Group notifications, shared by the group's
// members, are not counted: one member's visit cannot mark them read for
// the others.
func (db *DB) UnreadNotifications(ctx context.Context, personID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM notifications WHERE person_id = ? AND read_at = 0`, personID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks a person's own notifications up to id as
// read at at.
func (db *DB) MarkNotificationsRead(ctx context.Context, personID, upTo int64, at time.Time) error {
	_, err := db.exec(ctx, db.w, `UPDATE notifications SET read_at = ? WHERE person_id = ? AND read_at = 0 AND id <= ?`, toMicros(at), personID, upTo)
	return err
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    int64
	Action     string
	Target     string
	Detail     string
	RemoteAddr string
}

// Audit appends an entry to the audit log. The store offers no way to change
// or delete entries.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = db.now().UTC()
	}
	_, err := db.exec(ctx, db.w, `INSERT INTO audit_log (at, actor_id, action, target, detail, remote_addr) VALUES (?, ?, ?, ?, ?, ?)`,
		toMicros(e.At), e.ActorID, e.Action, e.Target, e.Detail, e.RemoteAddr)
	return err
}

// AuditLog lists audit entries, newest first, optionally filtered by action
// prefix.
func (db *DB) AuditLog(ctx context.Context, actionPrefix string, limit, offset int) ([]AuditEntry, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, at, actor_id, action, target, detail, remote_addr FROM audit_log WHERE action LIKE ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		actionPrefix+"%", limit, offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Action, &e.Target, &e.Detail, &e.RemoteAddr); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
