package enginebench

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/search/searchgen"
	"github.com/socialdesk/socialdesk/internal/shareddata"
)

// TestEngines measures indexing throughput and query latency of the own
// index and of Bleve on the same generated documents and queries in one
// run, then ranking quality on the ticket dev set. It is skipped unless
// SOCIALDESK_BENCH is set:
//
//	cd internal/search/enginebench
//	SOCIALDESK_BENCH=1 go test -run TestEngines -v -timeout 60m
//
// SOCIALDESK_BENCH_N sets the number of documents (default 50,000),
// SOCIALDESK_BENCH_REPEAT the passes over the queries (default 3, best time
// per query kept), SOCIALDESK_BENCH_NOMEMONLY=1 skips Bleve's NewMemOnly
// index (about 1,300 docs/s, too slow for a million documents),
// SOCIALDESK_BENCH_NOSCORCH=1 its on-disk scorch index and
// SOCIALDESK_BENCH_NOFUZZY=1 the fuzzy Bleve queries.
func TestEngines(t *testing.T) {
	if os.Getenv("SOCIALDESK_BENCH") == "" {
		t.Skip("set SOCIALDESK_BENCH=1 to run the engine comparison")
	}
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("SOCIALDESK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	repeat := 3
	if v, err := strconv.Atoi(os.Getenv("SOCIALDESK_BENCH_REPEAT")); err == nil && v > 0 {
		repeat = v
	}
	data := shareddata.Dir(t)
	src, err := searchgen.ReadTickets(filepath.Join(data, "tickets", "dev.csv"))
	if err != nil {
		t.Fatal(err)
	}
	g := searchgen.New(src, search.ShippedSynonyms(), 1)
	gdocs := make([]searchgen.Doc, n)
	docs := make([]search.Doc, n)
	for i := range docs {
		gdocs[i] = g.Doc(i)
		docs[i] = toDoc(gdocs[i])
	}
	gqueries := make([]searchgen.Query, 300)
	queries := make([]search.Query, len(gqueries))
	for i := range queries {
		gqueries[i] = g.Query()
		queries[i] = toQuery(gqueries[i])
	}
	t.Logf("generated %d documents and %d queries (the same as TestLatency's); GOMAXPROCS %d, best of %d passes per query",
		n, len(queries), runtime.GOMAXPROCS(0), repeat)

	type row struct {
		name string
		rate float64
		lat  [3]time.Duration
	}
	var rows []row

	// Own index.
	ix := search.New(search.Options{Known: search.KnownValues{Sites: searchgen.Sites}})
	start := time.Now()
	ix.UpsertMany(docs)
	ownRate := float64(n) / time.Since(start).Seconds()
	for _, q := range queries[:20] {
		ix.Search(q)
	}
	own := searchgen.Percentiles(searchgen.BestOf(repeat, len(queries), func(i int) { ix.Search(queries[i]) }))
	rows = append(rows, row{"own index", ownRate, own})
	t.Logf("own index: %.0f docs/s, p50 %v p95 %v p99 %v", ownRate, own[0], own[1], own[2])

	// Bleve.
	var engines []struct {
		name string
		open func() (bleve.Index, error)
	}
	if os.Getenv("SOCIALDESK_BENCH_NOMEMONLY") == "" {
		engines = append(engines, struct {
			name string
			open func() (bleve.Index, error)
		}{"Bleve NewMemOnly (upsidedown, in memory)", func() (bleve.Index, error) { return bleve.NewMemOnly(bleveMapping()) }})
	}
	if os.Getenv("SOCIALDESK_BENCH_NOSCORCH") == "" {
		engines = append(engines, struct {
			name string
			open func() (bleve.Index, error)
		}{"Bleve scorch (default index, temp dir)", func() (bleve.Index, error) {
			return bleve.New(filepath.Join(t.TempDir(), "bleve"), bleveMapping())
		}})
	}
	for _, e := range engines {
		bx, err := e.open()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := bleveIndex(bx, gdocs); err != nil {
			t.Fatal(err)
		}
		rate := float64(n) / time.Since(start).Seconds()
		t.Logf("%s: indexed %d docs in %.1fs, %.0f docs/s", e.name, n, float64(n)/rate, rate)
		fuzzies := []int{0, 1}
		if os.Getenv("SOCIALDESK_BENCH_NOFUZZY") != "" {
			fuzzies = fuzzies[:1]
		}
		for _, fz := range fuzzies {
			for _, q := range gqueries[:20] {
				bleveSearch(t, bx, q.Text, fz, 10)
			}
			lat := searchgen.Percentiles(searchgen.BestOf(repeat, len(gqueries), func(i int) { bleveSearch(t, bx, gqueries[i].Text, fz, 10) }))
			name := e.name + ", match"
			if fz > 0 {
				name += ", fuzziness 1"
			}
			rows = append(rows, row{name, rate, lat})
			t.Logf("%s: p50 %v p95 %v p99 %v", name, lat[0], lat[1], lat[2])
		}
		bx.Close()
		runtime.GC()
	}

	t.Logf("documents: %d, queries: %d, best of %d passes per query, GOMAXPROCS %d", n, len(queries), repeat, runtime.GOMAXPROCS(0))
	t.Logf("| engine | p50 | p95 | p99 | indexing docs/s | own/engine p50 | p95 | p99 | indexing |")
	for _, r := range rows {
		t.Logf("| %s | %v | %v | %v | %.0f | %.3f | %.3f | %.3f | %.2f |", r.name, r.lat[0], r.lat[1], r.lat[2], r.rate,
			searchgen.Ratio(own[0], r.lat[0]), searchgen.Ratio(own[1], r.lat[1]), searchgen.Ratio(own[2], r.lat[2]), ownRate/r.rate)
	}

	// Quality on the ticket dev set, the protocol of evalTickets in
	// internal/search (searchgen.EvalTickets).
	tks := src
	ox := search.New(search.Options{})
	mx, err := bleve.NewMemOnly(bleveMapping())
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, len(tks))
	tdocs := make([]searchgen.Doc, len(tks))
	for i, tk := range tks {
		id := strconv.Itoa(i + 1)
		ox.Upsert(search.Doc{Type: search.TypeTicket, ID: id, Title: tk.Title, Body: tk.Body})
		texts[i] = tk.Title + " " + tk.Body
		tdocs[i] = searchgen.Doc{ID: id, Title: tk.Title, Body: tk.Body}
	}
	ox.LearnCooccurrence(texts)
	if err := bleveIndex(mx, tdocs); err != nil {
		t.Fatal(err)
	}
	agent := search.Viewer{ID: 1, Agent: true}
	ownQ := searchgen.EvalTickets(tks, func(title string, limit int) []string {
		var ids []string
		for _, it := range ox.Search(search.Query{Text: title, Limit: limit, Viewer: agent, Broaden: true}).Items {
			ids = append(ids, it.ID)
		}
		return ids
	})
	t.Logf("tickets/dev.csv  own ranker (Broaden):       %v", ownQ)
	for _, fz := range []int{0, 1} {
		m := searchgen.EvalTickets(tks, func(title string, limit int) []string { return bleveSearch(t, mx, title, fz, limit) })
		t.Logf("tickets/dev.csv  Bleve match, fuzziness %d: %v", fz, m)
	}
}

// bleveDoc is what Bleve indexes: the two text fields.
type bleveDoc struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// bleveMapping maps title and body as text with the English analyzer
// (possessives, stop words, Porter stemming), no stored fields, no term
// vectors and no _all field.
func bleveMapping() mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title", text())
	dm.AddFieldMappingsAt("body", text())
	m := bleve.NewIndexMapping()
	m.DefaultMapping = dm
	m.DefaultAnalyzer = en.AnalyzerName
	m.StoreDynamic = false
	m.IndexDynamic = false
	return m
}

// bleveIndex adds docs in batches of 1,000.
func bleveIndex(bx bleve.Index, docs []searchgen.Doc) error {
	b := bx.NewBatch()
	for _, d := range docs {
		if err := b.Index(d.ID, bleveDoc{Title: d.Title, Body: d.Body}); err != nil {
			return err
		}
		if b.Size() >= 1000 {
			if err := bx.Batch(b); err != nil {
				return err
			}
			b.Reset()
		}
	}
	if b.Size() > 0 {
		return bx.Batch(b)
	}
	return nil
}

// bleveSearch runs a match query (words OR-ed) over title^3 and body and
// returns the ids of the top limit documents.
func bleveSearch(t testing.TB, bx bleve.Index, text string, fuzziness, limit int) []string {
	title := query.NewMatchQuery(text)
	title.SetField("title")
	title.SetBoost(3)
	body := query.NewMatchQuery(text)
	body.SetField("body")
	if fuzziness > 0 {
		title.SetFuzziness(fuzziness)
		body.SetFuzziness(fuzziness)
	}
	req := bleve.NewSearchRequestOptions(query.NewDisjunctionQuery([]query.Query{title, body}), limit, 0, false)
	res, err := bx.Search(req)
	if err != nil {
		t.Fatalf("bleve %q: %v", text, err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids
}

func toDoc(g searchgen.Doc) search.Doc {
	return search.Doc{
		Type: g.Type, ID: g.ID, Title: g.Title, Body: g.Body,
		Verified: g.Verified, Accepted: g.Accepted, Quarantined: g.Quarantined,
		Helpful: g.Helpful, Unhelpful: g.Unhelpful,
		AuthorID: g.AuthorID, OwnerID: g.OwnerID, UpdatedAt: g.UpdatedAt,
		Applies: search.Applicability{OS: g.OS, Devices: g.Devices, Sites: g.Sites, Roles: g.Roles, ExcludeSites: g.ExcludeSites},
	}
}

func toQuery(g searchgen.Query) search.Query {
	q := search.Query{Text: g.Text, Limit: g.Limit, Viewer: search.Viewer{ID: g.ViewerID, Agent: g.Agent}}
	if g.OS != nil || g.Devices != nil || g.Site != "" {
		q.Context = search.Context{OS: g.OS, Devices: g.Devices, Site: g.Site}
	}
	return q
}
