package app_test

import (
	"testing"

	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/apptest"
)

// TestAPIRateLimited: a client that floods the API gets 429 with a
// Retry-After header, and other clients are not affected.
func TestAPIRateLimited(t *testing.T) {
	e := apptest.New(t, func(c *app.Config) { c.RateLimit = 2 })
	limited := 0
	for range 20 {
		resp := e.Request(t, "employee", "GET", "/api/v1/me", "")
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited++
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Fatal("20 requests in a burst were all allowed with a limit of 2/s")
	}
	if resp := e.Request(t, "agent", "GET", "/api/v1/me", ""); resp.StatusCode != 200 {
		t.Fatalf("another client was limited too: %d", resp.StatusCode)
	}
}
