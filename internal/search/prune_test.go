package search

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPruneKeepsWhatCanReachBestK checks prune and kthLargest on random
// candidates: nothing that could still reach the best k is dropped,
// everything dropped could not, and document order is kept.
func TestPruneKeepsWhatCanReachBestK(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var scratch []float64
	for round := range 500 {
		n := 1 + rng.IntN(400)
		k := 1 + rng.IntN(50)
		cands := make([]candidate, n)
		for i := range cands {
			// Few distinct values, so that ties are common.
			cands[i] = candidate{num: uint32(i * 3), score: float64(rng.IntN(20)) / 4}
		}
		sorted := make([]float64, n)
		for i, c := range cands {
			sorted[i] = c.score
		}
		slices.Sort(sorted)
		slices.Reverse(sorted)
		rest := float64(rng.IntN(8)) / 4
		orig := slices.Clone(cands)
		got := prune(cands, rest, k, &scratch)
		if n <= k {
			if len(got) != n {
				t.Fatalf("round %d: %d of %d candidates kept with k=%d", round, len(got), n, k)
			}
			continue
		}
		floor := sorted[k-1]
		if v := kthLargest(slices.Clone(sorted), k); v != floor {
			t.Fatalf("round %d: kthLargest %v, want %v", round, v, floor)
		}
		kept := map[uint32]bool{}
		for i, c := range got {
			kept[c.num] = true
			if i > 0 && got[i-1].num >= c.num {
				t.Fatalf("round %d: document order lost", round)
			}
		}
		for _, c := range orig {
			if can := c.score+rest >= floor; can != kept[c.num] {
				t.Fatalf("round %d: candidate score %v rest %v floor %v kept=%v", round, c.score, rest, floor, kept[c.num])
			}
		}
	}
}

// TestChampionListsAgree checks the champion-list path for queries of
// common words: every result carries its exact score, and the top 10
// mostly agrees with exhaustive scoring.
func TestChampionListsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	vocab := make([]string, 300)
	for i := range vocab {
		vocab[i] = "c" + strconv.Itoa(i) + "x"
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(9, 10)), 1.05, 1, uint64(len(vocab)-1))
	words := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(vocab[zipf.Uint64()])
			b.WriteByte(' ')
		}
		return b.String()
	}
	ix := New(Options{NoShippedSynonyms: true})
	for i := range 30_000 {
		ix.Upsert(Doc{Type: TypeArticle, ID: strconv.Itoa(i), Title: words(2 + rng.IntN(6)), Body: words(5 + rng.IntN(60)),
			Quarantined: i%23 == 0})
	}
	// Replace some documents so that champion lists hold dead entries.
	for i := range 3000 {
		ix.Upsert(Doc{Type: TypeArticle, ID: strconv.Itoa(i * 7), Title: words(3), Body: words(20)})
	}
	old := champThreshold
	t.Cleanup(func() { champThreshold = old })
	var overlap, queries int
	for range 200 {
		q := Query{Text: vocab[rng.IntN(8)] + " " + vocab[rng.IntN(12)], Viewer: Viewer{ID: 1}}
		ix.mu.RLock()
		qts := ix.analyseQuery(q.Text)
		var t1, t2 int
		champThreshold = 1 << 30
		exact := ix.score(qts, q, 200, &t1)
		champThreshold = 1500
		champ := ix.score(qts, q, 200, &t2)
		ix.mu.RUnlock()
		if len(qts) == 0 || len(ix.post[qts[0].id].docs) <= 1500 {
			continue
		}
		queries++
		byDoc := map[uint32]float64{}
		for _, c := range exact {
			byDoc[c.num] = c.score
		}
		if len(champ) != len(exact) {
			t.Fatalf("%q: %d champion results, %d exhaustive", q.Text, len(champ), len(exact))
		}
		for i, c := range champ {
			if ix.flags[c.num]&mQuarantined != 0 || ix.flags[c.num]&mAlive == 0 {
				t.Fatalf("%q: result %d is not visible", q.Text, c.num)
			}
			if s, ok := byDoc[c.num]; ok && s != c.score {
				t.Fatalf("%q: doc %d scored %v, exhaustive %v", q.Text, c.num, c.score, s)
			}
			if i < 10 {
				if _, ok := byDoc[c.num]; ok && slices.IndexFunc(exact[:10], func(e candidate) bool { return e.num == c.num }) >= 0 {
					overlap++
				}
			}
		}
	}
	if queries < 100 {
		t.Fatalf("only %d queries used champion lists", queries)
	}
	agree := float64(overlap) / float64(queries*10)
	t.Logf("top-10 agreement with exhaustive scoring: %.3f over %d queries", agree, queries)
	if agree < 0.9 {
		t.Fatalf("top-10 agreement %.3f is below 0.9", agree)
	}
}

// TestCompactionDropsDeadDocuments replaces documents until the index
// compacts, then checks that nothing dead is left and search still finds
// every live document by its own words.
func TestCompactionDropsDeadDocuments(t *testing.T) {
	old := compactMin
	compactMin = 50
	t.Cleanup(func() { compactMin = old })
	ix := New(Options{NoShippedSynonyms: true})
	for round := range 5 {
		for i := range 60 {
			ix.Upsert(Doc{Type: TypeArticle, ID: strconv.Itoa(i), Title: "printer jam r" + strconv.Itoa(round),
				Body: "unique" + strconv.Itoa(i) + "z body words", Quarantined: i == 7})
		}
	}
	ix.Delete(TypeArticle, "3")
	ix.mu.RLock()
	docs, live := len(ix.docs), ix.live
	postings := 0
	for _, p := range ix.post {
		postings += len(p.docs)
		if int(p.live) != len(p.docs) && len(ix.docs) == ix.live {
			t.Errorf("term has %d postings, %d live, after compaction", len(p.docs), p.live)
		}
	}
	ix.mu.RUnlock()
	if live != 59 || docs > 2*live {
		t.Fatalf("index holds %d documents for %d live: not compacted", docs, live)
	}
	for i := range 60 {
		res := ix.Search(Query{Text: "unique" + strconv.Itoa(i) + "z", Viewer: Viewer{Reviewer: true}})
		if i == 3 {
			if slices.ContainsFunc(res.Items, func(r Result) bool { return r.ID == "3" }) {
				t.Fatalf("deleted document found after compaction: %+v", res.Items)
			}
			continue
		}
		if len(res.Items) == 0 || res.Items[0].ID != strconv.Itoa(i) || res.Items[0].Title != "printer jam r4" {
			t.Fatalf("search for document %d after compaction: %+v", i, res.Items)
		}
	}
	if res := ix.Search(Query{Text: "unique7z", Viewer: Viewer{}}); len(res.Items) != 0 {
		t.Fatalf("quarantined document visible after compaction: %+v", res.Items)
	}
	if res := ix.Search(Query{Text: "printer r4", Viewer: Viewer{}, Limit: 100}); len(res.Items) != 58 {
		t.Fatalf("%d documents of the last round found, want 58", len(res.Items))
	}
}
