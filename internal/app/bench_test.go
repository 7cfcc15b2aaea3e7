package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/store"
)

// BenchmarkRawSQLiteInsert is the baseline the other figures are divided
// by: one autocommit INSERT per operation into a plain table, in the same
// database configuration (WAL, synchronous=NORMAL) as the desk.
func BenchmarkRawSQLiteInsert(b *testing.B) {
	db, err := store.OpenSQLiteFile(context.Background(), filepath.Join(b.TempDir(), "raw.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sqldb := db.SQL()
	if _, err := sqldb.Exec(`CREATE TABLE raw (id INTEGER PRIMARY KEY, title TEXT, created BIGINT)`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := sqldb.Exec(`INSERT INTO raw (title, created) VALUES (?, ?)`, fmt.Sprint("ticket ", i), time.Now().UnixMicro()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAPICreateTicket measures ticket creation through the JSON API,
// over HTTP on loopback, with parallel clients.
func BenchmarkAPICreateTicket(b *testing.B) {
	e := apptest.New(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	tok := e.Tokens["employee"]
	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/tickets", strings.NewReader(`{"title":"VPN drops every few minutes","description":"since 9am","impact":"medium","urgency":"high"}`))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// seedTickets bulk-loads n tickets straight into the tickets table, in one
// transaction, so the queue benchmark starts from a big store quickly.
func seedTickets(b *testing.B, sqldb *sql.DB, n int, requester int64) {
	tx, err := sqldb.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO tickets (type, seq, title, state, impact, urgency, priority, requester_id, channel, created_at, updated_at, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	states := []string{"new", "assigned", "in_progress", "pending", "resolved", "closed", "closed", "closed"}
	levels := []string{"high", "medium", "low"}
	now := time.Now().UnixMicro()
	for i := range n {
		if _, err := stmt.Exec("incident", i+1, fmt.Sprintf("Seeded ticket %d about the VPN", i), states[i%len(states)], levels[i%3], levels[(i/3)%3], 1+i%5, requester, "portal", now-int64(i)*1e6, now, 0); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := tx.Exec(`INSERT INTO counters (name, value) VALUES ('ticket_incident', ?)`, n); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueuePage100k loads the agent's queue page (first page of open
// tickets by priority, rendered HTML) with 100,000 tickets in the store, and
// reports the p99 latency.
func BenchmarkQueuePage100k(b *testing.B) {
	e := apptest.New(b)
	seedTickets(b, e.App.DB.SQL(), 100_000, e.People["employee"].ID)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	// Sign in through the form like a browser.
	resp, err := client.Get(e.Server.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(e.Server.URL + "/login")
	var loginCSRF string
	for _, c := range jar.Cookies(u) {
		if c.Name == "sd_login" {
			loginCSRF = c.Value
		}
	}
	resp, err = client.PostForm(e.Server.URL+"/login", url.Values{"email": {"agent@example.com"}, "password": {apptest.Password}, "login_csrf": {loginCSRF}})
	if err != nil || resp.Request.URL.Path != "/queue" {
		b.Fatalf("login: %v %v", err, resp.Request.URL)
	}
	resp.Body.Close()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		resp, err := client.Get(e.Server.URL + "/queue")
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 64<<10)
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
