package listening

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// chatter returns varied ordinary posts for a background.
func chatter(n int) []Report {
	topics := []string{"lunch was great today", "who is going to the party", "nice weather this weekend", "new coffee machine on floor two",
		"meeting moved to three", "welcome our new colleague", "the canteen menu looks good", "football match tonight", "book club on thursday", "parking lot repainting next week"}
	var out []Report
	for i := 0; i < n; i++ {
		out = append(out, Report{ID: int64(i + 1), Channel: "slack", Author: fmt.Sprint("bg", i%50), Text: topics[i%len(topics)] + fmt.Sprintf(" %c", 'a'+i%26), At: t0.Add(time.Duration(i) * 20 * time.Second)})
	}
	return out
}

func TestDetectorChatterDoesNotFire(t *testing.T) {
	// The trouble check is off: chatter must not fire on the other rules
	// alone (TestDetectorNeedsTrouble tests the check).
	d := NewDetector(DetectorOptions{TroubleShare: -1})
	for _, r := range chatter(3000) {
		if o := d.Observe(r); o.Fired {
			t.Fatalf("chatter fired an outage: %q", o.Title)
		}
	}
}

func TestDetectorThresholds(t *testing.T) {
	burst := func(d *Detector, start time.Time, authors, channels int, n int) (fired int, firstAt time.Time) {
		for i := 0; i < n; i++ {
			o := d.Observe(Report{ID: int64(1000 + i), Channel: fmt.Sprint("ch", i%channels), Author: fmt.Sprint("a", i%authors),
				Text: []string{"vpn keeps dropping", "the vpn disconnected again", "vpn drops every minute", "my vpn is disconnecting"}[i%4] + fmt.Sprint(" ", i),
				At:   start.Add(time.Duration(i) * 30 * time.Second)})
			if o.Fired {
				fired++
				firstAt = start.Add(time.Duration(i) * 30 * time.Second)
			}
		}
		return fired, firstAt
	}
	warm := func(o DetectorOptions) *Detector {
		d := NewDetector(o)
		for _, r := range chatter(600) {
			d.Observe(r)
		}
		return d
	}
	start := t0.Add(4 * time.Hour)
	// Enough people: exactly one outage, at the fifth report. The
	// dashboard names its words as people wrote them, not their stems.
	d := warm(DetectorOptions{})
	if n, at := burst(d, start, 10, 1, 10); n != 1 || !at.Equal(start.Add(4*30*time.Second)) {
		t.Errorf("10 reports from 10 people: fired %d at %v, want once at the fifth", n, at)
	}
	if cs := d.Clusters(5); len(cs) == 0 || !slices.Contains(cs[0].Terms, "vpn") || !slices.Contains(cs[0].Terms, "dropping") {
		t.Errorf("the outage's words are not as written: %+v", cs)
	}
	// Three people repeating themselves are not four people.
	if n, _ := burst(warm(DetectorOptions{}), start, 3, 1, 12); n != 0 {
		t.Errorf("3 authors fired %d outages, want 0", n)
	}
	// Channels: demanding two channels holds it back on one.
	if n, _ := burst(warm(DetectorOptions{MinChannels: 2}), start, 10, 1, 10); n != 0 {
		t.Errorf("one channel with MinChannels 2 fired %d, want 0", n)
	}
	if n, _ := burst(warm(DetectorOptions{MinChannels: 2}), start, 10, 2, 10); n != 1 {
		t.Errorf("two channels with MinChannels 2 fired %d, want 1", n)
	}
	// Reports spread wider than the window do not add up.
	d = warm(DetectorOptions{Window: time.Minute})
	fired := 0
	for i := 0; i < 8; i++ {
		if d.Observe(Report{Channel: "x", Author: fmt.Sprint("p", i), Text: "vpn keeps dropping", At: start.Add(time.Duration(i) * 5 * time.Minute)}).Fired {
			fired++
		}
	}
	if fired != 0 {
		t.Errorf("reports 5 minutes apart with a 1-minute window fired %d", fired)
	}
}

func TestDetectorDedupeAndLaterReports(t *testing.T) {
	d := NewDetector(DetectorOptions{})
	for _, r := range chatter(300) {
		d.Observe(r)
	}
	at := t0.Add(3 * time.Hour)
	// The same author saying the same thing twice is one report.
	d.Observe(Report{Author: "alice", Channel: "x", Text: "email is not syncing on my phone", At: at})
	if o := d.Observe(Report{Author: "alice", Channel: "x", Text: "Email is not syncing on my phone!!", At: at.Add(time.Second)}); !o.Duplicate {
		t.Errorf("repeat by the same author not flagged as duplicate: %+v", o)
	}
	var incident int64
	for i := 0; i < 6; i++ {
		o := d.Observe(Report{ID: int64(i + 1), Author: fmt.Sprint("p", i), Channel: "x", Text: "outlook email not syncing " + fmt.Sprint(i), At: at.Add(time.Duration(i+2) * time.Second)})
		if o.Fired {
			incident = o.Cluster
		}
	}
	if incident == 0 {
		t.Fatal("no outage")
	}
	// A later report joins the same outage instead of opening another.
	o := d.Observe(Report{ID: 99, Author: "late", Channel: "y", Text: "email stopped syncing", At: at.Add(20 * time.Minute)})
	if o.Fired || !o.Outage || o.Cluster != incident || len(o.Members) == 0 || o.Members[len(o.Members)-1].ID != 99 {
		t.Errorf("late report: %+v, want it linked to cluster %d", o, incident)
	}
}

func TestDetectorBoundedMemory(t *testing.T) {
	d := NewDetector(DetectorOptions{MaxPosts: 500, MaxClusters: 200})
	for i := 0; i < 20000; i++ {
		d.Observe(Report{Author: fmt.Sprint("u", i), Channel: "x", Text: fmt.Sprintf("word%c%c topic%c thing%c", 'a'+i%26, 'a'+(i/26)%26, 'a'+(i/7)%26, 'a'+(i/3)%26), At: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	if n := len(d.window) - d.head; n > 500 {
		t.Errorf("window holds %d posts, want <= 500", n)
	}
	if len(d.clusters) > 200 {
		t.Errorf("%d clusters, want <= 200", len(d.clusters))
	}
	if d.order.Len() > 2*200+1024 || len(d.renamed) > 4096+500 {
		t.Errorf("bookkeeping grew: %d queued cluster ids, %d renames", d.order.Len(), len(d.renamed))
	}
	if len(d.authors) > 500 {
		t.Errorf("%d authors remembered, want <= 500", len(d.authors))
	}
}

// popularChatter is two hours of chatter in which one everyday topic (the
// match tonight) comes up in every fourth post, from many people on two
// channels, one post a minute.
func popularChatter() []Report {
	match := []string{"anyone watching the match tonight", "who is coming to watch the match tonight", "the match tonight should be good",
		"watching the match tonight at the pub", "big match tonight, who is in"}
	var out []Report
	for i := range 120 {
		text := []string{"lunch was great today", "nice weather this weekend", "meeting moved to three", "welcome our new colleague",
			"book club on thursday", "parking lot repainting next week"}[i%6] + fmt.Sprintf(" %c", 'a'+i%26)
		if i%4 == 0 {
			text = match[(i/4)%len(match)]
		}
		out = append(out, Report{ID: int64(i + 1), Channel: fmt.Sprint("chat", i%2), Author: fmt.Sprint("bg", i%40), Text: text, At: t0.Add(time.Duration(i) * time.Minute)})
	}
	return out
}

// TestDetectorBackground checks that posts from before the window, given
// to Background, teach a detector started mid-stream which words are
// everyday chatter, as a detector that saw the whole stream knows: an
// evening of match talk then does not fire, though it does fire on a
// detector that starts cold. A real outage still fires after the
// background.
func TestDetectorBackground(t *testing.T) {
	history := popularChatter()
	evening := t0.Add(2 * time.Hour)
	var talk []Report
	for i := range 8 {
		talk = append(talk, Report{ID: int64(500 + i), Channel: fmt.Sprint("chat", i%2), Author: fmt.Sprint("fan", i),
			Text: []string{"anyone watching the match tonight", "the match tonight is on at eight", "match tonight, who is in", "watching the match tonight"}[i%4],
			At:   evening.Add(time.Duration(i) * time.Minute)})
	}
	fires := func(d *Detector, reports []Report) bool {
		fired := false
		for _, r := range reports {
			fired = d.Observe(r).Fired || fired
		}
		return fired
	}
	// The match talk describes no trouble; the trouble check is off here,
	// so that the test shows what the background does on its own.
	opts := DetectorOptions{TroubleShare: -1}
	cold := NewDetector(opts)
	if !fires(cold, talk) {
		t.Fatal("a cold detector did not fire on the match talk; the test no longer shows what the background is for")
	}
	whole := NewDetector(opts)
	if fires(whole, history) || fires(whole, talk) {
		t.Fatal("a detector that saw the whole stream fired on everyday chatter")
	}
	warm := NewDetector(opts)
	for _, r := range history {
		warm.Background(r.Text)
	}
	if warm.docs != float64(len(history)) || len(warm.df) == 0 {
		t.Fatalf("background holds %v posts and %d words, want %d posts", warm.docs, len(warm.df), len(history))
	}
	if fires(warm, talk) {
		t.Error("a detector given the earlier posts as background fired on the match talk")
	}
	var vpn []Report
	for i := range 8 {
		vpn = append(vpn, Report{ID: int64(600 + i), Channel: fmt.Sprint("ch", i%2), Author: fmt.Sprint("u", i),
			Text: []string{"vpn keeps dropping", "the vpn disconnected again", "vpn drops every minute", "my vpn is disconnecting"}[i%4],
			At:   evening.Add(time.Duration(20+i) * time.Minute)})
	}
	if !fires(warm, vpn) {
		t.Error("a VPN outage did not fire after the background")
	}
}

// TestDetectorNeedsTrouble checks that bursts of office chatter with
// unusual words (a promotion, an all-hands, a farewell) do not open an
// outage, because too few of their posts describe trouble, while a burst of
// the same shape about a failure does.
func TestDetectorNeedsTrouble(t *testing.T) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(t, start)
	bursts := []struct {
		name   string
		texts  []string
		outage bool
	}{
		{"promotion", []string{"Congratulations Maria on the promotion!", "congrats maria, well deserved promotion", "Huge congrats to Maria 🎉",
			"Maria's promotion party at 4pm in the kitchen", "well done Maria, congrats on the new role", "cake for Maria's promotion in the kitchen"}, false},
		{"all-hands", []string{"all-hands starting now, link in the calendar", "great all-hands today", "who's joining the all-hands from Lisbon?",
			"the all-hands recording will be shared later", "loved the all-hands demo", "all-hands: the new office opens in May"}, false},
		{"farewell", []string{"Sad to see you go Tom, good luck!", "we'll miss you Tom", "farewell drinks for Tom at 6",
			"Tom's last day today :(", "good luck Tom, it was great working with you", "can't believe it's Tom's last day"}, false},
		{"badge readers", []string{"badge reader at the Lisbon entrance rejects my card", "the badge readers in Lisbon are down",
			"my badge stopped working at the Lisbon door", "anyone else locked out in Lisbon? badge not working",
			"Lisbon badge reader keeps failing", "badge readers broken at the Lisbon office"}, true},
	}
	run := func(opts DetectorOptions) map[string]bool {
		d := NewDetector(opts)
		for _, r := range stream[:len(stream)/2] {
			d.Background(r.Text)
		}
		fired := map[string]bool{}
		at := start.Add(48 * time.Hour)
		for bi, b := range bursts {
			at = at.Add(time.Hour)
			for i := range 10 {
				r := Report{ID: int64(10_000*bi + i), Channel: fmt.Sprint("ch", i%3), Author: fmt.Sprint(b.name, i%8),
					Text: b.texts[i%len(b.texts)], At: at.Add(time.Duration(i) * 40 * time.Second)}
				if d.Observe(r).Fired {
					fired[b.name] = true
				}
			}
		}
		return fired
	}
	fired := run(DetectorOptions{})
	for _, b := range bursts {
		if fired[b.name] != b.outage {
			t.Errorf("burst %q: outage %v, want %v", b.name, fired[b.name], b.outage)
		}
	}
	// Without the trouble check every burst fires: it is the check, not
	// the background, that holds the chatter back.
	off := run(DetectorOptions{TroubleShare: -1})
	for _, b := range bursts {
		if !off[b.name] {
			t.Errorf("burst %q did not fire with the trouble check off; the test no longer shows what the check is for", b.name)
		}
	}
}

// TestMemberStatsFollowMembers checks the counts a cluster keeps of its
// members' terms, authors and channels, which decide whether it is an
// outage, against a count from scratch, while a dense stream with bursts
// makes clusters join, merge, fire and lose reports to the window.
func TestMemberStatsFollowMembers(t *testing.T) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(t, start)
	stream = stream[:min(len(stream), 6000)]
	for i := range stream {
		stream[i].At = start.Add(time.Duration(i) * 50 * time.Millisecond)
	}
	stream = withBursts(stream, makeBursts(rand.New(rand.NewPCG(3, 3)), []time.Time{start.Add(time.Minute), start.Add(2 * time.Minute), start.Add(3 * time.Minute)}, 1_000_000))
	d := NewDetector(DetectorOptions{})
	fired := 0
	for i, r := range stream {
		if d.Observe(r).Fired {
			fired++
		}
		if i%97 != 0 && i != len(stream)-1 {
			continue
		}
		for _, c := range d.clusters {
			if !c.stats.on() {
				if !c.outage && len(c.members) >= d.opts.MinReports {
					t.Fatalf("post %d: cluster %d has %d members and does not count them", i, c.id, len(c.members))
				}
				continue
			}
			var want memberStats
			for _, m := range c.members {
				want.add(m, 1)
			}
			if len(c.members) == 0 {
				want = memberStats{}
			}
			if len(c.stats.terms) != len(want.terms) || fmt.Sprint(c.stats.authors) != fmt.Sprint(want.authors) ||
				fmt.Sprint(c.stats.channels) != fmt.Sprint(want.channels) || fmt.Sprint(c.stats.terms) != fmt.Sprint(want.terms) ||
				c.stats.troubled != want.troubled {
				t.Fatalf("post %d: cluster %d with %d members counts %d terms, %v, %v, %d troubled; its members have %d terms, %v, %v, %d troubled",
					i, c.id, len(c.members), len(c.stats.terms), c.stats.authors, c.stats.channels, c.stats.troubled,
					len(want.terms), want.authors, want.channels, want.troubled)
			}
			if !slices.IsSortedFunc(c.members, func(a, b member) int { return a.At.Compare(b.At) }) {
				t.Fatalf("post %d: cluster %d's members are out of time order", i, c.id)
			}
		}
	}
	if merged := len(d.renamed); fired == 0 || merged == 0 {
		t.Errorf("the stream fired %d outages and merged %d clusters; the test needs both", fired, merged)
	}
}

// TestMergeByTime checks the merge of two time-ordered lists of members
// against a stable sort of the two lists one after the other.
func TestMergeByTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		list := func(tag int64) []member {
			ms := make([]member, r.IntN(8))
			for i := range ms {
				ms[i] = member{Report: Report{ID: tag*100 + int64(i), At: t0.Add(time.Duration(r.IntN(10)) * time.Second)}}
			}
			slices.SortStableFunc(ms, func(a, b member) int { return a.At.Compare(b.At) })
			return ms
		}
		a, b := list(1), list(2)
		want := append(append([]member(nil), a...), b...)
		slices.SortStableFunc(want, func(x, y member) int { return x.At.Compare(y.At) })
		got := mergeByTime(slices.Clip(a), b)
		if fmt.Sprint(reports(got)) != fmt.Sprint(reports(want)) {
			t.Fatalf("mergeByTime(%v, %v) = %v, want %v", reports(a), reports(b), reports(got), reports(want))
		}
	}
}

// TestTermsSkipPlaceholders checks that redaction placeholders are not
// content words, while other bracketed text still is, and that a term
// keeps the word as written, not its stem.
func TestTermsSkipPlaceholders(t *testing.T) {
	words := func(text string) []string {
		var out []string
		terms, _ := appendTerms(nil, text, 40)
		for _, tm := range terms {
			out = append(out, tm.word)
		}
		return out
	}
	for text, want := range map[string]string{
		"mail me at [EMAIL] about the vpn":      "[mail vpn]",
		"[NAME] says [PHONE] and [NATIONAL_ID]": "[says]",
		"[email] lower case stays a word":       "[email lower case stays word]",
		"an [UNCLOSED placeholder":              "[unclosed placeholder]",
		"[EMAIL][EMAIL] printer jammed":         "[printer jammed]",
		// Words with one stem are one term, shown as first written.
		"Syncing fails, synced once, sync never": "[syncing fails once never]",
	} {
		if got := fmt.Sprint(words(text)); got != want {
			t.Errorf("terms of %q = %s, want %s", text, got, want)
		}
	}
}

// TestDetectorDeterministic feeds the same dense stream with bursts to two
// detectors: every outcome must be the same, so a replay after a restart
// or a hand-over rebuilds the clusters the first detector had. (Sums over
// a cluster's words in map order made them differ by a rounding error,
// enough to send a post to another cluster now and then.)
func TestDetectorDeterministic(t *testing.T) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	stream := loadBackground(t, start)
	for i := range stream {
		stream[i].At = start.Add(time.Duration(i) * 50 * time.Millisecond)
	}
	span := stream[len(stream)-1].At.Sub(start)
	stream = withBursts(stream, makeBursts(rand.New(rand.NewPCG(7, 7)), []time.Time{start.Add(span / 4), start.Add(span / 2), start.Add(3 * span / 4)}, 1_000_000))
	a, b := NewDetector(DetectorOptions{}), NewDetector(DetectorOptions{})
	describe := func(o Outcome) string {
		ids := make([]int64, 0, len(o.Members))
		for _, m := range o.Members {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		return fmt.Sprintf("cluster %d duplicate %v outage %v fired %v members %v title %q", o.Cluster, o.Duplicate, o.Outage, o.Fired, ids, o.Title)
	}
	fired := 0
	for i, r := range stream {
		oa, ob := describe(a.Observe(r)), describe(b.Observe(r))
		if oa != ob {
			t.Fatalf("post %d (%q): %s, then %s", i, r.Text, oa, ob)
		}
		if strings.Contains(oa, "fired true") {
			fired++
		}
	}
	if fired == 0 {
		t.Error("no outage fired; the test needs one")
	}
}

// TestMergeIntoOutageKeepsItsWords checks that a cluster merged into an
// outage adds its reports but not its words, so that the outage is not
// pulled towards the chatter around it, while a cluster merged into an
// ordinary cluster adds both.
func TestMergeIntoOutageKeepsItsWords(t *testing.T) {
	d := NewDetector(DetectorOptions{})
	observe := func(id int64, text string) *cluster {
		o := d.Observe(Report{ID: id, Author: fmt.Sprint("a", id), Channel: "x", Text: text, At: t0.Add(time.Duration(id) * time.Second)})
		return d.clusters[o.Cluster]
	}
	vpn, printer, badge := observe(1, "vpn dropping"), observe(2, "printer jammed"), observe(3, "badge reader broken")
	if vpn == nil || printer == nil || badge == nil || vpn == printer || printer == badge {
		t.Fatal("the three posts did not start three clusters")
	}
	vpn.outage = true
	before := maps.Clone(vpn.counts)
	d.merge(vpn, printer)
	if !maps.Equal(before, vpn.counts) || len(vpn.vocab) != len(before) {
		t.Errorf("the outage's words changed from %v to %v", before, vpn.counts)
	}
	if d.clusters[printer.id] != nil || vpn.n != 2 {
		t.Errorf("after the merge: printer cluster still there %v, outage has %d reports, want 2", d.clusters[printer.id] != nil, vpn.n)
	}
	n := len(printer.counts)
	d.merge(badge, observe(4, "monitor flickering"))
	if len(badge.counts) <= n {
		t.Errorf("an ordinary cluster did not take the merged cluster's words: %v", badge.counts)
	}
}
