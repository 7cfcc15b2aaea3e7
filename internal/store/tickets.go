package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
)

const ticketColumns = `id, type, seq, title, description, state, impact, urgency, priority, group_id, assignee_id, requester_id, category, service, channel, parent_id, major, source_question_id, created_at, updated_at, resolved_at, closed_at, response_target, resolution_target, response_due, resolution_due, responded_at, paused, paused_since, sla_warned, sla_breached, next_due`

func scanTicket(row interface{ Scan(...any) error }) (*socialdesk.Ticket, error) {
	var t socialdesk.Ticket
	var typ, state, impact, urgency string
	var prio, major int
	var created, updated, resolved, closed, respDue, resoDue, responded, pausedSince int64
	var respTarget, resoTarget, paused, nextCheck int64
	err := row.Scan(&t.ID, &typ, &t.Seq, &t.Title, &t.Description, &state, &impact, &urgency, &prio, &t.GroupID, &t.AssigneeID, &t.RequesterID,
		&t.Category, &t.Service, &t.Channel, &t.ParentID, &major, &t.SourceQuestionID, &created, &updated, &resolved, &closed,
		&respTarget, &resoTarget, &respDue, &resoDue, &responded, &paused, &pausedSince, &t.SLA.Warned, &t.SLA.Breached, &nextCheck)
	if err != nil {
		return nil, err
	}
	t.Type, t.State = socialdesk.TicketType(typ), socialdesk.State(state)
	t.Impact, t.Urgency, t.Priority = socialdesk.Level(impact), socialdesk.Level(urgency), socialdesk.Priority(prio)
	t.Major = major != 0
	t.CreatedAt, t.UpdatedAt, t.ResolvedAt, t.ClosedAt = fromMicros(created), fromMicros(updated), fromMicros(resolved), fromMicros(closed)
	t.SLA.ResponseTarget, t.SLA.ResolutionTarget = time.Duration(respTarget), time.Duration(resoTarget)
	t.SLA.ResponseDue, t.SLA.ResolutionDue = fromMicros(respDue), fromMicros(resoDue)
	t.SLA.RespondedAt, t.SLA.PausedSince = fromMicros(responded), fromMicros(pausedSince)
	t.SLA.Paused = time.Duration(paused)
	t.SLA.NextCheck = fromMicros(nextCheck)
	return &t, nil
}

// ErrDuplicate is wrapped in the error returned when an inbound message's
// idempotency key (channel + external id) has been stored before.
var ErrDuplicate = errors.New("store: duplicate message")

// DuplicateError carries the ids already stored for a duplicate message.
type DuplicateError struct {
	MessageID, TicketID int64
}

func (e *DuplicateError) Error() string { return ErrDuplicate.Error() }
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// MessageByExternalID finds a stored message by its idempotency key.
func (db *DB) MessageByExternalID(ctx context.Context, channel, externalID string) (*socialdesk.Message, error) {
	return db.messageByExternalID(ctx, db.db, channel, externalID)
}

func (db *DB) messageByExternalID(ctx context.Context, q querier, channel, externalID string) (*socialdesk.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, q, `SELECT `+messageColumns+` FROM messages WHERE channel = ? AND external_id = ?`, channel, externalID))
	if err != nil {
		return nil, notFound(err, "Message")
	}
	return m, nil
}

// CreateTicket stores a new ticket, its first message (optional) and its
// history events in one transaction, giving the ticket the next number of its
// type. When first carries an external id that is stored already, nothing is
// written and a *DuplicateError is returned.
func (db *DB) CreateTicket(ctx context.Context, t *socialdesk.Ticket, first *socialdesk.Message, events []socialdesk.Event) error {
	return db.dedupe(ctx, first, func(tx *sql.Tx) error {
		if first != nil && first.ExternalID != "" {
			if m, err := db.messageByExternalID(ctx, tx, first.Channel, first.ExternalID); err == nil {
				return &DuplicateError{MessageID: m.ID, TicketID: m.TicketID}
			} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
				return err
			}
		}
		seq, err := db.nextSeq(ctx, tx, "ticket_"+string(t.Type))
		if err != nil {
			return err
		}
		t.Seq = seq
		id, err := db.insert(ctx, tx, `INSERT INTO tickets (`+strings.TrimPrefix(ticketColumns, "id, ")+`) VALUES (`+placeholders(31)+`)`, ticketArgs(t)...)
		if err != nil {
			return err
		}
		t.ID = id
		if first != nil {
			first.TicketID = id
			if err := db.addMessage(ctx, tx, first); err != nil {
				return err
			}
		}
		return db.addEvents(ctx, tx, id, events)
	})
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ticketArgs lists t's fields in ticketColumns order, without the id.
func ticketArgs(t *socialdesk.Ticket) []any {
	return []any{string(t.Type), t.Seq, t.Title, t.Description, string(t.State), string(t.Impact), string(t.Urgency), int(t.Priority),
		t.GroupID, t.AssigneeID, t.RequesterID, t.Category, t.Service, t.Channel, t.ParentID, boolInt(t.Major), t.SourceQuestionID,
		toMicros(t.CreatedAt), toMicros(t.UpdatedAt), toMicros(t.ResolvedAt), toMicros(t.ClosedAt),
		int64(t.SLA.ResponseTarget), int64(t.SLA.ResolutionTarget), toMicros(t.SLA.ResponseDue), toMicros(t.SLA.ResolutionDue),
		toMicros(t.SLA.RespondedAt), int64(t.SLA.Paused), toMicros(t.SLA.PausedSince), t.SLA.Warned, t.SLA.Breached, toMicros(t.SLA.NextCheck)}
}

// nextSeq increments and returns a named counter inside tx.
func (db *DB) nextSeq(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	if _, err := db.exec(ctx, tx, `INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, err
	}
	var v int64
	err := db.queryRow(ctx, tx, `UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value`, name).Scan(&v)
	return v, err
}

// SaveTicket writes every mutable field of t and appends the history events,
// in one transaction. It returns ENOTFOUND when the ticket is gone.
func (db *DB) SaveTicket(ctx context.Context, t *socialdesk.Ticket, events []socialdesk.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.saveTicket(ctx, tx, t, events) })
}

func (db *DB) saveTicket(ctx context.Context, tx *sql.Tx, t *socialdesk.Ticket, events []socialdesk.Event) error {
	res, err := db.exec(ctx, tx, `UPDATE tickets SET type = ?, seq = ?, title = ?, description = ?, state = ?, impact = ?, urgency = ?, priority = ?, group_id = ?, assignee_id = ?, requester_id = ?, category = ?, service = ?, channel = ?, parent_id = ?, major = ?, source_question_id = ?, created_at = ?, updated_at = ?, resolved_at = ?, closed_at = ?, response_target = ?, resolution_target = ?, response_due = ?, resolution_due = ?, responded_at = ?, paused = ?, paused_since = ?, sla_warned = ?, sla_breached = ?, next_due = ? WHERE id = ?`,
		append(ticketArgs(t), t.ID)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return socialdesk.Errorf(socialdesk.ENOTFOUND, "Ticket not found.")
	}
	return db.addEvents(ctx, tx, t.ID, events)
}

func (db *DB) addEvents(ctx context.Context, tx *sql.Tx, ticketID int64, events []socialdesk.Event) error {
	for i := range events {
		e := &events[i]
		e.TicketID = ticketID
		if e.At.IsZero() {
			e.At = db.now().UTC()
		}
		id, err := db.insert(ctx, tx, `INSERT INTO ticket_events (ticket_id, actor_id, field, old_value, new_value, at) VALUES (?, ?, ?, ?, ?, ?)`,
			ticketID, e.ActorID, e.Field, e.Old, e.New, toMicros(e.At))
		if err != nil {
			return err
		}
		e.ID = id
	}
	return nil
}

// Ticket returns one ticket, or ENOTFOUND.
func (db *DB) Ticket(ctx context.Context, id int64) (*socialdesk.Ticket, error) {
	t, err := scanTicket(db.queryRow(ctx, db.db, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id))
	return t, notFound(err, "Ticket")
}

// TicketByNumber returns the ticket with a number such as INC-000123.
func (db *DB) TicketByNumber(ctx context.Context, number string) (*socialdesk.Ticket, error) {
	typ, seq, ok := socialdesk.ParseNumber(number)
	if !ok {
		return nil, socialdesk.Errorf(socialdesk.ENOTFOUND, "Ticket %s not found.", number)
	}
	t, err := scanTicket(db.queryRow(ctx, db.db, `SELECT `+ticketColumns+` FROM tickets WHERE type = ? AND seq = ?`, string(typ), seq))
	return t, notFound(err, "Ticket")
}

// Tickets lists the tickets matching f, and the total count ignoring the
// offset and limit.
func (db *DB) Tickets(ctx context.Context, f socialdesk.TicketFilter) ([]*socialdesk.Ticket, int, error) {
	where, args := ticketWhere(f)
	var total int
	if err := db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM tickets`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := ` ORDER BY priority, created_at, id`
	switch f.Sort {
	case "created":
		order = ` ORDER BY created_at DESC, id DESC`
	case "updated":
		order = ` ORDER BY updated_at DESC, id DESC`
	case "due":
		order = ` ORDER BY CASE WHEN resolution_due = 0 THEN 1 ELSE 0 END, resolution_due, id`
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	rows, err := db.query(ctx, db.db, `SELECT `+ticketColumns+` FROM tickets`+where+order+` LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*socialdesk.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// argsOf turns a filter's values into query arguments, one each, through
// conv (for example a State into its string); idArgs does it for ids.
func argsOf[T any](vals []T, conv func(T) any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = conv(v)
	}
	return out
}

func ticketWhere(f socialdesk.TicketFilter) (string, []any) {
	var conds []string
	var args []any
	in := func(col string, vals []any) {
		conds = append(conds, col+" IN ("+placeholders(len(vals))+")")
		args = append(args, vals...)
	}
	if len(f.IDs) > 0 {
		in("id", idArgs(f.IDs))
	}
	if len(f.States) > 0 {
		in("state", argsOf(f.States, func(v socialdesk.State) any { return string(v) }))
	}
	if f.OpenOnly {
		conds = append(conds, "state NOT IN ('resolved', 'closed')")
	}
	if len(f.Priorities) > 0 {
		in("priority", argsOf(f.Priorities, func(v socialdesk.Priority) any { return int(v) }))
	}
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if f.GroupID != 0 {
		add("group_id = ?", f.GroupID)
	}
	if f.AssigneeID != 0 {
		add("assignee_id = ?", f.AssigneeID)
	}
	if f.Unassigned {
		conds = append(conds, "assignee_id = 0")
	}
	if f.RequesterID != 0 {
		add("requester_id = ?", f.RequesterID)
	}
	if f.Channel != "" {
		add("channel = ?", f.Channel)
	}
	if f.ParentID != 0 {
		add("parent_id = ?", f.ParentID)
	}
	if len(f.ParentIDs) > 0 {
		in("parent_id", idArgs(f.ParentIDs))
	}
	if f.AtRisk {
		conds = append(conds, "state NOT IN ('resolved', 'closed') AND (sla_warned > 0 OR sla_breached > 0)")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if typ, seq, ok := socialdesk.ParseNumber(q); ok {
			conds = append(conds, "type = ? AND seq = ?")
			args = append(args, string(typ), seq)
		} else {
			add("LOWER(title) LIKE ?", "%"+strings.ToLower(q)+"%")
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// DueTickets lists tickets whose next SLA step falls before the time, for
// the escalation worker.
func (db *DB) DueTickets(ctx context.Context, before time.Time, limit int) ([]*socialdesk.Ticket, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+ticketColumns+` FROM tickets WHERE next_due > 0 AND next_due < ? ORDER BY next_due LIMIT ?`, toMicros(before), limit)
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

// Events returns a ticket's history, oldest first.
func (db *DB) Events(ctx context.Context, ticketID int64) ([]socialdesk.Event, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, ticket_id, actor_id, field, old_value, new_value, at FROM ticket_events WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []socialdesk.Event
	for rows.Next() {
		var e socialdesk.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.TicketID, &e.ActorID, &e.Field, &e.Old, &e.New, &at); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// FireSLA records that SLA steps fired on a ticket: it sets the warned and
// breached flags, the next check time and the group, and stores the
// notifications and history events, all in one transaction and only if the
// flags still hold the values t was read with. It reports false when another
// worker got there first, so each step fires exactly once.
func (db *DB) FireSLA(ctx context.Context, t *socialdesk.Ticket, oldWarned, oldBreached int, notes []Notification, events []socialdesk.Event) (bool, error) {
	fired := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE tickets SET sla_warned = ?, sla_breached = ?, next_due = ?, group_id = ?, assignee_id = ?, updated_at = ? WHERE id = ? AND sla_warned = ? AND sla_breached = ?`,
			t.SLA.Warned, t.SLA.Breached, toMicros(t.SLA.NextCheck), t.GroupID, t.AssigneeID, toMicros(t.UpdatedAt), t.ID, oldWarned, oldBreached)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		fired = true
		for i := range notes {
			n := &notes[i]
			if n.CreatedAt.IsZero() {
				n.CreatedAt = db.now().UTC()
			}
			id, err := db.insert(ctx, tx, `INSERT INTO notifications (person_id, group_id, ticket_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				n.PersonID, n.GroupID, n.TicketID, n.Kind, n.Text, toMicros(n.CreatedAt))
			if err != nil {
				return err
			}
			n.ID = id
		}
		return db.addEvents(ctx, tx, t.ID, events)
	})
	return fired, err
}
