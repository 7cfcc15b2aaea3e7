// Package store keeps socialdesk's data in SQL. One implementation serves
// both supported databases: embedded SQLite (the default, through a pure-Go
// driver) and PostgreSQL (through pgx) for larger installs. The two differ
// only in a small dialect: placeholder style, identity columns and blobs.
// Keeping one implementation means the stores cannot drift apart; the
// contract suite in storetest runs against both.
//
// The store holds no business rules: it does not check permissions, compute
// priorities or validate workflows. The service layer does that.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/socialdesk/socialdesk"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a socialdesk database.
type DB struct {
	db *sql.DB
	// w is the handle for writes. For SQLite it holds one connection, so
	// writers queue in Go instead of spinning on SQLite's busy lock; for
	// PostgreSQL it is the same pool as db.
	w       *sql.DB
	dialect Dialect
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
	now  func() time.Time
}

// OpenSQLite opens (creating if needed) the SQLite database in dir and
// brings its schema up to date.
func OpenSQLite(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, "socialdesk.db")
	return OpenSQLiteFile(ctx, path)
}

// OpenSQLiteFile opens the SQLite database at path. The database runs in WAL
// mode; a committed transaction survives a crash of the process.
func OpenSQLiteFile(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(ON)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	wdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		sqldb.Close()
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxIdleTime(0)
	db := &DB{db: sqldb, w: wdb, dialect: SQLite, Path: path, now: time.Now}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenPostgres connects to PostgreSQL at the URL and brings the schema up to
// date.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	sqldb, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(16)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db := &DB{db: sqldb, w: sqldb, dialect: Postgres, now: time.Now}
	if err := db.Migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// Open picks the database from the options: a postgres:// URL when given,
// otherwise SQLite in dataDir.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	if databaseURL != "" {
		if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
			return nil, socialdesk.Errorf(socialdesk.EINVALID, "The database URL must start with postgres://.")
		}
		return OpenPostgres(ctx, databaseURL)
	}
	return OpenSQLite(ctx, dataDir)
}

// Close closes the database.
func (db *DB) Close() error {
	if db.w != db.db {
		db.w.Close()
	}
	return db.db.Close()
}

// Dialect returns which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying handle, for tools such as benchmarks.
func (db *DB) SQL() *sql.DB { return db.db }

// SetClock replaces the clock used for timestamps, for tests.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// rebind turns '?' placeholders into '$n' for PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, db.rebind(query), args...)
}

func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, db.rebind(query), args...)
}

func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, db.rebind(query), args...)
}

// insert runs an INSERT ... RETURNING id and returns the id.
func (db *DB) insert(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	var id int64
	err := db.queryRow(ctx, q, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// inTx runs fn in a transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Migrate applies the embedded migrations that have not run yet, each in
// its own transaction.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(filepath.Base(name), ".sql")
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitStatements(db.expand(string(body))) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w\n%s", version, err, stmt)
				}
			}
			_, err := db.exec(ctx, tx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, db.now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// expand replaces the dialect tokens in a migration.
func (db *DB) expand(s string) string {
	id, blob := "INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"
	if db.dialect == Postgres {
		id, blob = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTEA"
	}
	return strings.NewReplacer("{{ID}}", id, "{{BLOB}}", blob).Replace(s)
}

// splitStatements splits a migration on semicolons at line ends, dropping
// comment-only lines.
func splitStatements(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// Backup writes a consistent copy of a SQLite database to path while the
// server keeps running. PostgreSQL installs use their own tools or export.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return socialdesk.Errorf(socialdesk.EINVALID, "Online backup is for SQLite; for PostgreSQL use pg_dump or `socialdesk export`.")
	}
	if _, err := os.Stat(path); err == nil {
		return socialdesk.Errorf(socialdesk.ECONFLICT, "%s already exists; choose a new file name.", path)
	}
	_, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// Time conversions: the database stores Unix microseconds, 0 for unset.
func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// notFound maps sql.ErrNoRows to an ENOTFOUND error naming what was missing.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return socialdesk.Errorf(socialdesk.ENOTFOUND, "%s not found.", what)
	}
	return err
}

// isUniqueViolation reports whether err is a unique constraint failure.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key value")
}
