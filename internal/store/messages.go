package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/socialdesk/socialdesk"
)

const messageColumns = `id, ticket_id, author_id, internal, body, channel, external_id, direction, delivery_state, created_at`

func scanMessage(row interface{ Scan(...any) error }) (*socialdesk.Message, error) {
	var m socialdesk.Message
	var internal int
	var created int64
	if err := row.Scan(&m.ID, &m.TicketID, &m.AuthorID, &internal, &m.Body, &m.Channel, &m.ExternalID, &m.Direction, &m.DeliveryState, &created); err != nil {
		return nil, err
	}
	m.Internal = internal != 0
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

// NewAttachment is a file to store with a message.
type NewAttachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// AddMessage appends a message to a ticket's thread, with its attachments,
// and saves the ticket with the events the message caused (or, when t is
// nil, touches the ticket's updated time), in one transaction. When the
// message's external id was stored before it returns a *DuplicateError and
// writes nothing.
func (db *DB) AddMessage(ctx context.Context, m *socialdesk.Message, files []NewAttachment, t *socialdesk.Ticket, events []socialdesk.Event) error {
	return db.dedupe(ctx, m, func(tx *sql.Tx) error {
		if m.ExternalID != "" {
			if old, err := db.messageByExternalID(ctx, tx, m.Channel, m.ExternalID); err == nil {
				return &DuplicateError{MessageID: old.ID, TicketID: old.TicketID}
			} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
				return err
			}
		}
		if err := db.addMessage(ctx, tx, m); err != nil {
			return err
		}
		for _, f := range files {
			sum := sha256.Sum256(f.Data)
			id, err := db.insert(ctx, tx, `INSERT INTO attachments (message_id, name, content_type, size, sha256, data) VALUES (?, ?, ?, ?, ?, ?)`,
				m.ID, f.Name, f.ContentType, len(f.Data), hex.EncodeToString(sum[:]), f.Data)
			if err != nil {
				return err
			}
			m.Attachments = append(m.Attachments, socialdesk.Attachment{ID: id, MessageID: m.ID, Name: f.Name, ContentType: f.ContentType, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:])})
		}
		if t != nil {
			return db.saveTicket(ctx, tx, t, events)
		}
		if _, err := db.exec(ctx, tx, `UPDATE tickets SET updated_at = ? WHERE id = ?`, toMicros(m.CreatedAt), m.TicketID); err != nil {
			return err
		}
		return db.addEvents(ctx, tx, m.TicketID, events)
	})
}

// errRace reports that a concurrent writer stored the same external id
// first; the transaction is rolled back and the caller reports a duplicate.
var errRace = errors.New("store: external id stored concurrently")

// dedupe runs fn in a transaction; when fn loses a race on m's external id,
// it reports the message stored by the winner as a *DuplicateError.
func (db *DB) dedupe(ctx context.Context, m *socialdesk.Message, fn func(tx *sql.Tx) error) error {
	err := db.inTx(ctx, fn)
	if errors.Is(err, errRace) && m != nil {
		old, ferr := db.messageByExternalID(ctx, db.db, m.Channel, m.ExternalID)
		if ferr != nil {
			return ferr
		}
		return &DuplicateError{MessageID: old.ID, TicketID: old.TicketID}
	}
	return err
}

func (db *DB) addMessage(ctx context.Context, tx *sql.Tx, m *socialdesk.Message) error {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = db.now().UTC()
	}
	id, err := db.insert(ctx, tx, `INSERT INTO messages (ticket_id, author_id, internal, body, channel, external_id, direction, delivery_state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.TicketID, m.AuthorID, boolInt(m.Internal), m.Body, m.Channel, m.ExternalID, m.Direction, m.DeliveryState, toMicros(m.CreatedAt))
	if isUniqueViolation(err) {
		return errRace
	} else if err != nil {
		return err
	}
	m.ID = id
	return nil
}

// Messages returns a ticket's thread, oldest first, with attachment
// metadata (not the data).
func (db *DB) Messages(ctx context.Context, ticketID int64) ([]*socialdesk.Message, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+messageColumns+` FROM messages WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	var out []*socialdesk.Message
	byID := map[int64]*socialdesk.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
		byID[m.ID] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	arows, err := db.query(ctx, db.db, `SELECT a.id, a.message_id, a.name, a.content_type, a.size, a.sha256 FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = ? ORDER BY a.id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var a socialdesk.Attachment
		if err := arows.Scan(&a.ID, &a.MessageID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, err
		}
		if m := byID[a.MessageID]; m != nil {
			m.Attachments = append(m.Attachments, a)
		}
	}
	return out, arows.Err()
}

// SetDeliveryState records whether an outbound reply reached its channel,
// and the external id it got there.
func (db *DB) SetDeliveryState(ctx context.Context, messageID int64, state, externalID string) error {
	if externalID != "" {
		_, err := db.exec(ctx, db.w, `UPDATE messages SET delivery_state = ?, external_id = ? WHERE id = ?`, state, externalID, messageID)
		return err
	}
	_, err := db.exec(ctx, db.w, `UPDATE messages SET delivery_state = ? WHERE id = ?`, state, messageID)
	return err
}

// Attachment returns an attachment's metadata, the ticket it belongs to and
// its data.
func (db *DB) Attachment(ctx context.Context, id int64) (socialdesk.Attachment, int64, []byte, error) {
	var a socialdesk.Attachment
	var ticketID int64
	var data []byte
	err := db.queryRow(ctx, db.db, `SELECT a.id, a.message_id, a.name, a.content_type, a.size, a.sha256, m.ticket_id, a.data FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = ?`, id).
		Scan(&a.ID, &a.MessageID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &ticketID, &data)
	return a, ticketID, data, notFound(err, "Attachment")
}
