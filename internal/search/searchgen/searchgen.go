// Package searchgen makes the documents and queries that the search
// benchmarks run on, reads the shared ticket data and scores ranked lists.
// It is used by the latency test of internal/search and by the engine
// comparison in internal/search/enginebench. It does not import
// internal/search (the tests of that package import it), so documents and
// queries are plain structs that the callers convert.
package searchgen

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Ticket is one row of tickets/*.csv in the shared data.
type Ticket struct {
	Title, Body, Sub2 string // Sub2 is the sub_category2 label
}

// ReadTickets reads a tickets/*.csv file.
func ReadTickets(path string) ([]Ticket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var out []Ticket
	for _, r := range rows[1:] {
		out = append(out, Ticket{r[col["title"]], r[col["body"]], r[col["sub_category2"]]})
	}
	return out, nil
}

// Doc is a generated document; the fields mirror search.Doc.
type Doc struct {
	Type, ID, Title, Body     string
	Verified, Accepted        bool
	Quarantined               bool
	Helpful, Unhelpful        int
	AuthorID, OwnerID         int64
	UpdatedAt                 time.Time
	OS, Devices, Sites, Roles []string // applicability
	ExcludeSites              []string
}

// Query is a generated query; the fields mirror search.Query.
type Query struct {
	Text     string
	Limit    int
	ViewerID int64
	Agent    bool
	// Context, empty for half of the queries.
	OS, Devices []string
	Site        string
}

// Generator makes realistic IT documents and queries from real tickets by
// mixing titles and bodies, injecting synonyms and typos and adding random
// applicability and context. The same tickets, synonyms and seed give the
// same sequence.
type Generator struct {
	rng   *rand.Rand
	src   []Ticket
	bySyn map[string][]string
}

// New returns a generator over src. synonyms are groups of interchangeable
// words (search's shipped list); only single-word members are swapped.
func New(src []Ticket, synonyms [][]string, seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, 99)), src: src, bySyn: map[string][]string{}}
	for _, grp := range synonyms {
		for _, m := range grp {
			if !strings.Contains(m, " ") {
				g.bySyn[m] = grp
			}
		}
	}
	return g
}

// The document types, in the values of search.Type*; tickets twice.
var (
	genTypes = []string{"question", "answer", "article", "ticket", "ticket", "status"}
	genOS    = []string{"windows", "macos", "ios", "ipados", "android", "linux"}
	genDev   = []string{"phone", "tablet", "laptop", "desktop"}
	genSites = []string{"lyon", "berlin", "london", "madrid"}
	genRoles = []string{"visitor", "contractor", "employee"}
)

// Sites are the site names the generator uses, for search.KnownValues.
var Sites = []string{"Lyon", "Berlin", "London", "Madrid"}

func (g *Generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// vary returns the words of s with synonyms swapped in and typos added.
func (g *Generator) vary(words []string, typoRate float64) []string {
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

// Doc returns a new document with id i.
func (g *Generator) Doc(i int) Doc {
	a, b := g.src[g.rng.IntN(len(g.src))], g.src[g.rng.IntN(len(g.src))]
	tw := strings.Fields(a.Title)
	if bw := strings.Fields(b.Title); len(bw) > 0 && g.rng.IntN(2) == 0 {
		tw = append(tw, bw[g.rng.IntN(len(bw))])
	}
	body := strings.Fields(a.Body)
	if bb := strings.Fields(b.Body); len(bb) > 8 {
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
		d.OS = []string{g.pick(genOS)}
	}
	if g.rng.IntN(5) == 0 {
		d.Devices = []string{g.pick(genDev)}
	}
	if g.rng.IntN(6) == 0 {
		d.Sites = []string{g.pick(genSites)}
	}
	if g.rng.IntN(20) == 0 {
		d.ExcludeSites = []string{g.pick(genSites)}
	}
	if g.rng.IntN(10) == 0 {
		d.Roles = []string{g.pick(genRoles)}
	}
	return d
}

// Query returns a new query: a ticket title with synonyms and typos, some
// with a device or site phrase, half with a context; limit 10.
func (g *Generator) Query() Query {
	tk := g.src[g.rng.IntN(len(g.src))]
	words := g.vary(strings.Fields(tk.Title), 0.1)
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
	q := Query{Text: text, Limit: 10, ViewerID: int64(g.rng.IntN(5000)), Agent: g.rng.IntN(4) == 0}
	if g.rng.IntN(2) == 0 {
		q.OS, q.Devices, q.Site = []string{g.pick(genOS)}, []string{g.pick(genDev)}, g.pick(genSites)
	}
	return q
}

func (g *Generator) String() string { return fmt.Sprintf("generator(%d tickets)", len(g.src)) }

// Metrics accumulates MRR, P@1 and nDCG@10 over queries with binary
// relevance.
type Metrics struct {
	n             int
	mrr, p1, ndcg float64
}

// Add scores one ranked list against the set of relevant ids, of which
// there are nRel in total.
func (m *Metrics) Add(ranked []string, rel map[string]bool, nRel int) {
	m.n++
	for i, id := range ranked {
		if rel[id] {
			m.mrr += 1 / float64(i+1)
			if i == 0 {
				m.p1++
			}
			break
		}
	}
	var dcg, idcg float64
	for i := 0; i < len(ranked) && i < 10; i++ {
		if rel[ranked[i]] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := 0; i < nRel && i < 10; i++ {
		idcg += 1 / math.Log2(float64(i+2))
	}
	if idcg > 0 {
		m.ndcg += dcg / idcg
	}
}

// MRR returns the mean reciprocal rank so far.
func (m Metrics) MRR() float64 { return m.mrr / float64(max(m.n, 1)) }

func (m Metrics) String() string {
	d := float64(max(m.n, 1))
	return fmt.Sprintf("MRR %.3f  P@1 %.3f  nDCG@10 %.3f  (n=%d)", m.mrr/d, m.p1/d, m.ndcg/d, m.n)
}

// EvalTickets scores a ranker on tickets as related-ticket retrieval:
// tickets with the same sub_category2 are related, and each of up to 300
// tickets sampled with a fixed seed gives its title as a query against all
// the others. rank returns ticket ids best first, where the id of tks[i]
// is strconv.Itoa(i+1); it is asked for limit results (101, so that 100
// remain once the query's own ticket is dropped).
func EvalTickets(tks []Ticket, rank func(title string, limit int) []string) Metrics {
	bySub := map[string]int{}
	for _, tk := range tks {
		bySub[tk.Sub2]++
	}
	var m Metrics
	rng := rand.New(rand.NewPCG(42, 7))
	for _, qi := range rng.Perm(len(tks))[:min(300, len(tks))] {
		q := tks[qi]
		nRel := bySub[q.Sub2] - 1
		if nRel == 0 || strings.TrimSpace(q.Title) == "" {
			continue
		}
		self := strconv.Itoa(qi + 1)
		var ranked []string
		rel := map[string]bool{}
		for _, id := range rank(q.Title, 101) {
			if id == self {
				continue
			}
			ranked = append(ranked, id)
			if n, err := strconv.Atoi(id); err == nil && n >= 1 && n <= len(tks) && tks[n-1].Sub2 == q.Sub2 {
				rel[id] = true
			}
		}
		m.Add(ranked, rel, nRel)
	}
	return m
}

// BestOf runs fn(i) for i in [0, n) repeat times and returns, per i, the
// shortest time, which filters out pauses caused by other processes.
func BestOf(repeat, n int, fn func(i int)) []time.Duration {
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

// Ratio is a / b.
func Ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// Percentiles returns p50, p95 and p99 of ds, rounded to 10 µs.
func Percentiles(ds []time.Duration) [3]time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return [3]time.Duration{at(0.50), at(0.95), at(0.99)}
}
