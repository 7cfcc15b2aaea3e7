package insight

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
)

// Report is what one analytics page shows: sections, each a chart with
// the table of the numbers it draws.
type Report struct {
	Title string
	Intro string
	Empty string // shown instead of the sections when set
	// Summary is one sentence with the page's headline numbers, for the
	// overview.
	Summary  string
	Sections []Section
}

// Section is one chart and its data table. The CSV export writes the
// tables exactly as the page shows them.
type Section struct {
	ID      string
	Title   string
	Desc    string
	Chart   template.HTML
	Columns []string
	Rows    [][]string
}

// WriteCSV writes every section's table: a line "section,<title>", the
// header, the rows and a blank line between sections.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	for i, s := range r.Sections {
		if i > 0 {
			if err := cw.Write([]string{""}); err != nil {
				return err
			}
		}
		if err := cw.Write([]string{"section", s.Title}); err != nil {
			return err
		}
		if err := cw.Write(s.Columns); err != nil {
			return err
		}
		for _, row := range s.Rows {
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV parses a CSV written by WriteCSV back into titled tables, for
// tests and for tools that load the export.
func ReadCSV(rd io.Reader) ([]Section, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	var out []Section
	var cur *Section
	for _, rec := range recs {
		switch {
		case len(rec) == 2 && rec[0] == "section":
			out = append(out, Section{Title: rec[1]})
			cur = &out[len(out)-1]
		case cur == nil:
			return nil, fmt.Errorf("the CSV does not start with a section line")
		case cur.Columns == nil:
			cur.Columns = rec
		default:
			cur.Rows = append(cur.Rows, rec)
		}
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// percent formats part/whole as a whole-number percentage, "-" when
// whole is 0.
func percent(part, whole int) string {
	if whole == 0 {
		return "-"
	}
	return strconv.FormatFloat(math.Round(float64(part)*1000/float64(whole))/10, 'f', -1, 64) + "%"
}

func percentValue(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(float64(part)*1000/float64(whole)) / 10
}

// hours formats a duration in hours with one decimal, "-" when there is
// none.
func hours(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(math.Round(d.Hours()*10)/10, 'f', 1, 64)
}

// median returns the median of ds and whether there was any.
func median(ds []time.Duration) (time.Duration, bool) {
	if len(ds) == 0 {
		return 0, false
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// counted is a label and a count, for top lists.
type counted struct {
	Label string
	N     int
}

// top sorts counts by count descending then label, keeping at most n.
func top(m map[string]int, n int) []counted {
	out := make([]counted, 0, len(m))
	for k, v := range m {
		out = append(out, counted{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
