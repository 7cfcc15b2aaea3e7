package listening_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/store"
)

// BenchmarkStatusPage reads what the status page shows for 100 major
// incidents, each with three status updates and five reports, on SQLite:
// "per-incident" with two reads per incident (the updates, then the
// reports' count), as the page did before; "batched" is Incidents, which
// reads all updates and all counts in one query each. During an outage
// everyone opens this page.
func BenchmarkStatusPage(b *testing.B) {
	e := apptest.New(b)
	ctx := b.Context()
	db := e.App.DB
	requester := e.People["employee"].ID
	now := time.Now().UTC().Truncate(time.Microsecond)
	ticket := func(title string, major bool, parent int64) int64 {
		t := &socialdesk.Ticket{Type: socialdesk.Incident, Title: title, State: socialdesk.StateNew, Impact: socialdesk.High, Urgency: socialdesk.High,
			Priority: 1, RequesterID: requester, Channel: "portal", CreatedAt: now, UpdatedAt: now, Major: major, ParentID: parent}
		if err := db.CreateTicket(ctx, t, nil, nil); err != nil {
			b.Fatal(err)
		}
		return t.ID
	}
	for i := range 100 {
		id := ticket(fmt.Sprintf("Outage %d", i), true, 0)
		for j := range 3 {
			if _, err := db.AddStatusUpdate(ctx, store.StatusUpdate{TicketID: id, AuthorID: requester, Body: fmt.Sprintf("Update %d", j), CreatedAt: now}); err != nil {
				b.Fatal(err)
			}
		}
		for range 5 {
			ticket("Me too", false, id)
		}
	}
	as := e.As("employee")
	b.Run("per-incident", func(b *testing.B) {
		for b.Loop() {
			ts, err := db.MajorIncidents(ctx, 100)
			if err != nil || len(ts) != 100 {
				b.Fatalf("%d incidents: %v", len(ts), err)
			}
			for _, t := range ts {
				ups, err := db.StatusUpdates(ctx, t.ID)
				if err != nil || len(ups) != 3 {
					b.Fatalf("%d updates: %v", len(ups), err)
				}
				if _, n, err := db.Tickets(ctx, socialdesk.TicketFilter{ParentID: t.ID, Limit: 1}); err != nil || n != 5 {
					b.Fatalf("%d reports: %v", n, err)
				}
			}
		}
	})
	b.Run("batched", func(b *testing.B) {
		for b.Loop() {
			current, _, err := e.App.Listening.Incidents(as, 100)
			if err != nil || len(current) != 100 || len(current[0].Updates) != 3 || current[0].Reports != 5 {
				b.Fatalf("%d incidents: %v", len(current), err)
			}
		}
	})
}
