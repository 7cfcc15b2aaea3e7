package store

import (
	"context"
	"time"
)

// SearchLogEntry is one logged search.
type SearchLogEntry struct {
	ID       int64
	At       time.Time
	PersonID int64
	Query    string
	Context  string
	Results  int
	Clicked  string // "type:id" of the result opened, if any
	Solved   bool   // the person said it solved their problem
}

// LogSearch records a search and returns its id.
func (db *DB) LogSearch(ctx context.Context, e SearchLogEntry) (int64, error) {
	return db.insert(ctx, db.w, `INSERT INTO search_log (at, person_id, query, context, results) VALUES (?, ?, ?, ?, ?)`,
		toMicros(e.At), e.PersonID, e.Query, e.Context, e.Results)
}

// LogSearchClick records the result a person opened from a search they made.
func (db *DB) LogSearchClick(ctx context.Context, id, personID int64, clicked string) error {
	_, err := db.exec(ctx, db.w, `UPDATE search_log SET clicked = ? WHERE id = ? AND person_id = ?`, clicked, id, personID)
	return err
}

// LogSearchSolved records that a search solved the person's problem.
func (db *DB) LogSearchSolved(ctx context.Context, id, personID int64) error {
	_, err := db.exec(ctx, db.w, `UPDATE search_log SET solved = 1 WHERE id = ? AND person_id = ?`, id, personID)
	return err
}

// SearchLog lists logged searches since a time, newest first.
func (db *DB) SearchLog(ctx context.Context, since time.Time, limit int) ([]SearchLogEntry, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, at, person_id, query, context, results, clicked, solved FROM search_log WHERE at >= ? ORDER BY id DESC LIMIT ?`, toMicros(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchLogEntry
	for rows.Next() {
		var e SearchLogEntry
		var at int64
		var solved int
		if err := rows.Scan(&e.ID, &at, &e.PersonID, &e.Query, &e.Context, &e.Results, &e.Clicked, &solved); err != nil {
			return nil, err
		}
		e.At, e.Solved = fromMicros(at), solved != 0
		out = append(out, e)
	}
	return out, rows.Err()
}
