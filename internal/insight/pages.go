package insight

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/internal/store"
)

// page is one analytics page: its URL name, its title and how it is built.
type page struct {
	Name  string
	Title string
	build func(s *Service, ctx context.Context, f *input) (*Report, error)
}

// input is what the reports of one request read: the filter, and the
// tickets it selects. Four reports use those tickets; the overview builds
// them all, so the tickets are loaded once per input, not once per report.
// The reports share the slice, so they must not reorder or change it.
type input struct {
	Filter
	db      insightStore
	tickets []store.InsightTicket
	loaded  bool
}

// insightStore is the part of the store that input loads tickets from.
type insightStore interface {
	InsightTickets(ctx context.Context, f store.InsightFilter) ([]store.InsightTicket, error)
}

func newInput(db insightStore, f Filter) *input { return &input{Filter: f, db: db} }

// Tickets returns the tickets created in the filter's range that match
// its other fields, reading them from the store on the first call only.
func (in *input) Tickets(ctx context.Context) ([]store.InsightTicket, error) {
	if in.loaded {
		return in.tickets, nil
	}
	ts, err := in.db.InsightTickets(ctx, in.store())
	if err != nil {
		return nil, err
	}
	in.tickets, in.loaded = ts, true
	return ts, nil
}

// pages lists the analytics pages in the order of the navigation.
var pages = []page{
	{"problems", "Top problems", (*Service).problems},
	{"channels", "Channel mix", (*Service).channels},
	{"sla", "SLA compliance", (*Service).sla},
	{"deflection", "Deflection", (*Service).deflection},
	{"community", "Community health", (*Service).community},
	{"searches", "Failed searches", (*Service).searches},
	{"listening", "Social listening", (*Service).listening},
}

func pageByName(name string) (page, bool) {
	for _, p := range pages {
		if p.Name == name {
			return p, true
		}
	}
	return page{}, false
}

func labels(bs []Bucket) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Label
	}
	return out
}

// problems groups tickets by service and category, shows the trend of the
// five biggest, and groups community questions by their first tag.
func (s *Service) problems(ctx context.Context, f *input) (*Report, error) {
	ts, err := f.Tickets(ctx)
	if err != nil {
		return nil, err
	}
	key := func(t store.InsightTicket) string { return orNone(t.Service) + " / " + orNone(t.Category) }
	counts := map[string]int{}
	for _, t := range ts {
		counts[key(t)]++
	}
	topN := top(counts, 10)
	r := &Report{Title: "Top problems", Intro: "Tickets created in the range, grouped by service and category, and community questions grouped by their first tag. The site filter uses the requester's or asker's site."}
	byKind := Section{ID: "top", Title: "Tickets by service and category", Columns: []string{"Service / category", "Tickets"}}
	var ls []string
	var vs []float64
	for _, c := range topN {
		byKind.Rows = append(byKind.Rows, []string{c.Label, itoa(c.N)})
		ls, vs = append(ls, c.Label), append(vs, float64(c.N))
	}
	byKind.Desc = fmt.Sprintf("%d tickets; the %d most common service and category pairs.", len(ts), len(topN))
	r.Summary = fmt.Sprintf("%d tickets.", len(ts))
	uncategorised := orNone("") + " / " + orNone("")
	for _, c := range topN {
		if c.Label != uncategorised {
			r.Summary = fmt.Sprintf("%d tickets; the most common problem is %s (%d).", len(ts), c.Label, c.N)
			break
		}
	}
	if n := counts[uncategorised]; n > 0 {
		r.Summary += fmt.Sprintf(" %d have no service or category yet.", n)
	}
	byKind.Chart = hbars("problems-"+byKind.ID, byKind.Title, byKind.Desc, ls, vs, "")
	r.Sections = append(r.Sections, byKind)

	bs := f.Buckets()
	trend := Section{ID: "trend", Title: "Trend of the top five", Columns: []string{"Period"}}
	n := min(5, len(topN))
	series := make([]Series, n)
	for i := range n {
		series[i] = Series{Name: topN[i].Label, Values: make([]float64, len(bs))}
		trend.Columns = append(trend.Columns, topN[i].Label)
	}
	pos := map[string]int{}
	for i := range n {
		pos[topN[i].Label] = i
	}
	for _, t := range ts {
		if i, ok := pos[key(t)]; ok {
			if b := index(bs, t.CreatedAt); b >= 0 {
				series[i].Values[b]++
			}
		}
	}
	for bi, b := range bs {
		row := []string{b.Label}
		for i := range n {
			row = append(row, num(series[i].Values[bi]))
		}
		trend.Rows = append(trend.Rows, row)
	}
	trend.Desc = "Tickets per period for the five most common service and category pairs, stacked."
	trend.Chart = stackedBars("problems-"+trend.ID, trend.Title, trend.Desc, labels(bs), series)
	r.Sections = append(r.Sections, trend)

	qs, err := s.db.InsightQuestions(ctx, f.From, f.To, f.Site)
	if err != nil {
		return nil, err
	}
	tags := map[string]int{}
	tagOf := make([]string, len(qs))
	for i, q := range qs {
		var list []string
		json.Unmarshal([]byte(q.Tags), &list)
		tag := "(untagged)"
		if len(list) > 0 {
			tag = list[0]
		}
		tags[tag]++
		tagOf[i] = tag
	}
	qsec := Section{ID: "questions", Title: "Community questions by tag", Columns: []string{"Tag", "Questions"}}
	ls, vs = nil, nil
	for _, c := range top(tags, 10) {
		qsec.Rows = append(qsec.Rows, []string{c.Label, itoa(c.N)})
		ls, vs = append(ls, c.Label), append(vs, float64(c.N))
	}
	qsec.Desc = fmt.Sprintf("%d questions asked in the range, by first tag.", len(qs))
	qsec.Chart = hbars("problems-"+qsec.ID, qsec.Title, qsec.Desc, ls, vs, "")
	r.Sections = append(r.Sections, qsec)

	topTags := top(tags, 5)
	qtrend := Section{ID: "question-trend", Title: "Question trend of the top five tags", Columns: []string{"Period"}}
	qseries := make([]Series, len(topTags))
	tpos := map[string]int{}
	for i, c := range topTags {
		qseries[i] = Series{Name: c.Label, Values: make([]float64, len(bs))}
		tpos[c.Label] = i
		qtrend.Columns = append(qtrend.Columns, c.Label)
	}
	for i, q := range qs {
		if k, ok := tpos[tagOf[i]]; ok {
			if b := index(bs, q.CreatedAt); b >= 0 {
				qseries[k].Values[b]++
			}
		}
	}
	for bi, b := range bs {
		row := []string{b.Label}
		for k := range qseries {
			row = append(row, num(qseries[k].Values[bi]))
		}
		qtrend.Rows = append(qtrend.Rows, row)
	}
	qtrend.Desc = "Questions per period for the five most common tags, stacked."
	qtrend.Chart = stackedBars("problems-"+qtrend.ID, qtrend.Title, qtrend.Desc, labels(bs), qseries)
	r.Sections = append(r.Sections, qtrend)
	return r, nil
}

// channels shows how tickets arrived over time.
func (s *Service) channels(ctx context.Context, f *input) (*Report, error) {
	ts, err := f.Tickets(ctx)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, t := range ts {
		counts[orNone(t.Channel)]++
	}
	all := top(counts, len(counts))
	r := &Report{Title: "Channel mix", Intro: "Tickets created in the range by the channel they arrived through."}
	tot := Section{ID: "totals", Title: "Tickets by channel", Columns: []string{"Channel", "Tickets", "Share"}}
	var ls []string
	var vs []float64
	for _, c := range all {
		tot.Rows = append(tot.Rows, []string{c.Label, itoa(c.N), percent(c.N, len(ts))})
		ls, vs = append(ls, c.Label), append(vs, float64(c.N))
	}
	tot.Desc = fmt.Sprintf("%d tickets across %d channels.", len(ts), len(all))
	r.Summary = tot.Desc
	if len(all) > 0 {
		r.Summary = fmt.Sprintf("%d tickets across %d channels; %s of them through %s.", len(ts), len(all), percent(all[0].N, len(ts)), all[0].Label)
	}
	tot.Chart = hbars("channels-"+tot.ID, tot.Title, tot.Desc, ls, vs, "")
	bs := f.Buckets()
	trend := Section{ID: "mix", Title: "Channel mix over time", Columns: []string{"Period"}}
	series := make([]Series, len(all))
	pos := map[string]int{}
	for i, c := range all {
		series[i] = Series{Name: c.Label, Values: make([]float64, len(bs))}
		pos[c.Label] = i
		trend.Columns = append(trend.Columns, c.Label)
	}
	for _, t := range ts {
		if b := index(bs, t.CreatedAt); b >= 0 {
			series[pos[orNone(t.Channel)]].Values[b]++
		}
	}
	for bi, b := range bs {
		row := []string{b.Label}
		for i := range series {
			row = append(row, num(series[i].Values[bi]))
		}
		trend.Rows = append(trend.Rows, row)
	}
	trend.Desc = "Tickets per period, stacked by channel."
	trend.Chart = stackedBars("channels-"+trend.ID, trend.Title, trend.Desc, labels(bs), series)
	r.Sections = append(r.Sections, trend, tot)
	return r, nil
}

// slaStats accumulates SLA outcomes for one group or priority.
type slaStats struct {
	tickets                   int
	respMet, respDue          int
	resMet, resDue            int
	firstResponse, resolution []time.Duration
}

func (st *slaStats) add(t store.InsightTicket, now time.Time) {
	st.tickets++
	// A target counts once it is decided: met or missed, or still running
	// past its due time (missed).
	if !t.ResponseDue.IsZero() {
		switch {
		case !t.RespondedAt.IsZero():
			st.respDue++
			if !t.RespondedAt.After(t.ResponseDue) {
				st.respMet++
			}
		case now.After(t.ResponseDue):
			st.respDue++
		}
	}
	if !t.ResolutionDue.IsZero() {
		switch {
		case !t.ResolvedAt.IsZero():
			st.resDue++
			if !t.ResolvedAt.After(t.ResolutionDue) {
				st.resMet++
			}
		case now.After(t.ResolutionDue):
			st.resDue++
		}
	}
	if !t.RespondedAt.IsZero() {
		st.firstResponse = append(st.firstResponse, t.RespondedAt.Sub(t.CreatedAt))
	}
	if !t.ResolvedAt.IsZero() {
		st.resolution = append(st.resolution, t.ResolvedAt.Sub(t.CreatedAt))
	}
}

func (st *slaStats) row(label string) []string {
	fr, frOK := median(st.firstResponse)
	rs, rsOK := median(st.resolution)
	return []string{label, itoa(st.tickets), fmt.Sprintf("%d of %d", st.respMet, st.respDue), percent(st.respMet, st.respDue),
		fmt.Sprintf("%d of %d", st.resMet, st.resDue), percent(st.resMet, st.resDue), hours(fr, frOK), hours(rs, rsOK)}
}

// sla shows response and resolution compliance and times per group and
// per priority.
func (s *Service) sla(ctx context.Context, f *input) (*Report, error) {
	ts, err := f.Tickets(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	groups, prios, all := map[string]*slaStats{}, map[string]*slaStats{}, &slaStats{}
	for _, t := range ts {
		all.add(t, now)
		g := t.GroupName
		if t.GroupID == 0 || g == "" {
			g = "(unassigned)"
		}
		p := fmt.Sprintf("P%d", t.Priority)
		if groups[g] == nil {
			groups[g] = &slaStats{}
		}
		if prios[p] == nil {
			prios[p] = &slaStats{}
		}
		groups[g].add(t, now)
		prios[p].add(t, now)
	}
	cols := []string{"", "Tickets", "Response met", "Response SLA", "Resolution met", "Resolution SLA", "Median first response (h)", "Median resolution (h)"}
	r := &Report{Title: "SLA compliance", Summary: fmt.Sprintf("%d tickets; response targets met %s (%d of %d decided), resolution targets met %s (%d of %d).",
		all.tickets, percent(all.respMet, all.respDue), all.respMet, all.respDue, percent(all.resMet, all.resDue), all.resMet, all.resDue), Intro: "Tickets created in the range. A target counts once it is decided: met, missed, or still running past its due time. Times are hours from creation."}
	for _, part := range []struct {
		id, title, col string
		m              map[string]*slaStats
	}{{"groups", "By group", "Group", groups}, {"priorities", "By priority", "Priority", prios}} {
		keys := make([]string, 0, len(part.m))
		for k := range part.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sec := Section{ID: part.id, Title: part.title, Columns: append([]string{part.col}, cols[1:]...)}
		var vs []float64
		for _, k := range keys {
			sec.Rows = append(sec.Rows, part.m[k].row(k))
			vs = append(vs, percentValue(part.m[k].respMet, part.m[k].respDue))
		}
		sec.Desc = "Share of decided response targets that were met, by " + strings.ToLower(part.col) + "."
		sec.Chart = hbars("sla-"+sec.ID, "Response SLA met, by "+strings.ToLower(part.col), sec.Desc, keys, vs, "%")
		r.Sections = append(r.Sections, sec)
	}
	return r, nil
}

// deflection compares problems solved without a ticket (deflections and
// searches marked solved) with tickets created.
func (s *Service) deflection(ctx context.Context, f *input) (*Report, error) {
	ts, err := f.Tickets(ctx)
	if err != nil {
		return nil, err
	}
	defl, err := s.db.DeflectionTimes(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	log, err := s.db.SearchLogBetween(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	bs := f.Buckets()
	d, sv, tk := make([]float64, len(bs)), make([]float64, len(bs)), make([]float64, len(bs))
	for _, t := range defl {
		if i := index(bs, t); i >= 0 {
			d[i]++
		}
	}
	for _, e := range log {
		if i := index(bs, e.At); e.Solved && i >= 0 {
			sv[i]++
		}
	}
	for _, t := range ts {
		if i := index(bs, t.CreatedAt); i >= 0 {
			tk[i]++
		}
	}
	sec := Section{ID: "rate", Title: "Deflection by period", Columns: []string{"Period", "Deflections", "Searches solved", "Tickets created", "Deflection rate"}}
	var td, ts2, tt int
	for i, b := range bs {
		a, c, t := int(d[i]), int(sv[i]), int(tk[i])
		td, ts2, tt = td+a, ts2+c, tt+t
		sec.Rows = append(sec.Rows, []string{b.Label, itoa(a), itoa(c), itoa(t), percent(a+c, a+c+t)})
	}
	sec.Rows = append(sec.Rows, []string{"Total", itoa(td), itoa(ts2), itoa(tt), percent(td+ts2, td+ts2+tt)})
	sec.Desc = fmt.Sprintf("Deflection rate %s: %d deflections and %d solved searches against %d tickets.", percent(td+ts2, td+ts2+tt), td, ts2, tt)
	sec.Chart = stackedBars("deflection-"+sec.ID, sec.Title, sec.Desc, labels(bs), []Series{{"Deflections", d}, {"Searches solved", sv}, {"Tickets created", tk}})
	return &Report{Title: "Deflection", Summary: sec.Desc, Intro: "Problems solved without a ticket (an employee said a suggestion helped, or marked a search as solved) against tickets created. The ticket filters apply to tickets only.", Sections: []Section{sec}}, nil
}

// community shows time to first answer, the share of questions answered
// and verified, and active helpers.
func (s *Service) community(ctx context.Context, f *input) (*Report, error) {
	qs, err := s.db.InsightQuestions(ctx, f.From, f.To, f.Site)
	if err != nil {
		return nil, err
	}
	helpers, err := s.db.ActiveHelpers(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	bs := f.Buckets()
	asked, answered := make([]float64, len(bs)), make([]float64, len(bs))
	var nAns, nVer int
	var waits []time.Duration
	for _, q := range qs {
		i := index(bs, q.CreatedAt)
		if i >= 0 {
			asked[i]++
		}
		if !q.FirstAnswer.IsZero() {
			nAns++
			waits = append(waits, q.FirstAnswer.Sub(q.CreatedAt))
			if i >= 0 {
				answered[i]++
			}
		}
		if q.Verified {
			nVer++
		}
	}
	med, ok := median(waits)
	sum := Section{ID: "summary", Title: "Community summary", Columns: []string{"Measure", "Value"}, Rows: [][]string{
		{"Questions asked", itoa(len(qs))},
		{"Answered", itoa(nAns)},
		{"Answered share", percent(nAns, len(qs))},
		{"With a verified answer", itoa(nVer)},
		{"Verified share", percent(nVer, len(qs))},
		{"Median time to first answer (h)", hours(med, ok)},
		{"Active helpers", itoa(helpers)},
	}}
	sum.Desc = fmt.Sprintf("%s of %d questions answered, %s verified, %d active helpers.", percent(nAns, len(qs)), len(qs), percent(nVer, len(qs)), helpers)
	sum.Chart = hbars("community-"+sum.ID, "Answered and verified questions", sum.Desc, []string{"Asked", "Answered", "Verified"}, []float64{float64(len(qs)), float64(nAns), float64(nVer)}, "")
	trend := Section{ID: "questions", Title: "Questions by period", Columns: []string{"Period", "Asked", "Answered"}}
	unanswered := make([]float64, len(bs))
	for i, b := range bs {
		unanswered[i] = asked[i] - answered[i]
		trend.Rows = append(trend.Rows, []string{b.Label, num(asked[i]), num(answered[i])})
	}
	trend.Desc = "Questions asked per period: answered and still unanswered, stacked."
	trend.Chart = stackedBars("community-"+trend.ID, trend.Title, trend.Desc, labels(bs), []Series{{"Answered", answered}, {"Unanswered", unanswered}})
	if len(qs) == 0 {
		sum.Desc = "No questions asked in the range."
	}
	return &Report{Title: "Community health", Summary: sum.Desc, Intro: "Questions asked in the range (duplicates left out); helpers are the people who answered in the range.", Sections: []Section{sum, trend}}, nil
}

// searches lists the searches that found nothing and those where nobody
// opened a result.
func (s *Service) searches(ctx context.Context, f *input) (*Report, error) {
	log, err := s.db.SearchLogBetween(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	none, noClick := map[string]int{}, map[string]int{}
	var nNone, nNoClick int
	for _, e := range log {
		switch {
		case e.Results == 0:
			none[e.Query]++
			nNone++
		case e.Clicked == "" && !e.Solved:
			noClick[e.Query]++
			nNoClick++
		}
	}
	sum := Section{ID: "summary", Title: "Searches", Columns: []string{"Measure", "Searches", "Share"}, Rows: [][]string{
		{"All searches", itoa(len(log)), percent(len(log), len(log))},
		{"Found nothing", itoa(nNone), percent(nNone, len(log))},
		{"Results but no click", itoa(nNoClick), percent(nNoClick, len(log))},
	}}
	sum.Desc = fmt.Sprintf("%d searches: %d found nothing, %d had results nobody opened.", len(log), nNone, nNoClick)
	sum.Chart = hbars("searches-"+sum.ID, sum.Title, sum.Desc, []string{"All searches", "Found nothing", "Results but no click"}, []float64{float64(len(log)), float64(nNone), float64(nNoClick)}, "")
	r := &Report{Title: "Failed searches", Summary: sum.Desc, Intro: "From the search log: what people looked for and did not find. These are the articles to write next.", Sections: []Section{sum}}
	for _, part := range []struct {
		id, title string
		m         map[string]int
	}{{"nothing", "Searches that found nothing", none}, {"noclick", "Searches with no click", noClick}} {
		sec := Section{ID: part.id, Title: part.title, Columns: []string{"Query", "Times"}}
		var ls []string
		var vs []float64
		for _, c := range top(part.m, 20) {
			sec.Rows = append(sec.Rows, []string{c.Label, itoa(c.N)})
			ls, vs = append(ls, c.Label), append(vs, float64(c.N))
		}
		sec.Desc = fmt.Sprintf("The %d most frequent queries.", len(ls))
		sec.Chart = hbars("searches-"+sec.ID, part.title, sec.Desc, ls, vs, "")
		r.Sections = append(r.Sections, sec)
	}
	return r, nil
}

// listening shows social listening volume and precision when the
// listening feature's tables exist. Precision is the share of the posts
// flagged as support requests that agents confirmed, among those they
// judged.
func (s *Service) listening(ctx context.Context, f *input) (*Report, error) {
	posts, ok, err := s.db.ListeningStats(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	r := &Report{Title: "Social listening", Intro: "Posts picked up by social listening, those the classifier flagged as support requests, and precision: of the flagged posts an agent judged, the share confirmed as support."}
	if !ok {
		r.Empty = "No listening data yet: social listening is not set up on this desk."
		return r, nil
	}
	bs := f.Buckets()
	other, confirmed, wrong, unjudged := make([]float64, len(bs)), make([]float64, len(bs)), make([]float64, len(bs)), make([]float64, len(bs))
	for _, p := range posts {
		i := index(bs, p.At)
		switch {
		case i < 0:
		case !p.Flagged:
			other[i]++
		case p.Confirmed == nil:
			unjudged[i]++
		case *p.Confirmed:
			confirmed[i]++
		default:
			wrong[i]++
		}
	}
	sec := Section{ID: "volume", Title: "Listening volume and precision", Columns: []string{"Period", "Posts", "Flagged as support", "Judged", "Confirmed", "Precision"}}
	var tp, tf, tj, tc int
	for i, b := range bs {
		c, j := int(confirmed[i]), int(confirmed[i]+wrong[i])
		fl := j + int(unjudged[i])
		n := fl + int(other[i])
		tp, tf, tj, tc = tp+n, tf+fl, tj+j, tc+c
		sec.Rows = append(sec.Rows, []string{b.Label, itoa(n), itoa(fl), itoa(j), itoa(c), percent(c, j)})
	}
	sec.Rows = append(sec.Rows, []string{"Total", itoa(tp), itoa(tf), itoa(tj), itoa(tc), percent(tc, tj)})
	sec.Desc = fmt.Sprintf("%d posts, %d flagged as support; precision %s of %d judged.", tp, tf, percent(tc, tj), tj)
	sec.Chart = stackedBars("listening-"+sec.ID, sec.Title, sec.Desc, labels(bs), []Series{
		{"Flagged, confirmed", confirmed}, {"Flagged, judged wrong", wrong}, {"Flagged, not judged", unjudged}, {"Not flagged", other}})
	r.Sections, r.Summary = []Section{sec}, sec.Desc
	return r, nil
}
