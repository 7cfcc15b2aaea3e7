package insight

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/store"
	"github.com/socialdesk/socialdesk/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Options configures the analytics service.
type Options struct {
	Desk   *desk.Service
	Web    *web.Server
	Logger *slog.Logger
	// Sender, when set, emails the weekly digests.
	Sender Sender
	// DigestEvery is how often the digest worker checks whether a new
	// week's digests are due; 0 means one hour.
	DigestEvery time.Duration
}

// Service builds the analytics reports and digests.
type Service struct {
	desk *desk.Service
	db   *store.DB
	web  *web.Server
	log  *slog.Logger
	opts Options
}

// New returns the analytics service and adds its templates to the web
// server when one is given.
func New(opts Options) (*Service, error) {
	s := &Service{desk: opts.Desk, db: opts.Desk.DB(), web: opts.Web, log: opts.Logger, opts: opts}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.web != nil {
		if err := s.web.AddTemplates(templates, "templates/*.html"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.desk.Now() }

// Routes returns the analytics pages (staff) and their CSV exports
// (administrators: exporting is ActExport).
func (s *Service) Routes() []httpx.Route {
	out := []httpx.Route{
		{Method: "GET", Pattern: "/analytics", Access: "staff", Summary: "Analytics overview", Handler: s.index},
		{Method: "GET", Pattern: "/analytics/digest", Access: "staff", Summary: "Preview of your weekly digest", Handler: s.digestPage},
	}
	for _, p := range pages {
		out = append(out,
			httpx.Route{Method: "GET", Pattern: "/analytics/" + p.Name, Access: "staff", Summary: p.Title, Handler: s.reportPage(p)},
			httpx.Route{Method: "GET", Pattern: "/analytics/" + p.Name + ".csv", Access: "admin", Summary: p.Title + " as CSV", Handler: s.reportCSV(p)})
	}
	return out
}

// Report builds one analytics page's report for a person allowed to see
// analytics.
func (s *Service) Report(ctx context.Context, name string, f Filter) (*Report, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAnalytics); err != nil {
		return nil, err
	}
	p, ok := pageByName(name)
	if !ok {
		return nil, socialdesk.Errorf(socialdesk.ENOTFOUND, "No such analytics page.")
	}
	return p.build(s, ctx, newInput(s.db, f))
}

// overview builds every page's report for one filter, in the order of
// pages. The reports share one input, so they read the tickets once.
func (s *Service) overview(ctx context.Context, in *input) ([]*Report, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAnalytics); err != nil {
		return nil, err
	}
	out := make([]*Report, len(pages))
	for i, p := range pages {
		rep, err := p.build(s, ctx, in)
		if err != nil {
			return nil, err
		}
		out[i] = rep
	}
	return out, nil
}

// pageData is what the analytics template gets.
type pageData struct {
	Page   string
	Filter Filter
	Query  string
	// Overview links to /analytics with the same filters.
	Overview string
	Links    []navLink
	Groups   []*socialdesk.Group
	Report   *Report
	CSV      string
	Digest   *Digest
	Problem  string
	// Priorities are the choices of the priority filter.
	Priorities []int
	// Cards are the overview's headline of every page.
	Cards []card
}

// card is one analytics page on the overview: its headline numbers and
// its first chart, with a link to the whole page.
type card struct {
	Title, Href, Summary string
	Chart                template.HTML
}

type navLink struct {
	Label, Href string
	Current     bool
}

func (s *Service) data(r *http.Request, current string) (pageData, error) {
	f, err := ParseFilter(r.URL.Query(), s.now())
	d := pageData{Page: current, Filter: f, Query: f.Query().Encode(), Priorities: []int{1, 2, 3, 4, 5}}
	d.Overview = "/analytics?" + d.Query
	for _, p := range pages {
		d.Links = append(d.Links, navLink{Label: p.Title, Href: "/analytics/" + p.Name + "?" + d.Query, Current: p.Name == current})
	}
	d.Links = append(d.Links, navLink{Label: "Digest preview", Href: "/analytics/digest?" + d.Query, Current: current == "digest"})
	if gs, gerr := s.desk.Groups(r.Context()); gerr == nil {
		d.Groups = gs
	}
	return d, err
}

func (s *Service) authorize(w http.ResponseWriter, r *http.Request) bool {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActAnalytics); err != nil {
		s.web.RenderError(w, r, err)
		return false
	}
	return true
}

func (s *Service) index(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	d, err := s.data(r, "")
	if err != nil {
		d.Problem = socialdesk.ErrorMessage(err)
		s.web.Render(w, r, http.StatusUnprocessableEntity, "analytics", "Analytics", d)
		return
	}
	reps, err := s.overview(r.Context(), newInput(s.db, d.Filter))
	if err != nil {
		s.web.RenderError(w, r, err)
		return
	}
	for i, p := range pages {
		rep := reps[i]
		c := card{Title: p.Title, Href: d.Links[i].Href, Summary: rep.Summary}
		if rep.Empty != "" {
			c.Summary = rep.Empty
		} else if len(rep.Sections) > 0 {
			c.Chart = rep.Sections[0].Chart
		}
		d.Cards = append(d.Cards, c)
	}
	s.web.Render(w, r, http.StatusOK, "analytics", "Analytics", d)
}

func (s *Service) reportPage(p page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorize(w, r) {
			return
		}
		d, err := s.data(r, p.Name)
		if err != nil {
			d.Problem = socialdesk.ErrorMessage(err)
			s.web.Render(w, r, http.StatusUnprocessableEntity, "analytics", p.Title, d)
			return
		}
		rep, err := s.Report(r.Context(), p.Name, d.Filter)
		if err != nil {
			s.web.RenderError(w, r, err)
			return
		}
		d.Report = rep
		if socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActExport) == nil {
			d.CSV = "/analytics/" + p.Name + ".csv?" + d.Query
		}
		s.web.Render(w, r, http.StatusOK, "analytics", p.Title, d)
	}
}

func (s *Service) reportCSV(p page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActExport); err != nil {
			s.web.RenderError(w, r, err)
			return
		}
		f, err := ParseFilter(r.URL.Query(), s.now())
		if err != nil {
			http.Error(w, socialdesk.ErrorMessage(err), http.StatusUnprocessableEntity)
			return
		}
		rep, err := s.Report(r.Context(), p.Name, f)
		if err != nil {
			http.Error(w, socialdesk.ErrorMessage(err), httpx.Status(err))
			return
		}
		var buf bytes.Buffer
		if rep.Empty != "" {
			buf.WriteString(rep.Empty + "\n")
		} else if err := rep.WriteCSV(&buf); err != nil {
			http.Error(w, "The export failed.", http.StatusInternalServerError)
			return
		}
		name := "socialdesk-" + p.Name + "-" + f.FromDate() + "-" + f.ToDate() + ".csv"
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes())
	}
}

func (s *Service) digestPage(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	d, _ := s.data(r, "digest")
	dg, err := s.DigestFor(r.Context(), socialdesk.UserFromContext(r.Context()), s.now())
	if err != nil {
		s.web.RenderError(w, r, err)
		return
	}
	d.Digest = dg
	s.web.Render(w, r, http.StatusOK, "analytics", "Digest preview", d)
}
