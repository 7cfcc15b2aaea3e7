package search

import (
	"cmp"
	"fmt"
	"math"
	mathbits "math/bits"
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

	// maxThorough bounds the thorough typo lookups (about 0.2 ms each,
	// more for long words) one query makes, so that a query of many
	// unknown words stays fast.
	maxThorough = 3
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
	seen    []uint64  // bit set of touched documents
	touched int       // how many bits are set in seen
	scores  []float64 // working space for pruning
	cands   []candidate
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
	thorough := 0 // thorough typo lookups made for this query
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
			verify := func(ids []uint32) {
				for _, id := range ids {
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
			}
			verify(ix.typo.candidates(t, maxd, false))
			if len(cs) == 0 && maxd == 2 && df == 0 && thorough < maxThorough {
				thorough++
				// An unknown word with nothing nearby the quick way: look at
				// every term within two edits.
				verify(ix.typo.candidates(t, maxd, true))
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
	if q.MinShare > 0 && len(out) > 0 {
		n := len(out)
		for n > 1 && out[n-1].score < q.MinShare*out[0].score {
			n--
		}
		if n < len(out) && n <= q.Limit {
			res.Total = n
		}
		out = out[:n]
	}
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
	s.touched = 0
	return s
}

// score computes BM25F for the visible documents that match the query
// terms and returns the best k by that score, best first. total receives
// the number of visible matching documents found.
//
// Terms are scored rarest first, a term at a time, with MaxScore pruning.
// A term adds less than its idf times its weight to any document, since
// the BM25 saturation tf/(k1+tf) stays below 1. Once the k-th best score
// found so far reaches what the remaining terms could add together, no
// document that has not matched yet can enter the best k, so the remaining
// terms only refine the documents already found: those that can still
// reach the best k are kept, in document order, and looked up in each
// remaining posting list by galloping search instead of reading the whole
// list. On a large index this skips most of the postings of common words
// without changing the best k.
//
// Two older shortcuts also switch to refining, trading exactness for
// bounded work: a very common term (in over 1% and over 1,000 documents)
// adds no new documents once some were found, and no term does once
// maxAccumulators documents were found.
func (ix *Index) score(qts []qterm, q Query, k int, total *int) []candidate {
	s := ix.getScratch()
	defer ix.scratch.Put(s)
	n := float64(max(ix.live, 1))
	fieldB := [numFields]float64{bTitle, bTags, bBody}
	avg := ix.avgLens()
	var norm [numFields]float64
	for f := range numFields {
		norm[f] = fieldB[f] / avg[f]
	}
	var types uint32
	for _, t := range q.Types {
		types |= 1 << typeCodes[strings.ToLower(t)]
	}
	order := make([]int, len(qts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Compare(len(ix.post[qts[a].id].docs), len(ix.post[qts[b].id].docs))
	})
	// w[i] is the weight of the i-th term in that order; rest[i] bounds
	// what the terms from the i-th on can add to one document.
	w := make([]float64, len(order))
	rest := make([]float64, len(order)+1)
	for i, qi := range order {
		df := float64(ix.post[qts[qi].id].live)
		w[i] = math.Log(1+(n-df+0.5)/(df+0.5)) * qts[qi].weight
	}
	for i := len(order) - 1; i >= 0; i-- {
		rest[i] = rest[i+1] + w[i]
	}
	refining := false
	if len(order) > 0 && len(ix.post[qts[order[0]].id].docs) > max(champThreshold, champSize) && k <= champSize {
		*total = ix.scoreChampions(s, qts, order, w, &norm, q.Viewer, types)
		order, refining = nil, true
	}
	for i, qi := range order {
		qt := qts[qi]
		p := &ix.post[qt.id]
		df := float64(p.live)
		if !refining && s.touched > 0 && (df > n/100 && df > 1000 || s.touched > maxAccumulators) {
			refining = true
			*total = ix.collect(s, q.Viewer, types)
		}
		tp := termPass{ix: ix, p: p, w: w[i], bit: uint64(1) << uint(qi), exact: qt.kind == 'e', norm: &norm}
		if refining {
			tp.refine(s.cands)
			s.cands = prune(s.cands, rest[i+1], k, &s.scores)
			continue
		}
		tp.add(s)
	}
	if !refining {
		*total = ix.collect(s, q.Viewer, types)
	}
	var top []candidate
	for _, c := range s.cands {
		if len(top) < k || c.score > top[0].score {
			top = pushTop(top, c, k)
		}
	}
	slices.SortFunc(top, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	return top
}

// termPass scores one query term's posting list.
type termPass struct {
	ix    *Index
	p     *postings
	w     float64 // idf times the term's weight
	bit   uint64  // the term's bit in candidate masks
	exact bool    // an exact query word, whose title matches are noted
	norm  *[numFields]float64
}

// at returns the term's contribution to the document at position j of its
// posting list, and whether the document has it in its title.
func (tp *termPass) at(j int) (float64, bool) {
	p, norm := tp.p, tp.norm
	l := &tp.ix.dlen[p.docs[j]]
	var tf float64
	if c := p.tf[fBody][j]; c != 0 {
		tf += weightBody * float64(c) / (1 - bBody + norm[fBody]*float64(l[fBody]))
	}
	title := false
	if c := p.tf[fTitle][j]; c != 0 {
		tf += weightTitle * float64(c) / (1 - bTitle + norm[fTitle]*float64(l[fTitle]))
		title = true
	}
	if c := p.tf[fTags][j]; c != 0 {
		tf += weightTags * float64(c) / (1 - bTags + norm[fTags]*float64(l[fTags]))
	}
	return tp.w * tf / (k1 + tf), title
}

// add scores every document of the posting list into the accumulators.
func (tp *termPass) add(s *scratch) {
	mask := tp.bit
	for j, d := range tp.p.docs {
		sc, title := tp.at(j)
		a := &s.acc[d]
		if s.seen[d>>6]&(1<<(d&63)) == 0 {
			s.seen[d>>6] |= 1 << (d & 63)
			s.touched++
		}
		a.score += sc
		a.mask |= mask
		if title && tp.exact {
			a.mask |= titleBit
		}
	}
}

// refine adds the term's contribution to cands, which are in document
// order, finding each in the posting list by galloping search.
func (tp *termPass) refine(cands []candidate) {
	docs := tp.p.docs
	// Galloping pays when the candidates are sparse in the list; otherwise
	// a plain merge is cheaper.
	dense := len(cands)*16 > len(docs)
	j := 0
	for ci := range cands {
		c := &cands[ci]
		if j >= len(docs) {
			return
		}
		if dense {
			for j < len(docs) && docs[j] < c.num {
				j++
			}
			if j >= len(docs) {
				return
			}
		} else if docs[j] < c.num {
			step := 1
			for j+step < len(docs) && docs[j+step] < c.num {
				step *= 2
			}
			lo, hi := j+step/2+1, min(j+step+1, len(docs))
			i, _ := slices.BinarySearch(docs[lo:hi], c.num)
			j = lo + i
			if j >= len(docs) {
				return
			}
		}
		if docs[j] != c.num {
			continue
		}
		sc, title := tp.at(j)
		c.score += sc
		c.mask |= tp.bit
		if title && tp.exact {
			c.inTitle = true
		}
	}
}

// collect moves the touched documents that are visible from the
// accumulators into s.cands, in document order, and resets the
// accumulators. It returns how many there are.
func (ix *Index) collect(s *scratch, v Viewer, types uint32) int {
	s.cands = s.cands[:0]
	words := min(len(s.seen), (len(ix.docs)+63)/64)
	for wi := range words {
		bits := s.seen[wi]
		if bits == 0 {
			continue
		}
		s.seen[wi] = 0
		for bits != 0 {
			d := uint32(wi*64 + mathbits.TrailingZeros64(bits))
			bits &= bits - 1
			a := s.acc[d]
			s.acc[d] = accum{}
			if ix.visible(d, v, types) {
				s.cands = append(s.cands, candidate{num: d, score: a.score, mask: a.mask &^ titleBit, inTitle: a.mask&titleBit != 0})
			}
		}
	}
	s.touched = 0
	return len(s.cands)
}

// prune drops the candidates that can no longer reach the best k when the
// remaining terms add at most rest to each, keeping document order. scores
// is working space.
func prune(cands []candidate, rest float64, k int, scores *[]float64) []candidate {
	if len(cands) <= k {
		return cands
	}
	sc := (*scores)[:0]
	for _, c := range cands {
		sc = append(sc, c.score)
	}
	*scores = sc
	floor := kthLargest(sc, k)
	out := cands[:0]
	for _, c := range cands {
		if c.score+rest >= floor {
			out = append(out, c)
		}
	}
	return out
}

// kthLargest returns the k-th largest value of a (1 <= k <= len(a)),
// reordering a (quickselect).
func kthLargest(a []float64, k int) float64 {
	lo, hi, want := 0, len(a)-1, k-1
	for lo < hi {
		pivot := a[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for a[i] > pivot {
				i++
			}
			for a[j] < pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case want <= j:
			hi = j
		case want >= i:
			lo = i
		default:
			return a[want]
		}
	}
	return a[want]
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
