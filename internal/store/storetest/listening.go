package storetest

import (
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

func testListening(t *testing.T, db *store.DB) {
	// Rules.
	id, err := db.AddListeningRule(ctx, store.ListeningRule{Kind: "keyword", Value: "vpn", Channel: "slack"})
	if err != nil {
		t.Fatal(err)
	}
	db.AddListeningRule(ctx, store.ListeningRule{Kind: "hashtag", Value: "outage"})
	if err := db.DeleteListeningRule(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteListeningRule(ctx, id); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("second delete = %v, want ENOTFOUND", err)
	}
	rules, err := db.ListeningRules(ctx)
	if err != nil || len(rules) != 1 || rules[0].Value != "outage" {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	// Posts are stored once per channel and external id.
	now := time.Now().UTC().Truncate(time.Second)
	p := store.ListeningPost{Channel: "twitter", ExternalID: "t1", Author: "a", Text: "vpn down", RuleIDs: []int64{2, 5}, Score: 0.75, Support: true,
		Category: "network", Service: "VPN", Impact: "medium", Urgency: "high", ClusterID: 3, At: now}
	if _, err := db.TicketListeningPost(ctx, 42); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("ticket with no post: %v, want ENOTFOUND", err)
	}
	pid, fresh, err := db.AddListeningPost(ctx, p)
	if err != nil || !fresh {
		t.Fatalf("add post: %v %v", fresh, err)
	}
	again, fresh, err := db.AddListeningPost(ctx, p)
	if err != nil || fresh || again != pid {
		t.Fatalf("replayed post: id %d fresh %v err %v", again, fresh, err)
	}
	db.SetListeningPostTicket(ctx, pid, 42)
	got, err := db.ListeningPost(ctx, pid)
	if err != nil || got.TicketID != 42 || len(got.RuleIDs) != 2 || got.RuleIDs[1] != 5 || !got.Support || got.Score < 0.74 || !got.At.Equal(now) ||
		got.Category != "network" || got.Service != "VPN" || got.Impact != "medium" || got.Urgency != "high" {
		t.Fatalf("post = %+v, %v", got, err)
	}
	if byTicket, err := db.TicketListeningPost(ctx, 42); err != nil || byTicket.ID != pid {
		t.Fatalf("post of ticket 42 = %+v, %v", byTicket, err)
	}
	if posts, _ := db.ListeningPosts(ctx, now.Add(-time.Minute), 10); len(posts) != 1 {
		t.Fatalf("posts = %+v", posts)
	}
	// Model versions: the newest is active until an older one is activated.
	m1, _ := db.AddListeningModel(ctx, store.ListeningModel{Kind: "support", Model: []byte{1, 2}, Examples: 10})
	m2, _ := db.AddListeningModel(ctx, store.ListeningModel{Kind: "support", Model: []byte{3}, Examples: 11})
	if a, err := db.ActiveListeningModel(ctx, "support"); err != nil || a.ID != m2 || a.Model[0] != 3 {
		t.Fatalf("active = %+v, %v", a, err)
	}
	if err := db.ActivateListeningModel(ctx, m1); err != nil {
		t.Fatal(err)
	}
	if a, _ := db.ActiveListeningModel(ctx, "support"); a.ID != m1 {
		t.Fatalf("after rollback active = %d, want %d", a.ID, m1)
	}
	if _, err := db.ActiveListeningModel(ctx, "category"); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("no category model: %v", err)
	}
	// Feedback is applied with a new version, atomically.
	f1, _ := db.AddListeningFeedback(ctx, store.ListeningFeedback{PostID: pid, PersonID: 1, Kind: "support", Label: "0", Text: "vpn down"})
	pending, _ := db.PendingListeningFeedback(ctx, "support")
	if len(pending) != 1 || pending[0].ID != f1 {
		t.Fatalf("pending = %+v", pending)
	}
	if _, err := db.AddListeningModelFromFeedback(ctx, store.ListeningModel{Kind: "support", Model: []byte{4}}, []int64{f1}); err != nil {
		t.Fatal(err)
	}
	if pending, _ := db.PendingListeningFeedback(ctx, "support"); len(pending) != 0 {
		t.Fatalf("pending after apply = %+v", pending)
	}
	if ms, _ := db.ListeningModels(ctx); len(ms) != 3 || !ms[0].Active || ms[1].Active {
		t.Fatalf("models = %+v", ms)
	}
	// Replies: one per thread; a held reply is decided once.
	rid, fresh, err := db.AddListeningReply(ctx, store.ListeningReply{PostID: pid, TicketID: 42, Channel: "twitter", Thread: "t1", Body: "hi", State: "held"})
	if err != nil || !fresh {
		t.Fatalf("reply: %v %v", fresh, err)
	}
	if _, fresh, err := db.AddListeningReply(ctx, store.ListeningReply{PostID: pid, Channel: "twitter", Thread: "t1", Body: "again", State: "sent"}); err != nil || fresh {
		t.Fatalf("second reply to thread: fresh %v err %v", fresh, err)
	}
	if r, err := db.DecideListeningReply(ctx, rid, 7, "sent"); err != nil || r.State != "sent" || r.DecidedBy != 7 {
		t.Fatalf("decide = %+v, %v", r, err)
	}
	if _, err := db.DecideListeningReply(ctx, rid, 7, "rejected"); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("second decision = %v, want ECONFLICT", err)
	}
	// Acknowledged threads.
	if acked, err := db.ThreadAcked(ctx, "twitter", "t9"); err != nil || acked {
		t.Fatalf("unacked thread: %v %v", acked, err)
	}
	db.RecordAck(ctx, "twitter", "t9", "a", 42, now)
	if acked, err := db.ThreadAcked(ctx, "twitter", "t9"); err != nil || !acked {
		t.Fatalf("acked thread: %v %v", acked, err)
	}
	// Status updates and major incidents.
	req := mustPerson(t, db, "listen@example.com", socialdesk.RoleEmployee)
	tk := newTicket(req.ID, "VPN outage", 1)
	tk.Major = true
	if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
		t.Fatal(err)
	}
	db.CreateTicket(ctx, newTicket(req.ID, "ordinary", 3), nil, nil)
	db.AddStatusUpdate(ctx, store.StatusUpdate{TicketID: tk.ID, AuthorID: req.ID, Body: "Investigating"})
	db.AddStatusUpdate(ctx, store.StatusUpdate{TicketID: tk.ID, AuthorID: req.ID, Body: "Fixed", Resolved: true})
	ups, err := db.StatusUpdates(ctx, tk.ID)
	if err != nil || len(ups) != 2 || ups[0].Body != "Investigating" || !ups[1].Resolved {
		t.Fatalf("updates = %+v, %v", ups, err)
	}
	majors, err := db.MajorIncidents(ctx, 10)
	if err != nil || len(majors) != 1 || majors[0].ID != tk.ID {
		t.Fatalf("majors = %+v, %v", majors, err)
	}
	// A resolved ticket whose service differs from its post's suggestion
	// gives one correction of the service, once; open tickets, agreeing
	// fields and empty fields give none.
	mk := func(title string, state socialdesk.State, service, impact string, suggested store.ListeningPost) {
		tk := newTicket(req.ID, title, 3)
		tk.State, tk.Service, tk.Impact = state, service, socialdesk.Level(impact)
		if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
			t.Fatal(err)
		}
		suggested.Channel, suggested.ExternalID, suggested.Author, suggested.Text, suggested.Support, suggested.TicketID, suggested.At = "slack", title, "a", title+" text", true, tk.ID, now
		if _, _, err := db.AddListeningPost(ctx, suggested); err != nil {
			t.Fatal(err)
		}
	}
	mk("corrected", socialdesk.StateResolved, "VPN", "medium", store.ListeningPost{Service: "Email", Impact: "medium"})
	mk("still open", socialdesk.StateInProgress, "VPN", "medium", store.ListeningPost{Service: "Email"})
	mk("agreed", socialdesk.StateClosed, "Email", "high", store.ListeningPost{Service: "Email", Impact: "low"})
	mk("unset", socialdesk.StateResolved, "", "medium", store.ListeningPost{Service: "Email"})
	if n, err := db.CountTicketCorrections(ctx, "service"); err != nil || n != 1 {
		t.Fatalf("service corrections counted = %d, %v; want 1", n, err)
	}
	if n, err := db.CountTicketCorrections(ctx, "impact"); err != nil || n != 1 {
		t.Fatalf("impact corrections counted = %d, %v; want 1 (the closed ticket's high)", n, err)
	}
	if _, err := db.CountTicketCorrections(ctx, "priority"); err == nil {
		t.Fatal("a correction of an unknown field was counted")
	}
	for round := range 2 {
		n, err := db.AddTicketCorrections(ctx, "service")
		if err != nil || n != 1-round {
			t.Fatalf("round %d: added %d service corrections, %v; want %d", round, n, err, 1-round)
		}
	}
	pendingService, err := db.PendingListeningFeedback(ctx, "service")
	if err != nil || len(pendingService) != 1 || pendingService[0].Label != "VPN" || pendingService[0].Text != "corrected text" {
		t.Fatalf("pending service corrections = %+v, %v", pendingService, err)
	}
	if n, _ := db.CountTicketCorrections(ctx, "service"); n != 0 {
		t.Fatalf("%d service corrections still counted after they were taken", n)
	}
	// The suggestion models learn from resolved and closed tickets that
	// have the field, newest first; the open one, the major incident and
	// the one without a service are left out.
	ex, err := db.ResolvedTicketExamples(ctx, "service", 10)
	if err != nil || len(ex) != 2 || ex[0].Label != "Email" || ex[0].Text != "agreed" || ex[1].Label != "VPN" || ex[1].Text != "corrected" {
		t.Fatalf("service examples = %+v, %v; want agreed (Email), then corrected (VPN)", ex, err)
	}
	if ex, err := db.ResolvedTicketExamples(ctx, "impact", 2); err != nil || len(ex) != 2 || ex[0].Text != "unset" || ex[0].Label != "medium" {
		t.Fatalf("impact examples = %+v, %v; want the newest two, unset first", ex, err)
	}
	if _, err := db.ResolvedTicketExamples(ctx, "priority", 10); err == nil {
		t.Fatal("examples of an unknown field were returned")
	}
	rc, err := db.ResolvedTicketCounts(ctx)
	if err != nil || rc["service"] != (store.ResolvedTicketCount{Tickets: 2, Labels: 2}) || rc["impact"] != (store.ResolvedTicketCount{Tickets: 3, Labels: 2}) || rc["category"] != (store.ResolvedTicketCount{}) {
		t.Fatalf("resolved ticket counts = %+v, %v", rc, err)
	}
	// The status page reads every incident's updates and report count in
	// one query each.
	quiet := newTicket(req.ID, "Printer outage", 2)
	quiet.Major = true
	if err := db.CreateTicket(ctx, quiet, nil, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		child := newTicket(req.ID, "me too", 3)
		child.ParentID = tk.ID
		if err := db.CreateTicket(ctx, child, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	of, err := db.StatusUpdatesOf(ctx, []int64{tk.ID, quiet.ID})
	if err != nil || len(of) != 1 || len(of[tk.ID]) != 2 || of[tk.ID][0].Body != "Investigating" || !of[tk.ID][1].Resolved {
		t.Fatalf("updates of both = %+v, %v; want the two of %s only", of, err, tk.Title)
	}
	if of, err := db.StatusUpdatesOf(ctx, nil); err != nil || len(of) != 0 {
		t.Fatalf("updates of none = %+v, %v", of, err)
	}
	counts, err := db.ReportCounts(ctx, []int64{tk.ID, quiet.ID})
	if err != nil || len(counts) != 1 || counts[tk.ID] != 2 {
		t.Fatalf("report counts = %v, %v; want 2 for %s only", counts, err, tk.Title)
	}
	if counts, err := db.ReportCounts(ctx, nil); err != nil || len(counts) != 0 {
		t.Fatalf("report counts of none = %v, %v", counts, err)
	}
}
