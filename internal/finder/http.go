package finder

import (
	"embed"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Pages are the search page and its click and "solved" actions.
type Pages struct {
	f   *Finder
	web *web.Server
}

// Register adds the search pages to the web server and the search endpoint
// to the API.
func (f *Finder) Register(w *web.Server, apiAdd func(...httpx.Route)) error {
	if err := w.AddTemplates(templates, "templates/*.html"); err != nil {
		return err
	}
	p := &Pages{f: f, web: w}
	w.Add(
		httpx.Route{Method: "GET", Pattern: "/search", Access: "user", Summary: "Search everything you may see", Handler: p.page},
		httpx.Route{Method: "GET", Pattern: "/search/open", Access: "user", Summary: "Open a search result (records the click)", Handler: p.open},
		httpx.Route{Method: "POST", Pattern: "/search/solved", Access: "user", Summary: "Mark that a search solved the problem", Handler: p.solved},
	)
	apiAdd(httpx.Route{Method: "GET", Pattern: "/api/v1/search", Access: "user", Summary: "Context-aware search", Handler: p.api})
	w.SetSuggester(func(r *http.Request, text string) []web.Suggestion {
		res, err := f.Search(r.Context(), Request{Text: text, UserAgent: r.UserAgent(), Types: []string{search.TypeAnswer, search.TypeArticle, search.TypeQuestion, search.TypeStatus}, Limit: 5, NoLog: true})
		if err != nil {
			return nil
		}
		var out []web.Suggestion
		for _, it := range res.Items {
			verified := false
			for _, reason := range it.Reasons {
				if strings.Contains(reason, "verified") {
					verified = true
				}
			}
			out = append(out, web.Suggestion{Title: it.Title, URL: f.URL(it.Type, it.ID), Snippet: it.Snippet, Verified: verified})
		}
		return out
	})
	return nil
}

func overrideFrom(q url.Values) (search.Context, error) {
	c, err := ParseContext(q.Get("context"))
	if err != nil {
		return c, err
	}
	if v := strings.TrimSpace(q.Get("site")); v != "" {
		c.Site = strings.ToLower(v)
	}
	if v := strings.TrimSpace(q.Get("role")); v != "" {
		c.Role = strings.ToLower(v)
	}
	if v := strings.TrimSpace(q.Get("device")); v != "" {
		c.Devices = []string{strings.ToLower(v)}
	}
	if v := strings.TrimSpace(q.Get("os")); v != "" {
		c.OS = []string{strings.ToLower(v)}
	}
	return c, nil
}

func typesFrom(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

type resultView struct {
	search.Result
	URL string
}

func (p *Pages) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text := q.Get("q")
	override, err := overrideFrom(q)
	data := map[string]any{"Q": text, "Types": q.Get("types")}
	if err != nil {
		data["Error"] = socialdesk.ErrorMessage(err)
		p.web.Render(w, r, http.StatusUnprocessableEntity, "search", "Search", data)
		return
	}
	if strings.TrimSpace(text) != "" {
		res, err := p.f.Search(r.Context(), Request{Text: text, UserAgent: r.UserAgent(), Override: override, Types: typesFrom(q.Get("types")), Limit: 20})
		if err != nil {
			p.web.RenderError(w, r, err)
			return
		}
		var items []resultView
		for _, it := range res.Items {
			items = append(items, resultView{Result: it, URL: "/search/open?log=" + strconv.FormatInt(res.LogID, 10) + "&type=" + url.QueryEscape(it.Type) + "&id=" + url.QueryEscape(it.ID)})
		}
		data["Results"], data["Total"], data["Context"], data["LogID"] = items, res.Total, res.Context, res.LogID
		data["Device"], data["OS"] = strings.Join(res.Context.Devices, ", "), strings.Join(res.Context.OS, ", ")
		var hint []string
		for _, k := range slices.Sorted(maps.Keys(res.Context.Sources)) {
			hint = append(hint, k+" from "+string(res.Context.Sources[k]))
		}
		data["ContextHint"] = strings.Join(hint, "; ")
	}
	p.web.Render(w, r, http.StatusOK, "search", "Search", data)
}

func (p *Pages) open(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	logID, _ := strconv.ParseInt(q.Get("log"), 10, 64)
	typ, id := q.Get("type"), q.Get("id")
	p.f.Clicked(r.Context(), logID, typ, id)
	http.Redirect(w, r, p.f.URL(typ, id), http.StatusSeeOther)
}

func (p *Pages) solved(w http.ResponseWriter, r *http.Request) {
	logID, _ := strconv.ParseInt(r.PostFormValue("log"), 10, 64)
	if err := p.f.Solved(r.Context(), logID); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/portal?flash="+url.QueryEscape("Glad it is solved. Thanks for telling us: it helps the next person."), http.StatusSeeOther)
}

// resultJSON is one API search result.
type resultJSON struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Snippet string   `json:"snippet"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
	URL     string   `json:"url"`
}

func (p *Pages) api(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	override, err := overrideFrom(q)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			httpx.WriteError(w, socialdesk.FieldError("limit", "limit must be a number from 1 to 100."))
			return
		}
	}
	if strings.TrimSpace(q.Get("q")) == "" {
		httpx.WriteError(w, socialdesk.FieldError("q", "Say what you are looking for in the q parameter."))
		return
	}
	res, err := p.f.Search(r.Context(), Request{Text: q.Get("q"), UserAgent: r.UserAgent(), Override: override, Types: typesFrom(q.Get("types")), Limit: limit})
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	items := make([]resultJSON, 0, len(res.Items))
	for _, it := range res.Items {
		items = append(items, resultJSON{Type: it.Type, ID: it.ID, Title: it.Title, Snippet: it.Snippet, Score: it.Score, Reasons: it.Reasons, URL: p.f.URL(it.Type, it.ID)})
	}
	sources := map[string]string{}
	for k, v := range res.Context.Sources {
		sources[k] = string(v)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"results": items, "total": res.Total, "search_id": res.LogID,
		"context": map[string]any{"site": res.Context.Site, "role": res.Context.Role, "devices": res.Context.Devices, "os": res.Context.OS, "sources": sources},
	})
}
