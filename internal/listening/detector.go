package listening

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/internal/search"
)

// DetectorOptions configures outage detection. Zero values take the
// defaults named.
type DetectorOptions struct {
	// Window is how far back reports count towards an outage; default 10
	// minutes.
	Window time.Duration
	// MinReports, MinAuthors and MinChannels are the reports, distinct
	// authors and distinct channels a cluster needs within Window to be an
	// outage; defaults 5, 4 and 1.
	MinReports  int
	MinAuthors  int
	MinChannels int
	// Threshold is the cosine similarity (0 to 1) between a post and a
	// cluster's centroid above which the post joins the cluster; default
	// defaultSimilarity, chosen on synthetic data (see docs/listening.md).
	Threshold float64
	// TroubleShare is the share (0 to 1) of a cluster's reports within
	// Window that must describe trouble (a failure word, a negation, see
	// troubleWord in terms.go) for it to be an outage, so that a burst of
	// congratulations or an all-hands does not page anyone; default 0.5.
	// A negative value turns the check off.
	TroubleShare float64
	// IncidentTTL is how long an outage cluster keeps collecting reports
	// after its last one; default six windows.
	IncidentTTL time.Duration
	// MaxPosts and MaxClusters bound memory; defaults 100,000 and 20,000.
	// The oldest posts and clusters are forgotten first.
	MaxPosts    int
	MaxClusters int
}

func (o DetectorOptions) withDefaults() DetectorOptions {
	if o.Window <= 0 {
		o.Window = 10 * time.Minute
	}
	if o.MinReports <= 0 {
		o.MinReports = 5
	}
	if o.MinAuthors <= 0 {
		o.MinAuthors = 4
	}
	if o.MinChannels <= 0 {
		o.MinChannels = 1
	}
	if o.Threshold <= 0 {
		o.Threshold = defaultSimilarity
	}
	if o.TroubleShare == 0 {
		o.TroubleShare = defaultTroubleShare
	}
	if o.IncidentTTL <= 0 {
		o.IncidentTTL = 6 * o.Window
	}
	if o.MaxPosts <= 0 {
		o.MaxPosts = 100_000
	}
	if o.MaxClusters <= 0 {
		o.MaxClusters = 20_000
	}
	return o
}

// Report is one post given to the detector.
type Report struct {
	// ID is the caller's id for the post (a listening post id).
	ID      int64
	Channel string
	Author  string
	Text    string
	At      time.Time
}

// Outcome says what the detector made of one report.
type Outcome struct {
	// Cluster is the cluster the report joined; 0 when the report has no
	// significant words.
	Cluster int64
	// Duplicate is true when the same author said nearly the same thing
	// within the window; the report does not count again.
	Duplicate bool
	// Outage is true when Cluster is an outage, now or earlier.
	Outage bool
	// Fired is true when this report made Cluster an outage. Members then
	// holds every report in the cluster so far, this one last.
	Fired   bool
	Members []Report
	// Title describes the cluster when Fired.
	Title string
}

// ClusterInfo is a snapshot of one cluster for the dashboard.
type ClusterInfo struct {
	ID       int64
	Title    string
	Terms    []string
	Reports  int
	Authors  int
	Channels int
	First    time.Time
	Last     time.Time
	Outage   bool
	Samples  []string
	// InWindow is the cluster's reports within the window and Troubled
	// those of them that describe trouble; both are 0 once the cluster is
	// an outage, which no longer needs them.
	InWindow int `json:",omitempty"`
	Troubled int `json:",omitempty"`
	// IncidentID and Incident (its number) name the major incident an
	// outage opened, when the service knows it; the detector leaves them
	// empty.
	IncidentID int64  `json:",omitempty"`
	Incident   string `json:",omitempty"`
}

type cluster struct {
	id       int64
	n        int // reports ever
	counts   map[uint64]int
	words    map[uint64]string
	vocab    []uint64 // the keys of counts in the order they came, so that sums over them are the same every run
	norm     float64
	members  []member    // reports within the window (all of them until the outage fires)
	stats    memberStats // what members have in common
	first    time.Time
	last     time.Time
	outage   bool
	samples  []string
	channels map[string]bool
}

// member is a report in a cluster, with the hashes of its terms and
// whether it describes trouble.
type member struct {
	Report
	terms   []uint64
	trouble bool
}

func reports(ms []member) []Report {
	out := make([]Report, len(ms))
	for i, m := range ms {
		out[i] = m.Report
	}
	return out
}

// memberStats counts the terms, authors and channels of a cluster's
// members. It is kept up to date as reports join and leave the window, so
// deciding whether a cluster is an outage does not read every report
// again: that would make a post's cost grow with its cluster's size.
// Counting starts when a cluster first has MinReports members (ready):
// most clusters are a post or two of chatter and never need it.
type memberStats struct {
	terms    map[uint64]int // term -> occurrences
	authors  map[string]int
	channels map[string]int
	troubled int // members that describe trouble
}

// on reports whether the members are being counted.
func (s *memberStats) on() bool { return s.terms != nil }

// add counts a member in (by 1) or out (by -1), starting to count.
func (s *memberStats) add(m member, by int) {
	if s.terms == nil {
		s.terms, s.authors, s.channels = map[uint64]int{}, map[string]int{}, map[string]int{}
	}
	for _, h := range m.terms {
		if s.terms[h] += by; s.terms[h] <= 0 {
			delete(s.terms, h)
		}
	}
	if s.authors[m.Author] += by; s.authors[m.Author] <= 0 {
		delete(s.authors, m.Author)
	}
	if s.channels[m.Channel] += by; s.channels[m.Channel] <= 0 {
		delete(s.channels, m.Channel)
	}
	if m.trouble {
		s.troubled += by
	}
}

// merge adds o's counts to s, both counting, reusing the larger maps; o
// is emptied.
func (s *memberStats) merge(o *memberStats) {
	if len(o.terms) > len(s.terms) {
		*s, *o = *o, *s
	}
	for h, n := range o.terms {
		s.terms[h] += n
	}
	for a, n := range o.authors {
		s.authors[a] += n
	}
	for ch, n := range o.channels {
		s.channels[ch] += n
	}
	s.troubled += o.troubled
	*o = memberStats{}
}

type windowPost struct {
	at      time.Time
	author  string
	terms   []uint64
	cluster int64
}

type authorLast struct {
	at    time.Time
	text  string
	terms []uint64
	cl    int64
}

// overlap is the Jaccard similarity of two small sets of term hashes.
func overlap(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	same := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				same++
				break
			}
		}
	}
	return float64(same) / float64(len(a)+len(b)-same)
}

// Detector clusters a stream of reports incrementally and reports when a
// cluster becomes an outage. Memory is bounded: posts leave the window
// after Window and feed the background term statistics; quiet clusters
// are forgotten. A Detector is not safe for concurrent use; the caller
// serialises calls.
type Detector struct {
	opts     DetectorOptions
	nextID   int64
	clusters map[int64]*cluster
	index    map[uint64][]int64 // significant term -> clusters using it
	df       map[uint64]float64 // background document frequency
	docs     float64            // background documents
	window   []windowPost       // queue, oldest first, from head
	head     int
	authors  map[string]authorLast
	buf      []term
	scores   map[int64]float64
	shared   map[int64]int // significant words a report shares with each cluster scored
	outages  map[int64]bool
	renamed  map[int64]rename // merged cluster -> the cluster it went into
	// renamedLimit is the size of renamed that makes expire sweep it.
	renamedLimit int
	order        idQueue // cluster ids in creation order, for eviction
}

// NewDetector returns an empty detector.
func NewDetector(opts DetectorOptions) *Detector {
	return &Detector{opts: opts.withDefaults(), clusters: map[int64]*cluster{}, index: map[uint64][]int64{},
		df: map[uint64]float64{}, authors: map[string]authorLast{}, scores: map[int64]float64{}, shared: map[int64]int{}, outages: map[int64]bool{}, renamed: map[int64]rename{}}
}

// Options returns the detector's options with defaults filled in.
func (d *Detector) Options() DetectorOptions { return d.opts }

// minIDF is the inverse document frequency below which a word is too
// common to link posts (it occurs in more than about 1 post in 20).
const minIDF = 3.0

// idf is the weight of a term from the background statistics. Words
// never seen weigh most, so a new service name that suddenly appears in
// many posts links them.
func (d *Detector) idf(h uint64) float64 {
	return math.Log((d.docs + 50) / (d.df[h] + 1))
}

// Observe feeds one report. Reports should arrive in time order; the
// report's At is the detector's clock.
func (d *Detector) Observe(r Report) Outcome {
	d.expire(r.At)
	var trouble bool
	d.buf, trouble = appendTerms(d.buf[:0], r.Text, 40)
	hashes := make([]uint64, len(d.buf))
	for i, t := range d.buf {
		hashes[i] = t.h
	}
	// The same author repeating themselves does not make a second report.
	// Their content words are compared first; the MinHash signatures
	// (word and word-pair sets) confirm only when the words overlap.
	if prev, ok := d.authors[r.Author]; ok && r.Author != "" && r.At.Sub(prev.at) < d.opts.Window &&
		overlap(hashes, prev.terms) >= 0.5 && search.Similarity(search.Signature(r.Text), search.Signature(prev.text)) >= 0.6 {
		d.push(windowPost{at: r.At, author: r.Author, terms: hashes})
		c := d.clusters[prev.cl]
		return Outcome{Cluster: prev.cl, Duplicate: true, Outage: c != nil && c.outage}
	}
	// Score the clusters that share a significant word with the report.
	var postNorm float64
	clear(d.scores)
	clear(d.shared)
	for _, t := range d.buf {
		w := d.idf(t.h)
		if w < minIDF {
			continue
		}
		postNorm += w * w
		ids := d.index[t.h]
		live := ids[:0]
		for _, id := range ids {
			c := d.clusters[id]
			if c == nil {
				continue
			}
			live = append(live, id)
			d.scores[id] += w * float64(c.counts[t.h]) * w
			d.shared[id]++
		}
		if len(live) == 0 {
			delete(d.index, t.h)
		} else {
			d.index[t.h] = live
		}
	}
	if postNorm == 0 {
		d.push(windowPost{at: r.At, author: r.Author, terms: hashes})
		return Outcome{}
	}
	postNorm = math.Sqrt(postNorm)
	// Join the most similar cluster, preferring an outage; other clusters
	// the report is similar to are merged into it, so one event told in
	// different words ends up as one cluster.
	var best *cluster
	var bestScore float64
	var others []*cluster
	for id, s := range d.scores {
		c := d.clusters[id]
		cos := s / (postNorm * c.norm)
		// An outage is an established pattern: a report needs less to
		// join it than to start a cluster, but then at least two of its
		// significant words, so one common word ("email", "login") does
		// not bring in everyone who happens to use it.
		if cos < d.opts.Threshold && !(c.outage && cos >= d.opts.Threshold*outageJoin && d.shared[id] >= 2) {
			continue
		}
		if best == nil || better(c, cos, best, bestScore) {
			if best != nil {
				others = append(others, best)
			}
			best, bestScore = c, cos
		} else {
			others = append(others, c)
		}
	}
	if best == nil {
		best = d.newCluster(r.At)
	}
	// Merge in id order, so that the same stream always gives the same
	// clusters (a full vocabulary keeps the words merged first).
	sort.Slice(others, func(i, j int) bool { return others[i].id < others[j].id })
	var linked []Report
	for _, o := range others {
		// A cluster the report also resembles joins an outage only when
		// the two clusters themselves are alike, as a cluster that becomes
		// ready does (below): one report must not bridge an outage to
		// unrelated chatter.
		if o.outage || best.outage && d.centroidCos(best, o) < d.opts.Threshold/2 {
			continue
		}
		if best.outage {
			linked = append(linked, reports(o.members)...)
		}
		d.merge(best, o)
	}
	d.join(best, member{Report: r, terms: hashes, trouble: trouble}, bestScore >= d.opts.Threshold, d.shared[best.id] >= 2)
	d.push(windowPost{at: r.At, author: r.Author, terms: hashes, cluster: best.id})
	if r.Author != "" {
		d.authors[r.Author] = authorLast{at: r.At, text: r.Text, terms: hashes, cl: best.id}
	}
	out := Outcome{Cluster: best.id, Outage: best.outage}
	if best.outage {
		out.Members = append(linked, r)
		return out
	}
	if !d.ready(best) {
		return out
	}
	// A cluster like an open outage joins the most similar one instead
	// of opening another.
	var like *cluster
	var likeCos float64
	for id := range d.outages {
		if o := d.clusters[id]; o != nil {
			if cos := d.centroidCos(o, best); cos >= d.opts.Threshold/2 && (like == nil || cos > likeCos || cos == likeCos && o.id < like.id) {
				like, likeCos = o, cos
			}
		}
	}
	if like != nil {
		members := reports(best.members)
		d.merge(like, best)
		return Outcome{Cluster: like.id, Outage: true, Members: members}
	}
	best.outage = true
	d.outages[best.id] = true
	// Recent clusters close to the new outage are the same event told in
	// other words: they join it.
	var near []*cluster
	for id, c := range d.clusters {
		if id != best.id && !c.outage && c.last.After(r.At.Add(-d.opts.Window)) && d.centroidCos(best, c) >= d.opts.Threshold*outageJoin {
			near = append(near, c)
		}
	}
	sort.Slice(near, func(i, j int) bool { return near[i].id < near[j].id })
	for _, c := range near {
		best.members = append(best.members, c.members...)
		d.merge(best, c)
	}
	out.Outage, out.Fired = true, true
	out.Members = reports(best.members)
	out.Title = d.title(best)
	best.members, best.stats = nil, memberStats{}
	return out
}

// defaultSimilarity is the default Threshold (Config.Similarity).
const defaultSimilarity = 0.3

// defaultTroubleShare is the default TroubleShare.
const defaultTroubleShare = 0.5

// outageJoin is the share of Threshold a report needs to join an outage.
const outageJoin = 0.4

// better reports whether cluster a with similarity sa is a better home
// than b with sb: outages first, then the more similar, then the older.
func better(a *cluster, sa float64, b *cluster, sb float64) bool {
	if a.outage != b.outage {
		return a.outage
	}
	if sa != sb {
		return sa > sb
	}
	return a.id < b.id
}

// centroidCos is the cosine similarity of two clusters' centroids over
// significant words.
func (d *Detector) centroidCos(a, b *cluster) float64 {
	if len(b.counts) < len(a.counts) {
		a, b = b, a
	}
	var dot float64
	for _, h := range a.vocab {
		if n, m := a.counts[h], b.counts[h]; m > 0 {
			if w := d.idf(h); w >= minIDF {
				dot += float64(n*m) * w * w
			}
		}
	}
	return dot / (a.norm * b.norm)
}

// merge moves cluster o into c. When c's vocabulary fills up, o's most
// frequent words are kept first. An outage takes o's reports but not its
// words, as it does not take the words of a report that joins it loosely
// (join): the clusters merged into an outage (one a joining report also
// resembles, one that becomes ready near it, the recent ones near it when
// it fires) are often chatter that shares a word or two with it, and their
// words would draw in more of the same.
func (d *Detector) merge(c, o *cluster) {
	var words []uint64
	if !c.outage {
		words = slices.Clone(o.vocab)
		sort.SliceStable(words, func(i, j int) bool {
			return o.counts[words[i]] > o.counts[words[j]]
		})
	}
	for _, h := range words {
		n := o.counts[h]
		if _, ok := c.counts[h]; !ok {
			if len(c.counts) >= maxVocabulary {
				continue
			}
			c.words[h] = o.words[h]
			c.vocab = append(c.vocab, h)
			if d.idf(h) >= minIDF {
				d.index[h] = append(d.index[h], c.id)
			}
		}
		c.counts[h] += n
	}
	c.n += o.n
	for ch := range o.channels {
		c.channels[ch] = true
	}
	if !c.outage {
		switch {
		case c.stats.on() && o.stats.on():
			c.stats.merge(&o.stats)
		case c.stats.on():
			for _, m := range o.members {
				c.stats.add(m, 1)
			}
		case o.stats.on():
			c.stats, o.stats = o.stats, memberStats{}
			for _, m := range c.members {
				c.stats.add(m, 1)
			}
		}
		c.members = mergeByTime(c.members, o.members)
	}
	if o.first.Before(c.first) {
		c.first = o.first
	}
	if o.last.After(c.last) {
		c.last = o.last
	}
	delete(d.clusters, o.id)
	// Posts in the window that pointed at o now belong to c.
	d.renamed[o.id] = rename{to: c.id, at: c.last}
	d.updateNorm(c)
}

// mergeByTime merges b into a, both sorted by time, a's first on a tie.
// It works from the back, in a's array, so merging a few recent reports
// into a large cluster moves only the reports newer than them.
func mergeByTime(a, b []member) []member {
	n := len(a)
	a = slices.Grow(a, len(b))[:n+len(b)]
	i, j := n-1, len(b)-1
	for k := len(a) - 1; j >= 0; k-- {
		if i >= 0 && b[j].At.Before(a[i].At) {
			a[k], i = a[i], i-1
		} else {
			a[k], j = b[j], j-1
		}
	}
	return a
}

func (d *Detector) updateNorm(c *cluster) {
	var norm float64
	for _, h := range c.vocab {
		if n, w := c.counts[h], d.idf(h); w >= minIDF {
			norm += float64(n) * w * float64(n) * w
		}
	}
	c.norm = math.Sqrt(norm)
	if c.norm == 0 {
		c.norm = 1
	}
}

func (d *Detector) newCluster(at time.Time) *cluster {
	// At the limit, forget the oldest cluster that is not an outage. The
	// creation queue makes this amortised constant time.
	for len(d.clusters) >= d.opts.MaxClusters && d.order.Len() > 0 {
		id := d.order.pop()
		if c := d.clusters[id]; c != nil && !c.outage {
			delete(d.clusters, id)
		}
	}
	d.nextID++
	c := &cluster{id: d.nextID, counts: map[uint64]int{}, words: map[uint64]string{}, first: at, channels: map[string]bool{}}
	d.clusters[c.id] = c
	d.order.push(c.id)
	return c
}

// rename records that a cluster was merged into another at a time.
type rename struct {
	to int64
	at time.Time
}

// idQueue is a FIFO of cluster ids in creation order.
type idQueue struct {
	ids  []int64
	head int
}

func (q *idQueue) Len() int { return len(q.ids) - q.head }

func (q *idQueue) push(id int64) {
	if q.head > 1024 && q.head*2 > len(q.ids) {
		q.ids = append(q.ids[:0], q.ids[q.head:]...)
		q.head = 0
	}
	q.ids = append(q.ids, id)
}

func (q *idQueue) pop() int64 {
	id := q.ids[q.head]
	q.head++
	return id
}

// maxVocabulary bounds the words a cluster remembers.
const maxVocabulary = 300

// join adds a report to a cluster. An outage's words are those of the
// reports that made it and of the reports that join it as closely as a
// cluster needs (strong) with at least two words in common (solid): any
// other report does not move it, or the outage would drift, one loose
// report at a time, towards everyday chatter and collect it all. Only a
// report with two words in common keeps an outage open (IncidentTTL), so
// posts that merely mention its main word ("my email is ...") do not keep
// it collecting for hours.
func (d *Detector) join(c *cluster, m member, strong, solid bool) {
	r := m.Report
	c.n++
	if !c.outage || solid {
		c.last = r.At
	}
	c.channels[r.Channel] = true
	if !c.outage {
		c.members = append(c.members, m)
		if c.stats.on() {
			c.stats.add(m, 1)
		}
	}
	if len(c.samples) < 5 {
		c.samples = append(c.samples, r.Text)
	}
	if c.outage && !(strong && solid) {
		return
	}
	for _, t := range d.buf {
		if _, ok := c.counts[t.h]; !ok {
			if len(c.counts) >= maxVocabulary {
				continue
			}
			c.words[t.h] = t.word
			c.vocab = append(c.vocab, t.h)
			if d.idf(t.h) >= minIDF {
				d.index[t.h] = append(d.index[t.h], c.id)
			}
		}
		c.counts[t.h]++
	}
	d.updateNorm(c)
}

// ready reports whether a cluster's reports within the window make an
// outage: enough reports, people and channels, enough of them describing
// trouble, and its most common word far more frequent than the background
// predicts, so that ordinary chatter about a popular topic does not fire.
func (d *Detector) ready(c *cluster) bool {
	if len(c.members) < d.opts.MinReports {
		return false
	}
	if !c.stats.on() {
		for _, m := range c.members {
			c.stats.add(m, 1)
		}
	}
	if len(c.stats.authors) < d.opts.MinAuthors || len(c.stats.channels) < d.opts.MinChannels {
		return false
	}
	if float64(c.stats.troubled) < d.opts.TroubleShare*float64(len(c.members)) {
		return false
	}
	// Some word shared by at least 40% of the reports in the window must
	// be far more frequent than the background predicts.
	inWindow := float64(len(d.window) - d.head)
	for h, n := range c.stats.terms {
		if float64(n) < 0.4*float64(len(c.members)) || d.idf(h) < minIDF {
			continue
		}
		if expected := inWindow * (d.df[h] + 0.5) / (d.docs + 20); float64(n) > 8*expected+3 {
			return true
		}
	}
	return false
}

// title names a cluster by the report that shares most of its words.
func (d *Detector) title(c *cluster) string {
	best, bestScore := "", -1.0
	for _, m := range c.members {
		var s float64
		for _, h := range m.terms {
			s += float64(c.counts[h])
		}
		if len(m.terms) > 0 {
			s /= math.Sqrt(float64(len(m.terms)))
		}
		if s > bestScore {
			best, bestScore = m.Text, s
		}
	}
	return strings.Join(strings.Fields(best), " ")
}

// push adds a post to the window, forgetting the oldest beyond MaxPosts.
func (d *Detector) push(p windowPost) {
	d.window = append(d.window, p)
	if len(d.window)-d.head > d.opts.MaxPosts {
		d.retire(d.window[d.head], p.at)
		d.window[d.head] = windowPost{}
		d.head++
	}
}

// expire moves posts older than the window into the background counts
// and forgets quiet clusters and authors.
func (d *Detector) expire(now time.Time) {
	cut := now.Add(-d.opts.Window)
	for d.head < len(d.window) && d.window[d.head].at.Before(cut) {
		d.retire(d.window[d.head], cut)
		d.window[d.head] = windowPost{}
		d.head++
	}
	if d.head > 1024 && d.head*2 > len(d.window) {
		d.window = append(d.window[:0], d.window[d.head:]...)
		d.head = 0
	}
	// Forget ids of clusters that are gone, and renames older than any
	// post still in the window.
	for d.order.Len() > 0 && d.clusters[d.order.ids[d.order.head]] == nil {
		d.order.pop()
	}
	if d.order.Len() > 2*len(d.clusters)+1024 {
		live := d.order.ids[:0]
		for _, id := range d.order.ids[d.order.head:] {
			if d.clusters[id] != nil {
				live = append(live, id)
			}
		}
		d.order.ids, d.order.head = live, 0
	}
	if len(d.renamed) >= max(d.renamedLimit, 4096) {
		for id, rn := range d.renamed {
			if rn.at.Before(cut) {
				delete(d.renamed, id)
			}
		}
		// Sweep again when the map has doubled, not on every post.
		d.renamedLimit = 2 * len(d.renamed)
	}
	for id := range d.outages {
		if c := d.clusters[id]; c == nil || c.last.Before(now.Add(-d.opts.IncidentTTL)) {
			delete(d.clusters, id)
			delete(d.outages, id)
		}
	}
}

// Background adds a post from before the window to the background term
// statistics only, as if it had passed through the window: a detector
// started in the middle of a stream learns from earlier posts which words
// are ordinary chatter. Feed such posts oldest first, before Observe.
func (d *Detector) Background(text string) {
	d.buf, _ = appendTerms(d.buf[:0], text, 40)
	for _, t := range d.buf {
		d.df[t.h]++
	}
	d.learned()
}

// learned counts one more background post. It keeps the background
// bounded: halving it now and then, dropping rare words, so old topics
// fade and memory stays flat.
func (d *Detector) learned() {
	d.docs++
	if d.docs > 50_000 || len(d.df) > 500_000 {
		for h, v := range d.df {
			if v < 2 {
				delete(d.df, h)
			} else {
				d.df[h] = v / 2
			}
		}
		d.docs /= 2
	}
}

// retire moves one post out of the window; cut is the window's start.
func (d *Detector) retire(p windowPost, cut time.Time) {
	for _, h := range p.terms {
		d.df[h]++
	}
	d.learned()
	if a, ok := d.authors[p.author]; ok && !a.at.After(p.at) {
		delete(d.authors, p.author)
	}
	id := p.cluster
	for i := 0; i < 8; i++ {
		to, ok := d.renamed[id]
		if !ok {
			break
		}
		id = to.to
	}
	c := d.clusters[id]
	if c == nil || c.outage {
		return
	}
	if !c.last.After(p.at) {
		delete(d.clusters, c.id)
		return
	}
	i := 0
	for i < len(c.members) && c.members[i].At.Before(cut) {
		if c.stats.on() {
			c.stats.add(c.members[i], -1)
		}
		i++
	}
	c.members = c.members[i:]
}

// Clusters returns the live clusters with at least min reports, biggest
// first.
func (d *Detector) Clusters(min int) []ClusterInfo {
	var out []ClusterInfo
	for _, c := range d.clusters {
		if c.n < min {
			continue
		}
		info := ClusterInfo{ID: c.id, Reports: c.n, Channels: len(c.channels), First: c.first, Last: c.last, Outage: c.outage,
			Samples: append([]string(nil), c.samples...)}
		info.InWindow = len(c.members)
		if c.stats.on() {
			info.Authors, info.Troubled = len(c.stats.authors), c.stats.troubled
		} else {
			authors := map[string]bool{}
			for _, m := range c.members {
				authors[m.Author] = true
				if m.trouble {
					info.Troubled++
				}
			}
			info.Authors = len(authors)
		}
		type tw struct {
			w string
			s float64
		}
		var tws []tw
		for h, n := range c.counts {
			if n > 1 || c.n == 1 {
				tws = append(tws, tw{c.words[h], float64(n) * d.idf(h)})
			}
		}
		sort.Slice(tws, func(i, j int) bool { return tws[i].s > tws[j].s })
		for i := 0; i < len(tws) && i < 5; i++ {
			info.Terms = append(info.Terms, tws[i].w)
		}
		if len(c.samples) > 0 {
			info.Title = c.samples[0]
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Reports != out[j].Reports {
			return out[i].Reports > out[j].Reports
		}
		return out[i].ID < out[j].ID
	})
	return out
}
