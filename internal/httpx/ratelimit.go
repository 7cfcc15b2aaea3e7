package httpx

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/socialdesk/socialdesk"
)

// RateLimiter limits requests per client with a token bucket each: the
// bearer token for API clients, otherwise the client's address. Clients not
// seen for ten minutes are forgotten.
type RateLimiter struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	clients map[string]*client
	lastGC  time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows perSecond requests per client on average, with
// bursts up to burst.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	return &RateLimiter{perSec: rate.Limit(perSecond), burst: burst, clients: map[string]*client{}}
}

// key identifies the client of a request.
func key(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		return "t:" + auth[len("Bearer "):]
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "a:" + host
}

// Allow reports whether the client may make a request now.
func (l *RateLimiter) Allow(r *http.Request) bool {
	now := time.Now()
	k := key(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastGC) > time.Minute {
		for id, c := range l.clients {
			if now.Sub(c.seen) > 10*time.Minute {
				delete(l.clients, id)
			}
		}
		l.lastGC = now
	}
	c := l.clients[k]
	if c == nil {
		c = &client{lim: rate.NewLimiter(l.perSec, l.burst)}
		l.clients[k] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// Limit wraps next so that requests over the limit get 429 with a JSON
// error and a Retry-After header, for the paths with one of the prefixes.
func (l *RateLimiter) Limit(next http.Handler, prefixes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range prefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				if !l.Allow(r) {
					w.Header().Set("Retry-After", strconv.Itoa(max(1, int(1/float64(l.perSec)))))
					WriteError(w, socialdesk.Errorf(socialdesk.ETOOMANY, "Too many requests. Slow down and try again in a moment."))
					return
				}
				break
			}
		}
		next.ServeHTTP(w, r)
	})
}
