// Package web serves the server-rendered pages: the agent queue and ticket
// pages, the employee portal, and the admin pages. Templates and static
// assets are embedded; assets are served under URLs that contain their hash
// so browsers can cache them for good.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/markup"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configures the web server.
type Options struct {
	Logger *slog.Logger
	// SecureCookies marks cookies Secure; on by default, off only for plain
	// HTTP on loopback during development and tests.
	SecureCookies bool
	// Nav adds links to the navigation bar for other packages' pages.
	Nav []NavLink
	// SSO, when set, offers single sign-on on the sign-in page.
	SSO SSO
}

// NavLink is one entry in the navigation bar.
type NavLink struct {
	Label string
	Href  string
	// Staff hides the link from people who are not staff.
	Staff bool
	Admin bool
}

// Server renders the pages.
type Server struct {
	desk    *desk.Service
	log     *slog.Logger
	opts    Options
	pages   map[string]*template.Template
	assets  map[string]asset // by logical name, e.g. "app.css"
	byPath  map[string]asset // by hashed URL path
	routes  []httpx.Route
	extra   []httpx.Route
	limiter *loginLimiter
	suggest Suggester
	fields  FieldSuggester
	markup  *markup.Renderer
	// closing is closed when the server shuts down, ending live streams.
	closing   chan struct{}
	closeOnce sync.Once
}

// Close ends the live-update streams so a shutdown does not wait for them.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.closing) }) }

type asset struct {
	URL         string
	Body        []byte
	ContentType string
}

// New parses the templates and prepares the assets.
func New(svc *desk.Service, opts Options) (*Server, error) {
	s := &Server{desk: svc, log: opts.Logger, opts: opts, assets: map[string]asset{}, byPath: map[string]asset{}, limiter: newLoginLimiter(), closing: make(chan struct{}), markup: markup.New()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes = s.coreRoutes()
	return s, nil
}

func (s *Server) loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ct := "application/octet-stream"
		switch path.Ext(name) {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		a := asset{URL: "/static/" + hex.EncodeToString(sum[:6]) + "/" + name, Body: body, ContentType: ct}
		s.assets[name] = a
		s.byPath[a.URL] = a
		return nil
	})
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return s.assets[name].URL },
		"ago":   ago,
		"when":  func(t time.Time) string { return when(t) },
		"iso": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"dur":    fmtDuration,
		"pct":    func(f float64) int { return int(min(max(f, 0), 1) * 100) },
		"add":    func(a, b int) int { return a + b },
		"lower":  strings.ToLower,
		"title":  func(s string) string { return strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):] },
		"has":    func(list []string, v string) bool { return contains(list, v) },
		"number": socialdesk.FormatNumber,
		"join":   strings.Join,
		"i64":    func(v int64) string { return strconv.FormatInt(v, 10) },
		// count writes "1 answer" or "3 answers".
		"count": func(n int, one, many string) string {
			if n == 1 {
				return "1 " + one
			}
			return strconv.Itoa(n) + " " + many
		},
	}
}

func (s *Server) parseTemplates() error {
	layout, err := template.New("layout.html").Funcs(s.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return fmt.Errorf("template %s: %w", base, err)
		}
		s.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return nil
}

// AddTemplates parses more page templates, for other packages' pages. Each
// file defines a "content" template and is rendered in the layout.
func (s *Server) AddTemplates(fsys fs.FS, pattern string) error {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	for _, n := range names {
		base, err := template.New("layout.html").Funcs(s.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
		if err != nil {
			return err
		}
		t, err := base.ParseFS(fsys, n)
		if err != nil {
			return fmt.Errorf("template %s: %w", n, err)
		}
		s.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return nil
}

// AddNav adds a link to the navigation bar; call it before serving.
func (s *Server) AddNav(links ...NavLink) { s.opts.Nav = append(s.opts.Nav, links...) }

// Add adds routes from another package; call it before Register.
func (s *Server) Add(routes ...httpx.Route) { s.extra = append(s.extra, routes...) }

// Routes returns every page route.
func (s *Server) Routes() []httpx.Route {
	return append(append([]httpx.Route{}, s.routes...), s.extra...)
}

// Register adds every page route to mux behind the session middleware.
func (s *Server) Register(mux *http.ServeMux) {
	for _, r := range s.Routes() {
		mux.Handle(r.MuxPattern(), s.session(r))
	}
	mux.HandleFunc("GET /static/", s.static)
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.byPath[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.Body)
}

// Page is the data every page template gets.
type Page struct {
	Title string
	User  *socialdesk.Person
	CSRF  string
	Nav   []NavLink
	Path  string
	Flash string
	Error string
	Data  any
	// Unread counts the person's own unread notifications, shown next to
	// the Notifications link.
	Unread  int
	IsStaff bool
	IsAdmin bool
}

// Render renders a page template in the layout with the status.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no such template", "name", name)
		http.Error(w, "missing template", http.StatusInternalServerError)
		return
	}
	p := s.page(r, title, data)
	if p.User != nil {
		// Best effort: a page still renders when the count cannot be read.
		p.Unread, _ = s.desk.UnreadNotifications(r.Context())
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render failed", "template", name, "err", err)
		http.Error(w, "The page could not be rendered. Try again; if it persists, tell your administrator.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// RenderFragment renders a named template without the layout, for live
// updates.
func (s *Server) RenderFragment(w http.ResponseWriter, r *http.Request, page, block string, data any) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "missing template", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, s.page(r, "", data)); err != nil {
		s.log.Error("render fragment failed", "template", page, "err", err)
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// renderBlock renders a named template with data as its dot.
func (s *Server) renderBlock(w http.ResponseWriter, page, block string, data any) {
	var buf bytes.Buffer
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "missing template", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		s.log.Error("render block failed", "template", page, "err", err)
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

func (s *Server) page(r *http.Request, title string, data any) Page {
	p := Page{Title: title, Path: r.URL.Path, Data: data, CSRF: csrfFrom(r.Context())}
	p.User = socialdesk.UserFromContext(r.Context())
	if p.User != nil {
		p.IsStaff, p.IsAdmin = p.User.Role.IsStaff(), p.User.Role == socialdesk.RoleAdmin
	}
	for _, n := range append(defaultNav(), s.opts.Nav...) {
		if (n.Staff && !p.IsStaff) || (n.Admin && !p.IsAdmin) {
			continue
		}
		p.Nav = append(p.Nav, n)
	}
	p.Flash = r.URL.Query().Get("flash")
	return p
}

func defaultNav() []NavLink {
	return []NavLink{
		{Label: "Queue", Href: "/queue", Staff: true},
		{Label: "Log a call", Href: "/tickets/new", Staff: true},
		{Label: "My tickets", Href: "/portal"},
		{Label: "Raise a request", Href: "/portal/new"},
	}
}

// RenderError shows an error page that tells the user what to do next.
func (s *Server) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	status := httpx.Status(err)
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if status >= 500 {
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	s.Render(w, r, status, "error", http.StatusText(status), map[string]any{"Status": status, "Message": socialdesk.ErrorMessage(err)})
}

// IsNotFound reports whether err is ENOTFOUND.
func IsNotFound(err error) bool { return socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND }

var errBadCSRF = errors.New("bad csrf")

type ctxKey int

const csrfKey ctxKey = 1

func csrfFrom(ctx context.Context) string {
	v, _ := ctx.Value(csrfKey).(string)
	return v
}
