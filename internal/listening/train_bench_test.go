package listening_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
	"github.com/socialdesk/socialdesk/internal/shareddata"
)

// BenchmarkTrainFromTickets measures "Train from this desk's tickets" for
// the service model: reading the newest resolved tickets from SQLite and
// training on them, with tickets/dev.csv stored five times over (about
// 19,000 resolved tickets, just under TicketTrainingLimit). The baseline,
// "memory", trains on the same examples already in memory, so the ratio
// is the cost of reading them from the database. Both report tickets/s.
func BenchmarkTrainFromTickets(b *testing.B) {
	f, err := os.Open(filepath.Join(shareddata.Dir(b), "tickets", "dev.csv"))
	if err != nil {
		b.Skipf("tickets/dev.csv not available: %v", err)
	}
	defer f.Close()
	rows, err := classify.ReadCSV(f, "title+body", "business_service")
	if err != nil {
		b.Fatal(err)
	}
	e := apptest.New(b)
	ctx := b.Context()
	now := time.Now().UTC()
	var examples []classify.Example
	for range 5 {
		for _, r := range rows {
			tk := &socialdesk.Ticket{Type: socialdesk.Incident, Title: r.Text, State: socialdesk.StateResolved, Impact: socialdesk.Medium, Urgency: socialdesk.Medium,
				Priority: 3, Service: r.Label, Channel: "portal", CreatedAt: now, UpdatedAt: now}
			if err := e.App.DB.CreateTicket(ctx, tk, nil, nil); err != nil {
				b.Fatal(err)
			}
			examples = append(examples, r)
		}
	}
	b.Run("memory", func(b *testing.B) {
		for b.Loop() {
			if _, err := classify.Train(examples, classify.TicketOptions()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(examples)*b.N)/b.Elapsed().Seconds(), "tickets/s")
	})
	b.Run("tickets", func(b *testing.B) {
		sys := desk.SystemContext(ctx)
		for b.Loop() {
			if _, n, err := e.App.Listening.TrainFromTickets(sys, listening.ModelService); err != nil || n != len(examples) {
				b.Fatalf("trained from %d tickets, %v; want %d", n, err, len(examples))
			}
		}
		b.ReportMetric(float64(len(examples)*b.N)/b.Elapsed().Seconds(), "tickets/s")
	})
}
