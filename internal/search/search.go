package search

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Ranking constants. They were tuned on the ticket dev split, the
// hand-written IT set and the unix duplicate questions, never on held-out
// test files.
const (
	k1 = 1.2

	wSynonym    = 0.8  // weight of a synonym group term relative to exact
	wPhraseWord = 0.5  // weight of a word inside a multi-word synonym phrase
	wGroupWord  = 0.5  // weight of a word that is also a synonym group member
	wTypo1      = 0.7  // one edit away
	wTypo2      = 0.45 // two edits away
	wLearned    = 0.25 // cap for expansions learned from tickets
	rerankMin   = 200  // candidates re-ranked with boosts

	maxAccumulators = 50_000 // documents a query may add before it only refines
)

// BM25F field weights and length normalisation, by field.
const (
	weightTitle, weightTags, weightBody = 3.0, 2.0, 1.0
	bTitle, bTags, bBody                = 0.5, 0.5, 0.75
)

// qterm is one weighted term of an analysed query.
type qterm struct {
	term   string
	id     uint32
	weight float64
	kind   byte // 'e' exact, 's' synonym, 't' typo, 'l' learned
	from   string
	group  int // synonym group, for kind 's'
	member int // member matched in the query, for kind 's'
}

// candidate is one document being scored.
type candidate struct {
	num     uint32
	score   float64
	mask    uint64 // which qterms matched
	inTitle bool   // an exact query term matched the title
}

// scratch holds per-query accumulators, reused across queries.
type scratch struct {
	acc     []accum
	seen    []uint64 // bit set of touched documents
	touched []uint32
}

// accum is the running score of one document; bit 63 of mask records an
// exact title match, the other bits which query terms matched.
type accum struct {
	score float64
	mask  uint64
}

const titleBit = uint64(1) << 63

// analyseQuery turns cleaned query text into weighted terms. It must be
// called with at least a read lock held.
func (ix *Index) analyseQuery(text string) []qterm {
	toks := ix.an.allTerms(text)
	var out []qterm
	have := map[string]int{}
	add := func(q qterm) {
		id, ok := ix.termID[q.term]
		if !ok {
			return
		}
		q.id = id
		if i, dup := have[q.term]; dup {
			if q.weight > out[i].weight {
				out[i] = q
			}
			return
		}
		if len(out) >= 63 {
			return
		}
		have[q.term] = len(out)
		out = append(out, q)
	}
	n := float64(max(ix.live, 1))
	// A multi-word synonym phrase ("remote access") is one concept: its
	// group term carries full weight and its words count less on their own.
	syns := ix.syn.find(toks, nil)
	inPhrase := make([]bool, len(toks))
	inGroup := make([]bool, len(toks))
	for _, m := range syns {
		inGroup[m.start] = true
		if m.end-m.start > 1 {
			for i := m.start; i < m.end; i++ {
				inPhrase[i] = true
			}
		}
	}
	for _, m := range syns {
		w := wSynonym
		switch {
		case m.end-m.start > 1:
			w = 1
		case inPhrase[m.start]:
			w = wSynonym * wPhraseWord
		}
		add(qterm{term: groupTerm(m.group), weight: w, kind: 's', group: m.group, member: m.member})
	}
	for i, t := range toks {
		if ix.an.stop[t] {
			continue
		}
		df := 0
		if id, ok := ix.termID[t]; ok {
			df = int(ix.post[id].live)
			w := 1.0
			switch {
			case inPhrase[i]:
				w = wPhraseWord
			case inGroup[i]:
				w = wGroupWord
			}
			add(qterm{term: t, weight: w, kind: 'e'})
		}
		// Typo tolerance: look for a better-known spelling when the term
		// is unknown or rare.
		if len(t) >= minTypoLen && !isNumeric(t) && float64(df) < math.Max(3, n*0.0005) {
			maxd := 1
			if len(t) >= 6 {
				maxd = 2
			}
			type cand struct {
				term string
				d    int
				df   int
			}
			var cs []cand
			for _, id := range ix.typo.candidates(t, maxd) {
				ct := ix.terms[id]
				if ct == t {
					continue
				}
				cdf := int(ix.post[id].live)
				if df > 0 && cdf <= df*5 {
					continue
				}
				if d := editDistance(t, ct, maxd); d <= maxd {
					cs = append(cs, cand{ct, d, cdf})
				}
			}
			slices.SortFunc(cs, func(a, b cand) int {
				return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(b.df, a.df))
			})
			for i, c := range cs {
				if i == 2 {
					break
				}
				w := wTypo1
				if c.d == 2 {
					w = wTypo2
				}
				if df > 0 {
					w *= 0.6
				}
				add(qterm{term: c.term, weight: w, kind: 't', from: t})
			}
		}
		for _, e := range ix.cooc[t] {
			add(qterm{term: e.term, weight: e.weight, kind: 'l', from: t})
		}
	}
	return out
}

// Search runs q and returns the best results the viewer may see.
func (ix *Index) Search(q Query) Results { return ix.search(q, false) }

// search runs q. With content set the text is a post or ticket rather
// than a request, so no context phrases are taken out of it.
func (ix *Index) search(q Query, content bool) Results {
	var ctx Context
	cleaned := q.Text
	if !content {
		var qc Context
		qc, cleaned = ix.ctx.Load().extract(q.Text)
		if qc.Site != "" {
			// The site stays a search term: content may name it.
			cleaned += " " + qc.Site
		}
		ctx = overlay(overlay(Context{}, q.Context, SourceProfile), qc, SourceQuery)
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res := Results{Context: ctx}
	qts := ix.analyseQuery(cleaned)
	if len(qts) == 0 {
		return res
	}
	cands := ix.score(qts, q, max(rerankMin, q.Limit*4), &res.Total)
	if q.Broaden {
		if fq := ix.feedback(qts, cands); len(fq) > len(qts) {
			qts = fq
			res.Total = 0
			cands = ix.score(qts, q, max(rerankMin, q.Limit*4), &res.Total)
		}
	}
	now := ix.opts.Now()
	// Re-rank the best candidates with boosts; reasons are written only
	// for the results returned.
	type ranked struct {
		c          candidate
		hit, shown *entry // the matching doc and the one shown (its original when a duplicate)
		score      float64
	}
	out := make([]ranked, 0, len(cands))
	pos := map[string]int{}
	for _, c := range cands {
		e := ix.docs[c.num]
		shown := e
		if e.doc.DuplicateOf != "" {
			on, ok := ix.byKey[docKey(e.doc.Type, e.doc.DuplicateOf)]
			if !ok || !canSee(&ix.docs[on].doc, q.Viewer) {
				continue
			}
			shown = ix.docs[on]
		}
		r := ranked{c, e, shown, c.score * ix.boost(&shown.doc, ctx, now, nil)}
		if i, ok := pos[shown.key]; ok {
			if r.score > out[i].score {
				out[i] = r
			}
			continue
		}
		pos[shown.key] = len(out)
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b ranked) int { return cmp.Compare(b.score, a.score) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	items := make([]Result, len(out))
	for i, r := range out {
		reasons := ix.termReasons(qts, r.c, r.hit)
		ix.boost(&r.shown.doc, ctx, now, &reasons)
		if r.hit != r.shown {
			reasons = append(reasons, "duplicate question: "+r.hit.doc.Title)
		}
		d := &r.shown.doc
		items[i] = Result{Type: d.Type, ID: d.ID, Title: d.Title, Score: r.score,
			Snippet: ix.snippet(d.Body, qts), Reasons: dedupe(reasons)}
	}
	res.Items = items
	return res
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (ix *Index) getScratch() *scratch {
	n := len(ix.docs)
	s, _ := ix.scratch.Get().(*scratch)
	if s == nil || len(s.acc) < n {
		n = n + n/4 + 64
		s = &scratch{acc: make([]accum, n), seen: make([]uint64, n/64+1)}
	}
	s.touched = s.touched[:0]
	return s
}

// score computes BM25F for every visible document that matches at least
// one query term and returns the best k by that score. total receives the
// number of visible matching documents.
func (ix *Index) score(qts []qterm, q Query, k int, total *int) []candidate {
	s := ix.getScratch()
	defer ix.scratch.Put(s)
	fieldB := [numFields]float64{bTitle, bTags, bBody}
	n := float64(max(ix.live, 1))
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = math.Max(float64(ix.lenSum[f])/n, 1)
	}
	// Rare terms first; very common terms, and every term once enough
	// documents have been found, only add to documents already found
	// (the "continue" strategy), which bounds the work per query.
	order := make([]int, len(qts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Compare(len(ix.post[qts[a].id].docs), len(ix.post[qts[b].id].docs))
	})
	var norm [numFields]float64
	for f := range numFields {
		norm[f] = fieldB[f] / avg[f]
	}
	for _, qi := range order {
		qt := qts[qi]
		p := &ix.post[qt.id]
		df := float64(p.live)
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		w := idf * qt.weight
		onlyKnown := len(s.touched) > 0 && (df > n/100 && df > 1000 || len(s.touched) > maxAccumulators)
		bit := uint64(1) << uint(qi)
		titleTF, tagsTF, bodyTF := p.tf[fTitle], p.tf[fTags], p.tf[fBody]
		for j, d := range p.docs {
			known := s.seen[d>>6]&(1<<(d&63)) != 0
			if onlyKnown && !known {
				continue
			}
			l := &ix.dlen[d]
			var tf float64
			if c := bodyTF[j]; c != 0 {
				tf += weightBody * float64(c) / (1 - bBody + norm[fBody]*float64(l[fBody]))
			}
			a := &s.acc[d]
			if c := titleTF[j]; c != 0 {
				tf += weightTitle * float64(c) / (1 - bTitle + norm[fTitle]*float64(l[fTitle]))
				if qt.kind == 'e' {
					a.mask |= titleBit
				}
			}
			if c := tagsTF[j]; c != 0 {
				tf += weightTags * float64(c) / (1 - bTags + norm[fTags]*float64(l[fTags]))
			}
			if !known {
				s.seen[d>>6] |= 1 << (d & 63)
				s.touched = append(s.touched, d)
			}
			a.score += w * tf / (k1 + tf)
			a.mask |= bit
		}
	}
	var types uint32
	for _, t := range q.Types {
		types |= 1 << typeCodes[strings.ToLower(t)]
	}
	var top []candidate
	for _, d := range s.touched {
		a := s.acc[d]
		s.acc[d] = accum{}
		s.seen[d>>6] = 0
		if !ix.visible(d, q.Viewer, types) {
			continue
		}
		*total++
		if len(top) == k && a.score <= top[0].score {
			continue
		}
		top = pushTop(top, candidate{num: d, score: a.score, mask: a.mask &^ titleBit, inTitle: a.mask&titleBit != 0}, k)
	}
	slices.SortFunc(top, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	return top
}

// pushTop keeps the k best candidates in a min-heap ordered by score.
func pushTop(h []candidate, c candidate, k int) []candidate {
	if len(h) < k {
		h = append(h, c)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if h[p].score <= h[i].score {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		return h
	}
	if c.score <= h[0].score {
		return h
	}
	h[0] = c
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].score < h[m].score {
			m = l
		}
		if r < len(h) && h[r].score < h[m].score {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h
}

// termReasons explains which kinds of term matches a candidate had.
func (ix *Index) termReasons(qts []qterm, c candidate, e *entry) []string {
	var r []string
	if c.inTitle {
		r = append(r, "title match")
	}
	var toks []string
	for i, qt := range qts {
		if c.mask&(1<<uint(i)) == 0 {
			continue
		}
		switch qt.kind {
		case 't':
			r = append(r, fmt.Sprintf("typo: %s→%s", qt.from, qt.term))
		case 'l':
			r = append(r, fmt.Sprintf("related term: %s→%s", qt.from, qt.term))
		case 's':
			if toks == nil {
				toks = ix.an.allTerms(e.doc.Title + " . " + strings.Join(e.doc.Tags, " , ") + " . " + e.doc.Body)
			}
			g := ix.syn.groups[qt.group]
			if m := ix.syn.memberIn(qt.group, qt.member, toks); m != "" && m != g.members[qt.member] {
				r = append(r, fmt.Sprintf("synonym: %s→%s", g.members[qt.member], m))
			}
		}
	}
	return r
}
