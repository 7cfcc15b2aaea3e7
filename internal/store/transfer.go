package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/socialdesk/socialdesk"
)

// Record is one line of an export: a row of a table. Columns holding
// bytes are base64 in Row and named in Base64.
type Record struct {
	Table  string         `json:"table"`
	Row    map[string]any `json:"row"`
	Base64 []string       `json:"base64,omitempty"`
}

var createTable = regexp.MustCompile(`(?i)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)`)

// Tables lists the data tables in the order the migrations create them,
// which is an order where every table comes after those it refers to.
func Tables() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		body, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		for _, m := range createTable.FindAllStringSubmatch(string(body), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out, nil
}

// Export writes every row of every table as JSON Lines, tables in
// dependency order and rows in id order, ids included, so Import can
// rebuild the database on SQLite or PostgreSQL. It reads one consistent
// snapshot, so it may run while the server serves.
func (db *DB) Export(ctx context.Context, w io.Writer) (rows int, err error) {
	tables, err := Tables()
	if err != nil {
		return 0, err
	}
	// One read-only transaction gives a consistent snapshot while the
	// server keeps writing (WAL on SQLite, repeatable read on PostgreSQL).
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, t := range tables {
		n, err := db.exportTable(ctx, tx, enc, t)
		if err != nil {
			return rows, fmt.Errorf("export %s: %w", filepath.Base(t), err)
		}
		rows += n
	}
	return rows, bw.Flush()
}

func (db *DB) exportTable(ctx context.Context, tx *sql.Tx, enc *json.Encoder, table string) (int, error) {
	rs, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return 0, err
	}
	n := 0
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return n, err
		}
		rec := Record{Table: table, Row: make(map[string]any, len(cols))}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case []byte:
				rec.Row[c] = base64.StdEncoding.EncodeToString(v)
				rec.Base64 = append(rec.Base64, c)
			default:
				rec.Row[c] = v
			}
		}
		if err := enc.Encode(rec); err != nil {
			return n, err
		}
		n++
	}
	return n, rs.Err()
}

// Import loads an export into this database, which must be empty: it
// refuses when any table has rows. Everything is loaded in one
// transaction, and on PostgreSQL the identity counters are moved past the
// imported ids so new rows do not collide.
func (db *DB) Import(ctx context.Context, r io.Reader) (rows int, err error) {
	tables, err := Tables()
	if err != nil {
		return 0, err
	}
	known := map[string]map[string]bool{}
	for _, t := range tables {
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return 0, fmt.Errorf("count %s: %w", t, err)
		}
		if n > 0 {
			return 0, socialdesk.Errorf(socialdesk.ECONFLICT, "The database is not empty (table %s has %d rows); import only into a new, empty database.", t, n)
		}
		cols, err := db.columns(ctx, t)
		if err != nil {
			return 0, err
		}
		known[t] = map[string]bool{}
		for _, c := range cols {
			known[t][c] = true
		}
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	dec.UseNumber()
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		for line := 1; ; line++ {
			var rec Record
			if err := dec.Decode(&rec); err == io.EOF {
				break
			} else if err != nil {
				return socialdesk.Errorf(socialdesk.EINVALID, "Record %d is not valid JSON: %v", line, err)
			}
			cols, ok := known[rec.Table]
			if !ok {
				return socialdesk.Errorf(socialdesk.EINVALID, "Record %d is for an unknown table %q.", line, rec.Table)
			}
			names := make([]string, 0, len(rec.Row))
			for c := range rec.Row {
				if !cols[c] {
					return socialdesk.Errorf(socialdesk.EINVALID, "Record %d: table %s has no column %q.", line, rec.Table, c)
				}
				names = append(names, c)
			}
			sort.Strings(names)
			args := make([]any, len(names))
			for i, c := range names {
				v, err := importValue(rec.Row[c], slices.Contains(rec.Base64, c))
				if err != nil {
					return socialdesk.Errorf(socialdesk.EINVALID, "Record %d, %s.%s: %v", line, rec.Table, c, err)
				}
				args[i] = v
			}
			q := `INSERT INTO ` + rec.Table + ` (` + strings.Join(names, ", ") + `) VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + `)`
			if _, err := db.exec(ctx, tx, q, args...); err != nil {
				return fmt.Errorf("record %d (%s): %w", line, rec.Table, err)
			}
			rows++
		}
		if db.dialect != Postgres {
			return nil
		}
		for _, t := range tables {
			if !known[t]["id"] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM `+t); err != nil {
				return fmt.Errorf("reset the id counter of %s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return rows, nil
}

func importValue(v any, b64 bool) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		return x.Float64()
	case string:
		if b64 {
			return base64.StdEncoding.DecodeString(x)
		}
		return x, nil
	case bool, nil:
		return x, nil
	}
	return nil, fmt.Errorf("unexpected value %v", v)
}
