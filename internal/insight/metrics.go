package insight

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk/internal/store"
)

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics counts HTTP requests by route pattern and serves them, with the
// SLA timers and database pool statistics, in the Prometheus text format.
// It is written by hand, like the channel metrics it includes.
type Metrics struct {
	db    *store.DB
	extra http.HandlerFunc
	mu    sync.Mutex
	reqs  map[reqKey]int64
	hist  map[string]*histogram
}

type reqKey struct {
	pattern, method string
	status          int
}

type histogram struct {
	counts []int64 // per bucket, not cumulative
	sum    float64
	n      int64
}

// MetricsOptions configures Metrics.
type MetricsOptions struct {
	DB *store.DB
	// Extra serves more metrics appended to the output, such as the
	// channel registry's.
	Extra http.HandlerFunc
}

// NewMetrics returns an empty set of metrics.
func NewMetrics(opts MetricsOptions) *Metrics {
	return &Metrics{db: opts.DB, extra: opts.Extra, reqs: map[reqKey]int64{}, hist: map[string]*histogram{}}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes flushes through, for the live-update streams.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware counts and times each request under the pattern that
// http.ServeMux matched (so /tickets/{id} is one series, not one per
// ticket); unmatched requests count as "unmatched".
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		if _, p, ok := strings.Cut(pattern, " "); ok {
			pattern = p
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		m.observe(pattern, r.Method, status, time.Since(start))
	})
}

func (m *Metrics) observe(pattern, method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs[reqKey{pattern, method, status}]++
	h := m.hist[pattern]
	if h == nil {
		h = &histogram{counts: make([]int64, len(durationBuckets))}
		m.hist[pattern] = h
	}
	sec := d.Seconds()
	for i, b := range durationBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.n++
}

// ServeHTTP writes every metric.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	m.mu.Lock()
	keys := make([]reqKey, 0, len(m.reqs))
	for k := range m.reqs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b reqKey) int {
		return strings.Compare(fmt.Sprint(a.pattern, a.method, a.status), fmt.Sprint(b.pattern, b.method, b.status))
	})
	b.WriteString("# HELP socialdesk_http_requests_total HTTP requests by route pattern, method and status.\n# TYPE socialdesk_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "socialdesk_http_requests_total{route=%q,method=%q,status=\"%d\"} %d\n", k.pattern, k.method, k.status, m.reqs[k])
	}
	patterns := make([]string, 0, len(m.hist))
	for p := range m.hist {
		patterns = append(patterns, p)
	}
	slices.Sort(patterns)
	b.WriteString("# HELP socialdesk_http_request_duration_seconds Time to serve HTTP requests by route pattern.\n# TYPE socialdesk_http_request_duration_seconds histogram\n")
	for _, p := range patterns {
		h := m.hist[p]
		var cum int64
		for i, ub := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "socialdesk_http_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", p, ub, cum)
		}
		fmt.Fprintf(&b, "socialdesk_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", p, h.n)
		fmt.Fprintf(&b, "socialdesk_http_request_duration_seconds_sum{route=%q} %g\n", p, h.sum)
		fmt.Fprintf(&b, "socialdesk_http_request_duration_seconds_count{route=%q} %d\n", p, h.n)
	}
	m.mu.Unlock()

	if m.db != nil {
		if states, err := m.db.SLAStates(r.Context()); err == nil {
			b.WriteString("# HELP socialdesk_open_tickets Open tickets by SLA state.\n# TYPE socialdesk_open_tickets gauge\n")
			for _, s := range []string{"breached", "at_risk", "running", "paused", "none"} {
				fmt.Fprintf(&b, "socialdesk_open_tickets{sla_state=%q} %d\n", s, states[s])
			}
		}
		st := m.db.SQL().Stats()
		gauge := func(name, help string, v float64) {
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
		}
		counter := func(name, help string, v float64) {
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %g\n", name, help, name, name, v)
		}
		gauge("socialdesk_db_max_open_connections", "Maximum open database connections.", float64(st.MaxOpenConnections))
		gauge("socialdesk_db_open_connections", "Open database connections.", float64(st.OpenConnections))
		gauge("socialdesk_db_in_use_connections", "Database connections in use.", float64(st.InUse))
		gauge("socialdesk_db_idle_connections", "Idle database connections.", float64(st.Idle))
		counter("socialdesk_db_wait_count_total", "Times a query waited for a free connection.", float64(st.WaitCount))
		counter("socialdesk_db_wait_duration_seconds_total", "Time spent waiting for a free connection.", st.WaitDuration.Seconds())
		counter("socialdesk_db_max_idle_closed_total", "Connections closed for the idle limit.", float64(st.MaxIdleClosed))
		counter("socialdesk_db_max_lifetime_closed_total", "Connections closed for their lifetime.", float64(st.MaxLifetimeClosed))
	}
	if m.extra != nil {
		m.extra(&bufferWriter{buf: &b, h: http.Header{}}, r)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(b.Bytes())
}

// bufferWriter collects another handler's output into the metrics page.
type bufferWriter struct {
	buf *bytes.Buffer
	h   http.Header
}

func (w *bufferWriter) Header() http.Header         { return w.h }
func (w *bufferWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *bufferWriter) WriteHeader(int)             {}
