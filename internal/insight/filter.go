// Package insight is socialdesk's analytics: pages under /analytics with
// server-rendered SVG charts, a data table beside each chart and a CSV
// export of the same numbers; the weekly digests; and the operational
// metrics served at /metrics.
package insight

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

const dateLayout = "2006-01-02"

// Filter is the date range and filters of an analytics page, read from
// and written back to the URL query so links keep them.
type Filter struct {
	From, To time.Time // UTC midnights; To is exclusive
	GroupID  int64
	Channel  string
	Priority int
	Site     string
}

// ParseFilter reads the filter from the query. The range defaults to the
// 28 days up to and including today; "to" is the last day included.
func ParseFilter(q url.Values, now time.Time) (Filter, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	f := Filter{To: today.AddDate(0, 0, 1)}
	f.From = f.To.AddDate(0, 0, -28)
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		t, err := time.Parse(dateLayout, v)
		if err != nil {
			return f, socialdesk.FieldError("from", "The start date must look like 2026-01-31.")
		}
		f.From = t
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		t, err := time.Parse(dateLayout, v)
		if err != nil {
			return f, socialdesk.FieldError("to", "The end date must look like 2026-01-31.")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	if !f.From.Before(f.To) {
		return f, socialdesk.FieldError("from", "The start date must be on or before the end date.")
	}
	if f.To.Sub(f.From) > 3*366*24*time.Hour {
		return f, socialdesk.FieldError("from", "Choose a range of at most three years.")
	}
	if v := strings.TrimSpace(q.Get("group")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return f, socialdesk.FieldError("group", "Choose a group from the list.")
		}
		f.GroupID = id
	}
	if v := strings.TrimSpace(q.Get("priority")); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 5 {
			return f, socialdesk.FieldError("priority", "Priority is a number from 1 to 5.")
		}
		f.Priority = p
	}
	f.Channel = strings.TrimSpace(q.Get("channel"))
	f.Site = strings.TrimSpace(q.Get("site"))
	return f, nil
}

// Query writes the filter back as URL query parameters, leaving out the
// unset ones.
func (f Filter) Query() url.Values {
	q := url.Values{}
	q.Set("from", f.From.Format(dateLayout))
	q.Set("to", f.To.AddDate(0, 0, -1).Format(dateLayout))
	if f.GroupID != 0 {
		q.Set("group", strconv.FormatInt(f.GroupID, 10))
	}
	if f.Channel != "" {
		q.Set("channel", f.Channel)
	}
	if f.Priority != 0 {
		q.Set("priority", strconv.Itoa(f.Priority))
	}
	if f.Site != "" {
		q.Set("site", f.Site)
	}
	return q
}

// FromDate and ToDate are the range as the form shows it.
func (f Filter) FromDate() string { return f.From.Format(dateLayout) }

// ToDate is the last day included.
func (f Filter) ToDate() string { return f.To.AddDate(0, 0, -1).Format(dateLayout) }

func (f Filter) store() store.InsightFilter {
	return store.InsightFilter{From: f.From, To: f.To, GroupID: f.GroupID, Channel: f.Channel, Priority: f.Priority, Site: f.Site}
}

// Buckets splits the range into periods: days for ranges up to 62 days,
// weeks starting on Monday otherwise.
func (f Filter) Buckets() []Bucket {
	var out []Bucket
	if f.To.Sub(f.From) <= 62*24*time.Hour {
		for d := f.From; d.Before(f.To); d = d.AddDate(0, 0, 1) {
			out = append(out, Bucket{Start: d, End: d.AddDate(0, 0, 1), Label: d.Format(dateLayout)})
		}
		return out
	}
	start := f.From
	for start.Before(f.To) {
		end := start.AddDate(0, 0, 1)
		for end.Weekday() != time.Monday {
			end = end.AddDate(0, 0, 1)
		}
		if end.After(f.To) {
			end = f.To
		}
		out = append(out, Bucket{Start: start, End: end, Label: "week of " + start.Format(dateLayout)})
		start = end
	}
	return out
}

// Bucket is one period of a trend.
type Bucket struct {
	Start, End time.Time
	Label      string
}

// index returns which bucket t falls in, or -1.
func index(bs []Bucket, t time.Time) int {
	for i, b := range bs {
		if !t.Before(b.Start) && t.Before(b.End) {
			return i
		}
	}
	return -1
}
