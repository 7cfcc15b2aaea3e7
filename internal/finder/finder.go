// Package finder connects the search engine to the desk: it builds the
// index from the database at start-up (the index lives in memory on each
// node, so PostgreSQL deployments rank exactly like SQLite ones), keeps it
// in step with every change, works out the searcher's context from their
// profile, browser and words, enforces who may see what, and logs each
// search for analytics.
package finder

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Source provides documents of one kind (community posts, articles, status
// posts) for the index. Docs returns all of them at start-up; the source
// then calls Finder.Upsert and Finder.Delete as they change.
type Source interface {
	Docs(ctx context.Context) ([]search.Doc, error)
}

// Options configures a Finder.
type Options struct {
	Logger *slog.Logger
	// Sites are the organisation's site names, recognised in queries such
	// as "at the Lyon office".
	Sites []string
	// URL returns the page of a result; nil uses the built-in paths.
	URL func(typ, id string) string
}

// Finder is the desk's search.
type Finder struct {
	desk    *desk.Service
	db      *store.DB
	ix      *search.Index
	log     *slog.Logger
	opts    Options
	mu      sync.Mutex
	sources []Source
	urls    map[string]func(id string) string
}

// New returns a Finder with an empty index; call Build to fill it.
func New(svc *desk.Service, opts Options) *Finder {
	f := &Finder{desk: svc, db: svc.DB(), log: opts.Logger, opts: opts, urls: map[string]func(string) string{}}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.ix = search.New(search.Options{Known: search.KnownValues{Sites: opts.Sites}})
	f.urls[search.TypeTicket] = func(id string) string { return "/tickets/" + id }
	return f
}

// Index returns the underlying index, for packages that need similarity.
func (f *Finder) Index() *search.Index { return f.ix }

// AddSource registers a document source; its documents are loaded by Build.
func (f *Finder) AddSource(s Source) {
	f.mu.Lock()
	f.sources = append(f.sources, s)
	f.mu.Unlock()
}

// SetURL sets how results of a type link to their page.
func (f *Finder) SetURL(typ string, fn func(id string) string) {
	f.mu.Lock()
	f.urls[typ] = fn
	f.mu.Unlock()
}

// URL returns the page of a result.
func (f *Finder) URL(typ, id string) string {
	f.mu.Lock()
	fn := f.urls[typ]
	f.mu.Unlock()
	if fn == nil {
		return "/search"
	}
	return fn(id)
}

// Upsert adds or replaces a document; it is searchable when this returns.
func (f *Finder) Upsert(d search.Doc) { f.ix.Upsert(d) }

// Delete removes a document.
func (f *Finder) Delete(typ, id string) { f.ix.Delete(typ, id) }

// Build loads every ticket and every source's documents into the index,
// and learns term co-occurrences from resolved tickets.
func (f *Finder) Build(ctx context.Context) error {
	if err := f.RefreshSites(ctx); err != nil {
		return err
	}
	var docs []search.Doc
	var resolved []string
	for offset := 0; ; offset += 1000 {
		tickets, _, err := f.db.Tickets(ctx, socialdesk.TicketFilter{Limit: 1000, Offset: offset, Sort: "created"})
		if err != nil {
			return err
		}
		for _, t := range tickets {
			docs = append(docs, ticketDoc(t, ""))
			if !t.State.Open() {
				resolved = append(resolved, t.Title+" "+t.Description)
			}
		}
		if len(tickets) < 1000 {
			break
		}
	}
	f.mu.Lock()
	sources := slices.Clone(f.sources)
	f.mu.Unlock()
	for _, s := range sources {
		more, err := s.Docs(ctx)
		if err != nil {
			return err
		}
		docs = append(docs, more...)
	}
	f.ix.UpsertMany(docs)
	if len(resolved) > 0 {
		f.ix.LearnCooccurrence(resolved)
	}
	f.log.Info("search index built", "documents", f.ix.Len())
	return nil
}

// RefreshSites teaches the index the organisation's site names (from
// people's profiles and the configured list), so queries such as "at the
// Lyon office" are understood.
func (f *Finder) RefreshSites(ctx context.Context) error {
	people, err := f.db.People(ctx, "")
	if err != nil {
		return err
	}
	sites := slices.Clone(f.opts.Sites)
	for _, p := range people {
		if p.Site != "" && !slices.Contains(sites, p.Site) {
			sites = append(sites, p.Site)
		}
	}
	f.ix.SetKnown(search.KnownValues{Sites: sites})
	return nil
}

// ticketDoc turns a ticket (and its public thread text) into a document
// that only staff and the requester may find.
func ticketDoc(t *socialdesk.Ticket, thread string) search.Doc {
	body := t.Description
	if thread != "" {
		body += "\n" + thread
	}
	tags := []string{}
	for _, v := range []string{t.Category, t.Service} {
		if v != "" {
			tags = append(tags, v)
		}
	}
	return search.Doc{Type: search.TypeTicket, ID: strconv.FormatInt(t.ID, 10), Title: t.Number() + " " + t.Title, Body: body, Tags: tags,
		AgentsOnly: true, OwnerID: t.RequesterID, UpdatedAt: t.UpdatedAt}
}

// Run keeps tickets in the index in step with changes, and the site names
// current, until ctx ends.
func (f *Finder) Run(ctx context.Context) {
	ch, cancel := f.desk.Broker().Subscribe()
	defer cancel()
	sites := time.NewTicker(time.Minute)
	defer sites.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sites.C:
			if err := f.RefreshSites(ctx); err != nil && ctx.Err() == nil {
				f.log.Warn("refreshing site names failed", "err", err)
			}
		case c, ok := <-ch:
			if !ok {
				return
			}
			f.reindexTicket(ctx, c.TicketID)
		}
	}
}

// reindexTicket reloads one ticket with its public messages.
func (f *Finder) reindexTicket(ctx context.Context, id int64) {
	t, err := f.db.Ticket(ctx, id)
	if err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND {
			f.ix.Delete(search.TypeTicket, strconv.FormatInt(id, 10))
		}
		return
	}
	msgs, err := f.db.Messages(ctx, id)
	if err != nil {
		return
	}
	var b strings.Builder
	for _, m := range msgs {
		if !m.Internal {
			b.WriteString(m.Body)
			b.WriteByte('\n')
		}
	}
	f.ix.Upsert(ticketDoc(t, b.String()))
}

// IndexTicket indexes a ticket at once, for callers that need it findable
// before the change broker delivers.
func (f *Finder) IndexTicket(ctx context.Context, id int64) { f.reindexTicket(ctx, id) }

// profileContext reads the searcher's context from their profile.
func profileContext(p *socialdesk.Person) search.Context {
	c := search.Context{Site: strings.ToLower(p.Site)}
	if p.Role == socialdesk.RoleContractor {
		c.Role = "contractor"
	} else if p.Role != "" {
		c.Role = "employee"
	}
	for _, d := range p.Devices {
		dc := DeviceContext(d)
		c.Devices = append(c.Devices, dc.Devices...)
		c.OS = append(c.OS, dc.OS...)
	}
	return c
}

// DeviceContext maps a device name from a profile ("iPad", "Windows
// laptop", "Android phone") to device classes and operating systems.
func DeviceContext(name string) search.Context {
	n := strings.ToLower(name)
	var c search.Context
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	switch {
	case strings.Contains(n, "ipad"):
		add(&c.Devices, "ipad")
		add(&c.Devices, "tablet")
		add(&c.OS, "ipados")
	case strings.Contains(n, "iphone"):
		add(&c.Devices, "iphone")
		add(&c.Devices, "phone")
		add(&c.OS, "ios")
	case strings.Contains(n, "android"):
		add(&c.OS, "android")
	case strings.Contains(n, "chromebook"):
		add(&c.Devices, "laptop")
		add(&c.OS, "chromeos")
	case strings.Contains(n, "mac"):
		add(&c.OS, "macos")
	case strings.Contains(n, "windows"):
		add(&c.OS, "windows")
	case strings.Contains(n, "linux"):
		add(&c.OS, "linux")
	}
	for _, w := range []string{"laptop", "desktop", "phone", "tablet"} {
		if strings.Contains(n, w) {
			add(&c.Devices, w)
		}
	}
	if strings.Contains(n, "macbook") {
		add(&c.Devices, "laptop")
	}
	return c
}

// ParseContext reads an explicit context such as
// "site:Lyon,role:visitor,device:tablet,os:ios" (the API's context
// parameter and the search page's fields).
func ParseContext(s string) (search.Context, error) {
	var c search.Context
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			k, v, ok = strings.Cut(part, "=")
		}
		v = strings.ToLower(strings.TrimSpace(v))
		if !ok || v == "" {
			return c, socialdesk.FieldError("context", "Write the context as key:value pairs, such as site:Lyon,os:ios,device:tablet,role:visitor.")
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "site":
			c.Site = v
		case "role":
			c.Role = v
		case "device":
			c.Devices = append(c.Devices, v)
		case "os":
			c.OS = append(c.OS, v)
		default:
			return c, socialdesk.FieldError("context", "Unknown context key %q; use site, role, device or os.", k)
		}
	}
	return c, nil
}

// FormatContext renders a context in the form ParseContext reads.
func FormatContext(c search.Context) string {
	var parts []string
	if c.Site != "" {
		parts = append(parts, "site:"+c.Site)
	}
	if c.Role != "" {
		parts = append(parts, "role:"+c.Role)
	}
	for _, d := range c.Devices {
		parts = append(parts, "device:"+d)
	}
	for _, o := range c.OS {
		parts = append(parts, "os:"+o)
	}
	return strings.Join(parts, ",")
}

// Request is one search by a person.
type Request struct {
	Text      string
	UserAgent string
	// Override replaces any part of the derived context.
	Override search.Context
	Types    []string
	Limit    int
	// NoLog leaves the search out of the analytics log (suggestions typed
	// character by character).
	NoLog bool
}

// Response is a search's results with the log id for click tracking.
type Response struct {
	search.Results
	LogID int64
}

// MinShare is the share of the best result's score under which a person's
// search leaves a result out (search.Query.MinShare). In the demo, "no
// sound in teams" finds four documents about Teams at 8 to 13, and four
// more that share only the word "in" at 0.6 to 1.1; a tenth keeps the
// first and drops the second.
const MinShare = 0.1

// Search runs a search as the acting person: anonymous people get
// EUNAUTHORIZED; results respect permissions and quarantine.
func (f *Finder) Search(ctx context.Context, req Request) (Response, error) {
	p := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(p, socialdesk.ActTicketView); err != nil {
		return Response{}, err
	}
	text := strings.TrimSpace(req.Text)
	if len(text) > 500 {
		return Response{}, socialdesk.FieldError("q", "Describe the problem in at most 500 characters.")
	}
	ctxt := search.MergeContext(profileContext(p), search.ContextFromUserAgent(req.UserAgent), search.Context{}, req.Override)
	viewer := search.Viewer{ID: p.ID, Agent: p.Role.IsStaff(), Reviewer: p.Role == socialdesk.RoleKnowledgeManager || p.Role == socialdesk.RoleAdmin}
	res := f.ix.Search(search.Query{Text: text, Context: ctxt, Types: req.Types, Limit: req.Limit, Viewer: viewer, MinShare: MinShare})
	out := Response{Results: res}
	if !req.NoLog && text != "" {
		id, err := f.db.LogSearch(ctx, store.SearchLogEntry{At: f.desk.Now(), PersonID: p.ID, Query: text, Context: FormatContext(res.Context), Results: res.Total})
		if err != nil {
			f.log.Warn("search log failed", "err", err)
		}
		out.LogID = id
	}
	return out, nil
}

// Clicked records which result a person opened.
func (f *Finder) Clicked(ctx context.Context, logID int64, typ, id string) {
	if p := socialdesk.UserFromContext(ctx); p != nil && logID > 0 {
		f.db.LogSearchClick(ctx, logID, p.ID, fmt.Sprintf("%s:%s", typ, id))
	}
}

// Solved records that a search solved the person's problem (a deflection).
func (f *Finder) Solved(ctx context.Context, logID int64) error {
	p := socialdesk.UserFromContext(ctx)
	if p == nil {
		return socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Sign in to continue.")
	}
	return f.db.LogSearchSolved(ctx, logID, p.ID)
}
