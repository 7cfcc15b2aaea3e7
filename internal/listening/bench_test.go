package listening

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// BenchmarkListen measures the per-post work of listening on one core:
// rule matching, the support-request classifier (trained on
// complaints/dev.csv), same-author dedupe and outage clustering, over the
// Spotify stream compressed 60x with three injected outages. It reports
// posts/s.
func BenchmarkListen(b *testing.B) {
	sup, _ := benchModels(b, false)
	benchListen(b, sup, nil)
}

// BenchmarkListenSuggest is BenchmarkListen with the four suggestion
// models (category, service, impact, urgency; trained on tickets/dev.csv)
// run for every post the support model calls a support request, as
// Observe does for a support request that opened a ticket: the cost
// when every support request does.
func BenchmarkListenSuggest(b *testing.B) {
	sup, suggest := benchModels(b, true)
	benchListen(b, sup, suggest)
}

// benchModels trains the support model on complaints/dev.csv and, with
// suggestions, the four suggestion models on tickets/dev.csv.
func benchModels(b *testing.B, suggestions bool) (*classify.Model, map[string]*classify.Model) {
	data := sharedDataDir(b)
	read := func(file, text, label string) []classify.Example {
		f, err := os.Open(filepath.Join(data, file))
		if err != nil {
			b.Skipf("%s not available: %v", file, err)
		}
		defer f.Close()
		ex, err := classify.ReadCSV(f, text, label)
		if err != nil {
			b.Fatal(err)
		}
		return ex
	}
	sup, err := classify.Train(read("complaints/dev.csv", "text", "label"), classify.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	if !suggestions {
		return sup, nil
	}
	suggest := map[string]*classify.Model{}
	for kind, col := range map[string]string{ModelCategory: "category", ModelService: "business_service", ModelImpact: "impact", ModelUrgency: "urgency"} {
		if suggest[kind], err = classify.Train(read("tickets/dev.csv", "title+body", col), classify.TicketOptions()); err != nil {
			b.Fatal(err)
		}
	}
	return sup, suggest
}

func benchListen(b *testing.B, sup *classify.Model, suggest map[string]*classify.Model) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(b, start)
	end := stream[len(stream)-1].At
	stream = withBursts(stream, makeBursts(rand.New(rand.NewPCG(7, 7)), []time.Time{start.Add(time.Hour), start.Add(5 * time.Hour), start.Add(9 * time.Hour)}, 1_000_000))
	matcher := NewMatcher([]Rule{{ID: 1, Kind: KindKeyword, Value: "vpn"}, {ID: 2, Kind: KindPhrase, Value: "not working"},
		{ID: 3, Kind: KindHandle, Value: "SpotifyCares"}, {ID: 4, Kind: KindService, Value: "Outlook"}, {ID: 5, Kind: KindHashtag, Value: "outage"}})
	d := NewDetector(DetectorOptions{})
	span := end.Sub(start) + time.Hour
	b.ReportAllocs()
	b.ResetTimer()
	matched, support := 0, 0
	for i := 0; i < b.N; i++ {
		r := stream[i%len(stream)]
		r.At = r.At.Add(time.Duration(i/len(stream)) * span)
		if len(matcher.Match(r.Channel, r.Text, nil)) > 0 {
			matched++
		}
		if c, _ := classifyWith(sup, 0.5, r.Text); c.SupportRequest {
			c.suggestFrom(suggest, r.Text)
			support++
		}
		d.Observe(r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(support)/float64(b.N), "support-share")
	_ = matched
}

// BenchmarkDetect measures rule matching, dedupe and clustering alone
// (no classifier) on the same stream.
func BenchmarkDetect(b *testing.B) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(b, start)
	span := stream[len(stream)-1].At.Sub(start) + time.Hour
	matcher := NewMatcher([]Rule{{ID: 1, Kind: KindKeyword, Value: "vpn"}, {ID: 2, Kind: KindPhrase, Value: "not working"}})
	d := NewDetector(DetectorOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := stream[i%len(stream)]
		r.At = r.At.Add(time.Duration(i/len(stream)) * span)
		matcher.Match(r.Channel, r.Text, nil)
		d.Observe(r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkDetectDense is BenchmarkDetect with the stream's posts 5 ms
// apart (200 posts/s, 120,000 in a 10-minute window, more than MaxPosts):
// the clusters of everyday chatter grow large, which a post's cost must
// not grow with.
func BenchmarkDetectDense(b *testing.B) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(b, start)
	d := NewDetector(DetectorOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := stream[i%len(stream)]
		r.At = start.Add(time.Duration(i) * 5 * time.Millisecond)
		d.Observe(r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkObserve measures Service.Observe on a single node with its
// SQLite store: redaction, rule matching, the listening feed write and
// outage detection, for posts that match no rule (the common case), over
// the Spotify stream at its own pace compressed 60 times ("stream") and
// with posts 5 ms apart ("dense").
func BenchmarkObserve(b *testing.B) {
	for _, bc := range []struct {
		name  string
		every time.Duration
	}{{"stream", 0}, {"dense", 5 * time.Millisecond}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, "", b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			d, err := desk.New(ctx, db, desk.Options{})
			if err != nil {
				b.Fatal(err)
			}
			s, err := New(ctx, Options{Desk: d})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now().Add(-time.Hour)
			stream := loadBackground(b, start)
			span := stream[len(stream)-1].At.Sub(start) + time.Hour
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := stream[i%len(stream)]
				at := r.At.Add(time.Duration(i/len(stream)) * span)
				if bc.every > 0 {
					at = start.Add(time.Duration(i) * bc.every)
				}
				s.Observe(ctx, connector.Inbound{Channel: r.Channel, ExternalID: fmt.Sprint(i), Author: connector.Author{ID: r.Author}, Text: r.Text, SentAt: at},
					connector.Receipt{})
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

// BenchmarkClassifyPost measures the classification step of Observe on the
// Spotify stream: the support model alone ("support"), and with the four
// suggestion models that run for the posts it calls support requests
// ("suggestions": category, service, impact and urgency, trained on
// tickets/dev.csv). It reports posts/s; the ratio of the two is the cost
// of the suggestions.
func BenchmarkClassifyPost(b *testing.B) {
	sup, suggest := benchModels(b, true)
	stream := loadBackground(b, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	for _, bc := range []struct {
		name    string
		suggest map[string]*classify.Model
	}{{"support", nil}, {"suggestions", suggest}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			support := 0
			for i := 0; b.Loop(); i++ {
				text := stream[i%len(stream)].Text
				c, _ := classifyWith(sup, 0.6, text)
				if c.SupportRequest {
					c.suggestFrom(bc.suggest, text)
					support++
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
			b.ReportMetric(float64(support)/float64(b.N), "support-share")
		})
	}
}
