package storetest

import (
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// testInsight covers the analytics reads: ticket filters including the
// requester's site, SLA states of open tickets, the digest claim and the
// detection of the optional listening table.
func testInsight(t *testing.T, db *store.DB) {
	g := &socialdesk.Group{Name: "Insight"}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	lyon := mustPerson(t, db, "i1@example.com", socialdesk.RoleEmployee)
	paris := &socialdesk.Person{Email: "i2@example.com", Name: "Paris", Role: socialdesk.RoleEmployee, Site: "Paris"}
	if err := db.CreatePerson(ctx, paris); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mk := func(req int64, title, channel string, group int64, at time.Time, sla socialdesk.SLAState, state socialdesk.State) {
		tk := newTicket(req, title, 2)
		tk.Channel, tk.GroupID, tk.CreatedAt, tk.UpdatedAt, tk.SLA, tk.State = channel, group, at, at, sla, state
		if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	due := base.Add(time.Hour)
	mk(lyon.ID, "a", "email", g.ID, base, socialdesk.SLAState{ResponseDue: due, RespondedAt: base.Add(time.Minute), NextCheck: due}, socialdesk.StateNew)
	mk(paris.ID, "b", "portal", 0, base.Add(24*time.Hour), socialdesk.SLAState{Breached: socialdesk.ClockResponse, NextCheck: due}, socialdesk.StateNew)
	mk(paris.ID, "c", "portal", g.ID, base.Add(48*time.Hour), socialdesk.SLAState{}, socialdesk.StateNew)
	mk(lyon.ID, "d", "portal", g.ID, base.AddDate(0, 1, 0), socialdesk.SLAState{}, socialdesk.StateNew)

	week := store.InsightFilter{From: base.Truncate(24 * time.Hour), To: base.AddDate(0, 0, 7)}
	all, err := db.InsightTickets(ctx, week)
	if err != nil || len(all) != 3 {
		t.Fatalf("tickets in the week = %d, %v; want 3", len(all), err)
	}
	if !all[0].RespondedAt.Equal(base.Add(time.Minute)) || !all[0].ResponseDue.Equal(due) || all[0].GroupName != "Insight" || all[0].Site != "" {
		t.Fatalf("first ticket = %+v", all[0])
	}
	f := week
	f.Site, f.Channel = "Paris", "portal"
	if got, _ := db.InsightTickets(ctx, f); len(got) != 2 {
		t.Fatalf("Paris portal tickets = %d, want 2", len(got))
	}
	f.GroupID = g.ID
	if got, _ := db.InsightTickets(ctx, f); len(got) != 1 || got[0].CreatedAt != base.Add(48*time.Hour) {
		t.Fatalf("Paris portal Insight tickets = %+v, want ticket c", got)
	}

	states, err := db.SLAStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if states["breached"] != 1 || states["running"] != 1 || states["none"] != 2 {
		t.Fatalf("SLA states = %v", states)
	}

	ok, err := db.ClaimDigest(ctx, "group:1", "2026-W10", base)
	if err != nil || !ok {
		t.Fatalf("first claim = %v, %v", ok, err)
	}
	if ok, err := db.ClaimDigest(ctx, "group:1", "2026-W10", base); err != nil || ok {
		t.Fatalf("second claim of the same week = %v, %v; want false", ok, err)
	}
	if ok, _ := db.ClaimDigest(ctx, "group:1", "2026-W11", base); !ok {
		t.Fatal("the next week's claim was refused")
	}

	// The other reads are valid SQL on this database.
	if qs, err := db.InsightQuestions(ctx, week.From, week.To, "Paris"); err != nil || len(qs) != 0 {
		t.Fatalf("questions = %v, %v", qs, err)
	}
	if n, err := db.ActiveHelpers(ctx, week.From, week.To); err != nil || n != 0 {
		t.Fatalf("helpers = %d, %v", n, err)
	}
	if d, err := db.DeflectionTimes(ctx, week.From, week.To); err != nil || len(d) != 0 {
		t.Fatalf("deflections = %v, %v", d, err)
	}
	if _, err := db.LogSearch(ctx, store.SearchLogEntry{At: base, Query: "nothing here", Results: 0}); err != nil {
		t.Fatal(err)
	}
	if l, err := db.SearchLogBetween(ctx, week.From, week.To); err != nil || len(l) != 1 || l[0].Query != "nothing here" {
		t.Fatalf("search log = %v, %v", l, err)
	}
	if r, err := db.ReviewsDue(ctx, base.AddDate(1, 0, 0)); err != nil || len(r) != 0 {
		t.Fatalf("reviews due = %v, %v", r, err)
	}

	if _, present, err := db.ListeningStats(ctx, week.From, week.To); err != nil {
		t.Fatal(err)
	} else if tables, _ := store.Tables(); present != contains(tables, "listening_posts") {
		t.Fatalf("listening table detected = %v, but the migrations say otherwise", present)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
