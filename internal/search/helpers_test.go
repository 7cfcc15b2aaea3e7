package search

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/internal/search/searchgen"
	"github.com/socialdesk/socialdesk/internal/shareddata"

	_ "modernc.org/sqlite"
)

// sharedData returns the shared data folder or skips.
func sharedData(t testing.TB) string { return shareddata.Dir(t) }

// readTickets reads a tickets/*.csv file of the shared data.
func readTickets(t testing.TB, path string) []searchgen.Ticket {
	t.Helper()
	tks, err := searchgen.ReadTickets(path)
	if err != nil {
		t.Fatal(err)
	}
	return tks
}

// fts is the plain BM25 baseline: an SQLite FTS5 table queried with
// bm25() and no re-ranking.
type fts struct {
	db     *sql.DB
	insert *sql.Stmt
	query  *sql.Stmt
	tx     *sql.Tx
}

func newFTS(t testing.TB) *fts {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "fts.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF",
		"CREATE VIRTUAL TABLE docs USING fts5(title, body)",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { db.Close() })
	return &fts{db: db}
}

// add inserts a document with the given row id; call done when finished.
func (f *fts) add(t testing.TB, id int, title, body string) {
	if f.tx == nil {
		tx, err := f.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		f.tx = tx
		f.insert, err = tx.Prepare("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)")
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.insert.Exec(id, title, body); err != nil {
		t.Fatal(err)
	}
}

func (f *fts) done(t testing.TB) {
	if f.tx != nil {
		if err := f.tx.Commit(); err != nil {
			t.Fatal(err)
		}
		f.tx = nil
	}
	q, err := f.db.Prepare("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?")
	if err != nil {
		t.Fatal(err)
	}
	f.query = q
}

// search returns row ids best first, with every query word OR-ed.
func (f *fts) search(t testing.TB, text string, limit int) []int {
	var words []string
	for _, w := range tokens(text, nil) {
		words = append(words, `"`+w+`"`)
	}
	if len(words) == 0 {
		return nil
	}
	rows, err := f.query.Query(strings.Join(words, " OR "), limit)
	if err != nil {
		t.Fatalf("fts query %q: %v", text, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// metrics accumulates MRR, P@1 and nDCG@10 over queries with binary
// relevance.
type metrics = searchgen.Metrics
