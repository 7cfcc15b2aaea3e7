package search

import (
	"cmp"
	"math"
	"slices"
)

// Limits for learned expansions.
const (
	coocMinPair  = 3   // pair must occur together in at least this many texts
	coocMinNPMI  = 0.4 // normalised PMI threshold
	coocPerTerm  = 3   // expansions kept per term
	coocMaxTerms = 60  // distinct terms considered per text
)

// LearnCooccurrence mines pairs of terms that occur together unusually
// often in texts, typically the organisation's resolved tickets, and
// uses them as weak query expansions: a query for one term also gives a
// little credit to documents with the other. Association is measured with
// normalised pointwise mutual information; each term keeps at most three
// partners and their weight is capped well below a synonym's. Calling it
// again replaces what was learned before.
func (ix *Index) LearnCooccurrence(texts []string) {
	df := map[string]int{}
	pairs := map[[2]string]int{}
	for _, text := range texts {
		seen := map[string]bool{}
		var ts []string
		for _, t := range ix.an.terms(text) {
			if !seen[t] && !isNumeric(t) && len(t) > 2 {
				seen[t] = true
				ts = append(ts, t)
				if len(ts) == coocMaxTerms {
					break
				}
			}
		}
		slices.Sort(ts)
		for i, a := range ts {
			df[a]++
			for _, b := range ts[i+1:] {
				pairs[[2]string{a, b}]++
			}
		}
	}
	n := float64(len(texts))
	learned := map[string][]expansion{}
	for p, c := range pairs {
		if c < coocMinPair {
			continue
		}
		pab := float64(c) / n
		pa, pb := float64(df[p[0]])/n, float64(df[p[1]])/n
		if pab >= 1 {
			continue
		}
		npmi := math.Log(pab/(pa*pb)) / -math.Log(pab)
		if npmi < coocMinNPMI {
			continue
		}
		w := wLearned * npmi
		learned[p[0]] = append(learned[p[0]], expansion{p[1], w})
		learned[p[1]] = append(learned[p[1]], expansion{p[0], w})
	}
	for t, es := range learned {
		slices.SortFunc(es, func(a, b expansion) int {
			return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(a.term, b.term))
		})
		if len(es) > coocPerTerm {
			learned[t] = es[:coocPerTerm]
		}
	}
	ix.mu.Lock()
	ix.cooc = learned
	ix.mu.Unlock()
}
