package community

import (
	"context"
	"fmt"
	"time"

	"github.com/socialdesk/socialdesk/internal/desk"
)

// RunEscalation turns questions that have waited too long without an
// answer into tickets in the queue, linked to the question. The wait is
// business time on the SLA calendar. Each question escalates exactly once,
// even with several workers, because it is claimed with a compare-and-set
// before its ticket is opened. It returns how many tickets it opened.
func (s *Service) RunEscalation(ctx context.Context, now time.Time) (int, error) {
	// Business time runs no faster than wall time, so every question due
	// by the calendar was asked at least escalateAfter ago.
	list, err := s.db.UnansweredBefore(ctx, now.Add(-s.escalateAfter), 200)
	if err != nil {
		return 0, err
	}
	cal := s.desk.SLAPolicy().Calendar
	sys := desk.SystemContext(ctx)
	n := 0
	for _, q := range list {
		if cal != nil && cal.Add(q.CreatedAt, s.escalateAfter).After(now) {
			continue
		}
		ok, err := s.db.ClaimEscalation(ctx, q.ID)
		if err != nil {
			return n, err
		}
		if !ok {
			continue
		}
		t, err := s.desk.CreateTicket(sys, desk.NewTicket{Type: "request", Title: "Unanswered question: " + truncate(q.Title, 160),
			Description: fmt.Sprintf("%s\n\nThis community question had no answer within %s. Answer it at /community/questions/%d.", q.Body, s.escalateAfter, q.ID),
			Channel:     "community", RequesterID: q.AuthorID, Service: firstTag(q.Tags), SourceQuestionID: q.ID})
		if err != nil {
			if rerr := s.db.FinishEscalation(ctx, q.ID, 0); rerr != nil {
				s.log.Error("release escalation claim", "question", q.ID, "err", rerr)
			}
			return n, err
		}
		if err := s.db.FinishEscalation(ctx, q.ID, t.ID); err != nil {
			return n, err
		}
		s.desk.Audit(sys, "community.escalate", fmt.Sprintf("question:%d", q.ID), t.Number())
		n++
	}
	return n, nil
}

// Worker runs RunEscalation every interval until ctx ends; give it to
// app.AddWorker.
func (s *Service) Worker(every time.Duration) func(ctx context.Context) {
	if every <= 0 {
		every = time.Minute
	}
	return func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if n, err := s.RunEscalation(ctx, s.desk.Now()); err != nil && ctx.Err() == nil {
				s.log.Error("question escalation failed", "err", err)
			} else if n > 0 {
				s.log.Info("unanswered questions escalated", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func firstTag(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return tags[0]
}
