package store

import (
	"context"
	"database/sql"
)

// VolumeCount is how many posts a channel saw in one hour (a Unix hour,
// seconds / 3600), and how many of them were support requests.
type VolumeCount struct {
	Channel string
	Hour    int64
	Total   int
	Support int
}

// AddListeningVolume adds counts to the stored ones, in one transaction.
func (db *DB) AddListeningVolume(ctx context.Context, counts []VolumeCount) error {
	if len(counts) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range counts {
			if _, err := db.exec(ctx, tx, `INSERT INTO listening_volume (channel, hour, total, support) VALUES (?, ?, ?, ?)
				ON CONFLICT (channel, hour) DO UPDATE SET total = listening_volume.total + excluded.total,
				support = listening_volume.support + excluded.support`, c.Channel, c.Hour, c.Total, c.Support); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListeningVolume returns the stored counts from hour from on, by channel
// and hour.
func (db *DB) ListeningVolume(ctx context.Context, from int64) ([]VolumeCount, error) {
	rows, err := db.query(ctx, db.db, `SELECT channel, hour, total, support FROM listening_volume WHERE hour >= ? ORDER BY channel, hour`, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VolumeCount
	for rows.Next() {
		var c VolumeCount
		if err := rows.Scan(&c.Channel, &c.Hour, &c.Total, &c.Support); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PruneListeningVolume deletes the counts of hours before the given one.
func (db *DB) PruneListeningVolume(ctx context.Context, before int64) error {
	_, err := db.exec(ctx, db.w, `DELETE FROM listening_volume WHERE hour < ?`, before)
	return err
}
