package sso_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/browsertest"
	"github.com/socialdesk/socialdesk/internal/sso"
)

const dexVersion = "v0.0.0-20260303133905-11d2eeb52b42"

// dexBinary finds the Dex binary that .ci/build-dex.sh caches.
func dexBinary(t *testing.T) string {
	cache := os.Getenv("SOCIALDESK_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "socialdesk")
	}
	bin := filepath.Join(cache, "bin", "dex-"+dexVersion)
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Dex is required in CI; .ci/build-dex.sh builds it into %s", bin)
		}
		t.Skipf("Dex not built; run .ci/build-dex.sh to build it into %s", bin)
	}
	return bin
}

func freePort(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestSignInThroughDex signs in through a real Dex server in a real
// browser: the person is created on first sign-in with the role mapped from
// the provider, and lands in the portal.
func TestSignInThroughDex(t *testing.T) {
	bin := dexBinary(t)

	appLn := freePort(t)
	dexLn := freePort(t)
	dexAddr := dexLn.Addr().String()
	dexLn.Close()
	appURL := "http://" + appLn.Addr().String()
	issuer := "http://" + dexAddr + "/dex"

	hash, _ := bcrypt.GenerateFromPassword([]byte("dex-password-1"), bcrypt.DefaultCost)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`issuer: %s
storage:
  type: memory
web:
  http: %s
oauth2:
  skipApprovalScreen: true
staticClients:
- id: socialdesk
  secret: socialdesk-test-secret
  name: socialdesk
  redirectURIs: ['%s/auth/callback']
enablePasswordDB: true
staticPasswords:
- email: "sso.user@example.com"
  hash: "%s"
  username: "Sso User"
  userID: "08a8684b-db88-4b73-90a9-3cd1661f5466"
`, issuer, dexAddr, appURL, hash)
	path := filepath.Join(dir, "dex.yaml")
	os.WriteFile(path, []byte(cfg), 0o600)
	dex := exec.Command(bin, "serve", path)
	logf, _ := os.Create(filepath.Join(dir, "dex.log"))
	dex.Stdout, dex.Stderr = logf, logf
	if err := dex.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dex.Process.Kill(); dex.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(issuer + "/.well-known/openid-configuration")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dex.log"))
			t.Fatalf("Dex did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}

	a, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir(), BaseURL: appURL,
		OIDC: sso.Config{Issuer: issuer, ClientID: "socialdesk", ClientSecret: "socialdesk-test-secret", RedirectURL: appURL + "/auth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Listener.Close()
	srv.Listener = appLn
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	// The browser is created last so it closes first, ending its live
	// connections before the server waits for them.
	ctxB := browsertest.New(t)

	steps := []struct {
		name string
		act  chromedp.Action[chromedp.Void]
	}{
		{"open sign-in", chromedp.Navigate(appURL + "/login")},
		{"see SSO link", chromedp.WaitVisible(chromedp.CSS("a[href^='/auth/login']"))},
		{"follow SSO link", chromedp.Click(chromedp.CSS("a[href^='/auth/login']"))},
		{"see Dex form", chromedp.WaitVisible(chromedp.CSS("input[name=login]"))},
		{"type login", chromedp.SendKeys(chromedp.CSS("input[name=login]"), "sso.user@example.com")},
		{"type password", chromedp.SendKeys(chromedp.CSS("input[name=password]"), "dex-password-1")},
		{"submit", chromedp.Submit(chromedp.CSS("input[name=password]"))},
		{"back at socialdesk", chromedp.WaitVisible(chromedp.CSS("main h1"))},
	}
	// The first action starts the browser, which lives as long as ctxB.
	browsertest.Do(t, ctxB, steps[0].act)
	for _, st := range steps[1:] {
		sctx, cancel := context.WithTimeout(ctxB, 20*time.Second)
		err := chromedp.Do(sctx, st.act)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(ctxB, chromedp.Location())
			body, _ := chromedp.Run(ctxB, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
			t.Fatalf("step %q: %v\nat %s\n%s", st.name, err, loc, body)
		}
	}
	// First use: the usage guideline comes first, then the portal.
	if h := browsertest.Text(t, ctxB, "main"); !strings.Contains(browsertest.Location(t, ctxB), "/policy") {
		t.Fatalf("after Dex sign-in the page says: %s (at %s)", h, browsertest.Location(t, ctxB))
	}
	browsertest.Do(t, ctxB,
		chromedp.Click(chromedp.CSS("form[action='/policy/ack'] button")),
		chromedp.WaitVisible(chromedp.CSS("a.button[href='/portal/new']")),
	)
	loc := browsertest.Location(t, ctxB)
	if !strings.HasPrefix(loc, appURL+"/portal") {
		t.Fatalf("after Dex sign-in the browser is at %s, want the portal", loc)
	}
	p, err := a.DB.PersonByEmail(context.Background(), "sso.user@example.com")
	if err != nil {
		t.Fatalf("the person was not created on first sign-in: %v", err)
	}
	if p.Role != socialdesk.RoleEmployee || p.Name == "" {
		t.Fatalf("created person = %+v", p)
	}
	if s := browsertest.Text(t, ctxB, "header.top .me"); !strings.Contains(s, p.Name) {
		t.Fatalf("header shows %q, want the signed-in name %q", s, p.Name)
	}
	audit, _ := a.DB.AuditLog(context.Background(), "auth.", 10, 0)
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	if !strings.Contains(strings.Join(actions, " "), "auth.sso_user_created") || !strings.Contains(strings.Join(actions, " "), "auth.sign_in") {
		t.Fatalf("audit log lacks the SSO sign-in: %v", actions)
	}
}
