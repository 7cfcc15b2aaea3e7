package insight

import (
	"context"

	"github.com/socialdesk/socialdesk/internal/store"
)

// countingStore counts the ticket reads that pass through it.
type countingStore struct {
	db    insightStore
	reads int
}

func (c *countingStore) InsightTickets(ctx context.Context, f store.InsightFilter) ([]store.InsightTicket, error) {
	c.reads++
	return c.db.InsightTickets(ctx, f)
}

// OverviewTicketReads builds the overview's reports for f and returns how
// many reports it built and how many times it read the tickets.
func OverviewTicketReads(s *Service, ctx context.Context, f Filter) (reports, reads int, err error) {
	c := &countingStore{db: s.db}
	reps, err := s.overview(ctx, newInput(c, f))
	return len(reps), c.reads, err
}
