package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// BenchmarkQueuePage loads the queue as an agent over HTTP, on SQLite,
// at a company of 2,000 people, each in an assignment group, with 50 open
// tickets. The queue reloads whenever a ticket changes, for every agent
// watching it.
func BenchmarkQueuePage(b *testing.B) {
	e := apptest.New(b)
	ctx := b.Context()
	g := &socialdesk.Group{Name: "Service desk"}
	if err := e.App.DB.CreateGroup(ctx, g); err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		p := &socialdesk.Person{Email: fmt.Sprintf("p%d@example.com", i), Name: fmt.Sprint("Person ", i), Role: socialdesk.RoleEmployee, GroupIDs: []int64{g.ID}}
		if err := e.App.DB.CreatePerson(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 50 {
		if _, err := e.App.Desk.CreateTicket(e.As("employee"), desk.NewTicket{Title: fmt.Sprint("Problem ", i), Description: "details"}); err != nil {
			b.Fatal(err)
		}
	}
	agent := e.NewSession(b, "agent")
	for b.Loop() {
		if code, _, body := agent.Do("GET", "/queue", nil); code != 200 || !strings.Contains(body, "Problem 49") {
			b.Fatalf("queue: status %d", code)
		}
	}
}
