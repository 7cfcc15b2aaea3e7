package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector/webhook"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

const secret = "load-test-shared-secret"

// spec is one unique message of the load.
type spec struct {
	ext, replyTo string
	conv, depth  int
	author       string
}

// plan builds n messages: half open conversations, half reply to the
// previous message of a conversation (so threads are chains of varying
// length), grouped into waves by depth so a reply is only sent after its
// parent was acknowledged.
func plan(n int) (waves [][]spec, convs int) {
	convs = n / 2
	depth := make([]int, convs)
	last := make([]string, convs)
	var all []spec
	for c := range convs {
		s := spec{ext: fmt.Sprintf("m-%d-0", c), conv: c, author: fmt.Sprintf("author-%d", c%50)}
		last[c] = s.ext
		all = append(all, s)
	}
	for j := range n - convs {
		// Skewed: a third of the replies go to the first tenth of the
		// conversations, giving some long threads.
		c := (j * 7919) % convs
		if j%3 == 0 {
			c = (j * 31) % max(convs/10, 1)
		}
		depth[c]++
		s := spec{ext: fmt.Sprintf("m-%d-%d", c, depth[c]), replyTo: last[c], conv: c, depth: depth[c], author: fmt.Sprintf("author-%d", (c+depth[c])%50)}
		last[c] = s.ext
		all = append(all, s)
	}
	for _, s := range all {
		for len(waves) <= s.depth {
			waves = append(waves, nil)
		}
		waves[s.depth] = append(waves[s.depth], s)
	}
	return waves, convs
}

var urlRE = regexp.MustCompile(`running at (http://\S+)`)

type server struct {
	t    *testing.T
	bin  string
	data string
	cmd  *exec.Cmd
	url  string
}

func (s *server) start() {
	s.t.Helper()
	// The same port across restarts, as a real deployment would have.
	addr := "127.0.0.1:0"
	if s.url != "" {
		addr = strings.TrimPrefix(s.url, "http://")
	}
	c := exec.Command(s.bin, "serve", "--addr", addr, "--data", s.data, "--log-level", "warn", "--rate-limit", "-1")
	stdout, _ := c.StdoutPipe()
	c.Stderr = io.Discard
	if err := c.Start(); err != nil {
		s.t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			s.cmd, s.url = c, m[1]
			return
		}
	}
	s.t.Fatal("server printed no URL")
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

func moduleRoot(t *testing.T) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// TestWebhookLoadWithKill9 sends n webhook messages (half replies, 5% sent
// twice at the same time) to a real server process, kills it with SIGKILL
// when 40% are acknowledged, restarts it, resends whatever was not
// acknowledged, and checks the exact ticket and thread counts. n is 1,000,
// or 10,000 with SOCIALDESK_LOAD=1.
func TestWebhookLoadWithKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server; skipped in -short mode")
	}
	n := 1000
	if os.Getenv("SOCIALDESK_LOAD") == "1" {
		n = 10000
	}
	bin := filepath.Join(t.TempDir(), "socialdesk")
	build := exec.Command("go", "build", "-o", bin, "./cmd/socialdesk")
	build.Dir = moduleRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	agentToken := setup(t, data)
	baseline := rawInsertRate(t, n)

	waves, convs := plan(n)
	srv := &server{t: t, bin: bin, data: data}
	srv.start()
	defer func() {
		if srv.cmd.ProcessState == nil {
			srv.stop()
		}
	}()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	var (
		mu        sync.Mutex
		acked     = map[string]int64{} // external id -> ticket id
		latencies []time.Duration
		ackCount  atomic.Int64
		killed    atomic.Bool
		// killDone is closed once the killed server has been waited for;
		// until then the kill owns srv.cmd.
		killDone = make(chan struct{})
		downtime time.Duration
		sends    atomic.Int64
		dupSeen  atomic.Int64
		polls    sync.WaitGroup
	)
	killAt := int64(n * 4 / 10)
	send := func(s spec) bool {
		body, _ := json.Marshal(map[string]any{"external_id": s.ext, "author": map[string]string{"id": s.author}, "text": "Load message " + s.ext + "\nwith a second line", "reply_to": s.replyTo})
		req, _ := http.NewRequest("POST", srv.url+"/hooks/load", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(secret), body))
		sends.Add(1)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		var acc webhook.Accepted
		json.NewDecoder(resp.Body).Decode(&acc)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
			return false
		}
		ackedAt := time.Now()
		if resp.StatusCode == http.StatusOK {
			dupSeen.Add(1)
		}
		mu.Lock()
		if prev, ok := acked[s.ext]; ok && prev != acc.TicketID {
			mu.Unlock()
			t.Errorf("%s acknowledged with ticket %d and %d", s.ext, prev, acc.TicketID)
			return true
		}
		acked[s.ext] = acc.TicketID
		mu.Unlock()
		if c := ackCount.Add(1); c == killAt && !killed.Swap(true) {
			go func() {
				srv.kill()
				close(killDone)
			}()
		}
		// Sample: time until the ticket shows through the API.
		if s.depth == 0 && s.conv%10 == 0 && acc.TicketID != 0 {
			polls.Add(1)
			go func() {
				defer polls.Done()
				for time.Since(ackedAt) < 10*time.Second {
					req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/tickets/%d", srv.url, acc.TicketID), nil)
					req.Header.Set("Authorization", "Bearer "+agentToken)
					resp, err := client.Do(req)
					if err != nil {
						return // server killed: this sample does not count
					}
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						latencies = append(latencies, time.Since(ackedAt))
						mu.Unlock()
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		return true
	}

	start := time.Now()
	for _, wave := range waves {
		// 5% of the messages are sent twice, at the same time.
		var jobs []spec
		for i, s := range wave {
			jobs = append(jobs, s)
			if i%20 == 7 {
				jobs = append(jobs, s)
			}
		}
		for len(jobs) > 0 {
			var failed []spec
			var fmu sync.Mutex
			ch := make(chan spec)
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for s := range ch {
						if !send(s) {
							fmu.Lock()
							failed = append(failed, s)
							fmu.Unlock()
						}
					}
				}()
			}
			for _, s := range jobs {
				ch <- s
			}
			close(ch)
			wg.Wait()
			if len(failed) > 0 {
				// The server is down: restart it and resend everything not
				// acknowledged.
				polls.Wait()
				down := time.Now()
				if !killed.Load() {
					t.Fatalf("%d requests failed before the server was killed", len(failed))
				}
				<-killDone
				srv.start()
				downtime += time.Since(down)
				t.Logf("server killed with %d acknowledged; restarted; resending %d", ackCount.Load(), len(failed))
			}
			jobs = failed
		}
	}
	elapsed := time.Since(start)
	polls.Wait()
	srv.stop()
	if !killed.Load() {
		t.Fatal("the server was never killed")
	}

	// Exact counts, read straight from the database.
	db, err := store.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tickets, inbound int
	// Conversation tickets; a burst of near-identical messages from many
	// people may also open a major incident, which social listening
	// creates on top of them.
	db.SQL().QueryRow(`SELECT COUNT(*) FROM tickets WHERE major = 0`).Scan(&tickets)
	db.SQL().QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND channel = 'load'`).Scan(&inbound)
	if tickets != convs || inbound != n {
		t.Fatalf("tickets = %d (want %d), inbound messages = %d (want %d)", tickets, convs, inbound, n)
	}
	rootTicket := map[int]int64{}
	threads := map[int64]bool{}
	for _, wave := range waves {
		for _, s := range wave {
			m, err := db.MessageByExternalID(context.Background(), "load", s.ext)
			if err != nil {
				t.Fatalf("%s lost: %v", s.ext, err)
			}
			if s.depth == 0 {
				rootTicket[s.conv] = m.TicketID
				threads[m.TicketID] = true
			} else if m.TicketID != rootTicket[s.conv] {
				t.Fatalf("%s is in ticket %d, its conversation in %d", s.ext, m.TicketID, rootTicket[s.conv])
			}
			if acked[s.ext] != m.TicketID {
				t.Fatalf("%s was acknowledged with ticket %d but stored in %d", s.ext, acked[s.ext], m.TicketID)
			}
		}
	}
	if len(threads) != convs {
		t.Fatalf("threads = %d, want %d", len(threads), convs)
	}
	slices.Sort(latencies)
	p := func(q float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*q))]
	}
	rate := float64(n) / (elapsed - downtime).Seconds()
	t.Logf("LOAD n=%d conversations=%d requests=%d duplicates-answered-200=%d tickets=%d threads=%d", n, convs, sends.Load(), dupSeen.Load(), tickets, len(threads))
	t.Logf("LOAD throughput %.0f msg/s (excluding %.1fs restart; %.1fs total); raw insert baseline %.0f rows/s; ratio %.4f", rate, downtime.Seconds(), elapsed.Seconds(), baseline, rate/baseline)
	t.Logf("LOAD ack-to-visible via API over %d samples: p50 %.2f ms, p99 %.2f ms", len(latencies), ms(p(0.5)), ms(p(0.99)))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// setup prepares the data directory in-process: the webhook channel, an
// agent with an API token, and 50 authors linked by identity.
func setup(t *testing.T, data string) string {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sys := desk.SystemContext(ctx)
	if err := a.Channels.Add(sys, "load", "webhook", `{"secret":"`+secret+`"}`, true); err != nil {
		t.Fatal(err)
	}
	agent := &socialdesk.Person{Email: "agent@load.example", Name: "Agent", Role: socialdesk.RoleAgent}
	if err := a.Desk.CreatePerson(sys, agent, ""); err != nil {
		t.Fatal(err)
	}
	tok, err := a.Desk.CreateToken(sys, agent.ID, "load")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		p := &socialdesk.Person{Email: fmt.Sprintf("author-%d@load.example", i), Name: fmt.Sprintf("Author %d", i), Role: socialdesk.RoleEmployee}
		if err := a.Desk.CreatePerson(sys, p, ""); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "webhook", ExternalID: fmt.Sprintf("author-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return tok
}

// rawInsertRate is the baseline: n autocommit INSERTs into a plain table in
// the desk's SQLite configuration, in this process.
func rawInsertRate(t *testing.T, n int) float64 {
	db, err := store.OpenSQLiteFile(context.Background(), filepath.Join(t.TempDir(), "raw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqldb := db.SQL()
	if _, err := sqldb.Exec(`CREATE TABLE raw (id INTEGER PRIMARY KEY, ext TEXT UNIQUE, body TEXT, created BIGINT)`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range n {
		if _, err := sqldb.Exec(`INSERT INTO raw (ext, body, created) VALUES (?, ?, ?)`, fmt.Sprint("m-", i), "Load message", time.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}
