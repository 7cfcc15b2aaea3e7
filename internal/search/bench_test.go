package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLatency measures indexing throughput and query latency of the index
// against SQLite FTS5 on the same generated documents in the same run.
// It is skipped unless SOCIALDESK_BENCH is set (50,000 documents) or
// SOCIALDESK_BENCH_1M is set (1,000,000 documents):
//
//	SOCIALDESK_BENCH=1 go test ./internal/search -run TestLatency -v -timeout 60m
//	SOCIALDESK_BENCH_1M=1 go test ./internal/search -run TestLatency -v -timeout 60m
//
// SOCIALDESK_BENCH_N sets another size, SOCIALDESK_BENCH_REPEAT the number
// of passes over the queries (default 3, best time per query kept) and
// SOCIALDESK_BENCH_NOFTS=1 skips the FTS5 side.
func TestLatency(t *testing.T) {
	n := 0
	switch {
	case os.Getenv("SOCIALDESK_BENCH_1M") != "":
		n = 1_000_000
	case os.Getenv("SOCIALDESK_BENCH") != "":
		n = 50_000
	default:
		t.Skip("set SOCIALDESK_BENCH=1 (50k docs) or SOCIALDESK_BENCH_1M=1 (1M docs) to run the latency benchmark")
	}
	if v, err := strconv.Atoi(os.Getenv("SOCIALDESK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	repeat := 3
	if v, err := strconv.Atoi(os.Getenv("SOCIALDESK_BENCH_REPEAT")); err == nil && v > 0 {
		repeat = v
	}
	data := sharedData(t)
	src := readTickets(t, filepath.Join(data, "tickets", "dev.csv"))
	g := newGenerator(src, 1)
	docs := make([]Doc, n)
	for i := range docs {
		docs[i] = g.doc(i)
	}
	queries := make([]Query, 300)
	for i := range queries {
		queries[i] = g.query()
	}
	t.Logf("generated %d documents and %d queries", n, len(queries))

	// Own index.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	ix := New(Options{Known: evalSites})
	start := time.Now()
	ix.UpsertMany(docs)
	ownIndex := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	for _, q := range queries[:20] { // warm up caches and pools
		ix.Search(q)
	}
	// Each query set runs `repeat` times and every query keeps its best
	// time, which filters out pauses caused by other processes on the
	// shared machine; the same is done for FTS5.
	ownLat := bestOf(repeat, len(queries), func(i int) { ix.Search(queries[i]) })
	broadLat := bestOf(repeat, 100, func(i int) {
		q := queries[i]
		q.Broaden = true
		ix.Search(q)
	})
	hits := 0
	for _, q := range queries {
		if len(ix.Search(q).Items) > 0 {
			hits++
		}
	}

	op, bp := pcts(ownLat), pcts(broadLat)
	t.Logf("own index: p50 %v p95 %v p99 %v; Broaden p50 %v p95 %v p99 %v", op[0], op[1], op[2], bp[0], bp[1], bp[2])

	// The same queries scored exhaustively (no champion lists), and how
	// often the top 10 differs.
	withChamp := make([][]string, len(queries))
	for i, q := range queries {
		for _, it := range ix.Search(q).Items {
			withChamp[i] = append(withChamp[i], it.Type+it.ID)
		}
	}
	oldThreshold := champThreshold
	champThreshold = math.MaxInt
	exLat := bestOf(repeat, len(queries), func(i int) { ix.Search(queries[i]) })
	same, total, changed := 0, 0, 0
	for i, q := range queries {
		var ex []string
		for _, it := range ix.Search(q).Items {
			ex = append(ex, it.Type+it.ID)
		}
		total += len(ex)
		for _, id := range ex {
			if slices.Contains(withChamp[i], id) {
				same++
			}
		}
		if !slices.Equal(ex, withChamp[i]) {
			changed++
		}
	}
	champThreshold = oldThreshold
	ep := pcts(exLat)
	t.Logf("exhaustive scoring (no champion lists): p50 %v p95 %v p99 %v; ratio with/without p50 %.2f p95 %.2f p99 %.2f",
		ep[0], ep[1], ep[2], ratio(op[0], ep[0]), ratio(op[1], ep[1]), ratio(op[2], ep[2]))
	t.Logf("top-10 agreement with exhaustive scoring: %.3f of results; %d of %d queries differ at all", float64(same)/float64(max(total, 1)), changed, len(queries))
	if os.Getenv("SOCIALDESK_BENCH_NOFTS") != "" {
		return
	}

	// SQLite FTS5 on the same documents.
	f := newFTS(t)
	start = time.Now()
	for i, d := range docs {
		f.add(t, i+1, d.Title, d.Body)
	}
	f.done(t)
	ftsIndex := time.Since(start)
	ftsLat := bestOf(repeat, len(queries), func(i int) { f.search(t, queries[i].Text, 10) })

	heap := float64(m1.HeapAlloc-min(m0.HeapAlloc, m1.HeapAlloc)) / (1 << 20)
	ownRate := float64(n) / ownIndex.Seconds()
	ftsRate := float64(n) / ftsIndex.Seconds()
	t.Logf("documents: %d, queries: %d (%d with results), best of %d runs per query, GOMAXPROCS %d", n, len(queries), hits, repeat, runtime.GOMAXPROCS(0))
	t.Logf("index heap after GC: %.0f MiB (documents' text included)", heap)
	t.Logf("indexing: own (UpsertMany) %.0f docs/s (%.1fs), FTS5 %.0f docs/s (%.1fs), ratio own/FTS5 %.2f",
		ownRate, ownIndex.Seconds(), ftsRate, ftsIndex.Seconds(), ownRate/ftsRate)
	fp := pcts(ftsLat)
	t.Logf("| query latency | p50 | p95 | p99 |")
	t.Logf("| own index | %v | %v | %v |", op[0], op[1], op[2])
	t.Logf("| own index, Broaden | %v | %v | %v |", bp[0], bp[1], bp[2])
	t.Logf("| SQLite FTS5 bm25 | %v | %v | %v |", fp[0], fp[1], fp[2])
	t.Logf("| ratio own/FTS5 | %.2f | %.2f | %.2f |", ratio(op[0], fp[0]), ratio(op[1], fp[1]), ratio(op[2], fp[2]))
	if n >= 1_000_000 && op[1] > 10*time.Millisecond {
		t.Logf("p95 %v is above the 10 ms target", op[1])
	}
}

// bestOf runs fn(i) for i in [0, n) repeat times and returns, per i, the
// shortest time.
func bestOf(repeat, n int, fn func(i int)) []time.Duration {
	best := make([]time.Duration, n)
	for r := range repeat {
		for i := range n {
			s := time.Now()
			fn(i)
			if d := time.Since(s); r == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	return best
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// pcts returns p50, p95 and p99 of ds.
func pcts(ds []time.Duration) [3]time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return [3]time.Duration{at(0.50), at(0.95), at(0.99)}
}

// generator makes realistic IT documents and queries from real tickets by
// mixing titles and bodies, injecting synonyms and typos and adding random
// applicability and context.
type generator struct {
	rng   *rand.Rand
	src   []ticket
	syn   [][]string
	bySyn map[string][]string
}

func newGenerator(src []ticket, seed uint64) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 99)), src: src, bySyn: map[string][]string{}}
	for _, grp := range parseSynonyms(shippedSynonyms) {
		for _, m := range grp {
			if !strings.Contains(m, " ") {
				g.bySyn[m] = grp
			}
		}
	}
	return g
}

var (
	genTypes = []string{TypeQuestion, TypeAnswer, TypeArticle, TypeTicket, TypeTicket, TypeStatus}
	genOS    = []string{"windows", "macos", "ios", "ipados", "android", "linux"}
	genDev   = []string{"phone", "tablet", "laptop", "desktop"}
	genSites = []string{"lyon", "berlin", "london", "madrid"}
	genRoles = []string{"visitor", "contractor", "employee"}
)

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// vary returns the words of s with synonyms swapped in and typos added.
func (g *generator) vary(words []string, typoRate float64) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		if grp, ok := g.bySyn[w]; ok && g.rng.IntN(3) == 0 {
			w = g.pick(grp)
		}
		if len(w) > 4 && g.rng.Float64() < typoRate {
			b := []byte(w)
			i := 1 + g.rng.IntN(len(b)-2)
			switch g.rng.IntN(3) {
			case 0:
				b = append(b[:i], b[i+1:]...)
			case 1:
				b[i], b[i+1] = b[i+1], b[i]
			default:
				b[i] = byte('a' + g.rng.IntN(26))
			}
			w = string(b)
		}
		out = append(out, w)
	}
	return out
}

func (g *generator) doc(i int) Doc {
	a, b := g.src[g.rng.IntN(len(g.src))], g.src[g.rng.IntN(len(g.src))]
	tw := strings.Fields(a.title)
	if bw := strings.Fields(b.title); len(bw) > 0 && g.rng.IntN(2) == 0 {
		tw = append(tw, bw[g.rng.IntN(len(bw))])
	}
	body := strings.Fields(a.body)
	if bb := strings.Fields(b.body); len(bb) > 8 {
		k := g.rng.IntN(len(bb) - 4)
		body = append(body, bb[k:min(len(bb), k+20)]...)
	}
	if len(body) > 120 {
		body = body[:120]
	}
	d := Doc{
		Type:      genTypes[g.rng.IntN(len(genTypes))],
		ID:        strconv.Itoa(i),
		Title:     strings.Join(g.vary(tw, 0.03), " "),
		Body:      strings.Join(g.vary(body, 0.03), " "),
		Verified:  g.rng.IntN(10) == 0,
		Accepted:  g.rng.IntN(8) == 0,
		Helpful:   g.rng.IntN(5),
		Unhelpful: g.rng.IntN(2),
		AuthorID:  int64(g.rng.IntN(5000)),
		OwnerID:   int64(g.rng.IntN(5000)),
		UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.rng.IntN(8000)) * time.Hour),
	}
	d.Quarantined = g.rng.IntN(100) == 0
	if g.rng.IntN(3) == 0 {
		d.Applies.OS = []string{g.pick(genOS)}
	}
	if g.rng.IntN(5) == 0 {
		d.Applies.Devices = []string{g.pick(genDev)}
	}
	if g.rng.IntN(6) == 0 {
		d.Applies.Sites = []string{g.pick(genSites)}
	}
	if g.rng.IntN(20) == 0 {
		d.Applies.ExcludeSites = []string{g.pick(genSites)}
	}
	if g.rng.IntN(10) == 0 {
		d.Applies.Roles = []string{g.pick(genRoles)}
	}
	return d
}

func (g *generator) query() Query {
	tk := g.src[g.rng.IntN(len(g.src))]
	words := g.vary(strings.Fields(tk.title), 0.1)
	if len(words) > 8 {
		words = words[:8]
	}
	text := strings.Join(words, " ")
	switch g.rng.IntN(4) {
	case 0:
		text += " on my " + g.pick([]string{"iphone", "laptop", "android phone", "ipad"})
	case 1:
		text += " at the " + g.pick(genSites) + " office"
	}
	q := Query{Text: text, Limit: 10, Viewer: Viewer{ID: int64(g.rng.IntN(5000)), Agent: g.rng.IntN(4) == 0}}
	if g.rng.IntN(2) == 0 {
		q.Context = Context{OS: []string{g.pick(genOS)}, Devices: []string{g.pick(genDev)}, Site: g.pick(genSites)}
	}
	return q
}

func (g *generator) String() string { return fmt.Sprintf("generator(%d tickets)", len(g.src)) }
