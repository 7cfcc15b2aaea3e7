package store

import (
	"context"
	"fmt"
)

// CommunitySignature returns a short string that changes whenever a
// question, answer, vote, flag, verification or article changes, so a
// search index can reload community content only when needed.
func (db *DB) CommunitySignature(ctx context.Context) (string, error) {
	var q, qmax, qupd, a, amax, acc, ver, verAt, st, v, vsum, f, ar, armax, arupd int64
	err := db.queryRow(ctx, db.db, `SELECT
		(SELECT COUNT(*) FROM questions), (SELECT COALESCE(MAX(id), 0) FROM questions), (SELECT COALESCE(MAX(updated_at), 0) FROM questions),
		(SELECT COUNT(*) FROM answers), (SELECT COALESCE(MAX(id), 0) FROM answers), (SELECT COALESCE(SUM(accepted), 0) FROM answers),
		(SELECT COUNT(*) FROM answers WHERE verified_by <> 0), (SELECT COALESCE(SUM(verified_at % 1000003), 0) FROM answers),
		(SELECT COUNT(*) FROM answers WHERE status <> 'visible'),
		(SELECT COUNT(*) FROM votes), (SELECT COALESCE(SUM(value), 0) FROM votes), (SELECT COUNT(*) FROM flags),
		(SELECT COUNT(*) FROM articles), (SELECT COALESCE(MAX(id), 0) FROM articles), (SELECT COALESCE(MAX(updated_at), 0) FROM articles)`).
		Scan(&q, &qmax, &qupd, &a, &amax, &acc, &ver, &verAt, &st, &v, &vsum, &f, &ar, &armax, &arupd)
	if err != nil {
		return "", err
	}
	return fmt.Sprint(q, qmax, qupd, a, amax, acc, ver, verAt, st, v, vsum, f, ar, armax, arupd), nil
}
