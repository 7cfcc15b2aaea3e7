package store

import (
	"context"
	"time"
)

// AckPolicy records that a person accepted a version of the usage
// guideline. Accepting twice is a no-op.
func (db *DB) AckPolicy(ctx context.Context, personID int64, version int, at time.Time) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO policy_acks (person_id, version, acked_at) VALUES (?, ?, ?) ON CONFLICT (person_id, version) DO NOTHING`, personID, version, toMicros(at))
	return err
}

// PolicyAcked reports whether a person accepted a version.
func (db *DB) PolicyAcked(ctx context.Context, personID int64, version int) (bool, error) {
	var n int
	err := db.queryRow(ctx, db.db, `SELECT COUNT(*) FROM policy_acks WHERE person_id = ? AND version = ?`, personID, version).Scan(&n)
	return n > 0, err
}
