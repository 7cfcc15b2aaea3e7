package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestUserAddAndTokenCreate(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"user", "add", "--email", "ana@example.com", "--name", "Ana", "--role", "agent", "--data", dir}, env(nil), strings.NewReader("correct-horse-battery\n"), &out, &errb)
	if err != nil {
		t.Fatalf("user add: %v (%s)", err, errb.String())
	}
	if strings.Contains(out.String(), "correct-horse") {
		t.Fatal("a password read from stdin must not be echoed")
	}
	// The data dir can come from the environment instead of a flag.
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--email", "ana@example.com"}, env(map[string]string{"SOCIALDESK_DATA": dir}), nil, &out, &errb); err != nil {
		t.Fatalf("token create: %v", err)
	}
	tok := out.String()
	if !regexp.MustCompile(`^sd_[A-Za-z0-9_-]{20,}\n$`).MatchString(tok) {
		t.Fatalf("token create must print only the token, got %q", tok)
	}
	// A generated password is printed once.
	out.Reset()
	if err := run(ctx, []string{"user", "add", "--email", "bo@example.com", "--name", "Bo", "--data", dir}, env(nil), strings.NewReader(""), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "with password: ") {
		t.Fatalf("generated password not shown: %q", out.String())
	}
	for _, bad := range [][]string{
		{"user", "add", "--email", "x@example.com", "--name", "X", "--role", "wizard", "--data", dir},
		{"user", "add", "--email", "ana@example.com", "--name", "Dup", "--data", dir},
		{"token", "create", "--email", "nobody@example.com", "--data", dir},
		{"frobnicate"},
	} {
		if err := run(ctx, bad, env(nil), strings.NewReader("another-long-password\n"), io.Discard, io.Discard); err == nil {
			t.Errorf("%v: expected an error", bad)
		}
	}
	if err := run(ctx, []string{"migrate", "--data", dir}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := run(ctx, []string{"backup", "--data", dir, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(backup); err != nil || st.Size() == 0 {
		t.Fatalf("backup missing: %v", err)
	}
	if err := run(ctx, []string{"backup", "--data", dir, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("backup over an existing file should fail")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var urlRE = regexp.MustCompile(`running at (http://\S+)`)

// startTimeout bounds how long the tests wait for the server to start and
// for the demo data to load. Under the race detector on a loaded CI machine
// the demo load (a bcrypt hash per demo account, then indexing) has taken
// over 10 s, against half a second in a normal build.
const startTimeout = 60 * time.Second

func waitURL(t *testing.T, out interface{ String() string }) string {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start; output: %s", out.String())
	return ""
}

func TestServeDemoAndHealthz(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo"}, env(map[string]string{"SOCIALDESK_ADDR": "127.0.0.1:0", "SOCIALDESK_DATA": t.TempDir()}), nil, out, io.Discard)
	}()
	url := waitURL(t, out)
	deadline := time.Now().Add(startTimeout)
	for !strings.Contains(out.String(), "demo login (agent)") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "agent@example.com / demo-password") {
		t.Fatalf("demo login not printed: %s", out.String())
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}

// TestKill9KeepsAcknowledgedTickets creates tickets through the API while
// the server is killed with SIGKILL, restarts it, and checks that every
// ticket the API acknowledged with 201 is still there.
func TestKill9KeepsAcknowledgedTickets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "socialdesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	cmd := exec.Command(bin, "user", "add", "--email", "k@example.com", "--name", "K", "--data", data)
	cmd.Stdin = strings.NewReader("kill-nine-password\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	tokOut, err := exec.Command(bin, "token", "create", "--email", "k@example.com", "--data", data).Output()
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(tokOut))

	start := func() (*exec.Cmd, string) {
		c := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--rate-limit", "-1")
		stdout, _ := c.StdoutPipe()
		c.Stderr = io.Discard
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				go io.Copy(io.Discard, stdout)
				return c, m[1]
			}
		}
		t.Fatal("server printed no URL")
		return nil, ""
	}
	srv, url := start()
	type ack struct {
		ID    int64
		Title string
	}
	var mu sync.Mutex
	var acked []ack
	var wg sync.WaitGroup
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				title := fmt.Sprintf("crash test %d-%d", w, i)
				req, _ := http.NewRequest("POST", url+"/api/v1/tickets", strings.NewReader(`{"title":"`+title+`","impact":"low","urgency":"high"}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var body struct{ ID int64 }
				json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode == 201 {
					mu.Lock()
					acked = append(acked, ack{body.ID, title})
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d tickets acknowledged before the kill; the test needs more", len(acked))
	}
	srv2, url2 := start()
	defer func() { srv2.Process.Kill(); srv2.Wait() }()
	for _, a := range acked {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/tickets/%d", url2, a.ID), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Title string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 200 || body.Title != a.Title {
			t.Fatalf("acknowledged ticket %d (%q) lost after kill -9: %d %q", a.ID, a.Title, resp.StatusCode, body.Title)
		}
	}
	t.Logf("%d acknowledged tickets all survived kill -9", len(acked))
}
