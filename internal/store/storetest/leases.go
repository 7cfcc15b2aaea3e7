package storetest

import (
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/store"
)

func testLeases(t *testing.T, db *store.DB) {
	now := time.Now()
	if ok, err := db.AcquireLease(ctx, "sla", "node-a", now, time.Minute); !ok || err != nil {
		t.Fatalf("free lease: %v %v", ok, err)
	}
	if ok, _ := db.AcquireLease(ctx, "sla", "node-b", now.Add(time.Second), time.Minute); ok {
		t.Fatal("node-b took a lease node-a holds")
	}
	if ok, _ := db.AcquireLease(ctx, "sla", "node-a", now.Add(2*time.Second), time.Minute); !ok {
		t.Fatal("node-a could not renew its lease")
	}
	if ok, _ := db.AcquireLease(ctx, "sla", "node-b", now.Add(3*time.Minute), time.Minute); !ok {
		t.Fatal("node-b could not take an expired lease")
	}
	if ok, _ := db.AcquireLease(ctx, "digest", "node-a", now, time.Minute); !ok {
		t.Fatal("leases are per name")
	}
}
