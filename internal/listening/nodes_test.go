package listening_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector/webhook"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
)

// sharedPostgres returns the URL of a fresh schema on the test PostgreSQL
// server (SOCIALDESK_TEST_POSTGRES, default the CI server), skipping the
// test when no server answers (failing it in CI).
func sharedPostgres(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two nodes on PostgreSQL; skipped in -short mode")
	}
	base := os.Getenv("SOCIALDESK_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		pctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(pctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI at %s: %v", base, err)
		}
		t.Skipf("PostgreSQL is not reachable at %s (%v); the two-node listening tests need it (set SOCIALDESK_TEST_POSTGRES)", base, err)
	}
	schema := fmt.Sprintf("sdlisten_%d", time.Now().UnixNano()%1e12)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() })
	return base + "&search_path=" + schema
}

// listenNode is one socialdesk node of a shared database, serving HTTP,
// with its background workers (outage detection among them) running
// until stop is called.
type listenNode struct {
	id   string
	app  *app.App
	srv  *httptest.Server
	stop func()
}

const nodesSecret = "a-webhook-secret-long-enough"

// startNodes opens n nodes on one PostgreSQL schema with a signed webhook
// channel "partner" and 40 known reporters (u0 ... u39).
func startNodes(t *testing.T, n int) []*listenNode {
	return startNodesEvery(t, n, 100*time.Millisecond)
}

// startNodesEvery is startNodes with the nodes' DetectEvery.
func startNodesEvery(t *testing.T, n int, every time.Duration) []*listenNode {
	url := sharedPostgres(t)
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	var nodes []*listenNode
	for i := range n {
		id := fmt.Sprintf("n%d", i+1)
		a, err := app.Open(ctx, app.Config{DataDir: t.TempDir(), DatabaseURL: url, SecretKey: strings.Repeat("cd", 32), NodeID: id,
			RateLimit: -1, DetectEvery: every, EscalationEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			admin := &socialdesk.Person{Email: "admin@example.com", Name: "Admin", Role: socialdesk.RoleAdmin}
			if err := a.Desk.CreatePerson(sys, admin, "admin-password-1"); err != nil {
				t.Fatal(err)
			}
			if err := a.Channels.Add(socialdesk.NewContextWithUser(ctx, admin), "partner", "webhook", `{"secret":"`+nodesSecret+`"}`, true); err != nil {
				t.Fatal(err)
			}
			for k := range 40 {
				p := &socialdesk.Person{Email: fmt.Sprintf("reporter%d@example.com", k), Name: fmt.Sprint("Reporter ", k), Role: socialdesk.RoleEmployee}
				if err := a.Desk.CreatePerson(sys, p, ""); err != nil {
					t.Fatal(err)
				}
				if err := a.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "webhook", ExternalID: fmt.Sprint("u", k)}); err != nil {
					t.Fatal(err)
				}
			}
		} else if err := a.Channels.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(context.Background())
		wait := a.StartWorkers(wctx)
		nd := &listenNode{id: id, app: a, srv: httptest.NewServer(a.Handler)}
		stopped := false
		nd.stop = func() {
			if !stopped {
				stopped = true
				cancel()
				wait()
			}
		}
		nodes = append(nodes, nd)
	}
	t.Cleanup(func() {
		for _, nd := range nodes {
			nd.stop()
			nd.app.Web.Close()
			nd.srv.Close()
			nd.app.Close()
		}
	})
	return nodes
}

// post sends a public post from reporter k through a node's signed
// webhook and returns the ticket it opened.
func (nd *listenNode) post(t *testing.T, k int, id, text string) int64 {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"external_id": id, "author": map[string]string{"id": fmt.Sprint("u", k)}, "text": text, "visibility": "public"})
	req, _ := http.NewRequest("POST", nd.srv.URL+"/hooks/partner", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(nodesSecret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rc struct {
		TicketID int64 `json:"ticket_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rc); err != nil || resp.StatusCode/100 != 2 || rc.TicketID == 0 {
		t.Fatalf("webhook on %s: %d %v %+v", nd.id, resp.StatusCode, err, rc)
	}
	return rc.TicketID
}

var outageReports = []string{
	"VPN keeps dropping every few minutes",
	"my vpn disconnected again, is it down?",
	"the VPN drops out constantly, can't reach the file shares",
	"vpn client keeps disconnecting",
	"GlobalProtect vpn won't stay connected",
	"company VPN dropped me three times already",
	"vpn disconected again, working from home today",
	"is the vpn down? it keeps dropping",
	"VPN disconnecting every 5 minutes since this morning",
	"anyone else losing the vpn connection?",
	"vpn keeps dropping out during calls",
	"the VPN is down for me too, disconnected twice",
}

// waitIncident waits until the reports are all linked to one major
// incident and returns the major incidents then; it then waits a little
// longer so that a second incident, if one were coming, shows up.
func waitIncident(t *testing.T, a *app.App, tickets []int64) []*socialdesk.Ticket {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		majors, err := a.DB.MajorIncidents(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(majors) > 1 {
			return majors
		}
		if len(majors) == 1 && len(unlinked(t, a, majors[0].ID, tickets)) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	majors, err := a.DB.MajorIncidents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	return majors
}

// unlinked returns the tickets that are not children of the incident.
func unlinked(t *testing.T, a *app.App, incident int64, tickets []int64) []int64 {
	t.Helper()
	children, _, err := a.DB.Tickets(context.Background(), socialdesk.TicketFilter{ParentID: incident, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	linked := map[int64]bool{}
	for _, c := range children {
		linked[c.ID] = true
	}
	var out []int64
	for _, id := range tickets {
		if !linked[id] {
			out = append(out, id)
		}
	}
	return out
}

func leaseHolder(t *testing.T, a *app.App) string {
	t.Helper()
	var holder string
	if err := a.DB.SQL().QueryRow(`SELECT holder FROM leases WHERE name = $1`, listening.DetectorLease).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	return holder
}

func checkOneIncident(t *testing.T, a *app.App, tickets []int64) {
	t.Helper()
	majors := waitIncident(t, a, tickets)
	if len(majors) != 1 {
		var titles []string
		for _, m := range majors {
			titles = append(titles, m.Number()+" "+m.Title)
		}
		t.Fatalf("%d major incidents, want exactly 1 across the nodes: %q", len(majors), titles)
	}
	if !strings.Contains(strings.ToLower(majors[0].Title), "vpn") {
		t.Errorf("incident title %q does not name the VPN", majors[0].Title)
	}
	if missing := unlinked(t, a, majors[0].ID, tickets); len(missing) > 0 {
		t.Errorf("%d of %d reports not linked to %s: tickets %v", len(missing), len(tickets), majors[0].Number(), missing)
	}
}

// TestTwoNodesOneIncident sends a burst of similar reports from many
// people alternately to two nodes sharing one PostgreSQL database: the
// node holding the detector lease sees every node's posts, so exactly one
// major incident opens and every report, whichever node took it, is
// linked to it.
func TestTwoNodesOneIncident(t *testing.T) {
	nodes := startNodes(t, 2)
	nodes[0].post(t, 30, "chat-1", "lovely lunch in the canteen today")
	nodes[1].post(t, 31, "chat-2", "who is coming to the party on friday")
	var tickets []int64
	for i, text := range outageReports {
		tickets = append(tickets, nodes[i%2].post(t, i, fmt.Sprint("r", i), text))
	}
	checkOneIncident(t, nodes[0].app, tickets)
	holder := leaseHolder(t, nodes[0].app)
	if holder != "n1" && holder != "n2" {
		t.Errorf("detector lease held by %q", holder)
	}
	// The chatter is not part of the outage.
	if _, n, _ := nodes[1].app.DB.Tickets(context.Background(), socialdesk.TicketFilter{ParentID: waitIncident(t, nodes[1].app, tickets)[0].ID, Limit: 1}); n != len(tickets) {
		t.Errorf("incident has %d children, want %d", n, len(tickets))
	}
	// Both dashboards show every node's posts, and the node that does not
	// detect shows the detecting node's live clusters.
	ctx := context.Background()
	for _, n := range nodes {
		want := len(outageReports) + 2
		deadline := time.Now().Add(20 * time.Second)
		var total int
		for time.Now().Before(deadline) {
			var err error
			if _, total, _, err = n.app.Listening.Volume(ctx); err != nil {
				t.Fatal(err)
			}
			if total == want {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if total != want {
			t.Errorf("node %s dashboard counts %d posts, want %d from both nodes", n.id, total, want)
		}
		if n.id == holder {
			continue
		}
		var clusters []listening.ClusterInfo
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			var err error
			if clusters, err = n.app.Listening.EmergingClusters(ctx, 3, 10); err != nil {
				t.Fatal(err)
			}
			if len(clusters) > 0 {
				break
			}
		}
		if len(clusters) == 0 || clusters[0].Reports < len(outageReports)*9/10 || !clusters[0].Outage {
			t.Errorf("node %s (not detecting) shows live clusters %+v, want the VPN outage", n.id, clusters)
		}
	}
	// Detection settings changed on one node reach the other, whichever
	// holds the lease.
	sys := desk.SystemContext(ctx)
	if err := nodes[1].app.Listening.SetConfig(sys, listening.Config{MinReports: 6, MinAuthors: 5}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for nodes[0].app.Listening.Config().MinReports != 6 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if c := nodes[0].app.Listening.Config(); c.MinReports != 6 || c.MinAuthors != 5 {
		t.Errorf("node 1 settings after node 2 changed them: %+v", c)
	}
}

// TestTwoNodesLeaseMovesMidBurst stops the node running detection in the
// middle of a burst: the other node takes the lease, rebuilds the window
// from the feed, continues the incident already opened instead of opening
// a second, and links the rest of the burst. A hand-over before the burst
// fires also opens exactly one incident.
func TestTwoNodesLeaseMovesMidBurst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before int // reports sent before the detector node stops
	}{{"after the incident opened", 7}, {"before the burst fired", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			nodes := startNodes(t, 2)
			nodes[0].post(t, 30, "chat-1", "lovely lunch in the canteen today")
			var tickets []int64
			send := func(from, to int) {
				for i := from; i < to; i++ {
					tickets = append(tickets, nodes[i%2].post(t, i, fmt.Sprint("r", i), outageReports[i]))
				}
			}
			send(0, tc.before)
			if tc.before >= 5 {
				// Wait until the first holder has opened the incident.
				checkOneIncident(t, nodes[0].app, tickets)
			} else {
				time.Sleep(500 * time.Millisecond) // the holder has read the first reports
			}
			first := leaseHolder(t, nodes[0].app)
			var other *listenNode
			for _, nd := range nodes {
				if nd.id == first {
					nd.stop() // its HTTP side keeps taking reports
				} else {
					other = nd
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for leaseHolder(t, other.app) != other.id && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if h := leaseHolder(t, other.app); h != other.id {
				t.Fatalf("lease still held by %s after its holder stopped", h)
			}
			send(tc.before, len(outageReports))
			checkOneIncident(t, other.app, tickets)
		})
	}
}

// TestNoticesWakeDetector checks that the detecting node reads the feed
// when PostgreSQL announces a new post, not only at its next tick: with
// DetectEvery at a minute, a burst sent to the other node opens its
// incident, every report linked, within seconds.
func TestNoticesWakeDetector(t *testing.T) {
	nodes := startNodesEvery(t, 2, time.Minute)
	var holder string
	for deadline := time.Now().Add(10 * time.Second); holder == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		nodes[0].app.DB.SQL().QueryRow(`SELECT holder FROM leases WHERE name = $1`, listening.DetectorLease).Scan(&holder)
	}
	other := nodes[0]
	if holder == nodes[0].id {
		other = nodes[1]
	} else if holder != nodes[1].id {
		t.Fatalf("no node took the detector lease (holder %q)", holder)
	}
	time.Sleep(200 * time.Millisecond) // the holder has rebuilt its window and waits
	var tickets []int64
	var fifth time.Time
	for i, text := range outageReports[:6] {
		tickets = append(tickets, other.post(t, i, fmt.Sprint("r", i), text))
		if i == 4 {
			fifth = time.Now()
		}
	}
	ctx := context.Background()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		majors, err := other.app.DB.MajorIncidents(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(majors) == 1 && len(unlinked(t, other.app, majors[0].ID, tickets)) == 0 {
			t.Logf("incident %s open with all %d reports linked %v after the fifth report", majors[0].Number(), len(tickets), time.Since(fifth).Round(time.Millisecond))
			return
		}
	}
	t.Fatalf("20 s after the fifth report no incident has every report linked; the detector waits for its 1-minute tick")
}
