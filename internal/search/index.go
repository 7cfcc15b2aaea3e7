package search

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Field numbers in postings.
const (
	fTitle = iota
	fTags
	fBody
	numFields
)

// Options tune an Index. The zero value is usable.
type Options struct {
	// Known holds the organisation's site names for context extraction.
	Known KnownValues
	// NoShippedSynonyms leaves out the built-in synonym list.
	NoShippedSynonyms bool
	// Now returns the current time; it defaults to time.Now. Tests set it
	// to make freshness deterministic.
	Now func() time.Time
}

// postings is the posting list of one term: ascending doc numbers and, in
// parallel, the term frequency in each field.
type postings struct {
	docs []uint32
	tf   [numFields][]uint16
	// live counts the alive documents in docs; replaced and deleted
	// documents stay in docs (skipped while scoring) but must not inflate
	// the document frequency.
	live int32
	// champ is the term's champion list once it has champSize postings:
	// the champSize documents where the term weighs most, as a min-heap
	// by impact (see champions.go).
	champ []champion
}

// entry is one stored document.
type entry struct {
	doc   Doc
	key   string
	alive bool
	// terms are the document's term ids, to keep document frequencies
	// right when it is removed.
	terms []uint32
}

// Visibility flags, one byte per document so that filtering many
// candidates touches little memory: three flag bits and the type code in
// the high bits.
const (
	mAlive uint8 = 1 << iota
	mQuarantined
	mAgentsOnly
	typeShift = 4
)

// people holds the ids visibility depends on for restricted documents.
type people struct{ author, owner int64 }

// typeCodes numbers the known document types for the type filter; other
// types share code 0.
var typeCodes = map[string]uint8{TypeQuestion: 1, TypeAnswer: 2, TypeArticle: 3, TypeStatus: 4, TypeTicket: 5}

// visible reports whether document num is alive, of an allowed type
// (types is a bit set of type codes, 0 meaning any) and visible to v.
// It mirrors canSee.
func (ix *Index) visible(num uint32, v Viewer, types uint32) bool {
	fl := ix.flags[num]
	typ := fl >> typeShift
	if fl&mAlive == 0 || (types != 0 && types&(1<<typ) == 0) {
		return false
	}
	if fl&mQuarantined != 0 && !v.Reviewer && (v.ID == 0 || v.ID != ix.people[num].author) {
		return false
	}
	if typ == typeCodes[TypeTicket] {
		return v.Agent || (v.ID != 0 && v.ID == ix.people[num].owner)
	}
	return fl&mAgentsOnly == 0 || v.Agent
}

// Index is an in-memory inverted index over Docs. It is safe for
// concurrent use; writes take effect before Upsert returns.
type Index struct {
	opts Options
	an   *analyzer
	ctx  atomic.Pointer[extractor]

	mu      sync.RWMutex
	syn     *synonyms
	cooc    map[string][]expansion
	termID  map[string]uint32
	terms   []string
	post    []postings
	typo    *typoIndex
	docs    []*entry
	flags   []uint8
	people  []people
	dlen    [][numFields]uint16
	byKey   map[string]uint32
	live    int
	lenSum  [numFields]int64
	scratch sync.Pool
}

// expansion is a weak related term learned from resolved tickets.
type expansion struct {
	term   string
	weight float64
}

// New returns an empty index.
func New(opts Options) *Index {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ix := &Index{
		opts:   opts,
		an:     newAnalyzer(),
		termID: make(map[string]uint32),
		byKey:  make(map[string]uint32),
		typo:   newTypoIndex(),
	}
	if !opts.NoShippedSynonyms {
		ix.syn = ix.syn.withGroups(ix.an, parseSynonyms(shippedSynonyms))
	}
	ix.ctx.Store(newExtractor(opts.Known))
	return ix
}

func docKey(typ, id string) string { return typ + "\x00" + id }

// Len returns the number of documents in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// analysed is a document's terms with their frequency in each field,
// and the length of each field in terms.
type analysed struct {
	tf   map[string][numFields]uint16
	lens [numFields]uint16
}

// fieldTerms analyses the three fields of d into term frequencies,
// including synonym group terms.
func (ix *Index) fieldTerms(d *Doc, syn *synonyms) analysed {
	out := analysed{tf: make(map[string][numFields]uint16, 64)}
	texts := [numFields]string{d.Title, strings.Join(d.Tags, " , "), d.Body}
	var toks []string
	var sms []synMatch
	for f, text := range texts {
		toks = ix.an.stemAll(tokens(text, toks[:0]))
		n := 0
		bump := func(t string) {
			c := out.tf[t]
			if c[f] < 65535 {
				c[f]++
			}
			out.tf[t] = c
			n++
		}
		for _, t := range toks {
			if !ix.an.stop[t] && len(t) <= 40 {
				bump(t)
			}
		}
		sms = syn.find(toks, sms[:0])
		for _, sm := range sms {
			bump(groupTerm(sm.group))
		}
		out.lens[f] = clampLen(n)
	}
	return out
}

func clampLen(n int) uint16 {
	if n > 65535 {
		return 65535
	}
	return uint16(n)
}

// Upsert adds d or replaces the document with the same Type and ID. The
// document is searchable when Upsert returns.
func (ix *Index) Upsert(d Doc) {
	d.Type = strings.ToLower(d.Type)
	ix.mu.RLock()
	syn := ix.syn
	if num, ok := ix.byKey[docKey(d.Type, d.ID)]; ok && reflect.DeepEqual(ix.docs[num].doc, d) {
		// Unchanged: nothing to do, and no dead copy left behind.
		ix.mu.RUnlock()
		return
	}
	ix.mu.RUnlock()
	ft := ix.fieldTerms(&d, syn)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.syn != syn { // synonyms changed meanwhile; analyse again
		ft = ix.fieldTerms(&d, ix.syn)
	}
	ix.insertLocked(d, ft)
}

func (ix *Index) insertLocked(d Doc, ft analysed) {
	key := docKey(d.Type, d.ID)
	if old, ok := ix.byKey[key]; ok {
		ix.removeLocked(old)
	}
	num := uint32(len(ix.docs))
	e := &entry{doc: d, key: key, alive: true, terms: make([]uint32, 0, len(ft.tf))}
	ix.docs = append(ix.docs, e)
	fl := mAlive | typeCodes[d.Type]<<typeShift
	if d.Quarantined {
		fl |= mQuarantined
	}
	if d.AgentsOnly {
		fl |= mAgentsOnly
	}
	ix.flags = append(ix.flags, fl)
	ix.people = append(ix.people, people{d.AuthorID, d.OwnerID})
	ix.byKey[key] = num
	ix.live++
	for f := range numFields {
		ix.lenSum[f] += int64(ft.lens[f])
	}
	ix.dlen = append(ix.dlen, ft.lens)
	avg := ix.avgLens()
	for t, c := range ft.tf {
		id, ok := ix.termID[t]
		if !ok {
			id = uint32(len(ix.terms))
			ix.termID[t] = id
			ix.terms = append(ix.terms, t)
			ix.post = append(ix.post, postings{})
			if !isGroupTerm(t) {
				ix.typo.add(t, id)
			}
		}
		p := &ix.post[id]
		p.docs = append(p.docs, num)
		p.live++
		e.terms = append(e.terms, id)
		for f := range numFields {
			p.tf[f] = append(p.tf[f], c[f])
		}
		ix.updateChampions(p, num, c, avg)
	}
}

func (ix *Index) removeLocked(num uint32) {
	e := ix.docs[num]
	if !e.alive {
		return
	}
	e.alive = false
	ix.flags[num] &^= mAlive
	delete(ix.byKey, e.key)
	ix.live--
	for f := range numFields {
		ix.lenSum[f] -= int64(ix.dlen[num][f])
	}
	for _, id := range e.terms {
		ix.post[id].live--
	}
	e.terms = nil
	// Free the text; postings keep pointing at the dead number and are
	// skipped while scoring until the index is compacted.
	e.doc = Doc{Type: e.doc.Type, ID: e.doc.ID}
	if dead := len(ix.docs) - ix.live; dead >= compactMin && dead > ix.live {
		ix.compactLocked()
	}
}

// compactMin is the number of dead documents (replaced or deleted) below
// which the index is never compacted. Tests lower it.
var compactMin = 10_000

// compactLocked drops dead documents and their postings and renumbers the
// live ones, keeping their order. It runs when the dead outnumber the live
// (and there are at least compactMin), so that its cost, linear in the
// postings, is spread over at least as many updates as there are live
// documents.
func (ix *Index) compactLocked() {
	const gone = ^uint32(0)
	remap := make([]uint32, len(ix.docs))
	n := uint32(0)
	for old, e := range ix.docs {
		if !e.alive {
			remap[old] = gone
			continue
		}
		remap[old] = n
		ix.docs[n], ix.flags[n], ix.people[n], ix.dlen[n] = e, ix.flags[old], ix.people[old], ix.dlen[old]
		ix.byKey[e.key] = n
		n++
	}
	clear(ix.docs[n:])
	ix.docs, ix.flags, ix.people, ix.dlen = ix.docs[:n], ix.flags[:n], ix.people[:n], ix.dlen[:n]
	avg := ix.avgLens()
	for id := range ix.post {
		p := &ix.post[id]
		w := 0
		for j, d := range p.docs {
			if remap[d] == gone {
				continue
			}
			p.docs[w] = remap[d]
			for f := range numFields {
				p.tf[f][w] = p.tf[f][j]
			}
			w++
		}
		p.docs = slices.Clip(p.docs[:w])
		for f := range numFields {
			p.tf[f] = slices.Clip(p.tf[f][:w])
		}
		p.champ = nil
		if w >= champSize {
			ix.buildChampions(p, avg)
		}
	}
	// Pooled accumulators sized for the old numbering stay valid: there
	// are fewer documents now.
}

// SetKnown replaces the organisation's vocabulary used to recognise
// context in queries, such as site names, as sites are added.
func (ix *Index) SetKnown(known KnownValues) { ix.ctx.Store(newExtractor(known)) }

// Delete removes the document with the given type and id, if present.
func (ix *Index) Delete(typ, id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if num, ok := ix.byKey[docKey(strings.ToLower(typ), id)]; ok {
		ix.removeLocked(num)
	}
}

// AddSynonyms adds synonym groups, each a list of interchangeable words or
// phrases ("wifi", "wireless network"). Documents already indexed are
// analysed again so that the new groups apply to them too; this costs
// about as much as indexing them afresh.
func (ix *Index) AddSynonyms(groups [][]string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.syn = ix.syn.withGroups(ix.an, groups)
	old := ix.docs
	ix.termID = make(map[string]uint32)
	ix.terms, ix.post, ix.docs, ix.flags, ix.people = nil, nil, nil, nil, nil
	ix.byKey = make(map[string]uint32)
	ix.typo = newTypoIndex()
	ix.live = 0
	ix.dlen = nil
	ix.lenSum = [numFields]int64{}
	for _, e := range old {
		if e.alive {
			ix.insertLocked(e.doc, ix.fieldTerms(&e.doc, ix.syn))
		}
	}
}

// UpsertMany adds or replaces many documents, analysing them on all CPUs.
// It is the fast path for loading an index at start-up; each document is
// searchable as soon as it is inserted.
func (ix *Index) UpsertMany(docs []Doc) {
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(docs); i += workers {
				ix.Upsert(docs[i])
			}
		}()
	}
	wg.Wait()
}
