// Package storetest is the contract every socialdesk database must meet.
// The same suite runs against SQLite always and against PostgreSQL whenever
// a server is reachable.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Opener returns a fresh, empty, migrated database for one test.
type Opener func(t *testing.T) *store.DB

// Run runs the whole contract against databases from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"People", testPeople},
		{"Identities", testIdentities},
		{"TicketNumbers", testTicketNumbers},
		{"TicketFilters", testTicketFilters},
		{"SaveTicketAndHistory", testSaveTicket},
		{"MessagesIdempotent", testMessagesIdempotent},
		{"CreateTicketIdempotent", testCreateTicketIdempotent},
		{"ConcurrentCreate", testConcurrentCreate},
		{"SessionsTokensSettings", testSessionsTokensSettings},
		{"FireSLAOnce", testFireSLAOnce},
		{"NotificationsUnread", testNotificationsUnread},
		{"AuditAppendOnly", testAudit},
		{"Attachments", testAttachments},
		{"SearchLog", testSearchLog},
		{"ClaimDelivery", testClaimDelivery},
		{"Leases", testLeases},
		{"CommunityQA", testCommunityQA},
		{"EscalationClaim", testEscalationClaim},
		{"Articles", testArticles},
		{"Channels", testChannels},
		{"HeldThreadsAcksOutbound", testHeldAndThreads},
		{"Insight", testInsight},
		{"Listening", testListening},
		{"ListeningFeed", testListeningFeed},
		{"FeedNotices", testFeedNotices},
		{"ListeningVolume", testListeningVolume},
		{"Migrate twice", func(t *testing.T, db *store.DB) {
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var ctx = context.Background()

func mustPerson(t *testing.T, db *store.DB, email string, role socialdesk.Role) *socialdesk.Person {
	t.Helper()
	p := &socialdesk.Person{Email: email, Name: "Person " + email, Role: role, Devices: []string{"iPad"}}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

func newTicket(requester int64, title string, prio socialdesk.Priority) *socialdesk.Ticket {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &socialdesk.Ticket{Type: socialdesk.Incident, Title: title, State: socialdesk.StateNew, Impact: socialdesk.Medium, Urgency: socialdesk.Medium,
		Priority: prio, RequesterID: requester, Channel: "portal", CreatedAt: now, UpdatedAt: now}
}

func testPeople(t *testing.T, db *store.DB) {
	g := &socialdesk.Group{Name: "Network"}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	p := &socialdesk.Person{Email: "Ana@Example.com", Name: "Ana", Role: socialdesk.RoleAgent, Site: "Lyon", Devices: []string{"iPad", "Windows laptop"}, GroupIDs: []int64{g.ID}}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := db.PersonByEmail(ctx, "ana@example.COM")
	if err != nil {
		t.Fatalf("lookup is not case-insensitive: %v", err)
	}
	if got.ID != p.ID || got.Site != "Lyon" || len(got.Devices) != 2 || got.Devices[1] != "Windows laptop" || len(got.GroupIDs) != 1 || got.GroupIDs[0] != g.ID {
		t.Fatalf("round trip lost fields: %+v", got)
	}
	dup := &socialdesk.Person{Email: "ana@example.com", Name: "Other", Role: socialdesk.RoleEmployee}
	if err := db.CreatePerson(ctx, dup); socialdesk.ErrorCode(err) != socialdesk.EINVALID {
		t.Fatalf("duplicate email: got %v, want EINVALID", err)
	}
	// A person without email (known only from a channel) is allowed, twice.
	for range 2 {
		if err := db.CreatePerson(ctx, &socialdesk.Person{Name: "Anonymous", Role: socialdesk.RoleEmployee}); err != nil {
			t.Fatalf("person without email: %v", err)
		}
	}
	got.Site, got.GroupIDs = "Paris", nil
	if err := db.UpdatePerson(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := db.Person(ctx, p.ID)
	if again.Site != "Paris" || len(again.GroupIDs) != 0 {
		t.Fatalf("update not saved: %+v", again)
	}
	if _, err := db.Person(ctx, 99999); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("missing person: %v", err)
	}
	members, _ := db.GroupMembers(ctx, g.ID)
	if len(members) != 0 {
		t.Fatalf("members after removal = %v", members)
	}
	// Listing people gives each their own groups, with or without a role.
	g2 := &socialdesk.Group{Name: "Desktop"}
	if err := db.CreateGroup(ctx, g2); err != nil {
		t.Fatal(err)
	}
	bo := &socialdesk.Person{Email: "bo@example.com", Name: "Bo", Role: socialdesk.RoleAgent, GroupIDs: []int64{g2.ID, g.ID}}
	cy := &socialdesk.Person{Email: "cy@example.com", Name: "Cy", Role: socialdesk.RoleEmployee, GroupIDs: []int64{g2.ID}}
	for _, x := range []*socialdesk.Person{bo, cy} {
		if err := db.CreatePerson(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []socialdesk.Role{"", socialdesk.RoleAgent} {
		people, err := db.People(ctx, role)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]string{}
		for _, x := range people {
			byName[x.Name] = fmt.Sprint(x.GroupIDs)
		}
		want := map[string]string{"Ana": "[]", "Bo": fmt.Sprint([]int64{min(g.ID, g2.ID), max(g.ID, g2.ID)}), "Cy": fmt.Sprint([]int64{g2.ID}), "Anonymous": "[]"}
		if role != "" {
			want = map[string]string{"Ana": "[]", "Bo": want["Bo"]}
		}
		if fmt.Sprint(byName) != fmt.Sprint(want) {
			t.Errorf("people (role %q) with groups = %v, want %v", role, byName, want)
		}
	}
	byID, err := db.PeopleByIDs(ctx, []int64{bo.ID, cy.ID, 99999})
	if err != nil || len(byID) != 2 || byID[bo.ID].Name != "Bo" || len(byID[bo.ID].GroupIDs) != 2 || fmt.Sprint(byID[cy.ID].GroupIDs) != fmt.Sprint([]int64{g2.ID}) {
		t.Errorf("PeopleByIDs = %v, %v; want Bo with two groups and Cy with one", byID, err)
	}
	if none, err := db.PeopleByIDs(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("PeopleByIDs of none = %v, %v", none, err)
	}
	// Names are not unique and are found without regard to case, Unicode
	// letters too (SQLite's lower() folds ASCII only).
	bo2 := &socialdesk.Person{Email: "bo2@example.com", Name: "BO", Role: socialdesk.RoleEmployee, GroupIDs: []int64{g.ID}}
	emil := &socialdesk.Person{Email: "emil@example.com", Name: "Émil Ørsted", Role: socialdesk.RoleEmployee}
	for _, x := range []*socialdesk.Person{bo2, emil} {
		if err := db.CreatePerson(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	named := func(name string) string {
		ps, err := db.PeopleNamed(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s%v", p.Email, p.GroupIDs))
		}
		return strings.Join(out, " ")
	}
	wantBo := fmt.Sprintf("bo@example.com[%d %d] bo2@example.com[%d]", min(g.ID, g2.ID), max(g.ID, g2.ID), g.ID)
	for name, want := range map[string]string{"bo": wantBo, " Bo ": wantBo, "Émil Ørsted": "emil@example.com[]", "émil øRSTED": "emil@example.com[]", "Cy": "cy@example.com[" + fmt.Sprint(g2.ID) + "]", "Nobody": "", "": ""} {
		if got := named(name); got != want {
			t.Errorf("PeopleNamed(%q) = %q, want %q", name, got, want)
		}
	}
}

func testIdentities(t *testing.T, db *store.DB) {
	a := mustPerson(t, db, "a@example.com", socialdesk.RoleEmployee)
	b := mustPerson(t, db, "b@example.com", socialdesk.RoleEmployee)
	id := socialdesk.Identity{PersonID: a.ID, Channel: "slack", ExternalID: "U123"}
	if err := db.AddIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.AddIdentity(ctx, id); err != nil {
		t.Fatalf("re-adding the same identity: %v", err)
	}
	if err := db.AddIdentity(ctx, socialdesk.Identity{PersonID: b.ID, Channel: "slack", ExternalID: "U123"}); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("stealing an identity: got %v, want ECONFLICT", err)
	}
	p, err := db.PersonByIdentity(ctx, "slack", "U123")
	if err != nil || p.ID != a.ID {
		t.Fatalf("PersonByIdentity = %v, %v", p, err)
	}
	if _, err := db.PersonByIdentity(ctx, "slack", "U999"); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("unknown identity: %v", err)
	}
}

func testTicketNumbers(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "r@example.com", socialdesk.RoleEmployee)
	var got []string
	for i, typ := range []socialdesk.TicketType{socialdesk.Incident, socialdesk.Incident, socialdesk.ServiceRequest, socialdesk.Incident} {
		tk := newTicket(p.ID, fmt.Sprint("t", i), 3)
		tk.Type = typ
		if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.Number())
	}
	want := []string{"INC-000001", "INC-000002", "REQ-000001", "INC-000003"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("numbers = %v, want %v", got, want)
	}
	tk, err := db.TicketByNumber(ctx, "req-000001")
	if err != nil || tk.Title != "t2" {
		t.Fatalf("TicketByNumber = %+v, %v", tk, err)
	}
}

func testTicketFilters(t *testing.T, db *store.DB) {
	emp := mustPerson(t, db, "e@example.com", socialdesk.RoleEmployee)
	other := mustPerson(t, db, "o@example.com", socialdesk.RoleEmployee)
	agent := mustPerson(t, db, "ag@example.com", socialdesk.RoleAgent)
	mk := func(title string, prio socialdesk.Priority, state socialdesk.State, assignee, requester int64, channel string, warned int, parent int64) int64 {
		tk := newTicket(requester, title, prio)
		tk.State, tk.AssigneeID, tk.Channel, tk.SLA.Warned, tk.ParentID = state, assignee, channel, warned, parent
		if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	vpn := mk("vpn down", 1, socialdesk.StateNew, 0, emp.ID, "slack", 1, 0)
	printer := mk("printer", 4, socialdesk.StateAssigned, agent.ID, emp.ID, "portal", 0, vpn)
	mk("old one", 3, socialdesk.StateClosed, agent.ID, other.ID, "email", 1, printer)
	mk("laptop", 2, socialdesk.StateInProgress, agent.ID, other.ID, "portal", 0, 0)
	cases := []struct {
		name string
		f    socialdesk.TicketFilter
		want []string
	}{
		{"open by priority", socialdesk.TicketFilter{OpenOnly: true}, []string{"vpn down", "laptop", "printer"}},
		{"state", socialdesk.TicketFilter{States: []socialdesk.State{socialdesk.StateClosed}}, []string{"old one"}},
		{"priority", socialdesk.TicketFilter{Priorities: []socialdesk.Priority{2, 4}}, []string{"laptop", "printer"}},
		{"assignee open", socialdesk.TicketFilter{AssigneeID: agent.ID, OpenOnly: true}, []string{"laptop", "printer"}},
		{"unassigned", socialdesk.TicketFilter{Unassigned: true}, []string{"vpn down"}},
		{"requester", socialdesk.TicketFilter{RequesterID: other.ID}, []string{"laptop", "old one"}},
		{"channel", socialdesk.TicketFilter{Channel: "portal"}, []string{"laptop", "printer"}},
		{"at risk excludes closed", socialdesk.TicketFilter{AtRisk: true}, []string{"vpn down"}},
		{"query text", socialdesk.TicketFilter{Query: "LAPTOP"}, []string{"laptop"}},
		{"query number", socialdesk.TicketFilter{Query: "INC-000002"}, []string{"printer"}},
		{"parent", socialdesk.TicketFilter{ParentID: vpn}, []string{"printer"}},
		{"any of the parents", socialdesk.TicketFilter{ParentIDs: []int64{vpn, printer}}, []string{"old one", "printer"}},
		{"parents and requester", socialdesk.TicketFilter{ParentIDs: []int64{vpn, printer}, RequesterID: other.ID}, []string{"old one"}},
		{"limit", socialdesk.TicketFilter{Limit: 1}, []string{"vpn down"}},
	}
	for _, c := range cases {
		got, total, err := db.Tickets(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var titles []string
		for _, tk := range got {
			titles = append(titles, tk.Title)
		}
		if fmt.Sprint(titles) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, titles, c.want)
		}
		if c.f.Limit == 0 && total != len(c.want) {
			t.Errorf("%s: total %d, want %d", c.name, total, len(c.want))
		}
		if c.name == "limit" && total != 4 {
			t.Errorf("limit: total %d ignores the limit? want 4", total)
		}
	}
}

func testSaveTicket(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "s@example.com", socialdesk.RoleEmployee)
	tk := newTicket(p.ID, "save me", 3)
	if err := db.CreateTicket(ctx, tk, nil, []socialdesk.Event{{Field: "created", New: "x"}}); err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	tk.State, tk.Priority, tk.SLA.ResolutionDue, tk.SLA.Paused, tk.SLA.NextCheck = socialdesk.StatePending, 1, due, 90*time.Second, due
	if err := db.SaveTicket(ctx, tk, []socialdesk.Event{{ActorID: p.ID, Field: "state", Old: "new", New: "pending"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Ticket(ctx, tk.ID)
	if got.State != socialdesk.StatePending || got.Priority != 1 || !got.SLA.ResolutionDue.Equal(due) || got.SLA.Paused != 90*time.Second {
		t.Fatalf("saved ticket = %+v", got)
	}
	events, _ := db.Events(ctx, tk.ID)
	if len(events) != 2 || events[1].Field != "state" || events[1].New != "pending" || events[1].ActorID != p.ID {
		t.Fatalf("events = %+v", events)
	}
	missing := *tk
	missing.ID = 424242
	if err := db.SaveTicket(ctx, &missing, nil); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("saving a missing ticket: %v", err)
	}
}

func testMessagesIdempotent(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "m@example.com", socialdesk.RoleEmployee)
	tk := newTicket(p.ID, "thread", 3)
	if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
		t.Fatal(err)
	}
	m := &socialdesk.Message{TicketID: tk.ID, AuthorID: p.ID, Body: "hello", Channel: "slack-main", ExternalID: "C1:1.2", Direction: "in"}
	if err := db.AddMessage(ctx, m, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	again := &socialdesk.Message{TicketID: tk.ID, AuthorID: p.ID, Body: "hello again", Channel: "slack-main", ExternalID: "C1:1.2", Direction: "in"}
	err := db.AddMessage(ctx, again, nil, nil, nil)
	var dup *store.DuplicateError
	if !errors.As(err, &dup) || dup.MessageID != m.ID || dup.TicketID != tk.ID {
		t.Fatalf("duplicate message: got %v", err)
	}
	// The same external id on another channel is a different message.
	other := &socialdesk.Message{TicketID: tk.ID, Body: "x", Channel: "email", ExternalID: "C1:1.2", Direction: "in"}
	if err := db.AddMessage(ctx, other, nil, nil, nil); err != nil {
		t.Fatalf("same id on another channel: %v", err)
	}
	msgs, _ := db.Messages(ctx, tk.ID)
	if len(msgs) != 2 || msgs[0].Body != "hello" {
		t.Fatalf("thread = %+v", msgs)
	}
	found, err := db.MessageByExternalID(ctx, "slack-main", "C1:1.2")
	if err != nil || found.ID != m.ID {
		t.Fatalf("MessageByExternalID = %v, %v", found, err)
	}
}

func testCreateTicketIdempotent(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "c@example.com", socialdesk.RoleEmployee)
	first := func() *socialdesk.Message {
		return &socialdesk.Message{AuthorID: p.ID, Body: "vpn down", Channel: "hook", ExternalID: "ext-1", Direction: "in"}
	}
	tk := newTicket(p.ID, "vpn", 2)
	if err := db.CreateTicket(ctx, tk, first(), nil); err != nil {
		t.Fatal(err)
	}
	tk2 := newTicket(p.ID, "vpn", 2)
	err := db.CreateTicket(ctx, tk2, first(), nil)
	var dup *store.DuplicateError
	if !errors.As(err, &dup) || dup.TicketID != tk.ID {
		t.Fatalf("replayed create: %v", err)
	}
	_, total, _ := db.Tickets(ctx, socialdesk.TicketFilter{})
	if total != 1 {
		t.Fatalf("replay stored a second ticket: total %d", total)
	}
	// The counter did not move either: the next ticket is INC-000002.
	tk3 := newTicket(p.ID, "next", 2)
	db.CreateTicket(ctx, tk3, nil, nil)
	if tk3.Number() != "INC-000002" {
		t.Fatalf("a rolled-back create used a number: next is %s", tk3.Number())
	}
}

func testConcurrentCreate(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "cc@example.com", socialdesk.RoleEmployee)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := newTicket(p.ID, fmt.Sprint("c", i), 3)
			m := &socialdesk.Message{AuthorID: p.ID, Body: "x", Channel: "hook", ExternalID: fmt.Sprint("id-", i%20), Direction: "in"}
			err := db.CreateTicket(ctx, tk, m, nil)
			if err != nil && !errors.Is(err, store.ErrDuplicate) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent create: %v", err)
	}
	tickets, total, _ := db.Tickets(ctx, socialdesk.TicketFilter{Limit: 100})
	if total != 20 {
		t.Fatalf("%d tickets from 20 distinct external ids", total)
	}
	seen := map[string]bool{}
	for _, tk := range tickets {
		if seen[tk.Number()] {
			t.Fatalf("number %s given twice", tk.Number())
		}
		seen[tk.Number()] = true
	}
}

func testSessionsTokensSettings(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "st@example.com", socialdesk.RoleEmployee)
	now := time.Now()
	if err := db.CreateSession(ctx, store.Session{TokenHash: "h1", PersonID: p.ID, CSRF: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, store.Session{TokenHash: "old", PersonID: p.ID, CSRF: "c", CreatedAt: now, ExpiresAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if s, err := db.Session(ctx, "h1", now); err != nil || s.PersonID != p.ID || s.CSRF != "c" {
		t.Fatalf("session = %+v, %v", s, err)
	}
	if _, err := db.Session(ctx, "old", now); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("expired session returned: %v", err)
	}
	// Expiry follows the caller's clock, not the store's: a desk running on
	// another clock (a test's, say) checks its sessions against its own time.
	if _, err := db.Session(ctx, "h1", now.Add(2*time.Hour)); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("session expired by the caller's clock returned: %v", err)
	}
	if _, err := db.Session(ctx, "old", now.Add(-2*time.Hour)); err != nil {
		t.Fatalf("session still valid by the caller's clock refused: %v", err)
	}
	db.DeleteSession(ctx, "h1", now)
	if _, err := db.Session(ctx, "h1", now); err == nil {
		t.Fatal("deleted session still valid")
	}
	if _, err := db.CreateToken(ctx, p.ID, "cli", "tokhash"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.PersonByToken(ctx, "tokhash"); err != nil || got.ID != p.ID {
		t.Fatalf("PersonByToken = %v, %v", got, err)
	}
	if _, err := db.PersonByToken(ctx, "nope"); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("unknown token: %v", err)
	}
	if _, ok, err := db.Setting(ctx, "k"); ok || err != nil {
		t.Fatalf("unset setting: ok=%v err=%v", ok, err)
	}
	db.PutSetting(ctx, "k", `{"a":1}`)
	db.PutSetting(ctx, "k", `{"a":2}`)
	if v, ok, _ := db.Setting(ctx, "k"); !ok || v != `{"a":2}` {
		t.Fatalf("setting = %q %v", v, ok)
	}
}

func testFireSLAOnce(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "f@example.com", socialdesk.RoleEmployee)
	tk := newTicket(p.ID, "sla", 1)
	if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
		t.Fatal(err)
	}
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := *tk
			c.SLA.Warned = socialdesk.ClockResponse
			ok, err := db.FireSLA(ctx, &c, 0, 0, []store.Notification{{PersonID: p.ID, TicketID: tk.ID, Kind: "sla_warning", Text: "warn"}}, nil)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("FireSLA won %d times, want exactly 1", wins)
	}
	notes, _ := db.Notifications(ctx, p.ID, 10)
	if len(notes) != 1 {
		t.Fatalf("%d notifications, want 1", len(notes))
	}
}

// testNotificationsUnread: a notification keeps its link; a person's own
// unread ones are counted until marked read up to an id, and group
// notifications are listed to members but never counted.
func testNotificationsUnread(t *testing.T, db *store.DB) {
	g := &socialdesk.Group{Name: "Notified"}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	p := &socialdesk.Person{Email: "notified@example.com", Name: "Notified", Role: socialdesk.RoleAgent, GroupIDs: []int64{g.ID}}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, n := range []store.Notification{
		{PersonID: p.ID, Kind: "answer", Text: "one", Link: "/community/questions/1#answer-2"},
		{GroupID: g.ID, Kind: "major_incident", Text: "group"},
		{PersonID: p.ID, Kind: "answer_verified", Text: "two"},
	} {
		if err := db.AddNotification(ctx, &n); err != nil {
			t.Fatalf("notification %d: %v", i, err)
		}
		ids = append(ids, n.ID)
	}
	notes, err := db.Notifications(ctx, p.ID, 10)
	if err != nil || len(notes) != 3 || notes[2].Link != "/community/questions/1#answer-2" || !notes[2].ReadAt.IsZero() {
		t.Fatalf("notifications = %+v, %v", notes, err)
	}
	if n, err := db.UnreadNotifications(ctx, p.ID); err != nil || n != 2 {
		t.Fatalf("unread = %d, %v; want the person's own 2", n, err)
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := db.MarkNotificationsRead(ctx, p.ID, ids[1], at); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.UnreadNotifications(ctx, p.ID); n != 1 {
		t.Fatalf("unread after marking up to the second = %d, want 1 (the newer one)", n)
	}
	notes, _ = db.Notifications(ctx, p.ID, 10)
	if !notes[2].ReadAt.Equal(at) || !notes[0].ReadAt.IsZero() {
		t.Fatalf("read times = %v / %v", notes[2].ReadAt, notes[0].ReadAt)
	}
}

func testAudit(t *testing.T, db *store.DB) {
	for i := range 3 {
		if err := db.Audit(ctx, store.AuditEntry{ActorID: 1, Action: fmt.Sprint("auth.sign_in.", i), Target: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Audit(ctx, store.AuditEntry{Action: "admin.user_create"})
	got, _ := db.AuditLog(ctx, "auth.", 10, 0)
	if len(got) != 3 || got[0].Action != "auth.sign_in.2" {
		t.Fatalf("audit = %+v", got)
	}
}

func testAttachments(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "at@example.com", socialdesk.RoleEmployee)
	tk := newTicket(p.ID, "files", 3)
	db.CreateTicket(ctx, tk, nil, nil)
	m := &socialdesk.Message{TicketID: tk.ID, Body: "see file", Direction: "in"}
	data := []byte("\x89PNG\r\n\x1a\nrest")
	if err := db.AddMessage(ctx, m, []store.NewAttachment{{Name: "shot.png", ContentType: "image/png", Data: data}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	msgs, _ := db.Messages(ctx, tk.ID)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Size != int64(len(data)) {
		t.Fatalf("attachment metadata = %+v", msgs)
	}
	a, ticketID, got, err := db.Attachment(ctx, msgs[0].Attachments[0].ID)
	if err != nil || ticketID != tk.ID || string(got) != string(data) || a.Name != "shot.png" {
		t.Fatalf("attachment = %+v %d %q %v", a, ticketID, got, err)
	}
}
