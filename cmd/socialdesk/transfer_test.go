package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// seededDataDir returns the data directory of a desk with rows in the
// core, channel and community tables, blobs included.
func seededDataDir(t *testing.T) string {
	t.Helper()
	e := apptest.New(t)
	tk, err := e.App.Desk.CreateTicket(e.As("employee"), desk.NewTicket{Title: "Printer jams", Description: "third floor"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("employee"), tk.ID, desk.NewMessage{Body: "photo", Files: []store.NewAttachment{{Name: "jam.txt", ContentType: "text/plain", Data: []byte("jammed\n\"quoted\" ü")}}}); err != nil {
		t.Fatal(err)
	}
	q, err := e.App.Community.Ask(e.As("employee"), community.NewQuestion{Title: "VPN on Android", Tags: []string{"vpn"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Community.Answer(e.As("employee2"), q.ID, "Reinstall the profile"); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Channels.Add(e.As("admin"), "hook", "webhook", `{"secret":"a-secret-of-enough-length"}`, true); err != nil {
		t.Fatal(err)
	}
	return e.App.Config.DataDir
}

func export(t *testing.T, args ...string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "export.jsonl")
	if err := run(context.Background(), append([]string{"export", "--out", out}, args...), env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("export: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines
}

func writeLines(t *testing.T, lines []string) string {
	p := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sameRows compares two exports as sets of lines per table: rows of a
// table keyed by text may come out in another order on PostgreSQL.
func sameRows(t *testing.T, a, b []string) {
	t.Helper()
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	if len(a) != len(b) {
		t.Fatalf("exports have %d and %d rows", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("exports differ:\n%s\n%s", a[i], b[i])
		}
	}
}

func TestExportImportSQLite(t *testing.T) {
	src := seededDataDir(t)
	first := export(t, "--data", src)
	for _, want := range []string{`"table":"people"`, `"table":"attachments"`, `"base64":["data"]`, `"table":"channels"`, `"table":"answers"`} {
		if !strings.Contains(strings.Join(first, "\n"), want) {
			t.Errorf("export lacks %s", want)
		}
	}
	in := writeLines(t, first)
	dst := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "--data", dst, "--in", in}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("import: %v", err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("Imported %d rows", len(first))) {
		t.Errorf("import said %q, want %d rows", out.String(), len(first))
	}
	sameRows(t, first, export(t, "--data", dst))
	err := run(context.Background(), []string{"import", "--data", dst, "--in", in}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second import into the same database: %v, want a refusal", err)
	}
}

func TestExportSQLiteImportPostgres(t *testing.T) {
	url := os.Getenv("SOCIALDESK_TEST_POSTGRES")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", url)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is not reachable at %s in CI: %v", url, err)
		}
		t.Skipf("PostgreSQL is not reachable at %s (%v); set SOCIALDESK_TEST_POSTGRES to run the SQLite to PostgreSQL test", url, err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("sdexport_%d", time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	pg := url + sep + "search_path=" + schema

	first := export(t, "--data", seededDataDir(t))
	in := writeLines(t, first)
	if err := run(context.Background(), []string{"import", "--database-url", pg, "--in", in}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("import into PostgreSQL: %v", err)
	}
	sameRows(t, first, export(t, "--database-url", pg))
	if err := run(context.Background(), []string{"import", "--database-url", pg, "--in", in}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("a second import into the non-empty PostgreSQL database was accepted")
	}
	// The identity counters moved past the imported ids: new rows get
	// fresh ids instead of colliding.
	db, err := store.OpenPostgres(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &socialdesk.Person{Email: "new@example.com", Name: "New", Role: socialdesk.RoleEmployee}
	if err := db.CreatePerson(context.Background(), p); err != nil {
		t.Fatalf("create a person after the import: %v", err)
	}
	if p.ID <= 6 {
		t.Errorf("new person got id %d, which the import already used", p.ID)
	}
}

func TestRestoreIntoEmptyDataDir(t *testing.T) {
	src := seededDataDir(t)
	backup := filepath.Join(t.TempDir(), "b.db")
	ctx := context.Background()
	if err := run(ctx, []string{"backup", "--data", src, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "data")
	if err := run(ctx, []string{"restore", "--data", dst, "--from", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	sameRows(t, export(t, "--data", src), export(t, "--data", dst))
	err := run(ctx, []string{"restore", "--data", dst, "--from", backup}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restore over an existing database: %v, want a refusal", err)
	}
	notDB := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	if err := run(ctx, []string{"restore", "--data", t.TempDir(), "--from", notDB}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("restored a file that is not a SQLite database")
	}
}
