package search

import (
	"math"
)

// Champion lists (Manning, Raghavan and Schütze, Introduction to
// Information Retrieval, section 7.1.3). A query made only of common words
// ("access", "new purchase po") matches a large share of a big index, and
// scoring every match is what makes such queries slow. Each term with at
// least champSize postings therefore keeps the champSize documents where
// it weighs most. When even the rarest term of a query is in more than
// champThreshold documents, only the union of the terms' champion lists
// is scored, each candidate exactly against every term. The best k can
// then miss a document that is in no champion list, which needs it to be
// outweighed in every one of its terms by champSize others; TestLatency
// reports how often the top 10 differs from exhaustive scoring.

const champSize = 2000

// champThreshold is the document frequency of a query's rarest term above
// which the query is answered from champion lists. Tests lower it.
var champThreshold = 20_000

// champion is one entry of a champion list: a document and the term's
// weight in it (its BM25F pseudo term frequency, before saturation, with
// the average field lengths at the time it was added). Boosts are left
// out on purpose: exhaustive scoring also picks the candidates it
// re-ranks by text score alone, and weighting champions by the verified
// and helpful boosts made the two agree less (0.905 against 0.939 of the
// top 10 in TestLatency).
type champion struct {
	doc uint32
	imp float32
}

// avgLens returns the average length of each field over live documents.
func (ix *Index) avgLens() [numFields]float64 {
	var avg [numFields]float64
	n := float64(max(ix.live, 1))
	for f := range numFields {
		avg[f] = math.Max(float64(ix.lenSum[f])/n, 1)
	}
	return avg
}

// impact is the BM25F pseudo term frequency of a term that occurs c times
// in the fields of a document with field lengths l.
func impact(c, l [numFields]uint16, avg [numFields]float64) float32 {
	weight := [numFields]float64{weightTitle, weightTags, weightBody}
	b := [numFields]float64{bTitle, bTags, bBody}
	var tf float64
	for f := range numFields {
		if c[f] != 0 {
			tf += weight[f] * float64(c[f]) / (1 - b[f] + b[f]*float64(l[f])/avg[f])
		}
	}
	return float32(tf)
}

// updateChampions records that document num, with term counts c, was just
// appended to p. The list is built from all postings when p reaches
// champSize postings and kept up to date after that.
func (ix *Index) updateChampions(p *postings, num uint32, c [numFields]uint16, avg [numFields]float64) {
	switch {
	case len(p.docs) < champSize:
	case len(p.docs) == champSize:
		p.champ = make([]champion, 0, champSize)
		for j, d := range p.docs {
			var cj [numFields]uint16
			for f := range numFields {
				cj[f] = p.tf[f][j]
			}
			p.champ = append(p.champ, champion{d, impact(cj, ix.dlen[d], avg)})
		}
		for i := len(p.champ)/2 - 1; i >= 0; i-- {
			champDown(p.champ, i)
		}
	default:
		if imp := impact(c, ix.dlen[num], avg); imp > p.champ[0].imp {
			p.champ[0] = champion{num, imp}
			champDown(p.champ, 0)
		}
	}
}

// buildChampions makes p's champion list from all its postings: the
// champSize with the highest impact.
func (ix *Index) buildChampions(p *postings, avg [numFields]float64) {
	p.champ = make([]champion, 0, champSize)
	for j, d := range p.docs {
		var c [numFields]uint16
		for f := range numFields {
			c[f] = p.tf[f][j]
		}
		imp := impact(c, ix.dlen[d], avg)
		switch {
		case len(p.champ) < champSize:
			p.champ = append(p.champ, champion{d, imp})
			if len(p.champ) == champSize {
				for i := champSize/2 - 1; i >= 0; i-- {
					champDown(p.champ, i)
				}
			}
		case imp > p.champ[0].imp:
			p.champ[0] = champion{d, imp}
			champDown(p.champ, 0)
		}
	}
	if len(p.champ) < champSize {
		for i := len(p.champ)/2 - 1; i >= 0; i-- {
			champDown(p.champ, i)
		}
	}
}

// champDown restores the min-heap order of h below position i.
func champDown(h []champion, i int) {
	for {
		m, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].imp < h[m].imp {
			m = l
		}
		if r < len(h) && h[r].imp < h[m].imp {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// scoreChampions scores the union of the champion lists of the query's
// terms (given in order, rarest first, with their weights w) exactly and
// leaves the visible ones in s.cands. It returns an estimate of the number
// of visible matching documents: the larger of the candidates found and
// the most common term's document frequency.
func (ix *Index) scoreChampions(s *scratch, qts []qterm, order []int, w []float64, norm *[numFields]float64, v Viewer, types uint32) int {
	most := 0
	for _, qi := range order {
		p := &ix.post[qts[qi].id]
		most = max(most, int(p.live))
		for _, c := range p.champ {
			s.seen[c.doc>>6] |= 1 << (c.doc & 63)
		}
	}
	found := ix.collect(s, v, types)
	for i, qi := range order {
		tp := termPass{ix: ix, p: &ix.post[qts[qi].id], w: w[i], bit: uint64(1) << uint(qi), exact: qts[qi].kind == 'e', norm: norm}
		tp.refine(s.cands)
	}
	return max(found, most)
}
