package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRateLimiter(t *testing.T) {
	l := NewRateLimiter(1, 3)
	h := l.Limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }), "/api/")
	call := func(path, token, addr string) int {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = addr
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 3 {
		if c := call("/api/v1/tickets", "a", "1.2.3.4:5"); c != 204 {
			t.Fatalf("request %d within the burst: %d", i, c)
		}
	}
	if c := call("/api/v1/tickets", "a", "1.2.3.4:5"); c != 429 {
		t.Fatalf("over the limit: %d, want 429", c)
	}
	if c := call("/api/v1/tickets", "b", "1.2.3.4:5"); c != 204 {
		t.Fatalf("another token has its own bucket: %d", c)
	}
	if c := call("/queue", "a", "1.2.3.4:5"); c != 204 {
		t.Fatalf("paths without the prefix are not limited: %d", c)
	}
}
