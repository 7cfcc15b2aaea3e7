package channels

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// Health is a snapshot of one connector instance's state.
type Health struct {
	Status    string // "ok", "error", "retrying", "disabled"
	LastError string
	// Received counts messages stored, Duplicates replays, Failed
	// deliveries the pipeline refused; Sent and SendErrors count replies.
	Received, Duplicates, Failed, Sent, SendErrors int64
	LastMessage                                    time.Time
	// Lag is how far behind the outside system the last message was:
	// the time from when it was sent to when it was stored.
	Lag time.Duration
	// PerMinute is the throughput: messages stored per minute over the
	// last five minutes.
	PerMinute float64
}

// health is the live, locked version of Health.
type health struct {
	mu sync.Mutex
	h  Health
	// minutes counts stored messages per minute (Unix minute -> count)
	// for the last five minutes.
	minutes map[int64]int
}

func newHealth() *health { return &health{h: Health{Status: "ok"}, minutes: map[int64]int{}} }

const window = 5 // minutes of throughput history

func (h *health) snapshot() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.h
	now := time.Now().Unix() / 60
	total := 0
	for m, n := range h.minutes {
		if now-m < window {
			total += n
		}
	}
	out.PerMinute = float64(total) / window
	return out
}

func (h *health) setStatus(status, lastErr string) {
	h.mu.Lock()
	h.h.Status = status
	if lastErr != "" || status == "ok" {
		h.h.LastError = lastErr
	}
	h.mu.Unlock()
}

func (h *health) received(msg connector.Inbound, rec connector.Receipt, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	switch {
	case err != nil:
		h.h.Failed++
		h.h.LastError = err.Error()
		return
	case rec.Duplicate:
		h.h.Duplicates++
	default:
		h.h.Received++
		m := now.Unix() / 60
		h.minutes[m]++
		for old := range h.minutes {
			if m-old >= window {
				delete(h.minutes, old)
			}
		}
	}
	h.h.LastMessage = now
	if !msg.SentAt.IsZero() {
		h.h.Lag = max(now.Sub(msg.SentAt), 0)
	}
}

func (h *health) sent(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.h.SendErrors++
		h.h.LastError = err.Error()
		return
	}
	h.h.Sent++
}

// Metrics serves the connector metrics in the Prometheus text exposition
// format (version 0.0.4). It is written by hand rather than with
// client_golang: a handful of counters and gauges per channel do not
// justify a dependency that pulls in protobuf and a global registry, and
// the format is a few lines of text.
func (r *Registry) Metrics(w http.ResponseWriter, req *http.Request) {
	r.mu.RLock()
	names := slices.Sorted(maps.Keys(r.instances))
	type row struct {
		name, kind string
		up         int
		h          Health
	}
	rows := make([]row, 0, len(names))
	for _, n := range names {
		in := r.instances[n]
		h := in.health.snapshot()
		up := 0
		if in.enabled && in.conn != nil && h.Status == "ok" {
			up = 1
		}
		rows = append(rows, row{n, in.kind, up, h})
	}
	r.mu.RUnlock()
	var b strings.Builder
	metric := func(name, typ, help string, value func(row) float64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, x := range rows {
			fmt.Fprintf(&b, "%s{channel=%q,kind=%q} %g\n", name, x.name, x.kind, value(x))
		}
	}
	metric("socialdesk_channel_up", "gauge", "1 when the channel is enabled and healthy.", func(x row) float64 { return float64(x.up) })
	metric("socialdesk_channel_messages_received_total", "counter", "Inbound messages stored.", func(x row) float64 { return float64(x.h.Received) })
	metric("socialdesk_channel_messages_duplicate_total", "counter", "Inbound messages already stored (replays).", func(x row) float64 { return float64(x.h.Duplicates) })
	metric("socialdesk_channel_messages_failed_total", "counter", "Inbound messages that could not be stored.", func(x row) float64 { return float64(x.h.Failed) })
	metric("socialdesk_channel_replies_sent_total", "counter", "Replies sent.", func(x row) float64 { return float64(x.h.Sent) })
	metric("socialdesk_channel_reply_errors_total", "counter", "Reply attempts that failed.", func(x row) float64 { return float64(x.h.SendErrors) })
	metric("socialdesk_channel_messages_per_minute", "gauge", "Messages stored per minute over the last five minutes.", func(x row) float64 { return x.h.PerMinute })
	metric("socialdesk_channel_lag_seconds", "gauge", "Seconds between the last message being sent and stored.", func(x row) float64 { return x.h.Lag.Seconds() })
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}

// Run runs the pollers and streamers of the enabled channels until ctx
// ends, restarting each with exponential backoff when it fails and
// following Reload. A failing connector only ever delays itself.
func (r *Registry) Run(ctx context.Context) {
	running := map[*instance]context.CancelFunc{}
	var wg sync.WaitGroup
	check := time.NewTicker(r.opts.CheckEvery)
	defer check.Stop()
	defer func() {
		for _, cancel := range running {
			cancel()
		}
		wg.Wait()
	}()
	for {
		r.mu.RLock()
		want := map[*instance]bool{}
		for _, in := range r.instances {
			if !in.enabled || in.conn == nil {
				continue
			}
			_, poll := in.conn.(connector.Poller)
			_, stream := in.conn.(connector.Streamer)
			if poll || stream {
				want[in] = true
			}
		}
		r.mu.RUnlock()
		for in, cancel := range running {
			if !want[in] {
				cancel()
				delete(running, in)
			}
		}
		for in := range want {
			if _, ok := running[in]; ok {
				continue
			}
			ictx, cancel := context.WithCancel(ctx)
			running[in] = cancel
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.runInstance(ictx, in)
			}()
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return
			case <-r.reload:
				waiting = false
			case <-check.C:
				if err := r.reloadIfChanged(ctx); err != nil && ctx.Err() == nil {
					r.log.Error("checking channels failed", "err", err)
				}
			}
		}
	}
}

// runInstance polls or streams one instance, backing off after failures.
func (r *Registry) runInstance(ctx context.Context, in *instance) {
	sink := r.countingSink(in)
	fails := 0
	for ctx.Err() == nil {
		var err error
		wait := r.opts.PollEvery
		switch c := in.conn.(type) {
		case connector.Streamer:
			err = c.Stream(ctx, sink)
			wait = r.opts.RetryMin
		case connector.Poller:
			err = c.Poll(ctx, sink)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			fails++
			wait = backoff(r.opts.RetryMin, r.opts.RetryMax, fails)
			in.health.setStatus("retrying", err.Error())
			r.log.Warn("channel failed; retrying", "channel", in.name, "in", wait, "err", err)
		} else {
			fails = 0
			in.health.setStatus("ok", "")
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
