package search

import (
	"cmp"
	"math"
	"slices"
)

// Pseudo-relevance feedback settings.
const (
	fbDocs   = 5    // top documents read for feedback
	fbTerms  = 8    // terms added to the query
	fbWeight = 0.35 // weight of the best feedback term
)

// feedback returns qts extended with terms that are prominent in the top
// candidates (pseudo-relevance feedback). It helps short queries find
// documents that describe the same problem in other words. It must be
// called with at least a read lock held.
func (ix *Index) feedback(qts []qterm, cands []candidate) []qterm {
	if len(cands) < 2 || len(qts) >= 64 {
		return qts
	}
	have := map[string]bool{}
	for _, qt := range qts {
		have[qt.term] = true
	}
	n := float64(max(ix.live, 1))
	weight := map[string]float64{}
	for _, c := range cands[:min(fbDocs, len(cands))] {
		d := &ix.docs[c.num].doc
		terms := ix.an.terms(d.Title + " " + d.Body)
		if len(terms) == 0 {
			continue
		}
		tf := map[string]int{}
		for _, t := range terms {
			tf[t]++
		}
		for t, k := range tf {
			id, ok := ix.termID[t]
			if !ok || have[t] || isNumeric(t) || len(t) < 3 {
				continue
			}
			df := float64(ix.post[id].live)
			if df < 2 {
				continue
			}
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			weight[t] += float64(k) / float64(len(terms)) * idf
		}
	}
	type tw struct {
		t string
		w float64
	}
	var ws []tw
	for t, w := range weight {
		ws = append(ws, tw{t, w})
	}
	slices.SortFunc(ws, func(a, b tw) int { return cmp.Or(cmp.Compare(b.w, a.w), cmp.Compare(a.t, b.t)) })
	if len(ws) == 0 {
		return qts
	}
	top := ws[0].w
	out := slices.Clone(qts)
	for _, x := range ws[:min(fbTerms, len(ws))] {
		if len(out) >= 64 {
			break
		}
		out = append(out, qterm{term: x.t, id: ix.termID[x.t], weight: fbWeight * x.w / top, kind: 'f'})
	}
	return out
}
