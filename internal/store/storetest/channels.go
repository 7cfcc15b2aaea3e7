package storetest

import (
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

func testChannels(t *testing.T, db *store.DB) {
	c := &store.Channel{Name: "hooks", Kind: "webhook", Config: []byte{1, 2, 0, 255}, Enabled: true}
	if err := db.CreateChannel(ctx, c); err != nil || c.ID == 0 {
		t.Fatalf("create: %v", err)
	}
	if err := db.CreateChannel(ctx, &store.Channel{Name: "hooks", Kind: "slack", Config: []byte{1}}); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := db.SetChannelEnabled(ctx, "hooks", false); err != nil {
		t.Fatal(err)
	}
	got, err := db.ChannelByName(ctx, "hooks")
	if err != nil || got.Enabled || got.Kind != "webhook" || string(got.Config) != string(c.Config) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if err := db.SetChannelEnabled(ctx, "nope", true); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("enable missing: %v", err)
	}
	if err := db.DeleteChannel(ctx, "hooks"); err != nil {
		t.Fatal(err)
	}
	if list, _ := db.Channels(ctx); len(list) != 0 {
		t.Fatalf("%d channels after delete", len(list))
	}
}

func testHeldAndThreads(t *testing.T, db *store.DB) {
	h := &store.HeldMessage{Channel: "hooks", Kind: "webhook", ExternalID: "e1", AuthorID: "u1", Payload: `{"Text":"hi"}`}
	first, fresh, err := db.HoldMessage(ctx, h)
	if err != nil || !fresh || first.ID == 0 {
		t.Fatalf("hold: %v %v", fresh, err)
	}
	again, fresh, err := db.HoldMessage(ctx, h)
	if err != nil || fresh || again.ID != first.ID {
		t.Fatalf("hold twice: %v %v", fresh, err)
	}
	db.HoldMessage(ctx, &store.HeldMessage{Channel: "hooks", Kind: "webhook", ExternalID: "e2", AuthorID: "u2", Payload: "{}"})
	mine, _ := db.HeldMessages(ctx, "webhook", "u1", 0)
	if len(mine) != 1 || mine[0].ExternalID != "e1" {
		t.Fatalf("by author: %+v", mine)
	}
	if err := db.ReleaseHeld(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := db.HeldMessages(ctx, "", "", 0); len(all) != 1 || all[0].ExternalID != "e2" {
		t.Fatalf("pending after release: %+v", all)
	}

	p := mustPerson(t, db, "thread@example.com", socialdesk.RoleEmployee)
	tk := newTicket(p.ID, "threaded", 3)
	if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SetThread(ctx, "hooks", "th1", tk.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetThread(ctx, "hooks", "th1", tk.ID+1000); err != nil {
		t.Fatalf("second mapping must be a no-op: %v", err)
	}
	if id, err := db.ThreadTicket(ctx, "hooks", "th1"); err != nil || id != tk.ID {
		t.Fatalf("thread ticket = %d, %v", id, err)
	}
	if _, err := db.ThreadTicket(ctx, "other", "th1"); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("thread on another channel: %v", err)
	}
	now := time.Now()
	if ok, err := db.RecordAck(ctx, "hooks", "th1", "u1", tk.ID, now); !ok || err != nil {
		t.Fatalf("ack: %v %v", ok, err)
	}
	if ok, _ := db.RecordAck(ctx, "hooks", "th1", "u1", tk.ID, now); ok {
		t.Fatal("same thread acknowledged twice")
	}
	if n, _ := db.CountAcks(ctx, "hooks", "u1", now.Add(-time.Minute)); n != 1 {
		t.Fatalf("acks counted %d", n)
	}

	// Queued messages wait for their next attempt.
	m := &socialdesk.Message{TicketID: tk.ID, Body: "reply", Direction: "out", DeliveryState: "queued", Channel: "webhook"}
	if err := db.AddMessage(ctx, m, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if q, _ := db.QueuedMessages(ctx, now, 10); len(q) != 1 || q[0].ID != m.ID {
		t.Fatalf("queued = %+v", q)
	}
	if err := db.RecordAttempt(ctx, store.OutboundAttempt{MessageID: m.ID, Attempts: 1, NextAt: now.Add(time.Hour), LastError: "boom"}); err != nil {
		t.Fatal(err)
	}
	if q, _ := db.QueuedMessages(ctx, now, 10); len(q) != 0 {
		t.Fatal("message due before its next attempt")
	}
	if a, _ := db.Attempt(ctx, m.ID); a.Attempts != 1 || a.LastError != "boom" {
		t.Fatalf("attempt = %+v", a)
	}
	if err := db.MarkSent(ctx, m.ID, "hooks", "x-1"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.MessageByExternalID(ctx, "hooks", "x-1"); err != nil || got.DeliveryState != "sent" {
		t.Fatalf("sent message = %+v, %v", got, err)
	}
	if q, _ := db.QueuedMessages(ctx, now.Add(2*time.Hour), 10); len(q) != 0 {
		t.Fatal("sent message still queued")
	}
	if err := db.SaveCursor(ctx, "hooks", "uid", "41"); err != nil {
		t.Fatal(err)
	}
	db.SaveCursor(ctx, "hooks", "uid", "42")
	if v, _ := db.LoadCursor(ctx, "hooks", "uid"); v != "42" {
		t.Fatalf("cursor = %q", v)
	}
}
