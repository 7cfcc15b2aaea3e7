package store

import (
	"context"
	"time"
)

// AcquireLease takes or renews the named lease for holder until now+ttl.
// It reports true when holder has the lease: it was free, expired, or
// already held by holder. Works the same on SQLite and PostgreSQL.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	_, err := db.exec(ctx, db.w, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at < ? OR leases.holder = excluded.holder`,
		name, holder, toMicros(now.Add(ttl)), toMicros(now))
	if err != nil {
		return false, err
	}
	var got string
	if err := db.queryRow(ctx, db.w, `SELECT holder FROM leases WHERE name = ?`, name).Scan(&got); err != nil {
		return false, err
	}
	return got == holder, nil
}
