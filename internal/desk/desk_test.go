package desk_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type fixture struct {
	svc      *desk.Service
	db       *store.DB
	clock    *clock
	employee *socialdesk.Person
	agent    *socialdesk.Person
	duty     *socialdesk.Group
}

// monday9 is a Monday at opening time on the default calendar.
var monday9 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) *fixture {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: monday9}
	svc, err := desk.New(ctx, db, desk.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	sys := desk.SystemContext(ctx)
	duty := &socialdesk.Group{Name: "Duty Managers", OnCall: true}
	sd := &socialdesk.Group{Name: "Service Desk"}
	for _, g := range []*socialdesk.Group{duty, sd} {
		if err := svc.CreateGroup(sys, g); err != nil {
			t.Fatal(err)
		}
	}
	emp := &socialdesk.Person{Email: "e@example.com", Name: "Emp", Role: socialdesk.RoleEmployee}
	agent := &socialdesk.Person{Email: "a@example.com", Name: "Agent", Role: socialdesk.RoleAgent, GroupIDs: []int64{sd.ID}}
	for _, p := range []*socialdesk.Person{emp, agent} {
		if err := svc.CreatePerson(sys, p, "a-long-password"); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{svc: svc, db: db, clock: c, employee: emp, agent: agent, duty: duty}
}

func (f *fixture) as(p *socialdesk.Person) context.Context {
	return socialdesk.NewContextWithUser(context.Background(), p)
}

func TestSLAWarningAndBreachFireOnce(t *testing.T) {
	f := setup(t)
	// P2: 30 minutes to respond, 8 business hours to resolve.
	tk, err := f.svc.CreateTicket(f.as(f.employee), desk.NewTicket{Title: "Payroll down", Impact: "high", Urgency: "medium"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Priority != 2 || !tk.SLA.ResponseDue.Equal(monday9.Add(30*time.Minute)) || !tk.SLA.ResolutionDue.Equal(monday9.Add(8*time.Hour)) {
		t.Fatalf("SLA not started right: prio %v response due %v resolution due %v", tk.Priority, tk.SLA.ResponseDue, tk.SLA.ResolutionDue)
	}
	sd := int64(0)
	groups, _ := f.db.Groups(context.Background())
	for _, g := range groups {
		if g.Name == "Service Desk" {
			sd = g.ID
		}
	}
	if _, err := f.svc.UpdateTicket(f.as(f.agent), tk.ID, socialdesk.TicketUpdate{GroupID: &sd}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at    time.Duration
		fired int
	}{
		{10 * time.Minute, 0}, // 20 of 30 minutes left: fine
		{24 * time.Minute, 1}, // 6 minutes left (< 25%): warning
		{25 * time.Minute, 0}, // the warning does not repeat
		{31 * time.Minute, 1}, // breached
		{40 * time.Minute, 0}, // the breach does not repeat
	}
	for _, s := range steps {
		n, err := f.svc.RunEscalation(context.Background(), monday9.Add(s.at))
		if err != nil {
			t.Fatal(err)
		}
		if n != s.fired {
			t.Fatalf("at +%v: %d steps fired, want %d", s.at, n, s.fired)
		}
	}
	notes, _ := f.db.Notifications(context.Background(), f.agent.ID, 10)
	if len(notes) != 2 || !strings.Contains(notes[0].Text, "has breached its response") || !strings.Contains(notes[1].Text, "will breach its response") {
		t.Fatalf("agent notifications = %+v", notes)
	}
	got, _ := f.db.Ticket(context.Background(), tk.ID)
	var atRisk []*socialdesk.Ticket
	atRisk, _, _ = f.db.Tickets(context.Background(), socialdesk.TicketFilter{AtRisk: true})
	if len(atRisk) != 1 || got.SLA.Breached&socialdesk.ClockResponse == 0 {
		t.Fatalf("ticket not flagged: %+v, at risk %d", got.SLA, len(atRisk))
	}
	// P1/P2 resolution breaches are reassigned to the duty managers.
	if n, _ := f.svc.RunEscalation(context.Background(), monday9.Add(8*time.Hour+time.Minute)); n != 1 {
		t.Fatalf("resolution breach: %d steps, want 1", n)
	}
	got, _ = f.db.Ticket(context.Background(), tk.ID)
	if got.GroupID != f.duty.ID {
		t.Fatalf("breached P2 not reassigned to Duty Managers: group %d", got.GroupID)
	}
}

func TestPendingPausesSLA(t *testing.T) {
	f := setup(t)
	tk, _ := f.svc.CreateTicket(f.as(f.employee), desk.NewTicket{Title: "Outlook prompts", Impact: "low", Urgency: "high"}) // P3: 4h / 24h
	agent := f.as(f.agent)
	f.clock.Set(monday9.Add(time.Hour))
	if _, err := f.svc.AddMessage(agent, tk.ID, desk.NewMessage{Body: "Please try again and tell us."}); err != nil {
		t.Fatal(err)
	}
	// The requester is told of the reply; an internal note tells nobody.
	if _, err := f.svc.AddMessage(agent, tk.ID, desk.NewMessage{Body: "Probably the token.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if notes, err := f.db.Notifications(context.Background(), f.employee.ID, 10); err != nil || len(notes) != 1 || notes[0].TicketID != tk.ID || notes[0].Kind != "ticket_reply" {
		t.Errorf("requester's notifications = %+v, %v; want one about the reply", notes, err)
	}
	pending := socialdesk.StatePending
	if _, err := f.svc.UpdateTicket(agent, tk.ID, socialdesk.TicketUpdate{State: &pending}); err != nil {
		t.Fatal(err)
	}
	// Waiting on the user from 10:00 Monday until 10:00 Tuesday: 8 business
	// hours that do not count.
	f.clock.Set(monday9.Add(25 * time.Hour))
	if _, err := f.svc.AddMessage(f.as(f.employee), tk.ID, desk.NewMessage{Body: "Still broken"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.Ticket(context.Background(), tk.ID)
	if got.State != socialdesk.StateInProgress {
		t.Fatalf("the requester's reply should resume work, state %s", got.State)
	}
	if got.SLA.Paused != 8*time.Hour {
		t.Fatalf("paused %v, want 8h of business time", got.SLA.Paused)
	}
	// 24 business hours from Monday 09:00 is Thursday 09:00 (3 days of
	// 8 h); plus the 8 h pause: Friday 09:00... on the 17:00 boundary it is
	// Thursday 17:00.
	want := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	if !got.SLA.ResolutionDue.Equal(want) {
		t.Fatalf("resolution due %v, want %v", got.SLA.ResolutionDue, want)
	}
	if got.SLA.RespondedAt.IsZero() {
		t.Fatal("the agent's reply did not stop the response clock")
	}
}

func TestReopenAndPermissions(t *testing.T) {
	f := setup(t)
	emp, agent := f.as(f.employee), f.as(f.agent)
	tk, _ := f.svc.CreateTicket(emp, desk.NewTicket{Title: "Teams has no sound"})
	if tk.Priority != 3 || tk.Impact != socialdesk.Medium {
		t.Fatalf("defaults: %v %v", tk.Priority, tk.Impact)
	}
	resolved := socialdesk.StateResolved
	if _, err := f.svc.UpdateTicket(emp, tk.ID, socialdesk.TicketUpdate{State: &resolved}); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("employee resolving: %v", err)
	}
	if _, err := f.svc.UpdateTicket(agent, tk.ID, socialdesk.TicketUpdate{State: &resolved}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(monday9.Add(2 * time.Hour))
	if _, err := f.svc.AddMessage(emp, tk.ID, desk.NewMessage{Body: "It broke again"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.Ticket(context.Background(), tk.ID)
	if got.State != socialdesk.StateInProgress || !got.ResolvedAt.IsZero() {
		t.Fatalf("not reopened: %s resolved %v", got.State, got.ResolvedAt)
	}
	assigned := socialdesk.StateAssigned
	if _, err := f.svc.UpdateTicket(agent, tk.ID, socialdesk.TicketUpdate{State: &assigned}); socialdesk.ErrorCode(err) != socialdesk.EINVALID {
		t.Fatalf("assigned without assignee: %v", err)
	}
	self := tk.ID
	if _, err := f.svc.UpdateTicket(agent, tk.ID, socialdesk.TicketUpdate{ParentID: &self}); socialdesk.ErrorCode(err) != socialdesk.EINVALID {
		t.Fatalf("own parent: %v", err)
	}
	empID := f.employee.ID
	if _, err := f.svc.UpdateTicket(agent, tk.ID, socialdesk.TicketUpdate{AssigneeID: &empID}); socialdesk.ErrorCode(err) != socialdesk.EINVALID {
		t.Fatalf("assigning to an employee: %v", err)
	}
	if _, err := f.svc.CreateTicket(context.Background(), desk.NewTicket{Title: "anon"}); socialdesk.ErrorCode(err) != socialdesk.EUNAUTHORIZED {
		t.Fatalf("anonymous create: %v", err)
	}
	m := socialdesk.DefaultPriorityMatrix()
	m[socialdesk.Low][socialdesk.Low] = 4
	if err := f.svc.SetPriorityMatrix(agent, m); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Fatalf("agent changing the matrix: %v", err)
	}
	if err := f.svc.SetPriorityMatrix(desk.SystemContext(context.Background()), m); err != nil {
		t.Fatal(err)
	}
	low, _ := f.svc.CreateTicket(emp, desk.NewTicket{Title: "x", Impact: "low", Urgency: "low"})
	if low.Priority != 4 {
		t.Fatalf("changed matrix not applied: %v", low.Priority)
	}
}

func TestExpiredContractorLosesAccess(t *testing.T) {
	f := setup(t)
	c := &socialdesk.Person{Email: "c@example.com", Name: "Con", Role: socialdesk.RoleContractor, AccessExpires: monday9.Add(-time.Hour)}
	if err := f.svc.CreatePerson(desk.SystemContext(context.Background()), c, "a-long-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(context.Background(), "c@example.com", "a-long-password"); socialdesk.ErrorCode(err) != socialdesk.EUNAUTHORIZED {
		t.Fatalf("expired contractor signed in: %v", err)
	}
	if _, err := f.svc.Authenticate(context.Background(), "e@example.com", "wrong-password!"); socialdesk.ErrorCode(err) != socialdesk.EUNAUTHORIZED {
		t.Fatalf("wrong password accepted: %v", err)
	}
	if p, err := f.svc.Authenticate(context.Background(), "E@example.com", "a-long-password"); err != nil || p.ID != f.employee.ID {
		t.Fatalf("good sign-in failed: %v", err)
	}
}
