package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector/webhook"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

func require(t *testing.T, what, addr string) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI at %s: %v", what, addr, err)
		}
		t.Skipf("%s not reachable at %s (%v); the three-node test needs PostgreSQL and NATS with JetStream", what, addr, err)
	}
	c.Close()
}

var urlRE = regexp.MustCompile(`running at (http://\S+)`)

type node struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

// TestThreeNodesKill9 starts three socialdesk processes on one PostgreSQL
// database and one NATS JetStream server, sends 20,000 webhook messages
// (half of them replies, 5% sent twice) spread across the nodes, kills one
// node with SIGKILL midway, and resends everything not acknowledged. Every
// message must be stored exactly once, in its conversation's ticket, and
// every SLA timer must fire exactly once.
func TestThreeNodesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers; skipped in -short mode")
	}
	require(t, "PostgreSQL", "127.0.0.1:5432")
	require(t, "NATS", "127.0.0.1:4222")
	total := 20000
	if os.Getenv("SOCIALDESK_CLUSTER_SMALL") != "" {
		total = 2000
	}
	conversations := total / 2
	ctx := context.Background()

	// A fresh schema on the shared server.
	base := os.Getenv("SOCIALDESK_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	schema := fmt.Sprintf("sdcluster_%d", time.Now().UnixNano()%1e9)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() })
	dbURL := base + "&search_path=" + schema
	clusterName := "t" + schema

	// The SLA policy: P1 tickets breach within seconds, everything else
	// has days; set before the nodes start.
	db, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := desk.New(ctx, db, desk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"calendar":{"timezone":"UTC","days":{"mon":{"open":"00:00","close":"24:00"},"tue":{"open":"00:00","close":"24:00"},"wed":{"open":"00:00","close":"24:00"},"thu":{"open":"00:00","close":"24:00"},"fri":{"open":"00:00","close":"24:00"},"sat":{"open":"00:00","close":"24:00"},"sun":{"open":"00:00","close":"24:00"}}},
	 "targets":{"1":{"response":"2s","resolution":"4s"},"2":{"response":"100h","resolution":"200h"},"3":{"response":"100h","resolution":"200h"},"4":{"response":"100h","resolution":"200h"},"5":{"response":"100h","resolution":"200h"}},
	 "warn_at":0.25,"escalation":[{"on":"breach","clock":"response","action":"notify"},{"on":"breach","clock":"resolution","action":"notify"}]}`
	if err := svc.SetSLAPolicy(desk.SystemContext(ctx), []byte(policy)); err != nil {
		t.Fatal(err)
	}

	// The webhook's senders are known people, linked by identity.
	for i := range 50 {
		p := &socialdesk.Person{Email: fmt.Sprintf("user-%d@example.com", i), Name: fmt.Sprintf("User %d", i), Role: socialdesk.RoleEmployee}
		if err := db.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := db.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "webhook", ExternalID: fmt.Sprintf("user-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "socialdesk")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/socialdesk").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "SOCIALDESK_DATABASE_URL="+dbURL, "SOCIALDESK_SECRET_KEY="+strings.Repeat("ab", 32))
	run := func(stdin string, args ...string) string {
		c := exec.Command(bin, args...)
		c.Env, c.Stdin = env, strings.NewReader(stdin)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	const secret = "cluster-test-secret-0123456789"
	run("", "channel", "add", "--name", "hook", "--kind", "webhook", "--config", `{"secret":"`+secret+`"}`)
	run("agent-password-1\n", "user", "add", "--email", "agent@example.com", "--name", "Agent", "--role", "agent")
	token := strings.TrimSpace(run("", "token", "create", "--email", "agent@example.com"))

	start := func(id string) *node {
		c := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--nats-url", "nats://127.0.0.1:4222", "--cluster-name", clusterName, "--node-id", id, "--escalation-every", "500ms", "--rate-limit", "-1")
		c.Env = env
		stdout, _ := c.StdoutPipe()
		logBuf := &bytes.Buffer{}
		c.Stderr = logBuf
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				go io.Copy(io.Discard, stdout)
				return &node{cmd: c, url: m[1], log: logBuf}
			}
		}
		t.Fatalf("node %s did not start: %s", id, logBuf)
		return nil
	}
	nodes := []*node{start("n1"), start("n2"), start("n3")}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.cmd.Process.Kill()
			n.cmd.Wait()
		}
	})
	var alive atomic.Value
	alive.Store([]*node{nodes[0], nodes[1], nodes[2]})

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	// P1 tickets through the API on every node: their SLA timers must each
	// fire exactly once, whichever node holds the escalation lease.
	const p1 = 60
	for i := range p1 {
		n := nodes[i%3]
		req, _ := http.NewRequest("POST", n.url+"/api/v1/tickets", strings.NewReader(fmt.Sprintf(`{"title":"payroll down %d","impact":"high","urgency":"high"}`, i)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("P1 ticket: %v %v", err, resp)
		}
		resp.Body.Close()
	}

	// send posts one webhook message to a live node until it is
	// acknowledged (202 or 200), moving on to another node on failure.
	var acked atomic.Int64
	send := func(id, replyTo string, k int) {
		body := fmt.Sprintf(`{"external_id":%q,"author":{"id":"user-%d","name":"User %d"},"text":"message %s: the VPN is down","reply_to":%q}`, id, k%50, k%50, id, replyTo)
		for attempt := 0; attempt < 50; attempt++ {
			list := alive.Load().([]*node)
			n := list[(k+attempt)%len(list)]
			req, _ := http.NewRequest("POST", n.url+"/hooks/hook", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(secret), []byte(body)))
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 202 || resp.StatusCode == 200 {
					acked.Add(1)
					return
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Errorf("message %s was never acknowledged", id)
	}
	wave := func(replies bool) {
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k := int(next.Add(1)) - 1
					if k >= conversations {
						return
					}
					id, reply := fmt.Sprintf("c%d", k), ""
					if replies {
						id, reply = fmt.Sprintf("c%d-r", k), fmt.Sprintf("c%d", k)
					}
					send(id, reply, k)
					if k%20 == 0 { // 5% are sent twice
						send(id, reply, k+1)
					}
				}
			}()
		}
		// Kill node 2 while the first wave is in flight.
		if !replies {
			go func() {
				for acked.Load() < int64(conversations)*2/5 {
					time.Sleep(10 * time.Millisecond)
				}
				nodes[1].cmd.Process.Signal(syscall.SIGKILL)
				alive.Store([]*node{nodes[0], nodes[2]})
			}()
		}
		wg.Wait()
	}
	started := time.Now()
	wave(false)
	wave(true)
	sent := time.Since(started)

	count := func(q string, args ...any) int {
		var n int
		if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(time.Duration(total/20+30) * time.Second)
	for count(`SELECT COUNT(*) FROM messages WHERE channel = 'hook'`) < total && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	stored := time.Since(started)
	if n := count(`SELECT COUNT(*) FROM messages WHERE channel = 'hook'`); n != total {
		tail := nodes[0].log.String()
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		t.Fatalf("%d messages stored, want exactly %d; node 1 log:\n%s", n, total, tail)
	}
	if n := count(`SELECT COUNT(DISTINCT external_id) FROM messages WHERE channel = 'hook'`); n != total {
		t.Fatalf("%d distinct messages, want %d", n, total)
	}
	if n := count(`SELECT COUNT(*) FROM tickets WHERE channel = 'webhook' AND major = 0`); n != conversations {
		t.Fatalf("%d webhook tickets, want one per conversation: %d", n, conversations)
	}
	if n := count(`SELECT COUNT(*) FROM messages r JOIN messages p ON p.channel = r.channel AND p.external_id = REPLACE(r.external_id, '-r', '')
		WHERE r.channel = 'hook' AND r.external_id LIKE '%-r' AND r.ticket_id <> p.ticket_id`); n != 0 {
		t.Fatalf("%d replies landed outside their conversation's ticket", n)
	}
	// SLA: each P1 ticket's response and resolution breach fire exactly
	// once. (The burst of similar webhook posts may also open a major
	// incident through social listening, with timers of its own; only the
	// tickets this test created are counted.)
	const mine = `(SELECT id FROM tickets WHERE title LIKE 'payroll down %')`
	deadline = time.Now().Add(time.Minute)
	for count(`SELECT COUNT(*) FROM ticket_events WHERE field = 'sla' AND new_value LIKE '%breached' AND ticket_id IN `+mine) < 2*p1 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // give a second firing the chance to happen
	if n := count(`SELECT COUNT(*) FROM ticket_events WHERE field = 'sla' AND new_value LIKE '%breached' AND ticket_id IN ` + mine); n != 2*p1 {
		t.Fatalf("%d SLA breaches fired, want exactly %d (2 per P1 ticket)", n, 2*p1)
	}
	if n := count(`SELECT COUNT(*) FROM (SELECT ticket_id, new_value FROM ticket_events WHERE field = 'sla' GROUP BY ticket_id, new_value HAVING COUNT(*) > 1) d`); n != 0 {
		t.Fatalf("%d SLA steps fired more than once", n)
	}
	if n := count(`SELECT COUNT(*) FROM notifications WHERE kind = 'sla_breached' AND ticket_id IN ` + mine); n != 2*p1 {
		t.Fatalf("%d breach notifications, want %d", n, 2*p1)
	}
	// The burst of similar posts is one outage: the node holding the
	// detector lease sees every node's posts, so the cluster opens exactly
	// one major incident, even with a node killed.
	if n := count(`SELECT COUNT(*) FROM tickets WHERE major = 1`); n != 1 {
		t.Errorf("%d major incidents opened by social listening during the burst, want exactly 1 across the nodes", n)
	}
	t.Logf("%d messages (%d acknowledged requests) across 3 nodes, one killed: sent in %v, all stored after %v (%.0f msg/s)",
		total, acked.Load(), sent.Round(time.Millisecond), stored.Round(time.Millisecond), float64(total)/stored.Seconds())
	// JetStream holds nothing unprocessed.
	nc, err := nats.Connect("nats://127.0.0.1:4222")
	if err == nil {
		defer nc.Close()
		var info struct {
			State struct{ Messages int } `json:"state"`
		}
		if m, err := nc.Request("$JS.API.STREAM.INFO.SD_"+clusterName, nil, 2*time.Second); err == nil {
			json.Unmarshal(m.Data, &info)
			if info.State.Messages != 0 {
				t.Errorf("%d messages left in the stream", info.State.Messages)
			}
		}
	}
}
