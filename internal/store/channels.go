package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/socialdesk/socialdesk"
)

// Channel is a configured connector instance. Config is stored as given;
// the channels package seals it before it gets here.
type Channel struct {
	ID        int64
	Name      string
	Kind      string
	Config    []byte
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

const channelColumns = `id, name, kind, config, enabled, created_at, updated_at`

func scanChannel(row interface{ Scan(...any) error }) (*Channel, error) {
	var c Channel
	var enabled int
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.Config, &enabled, &created, &updated); err != nil {
		return nil, err
	}
	c.Enabled = enabled != 0
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &c, nil
}

// CreateChannel stores a new connector instance and sets c.ID. A name in
// use already is ECONFLICT.
func (db *DB) CreateChannel(ctx context.Context, c *Channel) error {
	now := db.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	id, err := db.insert(ctx, db.w, `INSERT INTO channels (name, kind, config, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.Name, c.Kind, c.Config, boolInt(c.Enabled), toMicros(now), toMicros(now))
	if isUniqueViolation(err) {
		return socialdesk.Errorf(socialdesk.ECONFLICT, "A channel named %q exists already; choose another name or remove it first.", c.Name)
	} else if err != nil {
		return err
	}
	c.ID = id
	return nil
}

// Channels lists every connector instance by name.
func (db *DB) Channels(ctx context.Context) ([]*Channel, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+channelColumns+` FROM channels ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChannelByName returns one connector instance, or ENOTFOUND.
func (db *DB) ChannelByName(ctx context.Context, name string) (*Channel, error) {
	c, err := scanChannel(db.queryRow(ctx, db.db, `SELECT `+channelColumns+` FROM channels WHERE name = ?`, name))
	return c, notFound(err, "Channel")
}

// SetChannelEnabled turns a connector instance on or off.
func (db *DB) SetChannelEnabled(ctx context.Context, name string, enabled bool) error {
	res, err := db.exec(ctx, db.w, `UPDATE channels SET enabled = ?, updated_at = ? WHERE name = ?`, boolInt(enabled), toMicros(db.now()), name)
	return affected(res, err, "Channel")
}

// DeleteChannel removes a connector instance. Messages it stored stay.
func (db *DB) DeleteChannel(ctx context.Context, name string) error {
	res, err := db.exec(ctx, db.w, `DELETE FROM channels WHERE name = ?`, name)
	return affected(res, err, "Channel")
}

func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return socialdesk.Errorf(socialdesk.ENOTFOUND, "%s not found.", what)
	}
	return nil
}

// HeldMessage is an inbound message whose author is not linked to a person
// yet. Payload is the message as JSON, kept to be replayed on release.
type HeldMessage struct {
	ID          int64
	Channel     string
	Kind        string
	ExternalID  string
	AuthorID    string
	AuthorName  string
	AuthorEmail string
	Payload     string
	CreatedAt   time.Time
	ReleasedAt  time.Time
}

const heldColumns = `id, channel, kind, external_id, author_id, author_name, author_email, payload, created_at, released_at`

func scanHeld(row interface{ Scan(...any) error }) (*HeldMessage, error) {
	var h HeldMessage
	var created, released int64
	if err := row.Scan(&h.ID, &h.Channel, &h.Kind, &h.ExternalID, &h.AuthorID, &h.AuthorName, &h.AuthorEmail, &h.Payload, &created, &released); err != nil {
		return nil, err
	}
	h.CreatedAt, h.ReleasedAt = fromMicros(created), fromMicros(released)
	return &h, nil
}

// HoldMessage stores a held message unless one with the same channel and
// external id is held already. It returns the stored row and whether it was
// new.
func (db *DB) HoldMessage(ctx context.Context, h *HeldMessage) (*HeldMessage, bool, error) {
	if h.CreatedAt.IsZero() {
		h.CreatedAt = db.now().UTC()
	}
	res, err := db.exec(ctx, db.w, `INSERT INTO held_messages (channel, kind, external_id, author_id, author_name, author_email, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING`,
		h.Channel, h.Kind, h.ExternalID, h.AuthorID, h.AuthorName, h.AuthorEmail, h.Payload, toMicros(h.CreatedAt))
	if err != nil {
		return nil, false, err
	}
	n, _ := res.RowsAffected()
	stored, err := db.HeldByKey(ctx, h.Channel, h.ExternalID)
	return stored, n > 0, err
}

// HeldByKey finds a held message by its idempotency key, or ENOTFOUND.
func (db *DB) HeldByKey(ctx context.Context, channel, externalID string) (*HeldMessage, error) {
	h, err := scanHeld(db.queryRow(ctx, db.db, `SELECT `+heldColumns+` FROM held_messages WHERE channel = ? AND external_id = ?`, channel, externalID))
	return h, notFound(err, "Held message")
}

// HeldMessage returns one held message, or ENOTFOUND.
func (db *DB) HeldMessage(ctx context.Context, id int64) (*HeldMessage, error) {
	h, err := scanHeld(db.queryRow(ctx, db.db, `SELECT `+heldColumns+` FROM held_messages WHERE id = ?`, id))
	return h, notFound(err, "Held message")
}

// HeldMessages lists messages still held (not released), oldest first.
// With kind and authorID set it lists only that author's.
func (db *DB) HeldMessages(ctx context.Context, kind, authorID string, limit int) ([]*HeldMessage, error) {
	if limit <= 0 {
		limit = 200
	}
	q := `SELECT ` + heldColumns + ` FROM held_messages WHERE released_at = 0`
	var args []any
	if kind != "" {
		q += ` AND kind = ? AND author_id = ?`
		args = append(args, kind, authorID)
	}
	q += ` ORDER BY id LIMIT ?`
	rows, err := db.query(ctx, db.db, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*HeldMessage
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ReleaseHeld marks a held message as released into the queue.
func (db *DB) ReleaseHeld(ctx context.Context, id int64) error {
	res, err := db.exec(ctx, db.w, `UPDATE held_messages SET released_at = ? WHERE id = ?`, toMicros(db.now()), id)
	return affected(res, err, "Held message")
}

// SetThread records that a channel's conversation belongs to a ticket. The
// first mapping wins; later calls for the same thread change nothing.
func (db *DB) SetThread(ctx context.Context, channel, threadID string, ticketID int64) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO channel_threads (channel, thread_id, ticket_id) VALUES (?, ?, ?) ON CONFLICT (channel, thread_id) DO NOTHING`, channel, threadID, ticketID)
	return err
}

// ThreadTicket returns the ticket a channel's conversation belongs to, or
// ENOTFOUND.
func (db *DB) ThreadTicket(ctx context.Context, channel, threadID string) (int64, error) {
	var id int64
	err := db.queryRow(ctx, db.db, `SELECT ticket_id FROM channel_threads WHERE channel = ? AND thread_id = ?`, channel, threadID).Scan(&id)
	return id, notFound(err, "Thread")
}

// TicketThread returns the first conversation recorded for a ticket as its
// channel and thread id, or ENOTFOUND.
func (db *DB) TicketThread(ctx context.Context, ticketID int64) (channel, threadID string, err error) {
	err = db.queryRow(ctx, db.db, `SELECT channel, thread_id FROM channel_threads WHERE ticket_id = ? ORDER BY channel, thread_id LIMIT 1`, ticketID).Scan(&channel, &threadID)
	return channel, threadID, notFound(err, "Thread")
}

// RecordAck records an automatic acknowledgement for a thread. It returns
// false, changing nothing, when the thread was acknowledged before.
func (db *DB) RecordAck(ctx context.Context, channel, threadID, authorID string, ticketID int64, at time.Time) (bool, error) {
	res, err := db.exec(ctx, db.w, `INSERT INTO channel_acks (channel, thread_id, author_id, ticket_id, sent_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, thread_id) DO NOTHING`,
		channel, threadID, authorID, ticketID, toMicros(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CountAcks counts the acknowledgements sent to an author on a channel
// since a time.
func (db *DB) CountAcks(ctx context.Context, channel, authorID string, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM channel_acks WHERE channel = ? AND author_id = ? AND sent_at >= ?`, channel, authorID, toMicros(since)).Scan(&n)
	return n, err
}

// QueuedMessages returns outbound messages waiting to be sent whose next
// attempt is due at now, oldest first.
func (db *DB) QueuedMessages(ctx context.Context, now time.Time, limit int) ([]*socialdesk.Message, error) {
	rows, err := db.query(ctx, db.db, `SELECT m.id, m.ticket_id, m.author_id, m.internal, m.body, m.channel, m.external_id, m.direction, m.delivery_state, m.created_at
		FROM messages m LEFT JOIN outbound_attempts a ON a.message_id = m.id
		WHERE m.delivery_state = 'queued' AND COALESCE(a.next_at, 0) <= ? ORDER BY m.id LIMIT ?`, toMicros(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboundAttempt is the delivery record of one outbound message.
type OutboundAttempt struct {
	MessageID int64
	Attempts  int
	NextAt    time.Time
	LastError string
}

// Attempt returns the delivery record of a message; a message never tried
// has a zero record.
func (db *DB) Attempt(ctx context.Context, messageID int64) (OutboundAttempt, error) {
	a := OutboundAttempt{MessageID: messageID}
	var next int64
	err := db.queryRow(ctx, db.db, `SELECT attempts, next_at, last_error FROM outbound_attempts WHERE message_id = ?`, messageID).Scan(&a.Attempts, &next, &a.LastError)
	if err == sql.ErrNoRows {
		return a, nil
	}
	a.NextAt = fromMicros(next)
	return a, err
}

// RecordAttempt saves a message's delivery record.
func (db *DB) RecordAttempt(ctx context.Context, a OutboundAttempt) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO outbound_attempts (message_id, attempts, next_at, last_error) VALUES (?, ?, ?, ?)
		ON CONFLICT (message_id) DO UPDATE SET attempts = excluded.attempts, next_at = excluded.next_at, last_error = excluded.last_error`,
		a.MessageID, a.Attempts, toMicros(a.NextAt), a.LastError)
	return err
}

// LatestInbound returns the newest message of a ticket that came in from a
// channel with an external id, or ENOTFOUND.
func (db *DB) LatestInbound(ctx context.Context, ticketID int64) (*socialdesk.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, db.db, `SELECT `+messageColumns+` FROM messages WHERE ticket_id = ? AND direction = 'in' AND external_id <> '' ORDER BY id DESC LIMIT 1`, ticketID))
	return m, notFound(err, "Message")
}

// LoadCursor returns a connector's saved position for key, "" when none.
func (db *DB) LoadCursor(ctx context.Context, channel, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, db.db, `SELECT value FROM connector_cursors WHERE channel = ? AND key = ?`, channel, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// SaveCursor saves a connector's position for key.
func (db *DB) SaveCursor(ctx context.Context, channel, key, value string) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO connector_cursors (channel, key, value) VALUES (?, ?, ?) ON CONFLICT (channel, key) DO UPDATE SET value = excluded.value`, channel, key, value)
	return err
}

// MarkSent records that an outbound message reached its channel: its
// delivery state becomes "sent" and it takes the connector instance name
// and the id it got there, so answers to it thread back to its ticket.
func (db *DB) MarkSent(ctx context.Context, messageID int64, channel, externalID string) error {
	if externalID == "" {
		_, err := db.exec(ctx, db.w, `UPDATE messages SET delivery_state = 'sent', channel = ? WHERE id = ?`, channel, messageID)
		return err
	}
	_, err := db.exec(ctx, db.w, `UPDATE messages SET delivery_state = 'sent', channel = ?, external_id = ? WHERE id = ?`, channel, externalID, messageID)
	return err
}

// MoveThread points a channel's conversation at a ticket, replacing any
// earlier mapping; a follow-up ticket takes over its conversation this way.
func (db *DB) MoveThread(ctx context.Context, channel, threadID string, ticketID int64) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO channel_threads (channel, thread_id, ticket_id) VALUES (?, ?, ?) ON CONFLICT (channel, thread_id) DO UPDATE SET ticket_id = excluded.ticket_id`, channel, threadID, ticketID)
	return err
}

// ClaimDelivery reserves a queued message for one sender until leaseUntil,
// so two workers (or two nodes) never send the same reply at once. It
// reports false when another worker holds it or its next attempt is not
// due. A sender that dies loses the lease when it expires, and the reply is
// tried again.
func (db *DB) ClaimDelivery(ctx context.Context, messageID int64, now, leaseUntil time.Time) (bool, error) {
	claimed := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `INSERT INTO outbound_attempts (message_id, attempts, next_at, last_error) VALUES (?, 0, 0, '') ON CONFLICT (message_id) DO NOTHING`, messageID); err != nil {
			return err
		}
		res, err := db.exec(ctx, tx, `UPDATE outbound_attempts SET next_at = ? WHERE message_id = ? AND next_at <= ?`, toMicros(leaseUntil), messageID, toMicros(now))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	return claimed, err
}
