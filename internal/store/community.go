package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
)

const questionColumns = `q.id, q.author_id, q.title, q.body, q.tags, q.duplicate_of, q.ticket_id, q.created_at, q.updated_at,
	COALESCE((SELECT SUM(v.value) FROM votes v WHERE v.target_kind = 'question' AND v.target_id = q.id), 0),
	(SELECT COUNT(*) FROM answers a WHERE a.question_id = q.id AND a.status = 'visible'),
	(SELECT COUNT(*) FROM answers a WHERE a.question_id = q.id AND a.status = 'visible' AND a.accepted = 1),
	COALESCE((SELECT MAX(CASE WHEN a.verify_review_by = 0 THEN ` + foreverMicros + ` ELSE a.verify_review_by END) FROM answers a
		WHERE a.question_id = q.id AND a.status = 'visible' AND (a.verified_by <> 0 OR a.verified_at <> 0)), 0)`

// foreverMicros stands for "no review date" when the latest verification
// of a question's answers is computed: later than any real date.
const foreverMicros = "253402300799000000" // 9999-12-31T23:59:59Z

func scanQuestion(row interface{ Scan(...any) error }) (*socialdesk.Question, error) {
	var q socialdesk.Question
	var tags string
	var created, updated, accepted, verifiedUntil int64
	if err := row.Scan(&q.ID, &q.AuthorID, &q.Title, &q.Body, &tags, &q.DuplicateOf, &q.TicketID, &created, &updated, &q.Score, &q.AnswerCount,
		&accepted, &verifiedUntil); err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(tags), &q.Tags)
	q.CreatedAt, q.UpdatedAt = fromMicros(created), fromMicros(updated)
	q.HasAccepted, q.VerifiedUntil = accepted > 0, fromMicros(verifiedUntil)
	return &q, nil
}

// CreateQuestion stores a question with its tags and sets its ID.
func (db *DB) CreateQuestion(ctx context.Context, q *socialdesk.Question) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		id, err := db.insert(ctx, tx, `INSERT INTO questions (author_id, title, body, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			q.AuthorID, q.Title, q.Body, jsonList(q.Tags), toMicros(q.CreatedAt), toMicros(q.CreatedAt))
		if err != nil {
			return err
		}
		for _, t := range q.Tags {
			if _, err := db.exec(ctx, tx, `INSERT INTO question_tags (question_id, tag) VALUES (?, ?)`, id, t); err != nil {
				return err
			}
		}
		q.ID = id
		return nil
	})
}

// Question returns one question with its score and visible answer count.
func (db *DB) Question(ctx context.Context, id int64) (*socialdesk.Question, error) {
	q, err := scanQuestion(db.queryRow(ctx, db.db, `SELECT `+questionColumns+` FROM questions q WHERE q.id = ?`, id))
	return q, notFound(err, "Question")
}

// QuestionFilter selects questions.
type QuestionFilter struct {
	// Tag keeps questions carrying the tag.
	Tag string
	// Words keeps questions whose title or body contains any of the words.
	Words []string
	// OpenOnly drops questions closed as duplicates.
	OpenOnly bool
	Limit    int
}

// Questions lists questions, newest first.
func (db *DB) Questions(ctx context.Context, f QuestionFilter) ([]*socialdesk.Question, error) {
	var where []string
	var args []any
	if f.Tag != "" {
		where = append(where, `q.id IN (SELECT question_id FROM question_tags WHERE tag = ?)`)
		args = append(args, f.Tag)
	}
	if len(f.Words) > 0 {
		var ors []string
		for _, w := range f.Words {
			ors = append(ors, `LOWER(q.title) LIKE ? OR LOWER(q.body) LIKE ? OR q.tags LIKE ?`)
			pat := "%" + strings.ToLower(w) + "%"
			args = append(args, pat, pat, pat)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if f.OpenOnly {
		where = append(where, `q.duplicate_of = 0`)
	}
	query := `SELECT ` + questionColumns + ` FROM questions q`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	query += ` ORDER BY q.created_at DESC, q.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.query(ctx, db.db, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// SetDuplicate closes a question as a duplicate of another.
func (db *DB) SetDuplicate(ctx context.Context, id, of int64, at time.Time) error {
	res, err := db.exec(ctx, db.w, `UPDATE questions SET duplicate_of = ?, updated_at = ? WHERE id = ?`, of, toMicros(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return socialdesk.Errorf(socialdesk.ENOTFOUND, "Question not found.")
	}
	return nil
}

// UnansweredBefore lists open questions asked before t that have no
// visible answer and have not been claimed for escalation.
func (db *DB) UnansweredBefore(ctx context.Context, t time.Time, limit int) ([]*socialdesk.Question, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+questionColumns+` FROM questions q WHERE q.escalation = 0 AND q.duplicate_of = 0 AND q.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id AND a.status = 'visible') ORDER BY q.created_at LIMIT ?`, toMicros(t), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// ClaimEscalation marks a question as being escalated. It reports false
// when another worker claimed it first, so each question escalates once.
func (db *DB) ClaimEscalation(ctx context.Context, id int64) (bool, error) {
	res, err := db.exec(ctx, db.w, `UPDATE questions SET escalation = 1 WHERE id = ? AND escalation = 0`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishEscalation records the ticket a claimed question escalated into;
// ticketID 0 releases the claim so a later run can try again.
func (db *DB) FinishEscalation(ctx context.Context, id, ticketID int64) error {
	if ticketID == 0 {
		_, err := db.exec(ctx, db.w, `UPDATE questions SET escalation = 0 WHERE id = ?`, id)
		return err
	}
	_, err := db.exec(ctx, db.w, `UPDATE questions SET ticket_id = ? WHERE id = ?`, ticketID, id)
	return err
}

const answerColumns = `a.id, a.question_id, a.author_id, a.body, a.accepted, a.verified_by, a.verified_at, a.verify_review_by, a.status, a.created_at,
	COALESCE((SELECT SUM(v.value) FROM votes v WHERE v.target_kind = 'answer' AND v.target_id = a.id), 0),
	(SELECT COUNT(*) FROM flags f WHERE f.answer_id = a.id)`

func scanAnswer(row interface{ Scan(...any) error }) (*socialdesk.Answer, error) {
	var a socialdesk.Answer
	var accepted int
	var vat, vrb, created int64
	if err := row.Scan(&a.ID, &a.QuestionID, &a.AuthorID, &a.Body, &accepted, &a.VerifiedBy, &vat, &vrb, &a.Status, &created, &a.Score, &a.Flags); err != nil {
		return nil, err
	}
	a.Accepted = accepted != 0
	a.VerifiedAt, a.VerifyReviewBy, a.CreatedAt = fromMicros(vat), fromMicros(vrb), fromMicros(created)
	return &a, nil
}

// CreateAnswer stores an answer and sets its ID.
func (db *DB) CreateAnswer(ctx context.Context, a *socialdesk.Answer) error {
	if a.Status == "" {
		a.Status = socialdesk.ContentVisible
	}
	id, err := db.insert(ctx, db.w, `INSERT INTO answers (question_id, author_id, body, status, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.QuestionID, a.AuthorID, a.Body, a.Status, toMicros(a.CreatedAt))
	a.ID = id
	return err
}

// Answer returns one answer whatever its status.
func (db *DB) Answer(ctx context.Context, id int64) (*socialdesk.Answer, error) {
	a, err := scanAnswer(db.queryRow(ctx, db.db, `SELECT `+answerColumns+` FROM answers a WHERE a.id = ?`, id))
	return a, notFound(err, "Answer")
}

// AnswerFilter selects answers.
type AnswerFilter struct {
	QuestionID int64
	// QuestionIDs selects the answers to any of these questions.
	QuestionIDs []int64
	AuthorID    int64
	Status      string
	// VerifiedOnly keeps answers with a verification mark (expiry is the
	// service's business).
	VerifiedOnly bool
	Limit        int
}

// Answers lists answers in the order they were written, whatever their
// status unless the filter says.
func (db *DB) Answers(ctx context.Context, f AnswerFilter) ([]*socialdesk.Answer, error) {
	var where []string
	var args []any
	if f.QuestionID != 0 {
		where, args = append(where, `a.question_id = ?`), append(args, f.QuestionID)
	}
	if len(f.QuestionIDs) > 0 {
		where, args = append(where, `a.question_id IN (`+placeholders(len(f.QuestionIDs))+`)`), append(args, idArgs(f.QuestionIDs)...)
	}
	if f.AuthorID != 0 {
		where, args = append(where, `a.author_id = ?`), append(args, f.AuthorID)
	}
	if f.Status != "" {
		where, args = append(where, `a.status = ?`), append(args, f.Status)
	}
	if f.VerifiedOnly {
		where = append(where, `a.verified_at <> 0`)
	}
	query := `SELECT ` + answerColumns + ` FROM answers a`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	query += ` ORDER BY a.id LIMIT ?`
	rows, err := db.query(ctx, db.db, query, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Answer
	for rows.Next() {
		a, err := scanAnswer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AcceptAnswer marks the answer accepted and clears the mark from the
// question's other answers, in one transaction.
func (db *DB) AcceptAnswer(ctx context.Context, questionID, answerID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `UPDATE answers SET accepted = 0 WHERE question_id = ?`, questionID); err != nil {
			return err
		}
		res, err := db.exec(ctx, tx, `UPDATE answers SET accepted = 1 WHERE id = ? AND question_id = ?`, answerID, questionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return socialdesk.Errorf(socialdesk.ENOTFOUND, "Answer not found on this question.")
		}
		return nil
	})
}

// VerifyAnswer records the "Verified by IT" mark.
func (db *DB) VerifyAnswer(ctx context.Context, id, by int64, at, reviewBy time.Time) error {
	_, err := db.exec(ctx, db.w, `UPDATE answers SET verified_by = ?, verified_at = ?, verify_review_by = ? WHERE id = ?`, by, toMicros(at), toMicros(reviewBy), id)
	return err
}

// SetAnswerStatus changes an answer's status; with clearFlags it also drops
// its flags (a restored answer starts afresh).
func (db *DB) SetAnswerStatus(ctx context.Context, id int64, status string, clearFlags bool) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `UPDATE answers SET status = ? WHERE id = ?`, status, id); err != nil {
			return err
		}
		if clearFlags {
			_, err := db.exec(ctx, tx, `DELETE FROM flags WHERE answer_id = ?`, id)
			return err
		}
		return nil
	})
}

// Vote records a person's vote (+1 or -1) on a question or answer,
// replacing an earlier vote; 0 withdraws it.
func (db *DB) Vote(ctx context.Context, personID int64, kind string, id int64, value int) error {
	if value == 0 {
		_, err := db.exec(ctx, db.w, `DELETE FROM votes WHERE person_id = ? AND target_kind = ? AND target_id = ?`, personID, kind, id)
		return err
	}
	_, err := db.exec(ctx, db.w, `INSERT INTO votes (person_id, target_kind, target_id, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (person_id, target_kind, target_id) DO UPDATE SET value = excluded.value`, personID, kind, id, value)
	return err
}

// FlagCounts is how many staff and non-staff people flagged an answer.
type FlagCounts struct{ Staff, Others int }

// AddFlag stores a flag and returns the answer's flag counts after it, in
// one transaction. A second flag by the same person is ECONFLICT.
func (db *DB) AddFlag(ctx context.Context, f *socialdesk.Flag) (FlagCounts, error) {
	var c FlagCounts
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		id, err := db.insert(ctx, tx, `INSERT INTO flags (answer_id, reporter_id, staff, reason, created_at) VALUES (?, ?, ?, ?, ?)`,
			f.AnswerID, f.ReporterID, boolInt(f.Staff), f.Reason, toMicros(f.CreatedAt))
		if err != nil {
			return err
		}
		f.ID = id
		return db.queryRow(ctx, tx, `SELECT COALESCE(SUM(staff), 0), COALESCE(SUM(1 - staff), 0) FROM flags WHERE answer_id = ?`, f.AnswerID).Scan(&c.Staff, &c.Others)
	})
	if isUniqueViolation(err) {
		return c, socialdesk.Errorf(socialdesk.ECONFLICT, "You have already flagged this answer.")
	}
	return c, err
}

// Flags lists an answer's flags, oldest first.
func (db *DB) Flags(ctx context.Context, answerID int64) ([]socialdesk.Flag, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, answer_id, reporter_id, staff, reason, created_at FROM flags WHERE answer_id = ? ORDER BY id`, answerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []socialdesk.Flag
	for rows.Next() {
		var f socialdesk.Flag
		var staff int
		var at int64
		if err := rows.Scan(&f.ID, &f.AnswerID, &f.ReporterID, &staff, &f.Reason, &at); err != nil {
			return nil, err
		}
		f.Staff, f.CreatedAt = staff != 0, fromMicros(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// AddComment stores a comment and sets its ID.
func (db *DB) AddComment(ctx context.Context, c *socialdesk.Comment) error {
	id, err := db.insert(ctx, db.w, `INSERT INTO comments (target_kind, target_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.TargetKind, c.TargetID, c.AuthorID, c.Body, toMicros(c.CreatedAt))
	c.ID = id
	return err
}

// Comments lists the comments on a question or answer, oldest first.
func (db *DB) Comments(ctx context.Context, kind string, id int64) ([]socialdesk.Comment, error) {
	return db.comments(ctx, ` WHERE target_kind = ? AND target_id = ?`, kind, id)
}

// CommentsOn lists the comments on each of the questions or answers (kind
// "question" or "answer"), oldest first, by id, in one query; one without
// comments has no entry.
func (db *DB) CommentsOn(ctx context.Context, kind string, ids []int64) (map[int64][]socialdesk.Comment, error) {
	out := map[int64][]socialdesk.Comment{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := db.comments(ctx, ` WHERE target_kind = ? AND target_id IN (`+placeholders(len(ids))+`)`, append([]any{kind}, idArgs(ids)...)...)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		out[c.TargetID] = append(out[c.TargetID], c)
	}
	return out, nil
}

// comments lists the comments that match where, oldest first.
func (db *DB) comments(ctx context.Context, where string, args ...any) ([]socialdesk.Comment, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, target_kind, target_id, author_id, body, created_at FROM comments`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []socialdesk.Comment
	for rows.Next() {
		var c socialdesk.Comment
		var at int64
		if err := rows.Scan(&c.ID, &c.TargetKind, &c.TargetID, &c.AuthorID, &c.Body, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddDeflection records a "solved, no ticket needed" click.
func (db *DB) AddDeflection(ctx context.Context, d *socialdesk.Deflection) error {
	id, err := db.insert(ctx, db.w, `INSERT INTO deflections (person_id, target_kind, target_id, query, created_at) VALUES (?, ?, ?, ?, ?)`,
		d.PersonID, d.TargetKind, d.TargetID, d.Query, toMicros(d.CreatedAt))
	d.ID = id
	return err
}

// DeflectionCount counts deflections for a target; an empty kind counts
// them all.
func (db *DB) DeflectionCount(ctx context.Context, kind string, id int64) (int, error) {
	var n int
	var err error
	if kind == "" {
		err = db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM deflections`).Scan(&n)
	} else {
		err = db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM deflections WHERE target_kind = ? AND target_id = ?`, kind, id).Scan(&n)
	}
	return n, err
}

// AddKnowledgeLink records that an agent answered a ticket with a link to
// an answer or article.
func (db *DB) AddKnowledgeLink(ctx context.Context, ticketID int64, kind string, targetID, agentID int64, at time.Time) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO knowledge_links (ticket_id, target_kind, target_id, agent_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		ticketID, kind, targetID, agentID, toMicros(at))
	return err
}

// KnowledgeLinkCount counts the tickets solved with a link to the target.
func (db *DB) KnowledgeLinkCount(ctx context.Context, kind string, id int64) (int, error) {
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(DISTINCT ticket_id) FROM knowledge_links WHERE target_kind = ? AND target_id = ?`, kind, id).Scan(&n)
	return n, err
}

// PersonStats are the raw counts behind a person's reputation.
type PersonStats struct {
	Answers     int
	Upvotes     int // upvotes on the person's questions and visible answers
	Accepted    int
	Verified    int
	Deflections int // deflections credited to the person's answers
}

// PersonStats returns the counts behind a person's reputation.
func (db *DB) PersonStats(ctx context.Context, personID int64) (PersonStats, error) {
	var s PersonStats
	err := db.queryRow(ctx, db.db, `SELECT
		(SELECT COUNT(*) FROM answers WHERE author_id = ? AND status = 'visible'),
		(SELECT COUNT(*) FROM votes v JOIN answers a ON v.target_kind = 'answer' AND v.target_id = a.id WHERE a.author_id = ? AND a.status = 'visible' AND v.value > 0)
		+ (SELECT COUNT(*) FROM votes v JOIN questions q ON v.target_kind = 'question' AND v.target_id = q.id WHERE q.author_id = ? AND v.value > 0),
		(SELECT COUNT(*) FROM answers WHERE author_id = ? AND status = 'visible' AND accepted = 1),
		(SELECT COUNT(*) FROM answers WHERE author_id = ? AND status = 'visible' AND verified_at <> 0),
		(SELECT COUNT(*) FROM deflections d JOIN answers a ON d.target_kind = 'answer' AND d.target_id = a.id WHERE a.author_id = ?)`,
		personID, personID, personID, personID, personID, personID).Scan(&s.Answers, &s.Upvotes, &s.Accepted, &s.Verified, &s.Deflections)
	return s, err
}

// TagScore is a person's standing in one tag.
type TagScore struct {
	PersonID int64
	Tag      string
	Answers  int
	Score    int // answers + accepted*2 + verified*3 + upvotes
}

// Expertise ranks people by their visible answers on questions carrying
// any of the tags; personID 0 means everyone, otherwise only that person
// per tag.
func (db *DB) Expertise(ctx context.Context, tags []string, personID int64, limit int) ([]TagScore, error) {
	var where []string
	var args []any
	if len(tags) > 0 {
		where = append(where, `t.tag IN (`+placeholders(len(tags))+`)`)
		for _, t := range tags {
			args = append(args, t)
		}
	}
	if personID != 0 {
		where, args = append(where, `a.author_id = ?`), append(args, personID)
	}
	group := `a.author_id, t.tag`
	tagCol := `t.tag`
	if personID == 0 {
		group, tagCol = `a.author_id`, `''`
	}
	query := `SELECT a.author_id, ` + tagCol + `, COUNT(DISTINCT a.id),
		COUNT(DISTINCT a.id) + 2 * COUNT(DISTINCT CASE WHEN a.accepted = 1 THEN a.id END) + 3 * COUNT(DISTINCT CASE WHEN a.verified_at <> 0 THEN a.id END)
		+ COALESCE(SUM((SELECT COUNT(*) FROM votes v WHERE v.target_kind = 'answer' AND v.target_id = a.id AND v.value > 0)), 0)
		FROM answers a JOIN question_tags t ON t.question_id = a.question_id WHERE a.status = 'visible'`
	if len(where) > 0 {
		query += ` AND ` + strings.Join(where, " AND ")
	}
	if limit <= 0 {
		limit = 50
	}
	query += ` GROUP BY ` + group + ` ORDER BY 4 DESC, 1 LIMIT ?`
	rows, err := db.query(ctx, db.db, query, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TagScore
	for rows.Next() {
		var s TagScore
		if err := rows.Scan(&s.PersonID, &s.Tag, &s.Answers, &s.Score); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
