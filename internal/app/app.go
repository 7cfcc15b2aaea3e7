// Package app assembles socialdesk from its parts: the store, the desk
// service, the web pages, the JSON API and the background workers. The
// command line and the end-to-end tests both start it through Open and Run.
package app

import (
	"context"
	"errors"
	"github.com/socialdesk/socialdesk"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk/internal/api"
	"github.com/socialdesk/socialdesk/internal/channels"
	"github.com/socialdesk/socialdesk/internal/chat"
	"github.com/socialdesk/socialdesk/internal/cluster"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/finder"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/insight"
	"github.com/socialdesk/socialdesk/internal/listening"
	"github.com/socialdesk/socialdesk/internal/privacy"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/sso"
	"github.com/socialdesk/socialdesk/internal/store"
	"github.com/socialdesk/socialdesk/internal/web"
)

// Config is everything needed to start socialdesk.
type Config struct {
	DataDir     string
	DatabaseURL string
	// BaseURL is where people reach this server, for links in replies.
	BaseURL string
	// SecureCookies marks session cookies Secure (HTTPS only).
	SecureCookies bool
	Logger        *slog.Logger
	// EscalationEvery is how often SLA steps are checked; 0 means 15 s.
	EscalationEvery time.Duration
	// Now overrides the clock, for tests.
	Now func() time.Time
	// QuestionEscalateAfter is how long a community question waits for an
	// answer before it becomes a ticket; 0 means 4 business hours.
	QuestionEscalateAfter time.Duration
	// SecretKey seals channel secrets (SOCIALDESK_SECRET_KEY); empty means
	// the key file in DataDir, created on first use.
	SecretKey string
	// ChannelFactories adds connector kinds (email, mastodon, ...) to the
	// built-in webhook and Slack.
	ChannelFactories map[string]channels.Factory
	// Ingest and Outbound tune the channel pipeline and the reply worker;
	// Desk and Senders are filled in by Open.
	Ingest   ingest.Options
	Outbound ingest.OutboundOptions
	// RateLimit is the average API and webhook requests per second allowed
	// per client; 0 means 50, a negative value turns limiting off.
	RateLimit float64
	// NATSURL, when set, joins a cluster: connectors publish to NATS
	// JetStream and every node stores from the shared stream. NodeID names
	// this process; ClusterName prefixes the stream and subjects.
	NATSURL     string
	NodeID      string
	ClusterName string
	// SSO, when set, signs people in through an OpenID Connect provider.
	// OIDC builds one from its settings when SSO is nil and OIDC.Issuer
	// is set.
	SSO  web.SSO
	OIDC sso.Config
	// DigestSender, when set, emails the weekly digests; DigestEvery is
	// how often the digest worker checks (0 means hourly).
	DigestSender insight.Sender
	DigestEvery  time.Duration
	// DetectEvery is how often the node holding the outage-detection lease
	// reads the other nodes' posts, on PostgreSQL; 0 means 1 s.
	DetectEvery time.Duration
}

// App is a running socialdesk.
type App struct {
	Config Config
	DB     *store.DB
	Desk   *desk.Service
	Web    *web.Server
	API    *api.Server
	Finder *finder.Finder
	// Community is the Q&A and knowledge base service.
	Community *community.Service
	// Channels runs the connectors, Ingest is the one way into the queue
	// and Outbound sends replies back out.
	Channels *channels.Registry
	Ingest   *ingest.Pipeline
	Outbound *ingest.Outbound
	Cluster  *cluster.Node
	// Insight serves the analytics pages and sends the weekly digests;
	// Metrics is /metrics.
	Insight *insight.Service
	Metrics *insight.Metrics
	// Listening watches inbound posts for support requests and outages.
	Listening *listening.Service
	Handler   http.Handler
	log       *slog.Logger
	workers   []func(ctx context.Context)
}

// Open connects to the database, migrates it and builds the handlers.
func Open(ctx context.Context, cfg Config) (*App, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	svc, err := desk.New(ctx, db, desk.Options{Logger: log, Now: cfg.Now})
	if err != nil {
		db.Close()
		return nil, err
	}
	if cfg.SSO == nil && cfg.OIDC.Issuer != "" {
		p, err := sso.New(ctx, cfg.OIDC)
		if err != nil {
			db.Close()
			return nil, err
		}
		cfg.SSO = ssoBridge{p}
	}
	nav := append(community.Nav(),
		web.NavLink{Label: "Chat", Href: "/chat/widget"},
		web.NavLink{Label: "Held messages", Href: "/channels/held", Staff: true},
		web.NavLink{Label: "Channels", Href: "/admin/channels", Admin: true})
	w, err := web.New(svc, web.Options{Logger: log, SecureCookies: cfg.SecureCookies, SSO: cfg.SSO, Nav: nav})
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Desk: svc, Web: w, API: api.New(svc, log), log: log}
	if err := a.openChannels(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.workers = append(a.workers, a.escalationLoop)
	if cfg.NATSURL != "" {
		if err := a.joinCluster(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := a.addSearch(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.addCommunity(); err != nil {
		db.Close()
		return nil, err
	}
	a.Finder.AddSource(newCommunityDocs(a.DB, a.Desk.Now))
	a.Finder.SetURL(search.TypeQuestion, func(id string) string { return "/community/questions/" + id })
	a.Finder.SetURL(search.TypeAnswer, func(id string) string { return "/community/answers/" + id })
	a.Finder.SetURL(search.TypeArticle, func(id string) string { return "/kb/" + id })
	a.AddWorker(a.refreshCommunitySearch)
	if err := a.addInsight(); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.addListening(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Every source is registered: build the search index from the database.
	if err := a.Finder.Build(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.Handler = a.buildHandler()
	return a, nil
}

// addSearch wires the context-aware search: its pages, its API route, the
// portal's suggestions and the worker that keeps the index in step. The
// index is built from the database here, so every node ranks the same.
func (a *App) addSearch(ctx context.Context) error {
	var sites []string
	if people, err := a.DB.People(ctx, ""); err == nil {
		seen := map[string]bool{}
		for _, p := range people {
			if p.Site != "" && !seen[p.Site] {
				seen[p.Site] = true
				sites = append(sites, p.Site)
			}
		}
	}
	a.Finder = finder.New(a.Desk, finder.Options{Logger: a.log, Sites: sites})
	if err := a.Finder.Register(a.Web, a.API.Add); err != nil {
		return err
	}
	a.Web.AddNav(web.NavLink{Label: "Search", Href: "/search"})
	a.AddWorker(a.Finder.Run)
	return nil
}

// addCommunity wires the community Q&A and knowledge base: pages, API,
// the new-ticket suggester and the worker escalating unanswered questions.
func (a *App) addCommunity() error {
	redactor := privacy.New(privacy.Options{Kinds: privacy.AllKinds()})
	a.Community = community.New(community.Options{Desk: a.Desk, Logger: a.log, EscalateAfter: a.Config.QuestionEscalateAfter,
		Redactor: community.PrivacyRedactor(redactor), Similar: community.NewSearchSimilar(a.Finder.Index())})
	if err := a.Community.LoadIndex(context.Background()); err != nil {
		return err
	}
	cw, err := community.NewWeb(community.WebOptions{Service: a.Community, Server: a.Web, BaseURL: a.Config.BaseURL})
	if err != nil {
		return err
	}
	a.Web.Add(cw.Routes()...)
	a.Web.SetSuggester(cw.Suggester)
	a.API.Add(community.NewAPI(a.Community).Routes()...)
	a.AddWorker(a.Community.Worker(a.Config.EscalationEvery))
	return nil
}

// addInsight wires the analytics pages, the weekly digest worker and the
// metrics endpoint.
func (a *App) addInsight() error {
	in, err := insight.New(insight.Options{Desk: a.Desk, Web: a.Web, Logger: a.log, Sender: a.Config.DigestSender, DigestEvery: a.Config.DigestEvery})
	if err != nil {
		return err
	}
	a.Insight = in
	a.Web.Add(in.Routes()...)
	a.Web.AddNav(web.NavLink{Label: "Analytics", Href: "/analytics", Staff: true})
	a.AddWorker(in.Worker())
	a.Metrics = insight.NewMetrics(insight.MetricsOptions{DB: a.DB, Extra: a.Channels.Metrics})
	return nil
}

// addListening wires social listening: the ingest hook, its pages, the
// status page and its API route; status posts are indexed for search.
func (a *App) addListening(ctx context.Context) error {
	// Several nodes may share a PostgreSQL database: outage detection then
	// runs on the node holding its lease, over every node's posts.
	l, err := listening.New(ctx, listening.Options{Desk: a.Desk, Logger: a.log, Index: a.Finder, BaseURL: a.Config.BaseURL,
		Shared: a.DB.Dialect() == store.Postgres, NodeID: a.Config.NodeID, DetectEvery: a.Config.DetectEvery})
	if err != nil {
		return err
	}
	a.AddWorker(l.RunDetector)
	a.AddWorker(l.RunVolume)
	pages, err := listening.NewPages(l, a.Web)
	if err != nil {
		return err
	}
	a.Listening = l
	a.Ingest.SetObserver(l.Observe)
	a.Web.Add(pages.Routes()...)
	a.API.Add(l.APIRoutes()...)
	a.Finder.AddSource(statusSource{l})
	a.Finder.SetURL(search.TypeStatus, func(id string) string { return "/status#incident-" + id })
	a.Web.AddNav(web.NavLink{Label: "Status", Href: "/status"},
		web.NavLink{Label: "Listening", Href: "/listening", Staff: true},
		web.NavLink{Label: "Listening settings", Href: "/admin/listening", Admin: true})
	return nil
}

// statusSource gives the search index the status posts at start-up.
type statusSource struct{ l *listening.Service }

func (s statusSource) Docs(ctx context.Context) ([]search.Doc, error) { return s.l.StatusDocs(ctx) }

func (a *App) buildHandler() http.Handler {
	mux := http.NewServeMux()
	a.Web.Register(mux)
	a.API.Register(mux)
	mux.HandleFunc("POST /hooks/{channel}", a.Channels.ServeHook)
	mux.Handle("GET /metrics", a.Metrics)
	mux.HandleFunc("GET /healthz", a.healthz)
	// The API and webhooks are rate limited per token or address; the
	// sign-in form has its own, stricter throttle. Load tests raise the
	// limit with RateLimit.
	perSec := a.Config.RateLimit
	if perSec == 0 {
		perSec = 50
	}
	var h http.Handler = mux
	if perSec > 0 {
		h = httpx.NewRateLimiter(perSec, int(perSec)*4).Limit(mux, "/api/", "/hooks/")
	}
	return web.SecurityHeaders(a.Metrics.Middleware(h), "/chat/widget")
}

// channelSearch answers a self-help search asked on a channel (Slack's
// /search) as the person behind the channel account, or as an anonymous
// colleague when the account is not linked: self-help content only, never
// tickets.
func (a *App) channelSearch(ctx context.Context, kind, authorID, query string) ([]channels.SearchHit, error) {
	if a.Finder == nil {
		return nil, nil
	}
	p, err := a.DB.PersonByIdentity(ctx, kind, authorID)
	if err != nil {
		p = &socialdesk.Person{Role: socialdesk.RoleEmployee, Name: "colleague"}
	}
	res, err := a.Finder.Search(socialdesk.NewContextWithUser(ctx, p), finder.Request{Text: query, Limit: 5,
		Types: []string{search.TypeAnswer, search.TypeArticle, search.TypeQuestion, search.TypeStatus}})
	if err != nil {
		return nil, err
	}
	hits := make([]channels.SearchHit, 0, len(res.Items))
	for _, it := range res.Items {
		hits = append(hits, channels.SearchHit{Title: it.Title, URL: a.Config.BaseURL + a.Finder.URL(it.Type, it.ID)})
	}
	return hits, nil
}

// ssoBridge adapts the OpenID Connect provider to the web server.
type ssoBridge struct{ p *sso.Provider }

func (b ssoBridge) AuthURL(state, nonce, verifier string) string {
	return b.p.AuthURL(state, nonce, verifier)
}

func (b ssoBridge) Exchange(ctx context.Context, code, verifier, nonce string) (desk.ExternalIdentity, error) {
	id, err := b.p.Exchange(ctx, code, verifier, nonce)
	return desk.ExternalIdentity{Provider: "oidc", Subject: id.Subject, Email: id.Email, Name: id.Name, Role: id.Role}, err
}

// healthz answers 200 when the database is usable.
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		http.Error(w, "database unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// Close leaves the cluster and releases the database.
func (a *App) Close() error {
	if a.Cluster != nil {
		a.Cluster.Close()
	}
	return a.DB.Close()
}

// joinCluster routes every connector's messages through NATS JetStream and
// adds the worker that stores them from the shared stream.
func (a *App) joinCluster(ctx context.Context) error {
	if a.Config.NodeID == "" {
		a.Config.NodeID = desk.RandomToken(6)
	}
	node, err := cluster.Connect(ctx, cluster.Options{URL: a.Config.NATSURL, Name: a.Config.ClusterName, NodeID: a.Config.NodeID,
		Sink: a.Ingest, Broker: a.Desk.Broker(), Logger: a.log,
		Known: func(ctx context.Context, channel, id string) bool {
			_, err := a.DB.MessageByExternalID(ctx, channel, id)
			return err == nil
		}})
	if err != nil {
		return err
	}
	a.Cluster = node
	a.Channels.SetSink(node)
	a.AddWorker(node.Run)
	return nil
}

// Serve serves HTTP on ln and runs the background workers until ctx ends,
// then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.Web.Close)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait := a.StartWorkers(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdownCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	srv.Shutdown(shutdownCtx)
	cancel()
	wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// StartWorkers starts the background jobs; they stop when ctx ends, and
// the returned function waits for them.
func (a *App) StartWorkers(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, work := range a.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(ctx)
		}()
	}
	return wg.Wait
}

// AddWorker adds a background job that runs while the app serves.
func (a *App) AddWorker(fn func(ctx context.Context)) { a.workers = append(a.workers, fn) }

// escalationLoop fires SLA warnings and breaches on a schedule.
func (a *App) escalationLoop(ctx context.Context) {
	every := a.Config.EscalationEvery
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	holder := a.Config.NodeID
	if holder == "" {
		// Nodes sharing PostgreSQL without NATS have no node id; each
		// needs its own name for the lease to mean anything.
		holder = "node-" + desk.RandomToken(6)
	}
	for {
		// With several nodes, one holds the lease and runs the scan; the
		// compare-and-set in FireSLA keeps each step exactly-once even if
		// two scans overlap at a lease hand-over.
		if ok, err := a.DB.AcquireLease(ctx, "sla-escalation", holder, time.Now(), 3*every); err != nil && ctx.Err() == nil {
			a.log.Error("SLA lease failed", "err", err)
		} else if ok {
			if n, err := a.Desk.RunEscalation(ctx, a.Desk.Now()); err != nil && ctx.Err() == nil {
				a.log.Error("SLA escalation failed", "err", err)
			} else if n > 0 {
				a.log.Info("SLA steps fired", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// openChannels builds the channel registry, the ingest pipeline, the
// outbound worker and their pages, and adds the workers.
func (a *App) openChannels(ctx context.Context) error {
	key, err := channels.LoadKey(a.Config.SecretKey, a.Config.DataDir)
	if err != nil {
		return err
	}
	factories := channels.BuiltinFactories()
	for k, f := range a.Config.ChannelFactories {
		factories[k] = f
	}
	a.Channels = channels.New(channels.Options{DB: a.DB, Key: key, Factories: factories, Logger: a.log, Search: a.channelSearch})
	in := a.Config.Ingest
	in.Desk, in.Logger, in.Kind = a.Desk, a.log, a.Channels.Kind
	if in.BaseURL == "" {
		in.BaseURL = a.Config.BaseURL
	}
	a.Ingest = ingest.New(in)
	if err := a.Ingest.LoadPolicy(ctx); err != nil {
		return err
	}
	a.Channels.SetSink(a.Ingest)
	if err := a.Channels.Reload(ctx); err != nil {
		return err
	}
	out := a.Config.Outbound
	out.Desk, out.Senders, out.Logger = a.Desk, a.Channels, a.log
	a.Outbound = ingest.NewOutbound(out)
	pages, err := channels.NewPages(channels.PagesOptions{Registry: a.Channels, Pipeline: a.Ingest, Desk: a.Desk, Web: a.Web})
	if err != nil {
		return err
	}
	a.Web.Add(pages.Routes()...)
	ch, err := chat.New(chat.Options{Desk: a.Desk, Pipeline: a.Ingest, Web: a.Web, Logger: a.log})
	if err != nil {
		return err
	}
	a.Web.Add(ch.Routes()...)
	a.workers = append(a.workers, a.Channels.Run, a.Outbound.Run)
	return nil
}
