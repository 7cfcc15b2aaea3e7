package channels_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/channels"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/store"
)

// poller is a test connector whose Poll either fails or delivers one new
// message per call, keeping its position in the cursor.
type poller struct {
	name   string
	fail   bool
	cursor connector.Cursor
	polls  *atomic.Int64
	log    *pollLog
}

// pollLog records when polls happened.
type pollLog struct {
	mu sync.Mutex
	at []time.Time
}

func (p *poller) Kind() string { return "poll" }
func (p *poller) Name() string { return p.name }
func (p *poller) Poll(ctx context.Context, sink connector.Sink) error {
	p.polls.Add(1)
	p.log.mu.Lock()
	p.log.at = append(p.log.at, time.Now())
	p.log.mu.Unlock()
	if p.fail {
		return errors.New("upstream refused the login")
	}
	pos, _ := p.cursor.Load(ctx, "pos")
	var n int
	fmt.Sscan(pos, &n)
	n++
	if _, err := sink.Deliver(ctx, connector.Inbound{Channel: p.name, ExternalID: fmt.Sprint("p", n), Author: connector.Author{ID: "bot-user"}, Text: "poll " + fmt.Sprint(n), SentAt: time.Now()}); err != nil {
		return err
	}
	return p.cursor.Save(ctx, "pos", fmt.Sprint(n))
}

func TestRegistryIsolatesBrokenConnectors(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := desk.New(ctx, db, desk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sys := desk.SystemContext(ctx)
	p := &socialdesk.Person{Name: "Poll user", Role: socialdesk.RoleEmployee}
	if err := svc.CreatePerson(sys, p, ""); err != nil {
		t.Fatal(err)
	}
	db.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "poll", ExternalID: "bot-user"})
	var goodPolls, badPolls atomic.Int64
	badLog := &pollLog{}
	factories := map[string]channels.Factory{
		"poll": func(_ context.Context, in channels.FactoryInput) (connector.Connector, error) {
			fail := strings.Contains(string(in.Config), "fail")
			counter := &goodPolls
			if fail {
				counter = &badPolls
			}
			log := &pollLog{}
			if fail {
				log = badLog
			}
			return &poller{name: in.Name, fail: fail, cursor: in.Cursor, polls: counter, log: log}, nil
		},
	}
	reg := channels.New(channels.Options{DB: db, Key: make([]byte, 32), Factories: factories, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, PollEvery: 5 * time.Millisecond, CheckEvery: 10 * time.Millisecond})
	reg.SetSink(ingest.New(ingest.Options{Desk: svc, Kind: reg.Kind}))
	for name, cfg := range map[string]string{"good": `{}`, "bad": `{"mode":"fail"}`} {
		if err := reg.Add(sys, name, "poll", cfg, true); err != nil {
			t.Fatal(err)
		}
	}
	// A channel whose configuration cannot be opened (here: sealed for
	// another name) is kept, marked as an error, and does not stop the rest.
	sealedCfg, _ := db.ChannelByName(ctx, "good")
	if err := db.CreateChannel(ctx, &store.Channel{Name: "gone", Kind: "poll", Config: sealedCfg.Config, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { reg.Run(runCtx); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for goodPolls.Load() < 7 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// A channel added by another process (the command line) is picked up.
	cli := channels.New(channels.Options{DB: db, Key: make([]byte, 32), Factories: factories})
	if err := cli.Add(sys, "late", "poll", `{}`, true); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for reg.Kind("late") == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if reg.Kind("late") != "poll" {
		t.Fatal("the running registry did not notice a channel added elsewhere")
	}
	cancel()
	<-done
	if goodPolls.Load() < 5 || badPolls.Load() < 2 {
		t.Fatalf("good polled %d, bad %d", goodPolls.Load(), badPolls.Load())
	}
	list, err := reg.List(sys)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]channels.Health{}
	for _, c := range list {
		status[c.Name] = c.Health
	}
	if h := status["bad"]; h.Status != "retrying" || !strings.Contains(h.LastError, "refused the login") {
		t.Fatalf("bad = %+v", h)
	}
	if h := status["gone"]; h.Status != "error" || !strings.Contains(h.LastError, "decrypt") {
		t.Fatalf("gone = %+v", h)
	}
	if h := status["good"]; h.Status != "ok" || h.Received < 5 {
		t.Fatalf("good = %+v", h)
	}
	// The cursor kept the position, so every poll stored a new message.
	// The last poll may have been stopped between storing its message and
	// saving the cursor; a restart would redeliver that one message, which
	// the pipeline then recognises as a duplicate.
	pos, _ := db.LoadCursor(ctx, "good", "pos")
	if r := status["good"].Received; pos != fmt.Sprint(r) && pos != fmt.Sprint(r-1) {
		t.Fatalf("cursor %s, received %d", pos, r)
	}
	// Backoff kept the failing poller from spinning: the waits between its
	// attempts doubled from RetryMin (5 ms) up to RetryMax (20 ms).
	badLog.mu.Lock()
	at := badLog.at
	badLog.mu.Unlock()
	if len(at) < 4 {
		t.Fatalf("failing poller tried only %d times", len(at))
	}
	for i, want := range []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond} {
		if got := at[i+1].Sub(at[i]); got < want {
			t.Fatalf("wait before retry %d was %v, want at least %v", i+1, got, want)
		}
	}
}
