package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/socialdesk/socialdesk"
)

// events streams ticket changes as server-sent events. Staff get every
// change; other people only changes to their own tickets, without internal
// notes. Pages use each event as a hint to reload the part that changed.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	me := socialdesk.UserFromContext(r.Context())
	staff := me.Role.IsStaff()
	ch, cancel := s.desk.Broker().Subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	fmt.Fprint(w, "retry: 3000\n\n")
	flusher.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			flusher.Flush()
		case c, ok := <-ch:
			if !ok {
				return
			}
			if !staff && (c.RequesterID != me.ID || c.Internal) {
				continue
			}
			b, _ := json.Marshal(c)
			fmt.Fprintf(w, "event: ticket\ndata: %s\n\n", b)
			flusher.Flush()
		}
	}
}
