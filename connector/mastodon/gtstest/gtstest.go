// Package gtstest runs a real GoToSocial server for integration tests of
// code that speaks the Mastodon client API.
//
// The server binary is built once by .ci/build-gotosocial.sh and cached under
// $SOCIALDESK_CACHE (default ~/.cache/socialdesk). Start skips the calling
// test when the binary is missing, or fails it when the CI environment
// variable is set, so CI cannot pass by skipping.
//
// A typical test:
//
//	srv := gtstest.Start(t, gtstest.User{Username: "desk"}, gtstest.User{Username: "ann"})
//	deskToken := srv.Token(t, "desk")
//
// Start gives the server a temporary SQLite database and storage folder,
// plain HTTP on 127.0.0.1 with host localhost:PORT, no rate limits, and
// creates and confirms the users with GoToSocial's admin command line
// before the server starts. Token signs a user in through the OAuth
// authorization-code flow (GoToSocial has no password grant) by posting to
// its sign-in and authorize forms, and returns a read/write access token.
package gtstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the GoToSocial release the tests run against.
const Version = "v0.18.3"

// Password is the password Start gives users that have none.
const Password = "Socialdesk-test-Passw0rd-2025!"

// startTimeout bounds how long the server may take to answer. The first
// start compiles GoToSocial's WebAssembly ffmpeg, which is slow on small
// machines; the compiled code is cached for later starts.
const startTimeout = 3 * time.Minute

// CacheDir returns the folder the build script caches into.
func CacheDir() string {
	if d := os.Getenv("SOCIALDESK_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "socialdesk-cache")
	}
	return filepath.Join(home, ".cache", "socialdesk")
}

// BinaryPath returns where .ci/build-gotosocial.sh puts the server binary.
func BinaryPath() string {
	return filepath.Join(CacheDir(), "bin", "gotosocial-"+Version)
}

// webDir returns where .ci/build-gotosocial.sh puts the web templates and assets.
func webDir() string {
	return filepath.Join(CacheDir(), "gotosocial-"+Version, "web")
}

// User is an account Start creates.
type User struct {
	Username string
	// Password defaults to the package's Password constant.
	Password string
	// Admin promotes the account to instance admin.
	Admin bool
}

// Email returns the address Start registers the user with.
func (u User) Email() string { return u.Username + "@example.org" }

// Server is a running GoToSocial instance.
type Server struct {
	// BaseURL is the server's address, http://localhost:PORT.
	BaseURL string
	// Dir holds the config, database, storage and log.
	Dir string

	configPath string
	users      map[string]User
	cmd        *exec.Cmd
	logPath    string

	mu     sync.Mutex
	tokens map[string]string
}

// Start runs a fresh GoToSocial server with the given users and stops it
// when the test ends.
func Start(t testing.TB, users ...User) *Server {
	t.Helper()
	bin := BinaryPath()
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("GoToSocial %s binary not found at %s; build it with .ci/build-gotosocial.sh", Version, bin)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(filepath.Join(webDir(), "template")); err != nil {
		t.Fatalf("GoToSocial web templates missing at %s; run .ci/build-gotosocial.sh", webDir())
	}

	dir := t.TempDir()
	port := freePort(t)
	s := &Server{
		BaseURL:    "http://localhost:" + strconv.Itoa(port),
		Dir:        dir,
		configPath: filepath.Join(dir, "config.yaml"),
		users:      map[string]User{},
		logPath:    filepath.Join(dir, "gotosocial.log"),
		tokens:     map[string]string{},
	}
	config := fmt.Sprintf(`log-level: "info"
log-client-ip: false
application-name: "socialdesk-test"
host: "localhost:%[1]d"
protocol: "http"
bind-address: "127.0.0.1"
port: %[1]d
db-type: "sqlite"
db-address: "%[2]s/gotosocial.db"
storage-backend: "local"
storage-local-base-path: "%[2]s/storage"
web-template-base-dir: "%[3]s/template/"
web-asset-base-dir: "%[3]s/assets/"
letsencrypt-enabled: false
accounts-registration-open: false
instance-federation-mode: "allowlist"
advanced-rate-limit-requests: 0
advanced-throttling-multiplier: 0
cache:
  memory-target: "50MiB"
`, port, dir, webDir())
	if err := os.WriteFile(s.configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, u := range users {
		if u.Password == "" {
			u.Password = Password
		}
		s.users[u.Username] = u
		s.admin(t, "account", "create", "--username", u.Username, "--email", u.Email(), "--password", u.Password)
		s.admin(t, "account", "confirm", "--username", u.Username)
		if u.Admin {
			s.admin(t, "account", "promote", "--username", u.Username)
		}
	}

	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "--config-path", s.configPath, "server", "start")
	s.cmd.Env = s.env()
	s.cmd.Stdout = logFile
	s.cmd.Stderr = logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start GoToSocial: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		s.cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			s.dumpLog(t)
		}
	})

	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := http.Get(s.BaseURL + "/api/v1/instance")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			s.dumpLog(t)
			t.Fatal("GoToSocial exited during start-up")
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.dumpLog(t)
			t.Fatalf("GoToSocial did not answer within %v", startTimeout)
		}
	}
	return s
}

// env is the environment for the server and its admin commands. The
// wazero compilation cache makes every start after the first fast.
func (s *Server) env() []string {
	return append(os.Environ(),
		"GTS_WAZERO_COMPILATION_CACHE="+filepath.Join(CacheDir(), "gotosocial-"+Version, "wazero-cache"))
}

// admin runs one "gotosocial admin ..." command against the test database.
func (s *Server) admin(t testing.TB, args ...string) {
	t.Helper()
	cmd := exec.Command(BinaryPath(), append([]string{"--config-path", s.configPath, "admin"}, args...)...)
	cmd.Env = s.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gotosocial admin %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (s *Server) dumpLog(t testing.TB) {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	t.Logf("GoToSocial log (tail):\n%s", b)
}

// Token returns a read/write access token for the named user, signing in
// through the OAuth authorization-code flow the first time.
func (s *Server) Token(t testing.TB, username string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, ok := s.tokens[username]; ok {
		return tok
	}
	u, ok := s.users[username]
	if !ok {
		t.Fatalf("gtstest: no user %q was created", username)
	}
	tok, err := s.signIn(u)
	if err != nil {
		t.Fatalf("gtstest: sign in %s: %v", username, err)
	}
	s.tokens[username] = tok
	return tok
}

// signIn drives the OAuth flow with plain HTTP requests: register an app,
// start the authorization (the server keeps it in a session cookie), post
// the sign-in form, approve on the authorize form, and swap the code from
// the redirect for a token.
func (s *Server) signIn(u User) (string, error) {
	const redirect = "http://localhost/socialdesk-callback"
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	hc := &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}

	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	body, _ := json.Marshal(map[string]string{
		"client_name": "socialdesk-test", "redirect_uris": redirect, "scopes": "read write",
	})
	if err := s.do(hc, http.MethodPost, "/api/v1/apps", "application/json", bytes.NewReader(body), http.StatusOK, &app); err != nil {
		return "", fmt.Errorf("register app: %w", err)
	}

	q := url.Values{
		"client_id": {app.ClientID}, "redirect_uri": {redirect},
		"response_type": {"code"}, "scope": {"read write"},
	}
	if err := s.do(hc, http.MethodGet, "/oauth/authorize?"+q.Encode(), "", nil, http.StatusSeeOther, nil, http.StatusFound); err != nil {
		return "", fmt.Errorf("start authorization: %w", err)
	}
	form := url.Values{"username": {u.Email()}, "password": {u.Password}}
	if err := s.do(hc, http.MethodPost, "/auth/sign_in", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), http.StatusFound, nil); err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, s.BaseURL+"/oauth/authorize", strings.NewReader(""))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("authorize: status %d, Location %q, body %.300s", resp.StatusCode, resp.Header.Get("Location"), b)
	}

	var tok struct {
		AccessToken string `json:"access_token"`
	}
	form = url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {redirect},
	}
	if err := s.do(hc, http.MethodPost, "/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("exchange code: %w", err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("exchange code: no access_token in answer")
	}
	return tok.AccessToken, nil
}

// do makes one request and checks the status; out receives a JSON answer.
func (s *Server) do(hc *http.Client, method, path, contentType string, body io.Reader, want int, out any, alsoOK ...int) error {
	req, err := http.NewRequest(method, s.BaseURL+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want && !slices.Contains(alsoOK, resp.StatusCode) {
		return fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// API makes an authenticated Mastodon API request as the user holding
// token, with a JSON body when body is non-nil, and decodes a JSON answer
// into out when out is non-nil. It fails on any status but 200.
func (s *Server) API(ctx context.Context, token, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.BaseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// freePort asks the kernel for an unused loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
