package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// testClaimDelivery: of several workers racing for one queued reply,
// exactly one wins; after the lease expires it can be claimed again.
func testClaimDelivery(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "claim@example.com", socialdesk.RoleEmployee)
	tk := newTicket(p.ID, "claim", 3)
	if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
		t.Fatal(err)
	}
	m := &socialdesk.Message{TicketID: tk.ID, Body: "reply", Direction: "out", DeliveryState: "queued"}
	if err := db.AddMessage(ctx, m, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.ClaimDelivery(ctx, m.ID, now, now.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d workers claimed the reply, want 1", wins.Load())
	}
	if ok, _ := db.ClaimDelivery(ctx, m.ID, now.Add(2*time.Minute), now.Add(3*time.Minute)); !ok {
		t.Fatal("an expired lease could not be claimed again")
	}
}
