package storetest

import (
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

func testSearchLog(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "s1@example.com", socialdesk.RoleEmployee)
	other := mustPerson(t, db, "s2@example.com", socialdesk.RoleEmployee)
	now := time.Now().UTC()
	id, err := db.LogSearch(ctx, store.SearchLogEntry{At: now, PersonID: p.ID, Query: "vpn drops", Context: "site=lyon", Results: 3})
	if err != nil {
		t.Fatal(err)
	}
	db.LogSearch(ctx, store.SearchLogEntry{At: now, PersonID: p.ID, Query: "zzz", Results: 0})
	// Only the person who searched can record a click on their search.
	db.LogSearchClick(ctx, id, other.ID, "ticket:9")
	db.LogSearchClick(ctx, id, p.ID, "article:4")
	db.LogSearchSolved(ctx, id, p.ID)
	log, err := db.SearchLog(ctx, now.Add(-time.Minute), 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("log = %+v, %v", log, err)
	}
	if log[0].Query != "zzz" || log[0].Results != 0 || log[1].Clicked != "article:4" || !log[1].Solved || log[1].Context != "site=lyon" {
		t.Fatalf("log = %+v", log)
	}
}
