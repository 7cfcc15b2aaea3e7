package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
	"github.com/socialdesk/socialdesk/internal/store/storetest"
)

func TestSQLiteContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.DB {
		db, err := store.OpenSQLite(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

var schemaSeq atomic.Int64

// PostgresURL returns the test server's URL, from SOCIALDESK_TEST_POSTGRES
// or the CI default, and whether a server answers there.
func postgresURL(t *testing.T) string {
	url := os.Getenv("SOCIALDESK_TEST_POSTGRES")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", url)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
		db.Close()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is not reachable at %s in CI: %v", url, err)
		}
		t.Skipf("PostgreSQL is not reachable at %s (%v); set SOCIALDESK_TEST_POSTGRES to run the PostgreSQL contract suite", url, err)
	}
	return url
}

// freshSchema creates an empty schema and returns a URL whose connections
// use it, so every test gets its own database.
func freshSchema(t *testing.T, url string) string {
	schema := fmt.Sprintf("sdtest_%d_%d", time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, _ := sql.Open("pgx", url)
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
		a.Close()
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}

func TestPostgresContract(t *testing.T) {
	url := postgresURL(t)
	storetest.Run(t, func(t *testing.T) *store.DB {
		db, err := store.OpenPostgres(context.Background(), freshSchema(t, url))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// BenchmarkPeople lists 2,000 people, each in one of four groups, on
// SQLite: what the queue page and the ticket page read on every load to
// name requesters and offer assignees.
func BenchmarkPeople(b *testing.B) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var groups []int64
	for i := range 4 {
		g := &socialdesk.Group{Name: fmt.Sprint("Group ", i)}
		if err := db.CreateGroup(ctx, g); err != nil {
			b.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	for i := range 2000 {
		p := &socialdesk.Person{Email: fmt.Sprintf("p%d@example.com", i), Name: fmt.Sprint("Person ", i), Role: socialdesk.RoleEmployee, GroupIDs: []int64{groups[i%4]}}
		if err := db.CreatePerson(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		ps, err := db.People(ctx, "")
		if err != nil || len(ps) != 2000 || len(ps[0].GroupIDs) != 1 {
			b.Fatalf("%d people: %v", len(ps), err)
		}
	}
}
