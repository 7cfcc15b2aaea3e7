// Package api serves the JSON API v1 under /api/v1/. Clients authenticate
// with a bearer token; errors come back as {"error": {"code", "message"}}.
// The OpenAPI document at /api/v1/openapi.json describes every route, and a
// test keeps the two in step.
package api

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
)

//go:embed openapi.json
var openapiDoc []byte

// MaxBody bounds JSON request bodies.
const MaxBody = 1 << 20

// Server is the JSON API.
type Server struct {
	desk   *desk.Service
	log    *slog.Logger
	routes []httpx.Route
	// Extra lets other packages (community, search, listening) add their
	// routes to the API's route table.
	extra []httpx.Route
}

// New returns the API over the desk service.
func New(svc *desk.Service, log *slog.Logger) *Server {
	s := &Server{desk: svc, log: log}
	s.routes = s.coreRoutes()
	return s
}

// Add adds routes from another package; call it before Register.
func (s *Server) Add(routes ...httpx.Route) { s.extra = append(s.extra, routes...) }

// Routes returns every API route.
func (s *Server) Routes() []httpx.Route {
	return append(append([]httpx.Route{}, s.routes...), s.extra...)
}

// Register adds every route to mux, wrapped in bearer-token authentication
// (except public routes).
func (s *Server) Register(mux *http.ServeMux) {
	for _, r := range s.Routes() {
		h := r.Handler
		if r.Access != "public" {
			h = s.authenticate(h)
		}
		mux.Handle(r.MuxPattern(), h)
	}
	// Anything else under /api/ is a JSON 404, not an HTML page.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, socialdesk.Errorf(socialdesk.ENOTFOUND, "No API route %s %s. See /api/v1/openapi.json.", r.Method, r.URL.Path))
	})
}

// authenticate resolves the bearer token and puts its person in the request
// context.
func (s *Server) authenticate(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			httpx.WriteError(w, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Send an API token as 'Authorization: Bearer <token>'. Create one with `socialdesk token create --email you@example.com`."))
			return
		}
		p, err := s.desk.PersonByToken(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			httpx.WriteError(w, err)
			return
		}
		ctx := socialdesk.NewContextWithUser(r.Context(), p)
		ctx = desk.NewContextWithRemoteAddr(ctx, r.RemoteAddr)
		next(w, r.WithContext(ctx))
	}
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return openapiDoc }
