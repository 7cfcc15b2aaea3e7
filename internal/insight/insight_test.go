package insight_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/insight"
	"github.com/socialdesk/socialdesk/internal/store"
)

// listeningMigrated reports whether the migrations create the listening
// feature's table, which another branch adds.
func listeningMigrated(t *testing.T) bool {
	tables, err := store.Tables()
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(tables, "listening_posts")
}

func TestSeededNumbers(t *testing.T) {
	s := seed(t)
	sla := s.csv(t, "/analytics/sla.csv?"+rangeQuery)
	for _, c := range []struct{ title, key, col, want string }{
		{"By group", "Network", "Tickets", "4"},
		{"By group", "Network", "Response met", "3 of 4"},
		{"By group", "Network", "Response SLA", "75%"},
		{"By group", "Network", "Resolution met", "2 of 4"},
		{"By group", "Network", "Resolution SLA", "50%"},
		{"By group", "Network", "Median first response (h)", "0.8"},
		{"By group", "(unassigned)", "Response SLA", "-"},
		{"By priority", "P2", "Response SLA", "75%"},
		{"By priority", "P3", "Tickets", "1"},
	} {
		if got := cell(t, sla, c.title, c.key, c.col); got != c.want {
			t.Errorf("sla %s/%s/%s = %q, want %q", c.title, c.key, c.col, got, c.want)
		}
	}

	pr := s.csv(t, "/analytics/problems.csv?"+rangeQuery)
	if got := cell(t, pr, "Tickets by service and category", "VPN / Access", "Tickets"); got != "3" {
		t.Errorf("VPN / Access tickets = %q, want 3", got)
	}
	if got := cell(t, pr, "Trend of the top five", "2026-03-04", "Printing / Jam"); got != "1" {
		t.Errorf("Printing on 2026-03-04 = %q, want 1", got)
	}
	if got := cell(t, pr, "Community questions by tag", "vpn", "Questions"); got != "1" {
		t.Errorf("vpn questions = %q, want 1", got)
	}
	if got := cell(t, pr, "Question trend of the top five tags", "2026-03-03", "outlook"); got != "1" {
		t.Errorf("outlook questions on 2026-03-03 = %q, want 1", got)
	}
	// The site filter keeps only the Paris requester's ticket.
	paris := s.csv(t, "/analytics/problems.csv?"+rangeQuery+"&site=Paris")
	if n := len(paris[0].Rows); n != 1 || paris[0].Rows[0][0] != "Printing / Jam" {
		t.Errorf("site=Paris rows = %v, want only Printing / Jam", paris[0].Rows)
	}
	// The group filter leaves the Printing ticket out.
	grp := s.csv(t, "/analytics/channels.csv?"+rangeQuery+"&group="+itoa(s.group.ID))
	if got := cell(t, grp, "Tickets by channel", "portal", "Tickets"); got != "2" {
		t.Errorf("Network portal tickets = %q, want 2", got)
	}
	if got := cell(t, grp, "Tickets by channel", "email", "Share"); got != "25%" {
		t.Errorf("Network email share = %q, want 25%%", got)
	}

	def := s.csv(t, "/analytics/deflection.csv?"+rangeQuery)
	for col, want := range map[string]string{"Deflections": "2", "Searches solved": "1", "Tickets created": "5", "Deflection rate": "37.5%"} {
		if got := cell(t, def, "Deflection by period", "Total", col); got != want {
			t.Errorf("deflection total %s = %q, want %q", col, got, want)
		}
	}

	com := s.csv(t, "/analytics/community.csv?"+rangeQuery)
	for key, want := range map[string]string{"Questions asked": "2", "Answered share": "50%", "Verified share": "50%",
		"Median time to first answer (h)": "2.0", "Active helpers": "1"} {
		if got := cell(t, com, "Community summary", key, "Value"); got != want {
			t.Errorf("community %s = %q, want %q", key, got, want)
		}
	}

	se := s.csv(t, "/analytics/searches.csv?"+rangeQuery)
	if got := cell(t, se, "Searches that found nothing", "vpn android", "Times"); got != "1" {
		t.Errorf("vpn android = %q", got)
	}
	if got := cell(t, se, "Searches with no click", "printer", "Times"); got != "1" {
		t.Errorf("printer = %q", got)
	}
	if secs := s.csv(t, "/analytics/searches.csv?"+rangeQuery); len(secs[2].Rows) != 1 {
		t.Errorf("no-click rows = %v, want only printer (the solved search had a click)", secs[2].Rows)
	}

	// Until the listening feature's migration is in, the page says so.
	if status, body := s.get(t, "agent", "/analytics/listening?"+rangeQuery); status != 200 || strings.Contains(body, "No listening data yet") == listeningMigrated(t) {
		t.Errorf("listening page: %d, no-data message shown: %v, listening tables migrated: %v", status, strings.Contains(body, "No listening data yet"), listeningMigrated(t))
	}
	if status, _ := s.get(t, "agent", "/analytics/sla?from=2026-13-01"); status != 422 {
		t.Errorf("bad date: status %d, want 422", status)
	}
	for _, role := range []string{"employee", "agent", "knowledge_manager"} {
		if status, _ := s.get(t, role, "/analytics/sla.csv?"+rangeQuery); status == 200 {
			t.Errorf("%s downloaded the CSV export, which is for administrators", role)
		}
	}
	if _, body := s.get(t, "agent", "/analytics/sla?"+rangeQuery); strings.Contains(body, ".csv?") || !strings.Contains(body, "3 of 4") {
		t.Error("the agent's SLA page offers the CSV export or lacks the numbers")
	}

	// The overview gives every page's headline numbers and first chart,
	// and links to the page with the same filters.
	status, body := s.get(t, "agent", "/analytics?"+rangeQuery)
	if status != 200 {
		t.Fatalf("overview: %d", status)
	}
	for _, want := range []string{
		"5 tickets; the most common problem is VPN / Access (3).",
		"5 tickets; response targets met 75% (3 of 4 decided), resolution targets met 50% (2 of 4).",
		"Deflection rate 37.5%: 2 deflections and 1 solved searches against 5 tickets.",
		"50% of 2 questions answered, 50% verified, 1 active helpers.",
		`<a href="/analytics/sla?` + strings.ReplaceAll(rangeQuery, "&", "&amp;"),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, `<svg class="chart"`); n < 6 {
		t.Errorf("the overview has %d charts, want one for each page with data (at least 6)", n)
	}
	if status, _ := s.get(t, "agent", "/analytics?from=2026-13-01"); status != 422 {
		t.Errorf("overview with a bad date: status %d, want 422", status)
	}
	// Four pages read the same tickets; the overview reads them once.
	f, err := insight.ParseFilter(url.Values{"from": {"2026-03-02"}, "to": {"2026-03-08"}}, day0)
	if err != nil {
		t.Fatal(err)
	}
	if reports, reads, err := insight.OverviewTicketReads(s.e.App.Insight, s.e.As("agent"), f); err != nil || reports != 7 || reads != 1 {
		t.Errorf("the overview built %d reports with %d ticket reads (%v), want 7 reports and 1 read", reports, reads, err)
	}
}

// fakeSender records the digests it is asked to email.
type fakeSender struct {
	mu   sync.Mutex
	sent []string
}

func (f *fakeSender) SendDigest(ctx context.Context, to []string, subject, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, strings.Join(to, ",")+": "+subject)
	return nil
}

func TestDigestsOncePerWeek(t *testing.T) {
	mail := &fakeSender{}
	s := seed(t, func(c *app.Config) { c.DigestSender = mail })
	ctx := context.Background()
	// Two more VPN tickets this week make it an emerging problem.
	now := day0.AddDate(0, 0, 6)
	svc := s.e.App.Insight
	n, err := svc.SendDigests(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	// One group (Network) and one knowledge manager.
	if n != 2 {
		t.Fatalf("sent %d digests, want 2", n)
	}
	again, err := svc.SendDigests(ctx, now.Add(time.Hour))
	if err != nil || again != 0 {
		t.Fatalf("second run in the same week sent %d (%v), want 0", again, err)
	}
	next, err := svc.SendDigests(ctx, now.AddDate(0, 0, 7))
	if err != nil || next != 2 {
		t.Fatalf("next week sent %d (%v), want 2", next, err)
	}
	notes, err := s.e.App.DB.Notifications(ctx, s.e.People["knowledge_manager"].ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var digest string
	for _, n := range notes {
		if n.Kind == "digest" {
			digest = n.Text
		}
	}
	if !strings.Contains(digest, "Outlook search is empty") || !strings.Contains(digest, "VPN / Access: 3 tickets (was 0)") {
		t.Errorf("knowledge manager digest lacks the unanswered question or the emerging problem:\n%s", digest)
	}
	if !strings.Contains(digest, "answer #") || !strings.Contains(digest, "VPN drops on Android (review by 2026-03-12)") {
		t.Errorf("knowledge manager digest lacks the verified answer due for review:\n%s", digest)
	}
	mail.mu.Lock()
	var kmMails int
	for _, m := range mail.sent {
		if strings.HasPrefix(m, "knowledge_manager@example.com: ") {
			kmMails++
		}
	}
	mail.mu.Unlock()
	if kmMails != 2 {
		t.Errorf("knowledge manager got %d digest emails over two weeks, want 2: %v", kmMails, mail.sent)
	}
	if insight.Week(now) != "2026-W10" {
		t.Errorf("week key %s", insight.Week(now))
	}
}

// TestAnalyticsEscapesText checks that search queries, which anyone can
// type, are shown as text in the charts and tables.
func TestAnalyticsEscapesText(t *testing.T) {
	s := seed(t)
	if _, err := s.e.App.DB.SQL().Exec(`INSERT INTO search_log (at, person_id, query, results) VALUES (?, 0, ?, 0)`,
		day0.UnixMicro(), `<script>alert(1)</script>`); err != nil {
		t.Fatal(err)
	}
	_, body := s.get(t, "agent", "/analytics/searches?"+rangeQuery)
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("a search query reached the page unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the query is missing from the page")
	}
	secs := s.csv(t, "/analytics/searches.csv?"+rangeQuery)
	if got := cell(t, secs, "Searches that found nothing", "<script>alert(1)</script>", "Times"); got != "1" {
		t.Fatalf("CSV count = %q", got)
	}
}

// TestListeningWhenTableExists stands in for the listening feature's
// tables (as its migration 0006 defines them) and checks volume and
// precision.
func TestListeningWhenTableExists(t *testing.T) {
	s := seed(t)
	db := s.e.App.DB.SQL()
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS listening_posts (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, external_id TEXT NOT NULL, author TEXT NOT NULL,
			text TEXT NOT NULL, support INTEGER NOT NULL DEFAULT 0, at BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS listening_feedback (id INTEGER PRIMARY KEY, post_id BIGINT NOT NULL, person_id BIGINT NOT NULL, kind TEXT NOT NULL,
			label TEXT NOT NULL, text TEXT NOT NULL, created_at BIGINT NOT NULL)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// Five posts: four flagged as support, of which two confirmed, one
	// corrected to not support (after first being confirmed), one not
	// judged; one not flagged.
	posts := []struct {
		support int
		labels  []string
	}{{1, []string{"1"}}, {1, []string{"1"}}, {1, []string{"1", "0"}}, {1, nil}, {0, nil}}
	for i, p := range posts {
		res, err := db.Exec(`INSERT INTO listening_posts (channel, external_id, author, text, support, at) VALUES ('mastodon', ?, 'someone', 'x', ?, ?)`,
			fmt.Sprint("p", i), p.support, day0.AddDate(0, 0, i%2).UnixMicro())
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		for _, l := range p.labels {
			if _, err := db.Exec(`INSERT INTO listening_feedback (post_id, person_id, kind, label, text, created_at) VALUES (?, 1, 'support', ?, 'x', 1)`, id, l); err != nil {
				t.Fatal(err)
			}
		}
	}
	secs := s.csv(t, "/analytics/listening.csv?"+rangeQuery)
	for col, want := range map[string]string{"Posts": "5", "Flagged as support": "4", "Judged": "3", "Confirmed": "2", "Precision": "66.7%"} {
		if got := cell(t, secs, "Listening volume and precision", "Total", col); got != want {
			t.Errorf("listening total %s = %q, want %q", col, got, want)
		}
	}
	if got := cell(t, secs, "Listening volume and precision", "2026-03-03", "Posts"); got != "2" {
		t.Errorf("posts on 2026-03-03 = %q, want 2", got)
	}
}

// BenchmarkOverview builds the analytics overview over 10,000 tickets in
// a month. "separate" builds each page's report on its own, as the
// overview did when each of four pages read the tickets again; "shared"
// is the overview, which reads them once for all pages.
func BenchmarkOverview(b *testing.B) {
	e := apptest.New(b)
	ctx := context.Background()
	db := e.App.DB.SQL()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const n = 10000
	// One INSERT spreads the tickets over the month, with a few services,
	// channels and priorities, through a recursive sequence.
	if _, err := db.ExecContext(ctx, `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO tickets (type, seq, title, state, impact, urgency, priority, service, category, channel, requester_id, created_at, updated_at, response_due, responded_at)
		SELECT 'incident', i, 'Problem ' || i, CASE WHEN i % 3 = 0 THEN 'resolved' ELSE 'open' END, 'low', 'low', 1 + i % 5,
			CASE i % 4 WHEN 0 THEN 'VPN' WHEN 1 THEN 'Email' WHEN 2 THEN 'Printing' ELSE 'Laptop' END, 'General',
			CASE i % 3 WHEN 0 THEN 'portal' WHEN 1 THEN 'email' ELSE 'slack' END, ?,
			? + i * ?, ? + i * ?, ? + i * ? + 3600000000, ? + i * ? + 600000000 FROM seq`,
		n, e.People["employee"].ID, start.UnixMicro(), 240000000, start.UnixMicro(), 240000000,
		start.UnixMicro(), 240000000, start.UnixMicro(), 240000000); err != nil {
		b.Fatal(err)
	}
	f, err := insight.ParseFilter(url.Values{"from": {"2026-03-01"}, "to": {"2026-03-31"}}, start)
	if err != nil {
		b.Fatal(err)
	}
	as := e.As("agent")
	if r, err := e.App.Insight.Report(as, "sla", f); err != nil || !strings.HasPrefix(r.Summary, fmt.Sprint(n)+" tickets") {
		b.Fatalf("the seeded month does not hold %d tickets: %v %+v", n, err, r)
	}
	b.Run("separate", func(b *testing.B) {
		for b.Loop() {
			for _, name := range []string{"problems", "channels", "sla", "deflection", "community", "searches", "listening"} {
				if _, err := e.App.Insight.Report(as, name, f); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("shared", func(b *testing.B) {
		for b.Loop() {
			if reports, reads, err := insight.OverviewTicketReads(e.App.Insight, as, f); err != nil || reports != 7 || reads != 1 {
				b.Fatalf("%d reports, %d reads: %v", reports, reads, err)
			}
		}
	})
}
