package insight_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/browsertest"
	"github.com/socialdesk/socialdesk/internal/insight"
)

// readTables reads every data table on the page as the CSV export's
// sections: the title, the header and the body rows.
const readTables = `JSON.stringify(Array.from(document.querySelectorAll('table.data')).map(t => ({
  Title: t.dataset.section,
  Columns: Array.from(t.tHead.rows[0].cells).map(c => c.textContent.trim()),
  Rows: Array.from(t.tBodies[0].rows).filter(r => !r.classList.contains('none')).map(r => Array.from(r.cells).map(c => c.textContent.trim()))
})))`

// TestBrowserAnalyticsPages opens every analytics page in Chromium on the
// seeded desk: no console errors or exceptions, every chart is an
// accessible SVG with a title and description, every table matches the
// CSV export cell for cell, and the links keep the filters.
func TestBrowserAnalyticsPages(t *testing.T) {
	s := seed(t)
	ctx := browsertest.New(t)
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// The desk serves no favicon; that 404 is the browser's own
			// request, not the page's.
			if strings.HasSuffix(m.URL, "/favicon.ico") {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	// The administrator may also export, so the page shows the CSV link.
	browsertest.Login(t, ctx, s.e.Server.URL, "admin@example.com", apptest.Password)
	query := rangeQuery + "&priority=2"
	for _, name := range []string{"problems", "channels", "sla", "deflection", "community", "searches", "listening"} {
		t.Run(name, func(t *testing.T) {
			browsertest.Do(t, ctx,
				chromedp.Navigate(s.e.Server.URL+"/analytics/"+name+"?"+query),
				chromedp.WaitVisible(chromedp.CSS("form.analytics-filters")),
			)
			if name == "listening" && !listeningMigrated(t) {
				if txt := browsertest.Text(t, ctx, "#empty"); !strings.Contains(txt, "No listening data yet") {
					t.Fatalf("listening page says %q", txt)
				}
				return
			}
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](readTables))
			if err != nil {
				t.Fatal(err)
			}
			var page []insight.Section
			if err := json.Unmarshal([]byte(raw), &page); err != nil {
				t.Fatal(err)
			}
			csv := s.csv(t, "/analytics/"+name+".csv?"+query)
			if len(page) == 0 || len(page) != len(csv) {
				t.Fatalf("page has %d tables, CSV %d sections", len(page), len(csv))
			}
			for i := range page {
				p, c := page[i], csv[i]
				if p.Title != c.Title || !slices.Equal(p.Columns, c.Columns) || len(p.Rows) != len(c.Rows) {
					t.Fatalf("table %d: page %q %v (%d rows), CSV %q %v (%d rows)", i, p.Title, p.Columns, len(p.Rows), c.Title, c.Columns, len(c.Rows))
				}
				for r := range p.Rows {
					if !slices.Equal(p.Rows[r], c.Rows[r]) {
						t.Errorf("%s row %d: page %v, CSV %v", p.Title, r, p.Rows[r], c.Rows[r])
					}
				}
			}
			// Every chart has a title and a description it is labelled by.
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('svg.chart')).filter(s =>
				s.getAttribute('role') === 'img' && s.querySelector('title') && s.querySelector('desc') &&
				s.getAttribute('aria-labelledby').split(' ').every(id => document.getElementById(id))).length`))
			if err != nil {
				t.Fatal(err)
			}
			if n != len(page) {
				t.Errorf("%d accessible charts for %d tables", n, len(page))
			}
			// Links to the other pages and the CSV keep the filters.
			hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('nav.analytics-nav a, #csv')).map(a => a.getAttribute('href'))`))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(hrefs, func(h string) bool { return strings.Contains(h, ".csv?") }) {
				t.Error("no CSV link for the administrator")
			}
			for _, h := range hrefs {
				if !strings.Contains(h, "from=2026-03-02") || !strings.Contains(h, "to=2026-03-08") || !strings.Contains(h, "priority=2") {
					t.Errorf("link %s loses the filters", h)
				}
			}
		})
	}
	// The numbers seen in the browser: with priority=2 only the Network
	// tickets remain.
	browsertest.Do(t, ctx, chromedp.Navigate(s.e.Server.URL+"/analytics/sla?"+query), chromedp.WaitVisible(chromedp.ID("section-groups")))
	if shot := os.Getenv("SOCIALDESK_SCREENSHOTS"); shot != "" {
		browsertest.Screenshot(t, ctx, filepath.Join(shot, "analytics-sla.png"))
	}
	if txt := browsertest.Text(t, ctx, "#section-groups table"); !strings.Contains(txt, "3 of 4") || !strings.Contains(txt, "75%") {
		t.Errorf("SLA table in the browser: %q", txt)
	}
	browsertest.Do(t, ctx, chromedp.Navigate(s.e.Server.URL+"/analytics/digest"), chromedp.WaitVisible(chromedp.ID("digest")))
	if txt := browsertest.Text(t, ctx, "#digest"); !strings.Contains(txt, "Unanswered community questions") {
		t.Errorf("digest preview: %q", txt)
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(problems, "\n"))
	}
}
