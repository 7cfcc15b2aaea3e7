package listening

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/classify"
)

// BenchmarkListen measures the per-post work of listening on one core:
// rule matching, the support-request classifier (trained on
// complaints/dev.csv), same-author dedupe and outage clustering, over the
// Spotify stream compressed 60x with three injected outages. It reports
// posts/s.
func BenchmarkListen(b *testing.B) {
	data := sharedDataDir(b)
	f, err := os.Open(filepath.Join(data, "complaints", "dev.csv"))
	if err != nil {
		b.Skipf("complaints/dev.csv not available: %v", err)
	}
	ex, err := classify.ReadCSV(f, "text", "label")
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	model, err := classify.Train(ex, classify.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(b, start)
	end := stream[len(stream)-1].At
	for _, bu := range makeBursts(rand.New(rand.NewPCG(7, 7)), []time.Time{start.Add(time.Hour), start.Add(5 * time.Hour), start.Add(9 * time.Hour)}, 1_000_000) {
		stream = append(stream, bu.reports...)
	}
	sort.SliceStable(stream, func(i, j int) bool { return stream[i].At.Before(stream[j].At) })
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
		if p := model.Predict(r.Text); p.Label == "1" {
			support++
		}
		d.Observe(r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	_ = matched + support
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
