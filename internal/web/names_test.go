package web_test

import (
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// TestTicketNamesEveryone: a ticket page names whoever wrote on it, for
// the requester too, who may not list people; the requester does not get
// the staff's contact details through it.
func TestTicketNamesEveryone(t *testing.T) {
	e := apptest.New(t)
	tk, err := e.App.Desk.CreateTicket(e.As("employee"), desk.NewTicket{Title: "Laptop slow", Description: "very slow"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Try a restart"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("admin"), tk.ID, desk.NewMessage{Body: "Escalated to hardware"}); err != nil {
		t.Fatal(err)
	}
	page := func(role string) string {
		code, _, body := e.NewSession(t, role).Do("GET", "/tickets/1", nil)
		if code != 200 {
			t.Fatalf("%s: status %d", role, code)
		}
		return body
	}
	emp := page("employee")
	for _, want := range []string{"Agent Test", "Admin Test", "raised by Employee Test"} {
		if !strings.Contains(emp, want) {
			t.Errorf("the requester's page lacks %q", want)
		}
	}
	if strings.Contains(emp, "Unknown sender") {
		t.Error("the requester's page names a staff reply \"Unknown sender\"")
	}
	agent := page("agent")
	for _, want := range []string{"Agent Test", "Admin Test", "raised by Employee Test"} {
		if !strings.Contains(agent, want) {
			t.Errorf("the agent's page lacks %q", want)
		}
	}
	// Names gives others' id, name and role only to someone who may not
	// list people, and whole records to staff.
	names, err := e.App.Desk.Names(e.As("employee"), []int64{e.People["agent"].ID, e.People["employee"].ID, 99999})
	if err != nil || len(names) != 2 {
		t.Fatalf("Names = %v, %v; want two people", names, err)
	}
	if a := names[e.People["agent"].ID]; a.Name != "Agent Test" || a.Email != "" || a.Site != "" {
		t.Errorf("an employee got the agent's record %+v, want name and role only", a)
	}
	if me := names[e.People["employee"].ID]; me.Email != "employee@example.com" {
		t.Errorf("an employee got their own record without email: %+v", me)
	}
	if staff, err := e.App.Desk.Names(e.As("agent"), []int64{e.People["employee"].ID}); err != nil || staff[e.People["employee"].ID].Email != "employee@example.com" {
		t.Errorf("an agent got %+v, %v; want the whole record", staff, err)
	}
}
