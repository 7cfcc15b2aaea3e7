package insight_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/insight"
)

// day0 is the first day of the seeded week; rangeQuery selects that week.
var day0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const rangeQuery = "from=2026-03-02&to=2026-03-08"

// seeded is a desk with known data:
//
//   - four Network tickets (P2) with response targets of one hour: three
//     answered in time, one late (75%); resolution targets of eight hours:
//     two met, one late, one unresolved and overdue (50%). First responses
//     6, 30, 60 and 120 minutes (median 0.75 h).
//   - one Printing ticket (P3, no group, no SLA) from a requester in Paris.
//   - two deflections and three searches: one found nothing ("vpn
//     android"), one had results but no click ("printer"), one solved.
//   - two community questions, one answered after two hours with a
//     verified answer, one unanswered.
type seeded struct {
	e     *apptest.Env
	group *socialdesk.Group
}

func seed(t *testing.T, opts ...func(*app.Config)) *seeded {
	t.Helper()
	e := apptest.New(t, opts...)
	ctx := context.Background()
	g := &socialdesk.Group{Name: "Network"}
	if err := e.App.Desk.CreateGroup(e.As("admin"), g); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := e.App.DB.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	us := func(tm time.Time) int64 { return tm.UnixMicro() }
	type tk struct {
		service, category, channel string
		respond, resolve           time.Duration // 0: not yet
	}
	network := []tk{
		{"VPN", "Access", "email", 30 * time.Minute, 4 * time.Hour},
		{"VPN", "Access", "portal", 2 * time.Hour, 10 * time.Hour},
		{"Email", "Outlook", "portal", time.Hour, 0},
		{"VPN", "Access", "slack", 6 * time.Minute, 2 * time.Hour},
	}
	for i, x := range network {
		ticket, err := e.App.Desk.CreateTicket(e.As("employee"), desk.NewTicket{Title: fmt.Sprintf("Problem %d", i), Description: "seeded"})
		if err != nil {
			t.Fatal(err)
		}
		created := day0.AddDate(0, 0, i)
		var responded, resolved int64
		if x.respond > 0 {
			responded = us(created.Add(x.respond))
		}
		state := "in_progress"
		if x.resolve > 0 {
			resolved, state = us(created.Add(x.resolve)), "resolved"
		}
		exec(`UPDATE tickets SET service = ?, category = ?, channel = ?, group_id = ?, priority = 2, state = ?, created_at = ?,
			response_due = ?, responded_at = ?, resolution_due = ?, resolved_at = ?, next_due = 0 WHERE id = ?`,
			x.service, x.category, x.channel, g.ID, state, us(created), us(created.Add(time.Hour)), responded,
			us(created.Add(8*time.Hour)), resolved, ticket.ID)
	}
	ticket, err := e.App.Desk.CreateTicket(e.As("employee2"), desk.NewTicket{Title: "Paper jam", Description: "seeded"})
	if err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE people SET site = 'Paris' WHERE id = ?`, e.People["employee2"].ID)
	exec(`UPDATE tickets SET service = 'Printing', category = 'Jam', channel = 'portal', group_id = 0, priority = 3, created_at = ?,
		response_due = 0, resolution_due = 0, next_due = 0 WHERE id = ?`, us(day0.AddDate(0, 0, 2)), ticket.ID)

	for i := range 2 {
		exec(`INSERT INTO deflections (person_id, target_kind, target_id, query, created_at) VALUES (?, 'article', 1, 'vpn', ?)`,
			e.People["employee"].ID, us(day0.AddDate(0, 0, i)))
	}
	for i, s := range []struct {
		q       string
		results int
		clicked string
		solved  int
	}{{"vpn android", 0, "", 0}, {"printer", 2, "", 0}, {"outlook", 3, "article:1", 1}} {
		exec(`INSERT INTO search_log (at, person_id, query, results, clicked, solved) VALUES (?, ?, ?, ?, ?, ?)`,
			us(day0.AddDate(0, 0, i)), e.People["employee"].ID, s.q, s.results, s.clicked, s.solved)
	}

	cs := e.App.Community
	q1, err := cs.Ask(e.As("employee"), community.NewQuestion{Title: "VPN drops on Android", Tags: []string{"vpn"}})
	if err != nil {
		t.Fatal(err)
	}
	q2, err := cs.Ask(e.As("employee"), community.NewQuestion{Title: "Outlook search is empty", Tags: []string{"outlook"}})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := cs.Answer(e.As("employee2"), q1.ID, "Turn off battery saving for the VPN app")
	if err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE questions SET created_at = ? WHERE id = ?`, us(day0), q1.ID)
	exec(`UPDATE questions SET created_at = ? WHERE id = ?`, us(day0.AddDate(0, 0, 1)), q2.ID)
	exec(`UPDATE answers SET created_at = ?, verified_at = ?, verified_by = ?, verify_review_by = ? WHERE id = ?`,
		us(day0.Add(2*time.Hour)), us(day0.Add(3*time.Hour)), e.People["agent"].ID, us(day0.AddDate(0, 0, 10)), ans.ID)
	return &seeded{e: e, group: g}
}

// get fetches a page as a signed-in role (anonymous for "") and
// returns status and body.
func (s *seeded) get(t *testing.T, role, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.e.Server.URL+path, nil)
	if role != "" {
		tok, _, err := s.e.App.Desk.StartSession(context.Background(), s.e.People[role])
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// csv fetches and parses a CSV export as the administrator.
func (s *seeded) csv(t *testing.T, path string) []insight.Section {
	t.Helper()
	status, body := s.get(t, "admin", path)
	if status != 200 {
		t.Fatalf("%s: status %d: %s", path, status, body)
	}
	secs, err := insight.ReadCSV(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return secs
}

// cell finds the row whose first cell is key in the section with the
// title and returns the cell under the column.
func cell(t *testing.T, secs []insight.Section, title, key, column string) string {
	t.Helper()
	for _, s := range secs {
		if s.Title != title {
			continue
		}
		col := -1
		for i, c := range s.Columns {
			if c == column {
				col = i
			}
		}
		if col < 0 {
			t.Fatalf("section %q has no column %q: %v", title, column, s.Columns)
		}
		for _, r := range s.Rows {
			if r[0] == key {
				return r[col]
			}
		}
		t.Fatalf("section %q has no row %q: %v", title, key, s.Rows)
	}
	t.Fatalf("no section %q", title)
	return ""
}

func itoa(n int64) string { return fmt.Sprint(n) }
