package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/demo"
	"github.com/socialdesk/socialdesk/internal/sso"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "load demo data into an empty database")
	baseURL := fs.String("base-url", "", "public URL of this server, for links in replies (default http://ADDR)")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure; turn on whenever socialdesk is served over HTTPS")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	natsURL := fs.String("nats-url", "", "NATS URL (nats://host:4222); with --database-url, several nodes share the work")
	nodeID := fs.String("node-id", "", "this node's name in a cluster (default: random)")
	clusterName := fs.String("cluster-name", "socialdesk", "prefix of the cluster's NATS stream and subjects")
	rateLimit := fs.Float64("rate-limit", 50, "API and webhook requests per second per client (bursts of four times that); negative turns it off")
	escalationEvery := fs.Duration("escalation-every", 15*time.Second, "how often SLA warnings and breaches are checked")
	oidcIssuer := fs.String("oidc-issuer", "", "OpenID Connect issuer URL; turns on single sign-on")
	oidcClient := fs.String("oidc-client-id", "", "OpenID Connect client id")
	oidcSecret := fs.String("oidc-client-secret", "", "OpenID Connect client secret")
	oidcRoles := fs.String("oidc-roles", "", "roles from groups, e.g. admin=it-admins,agent=helpdesk,contractor=contractors")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	url := *baseURL
	if url == "" {
		url = "http://" + ln.Addr().String()
	}
	roles, err := sso.ParseRoleGroups(*oidcRoles)
	if err != nil {
		ln.Close()
		return fmt.Errorf("--oidc-roles: %w", err)
	}
	base := strings.TrimSuffix(url, "/")
	oidc := sso.Config{Issuer: *oidcIssuer, ClientID: *oidcClient, ClientSecret: *oidcSecret, RedirectURL: base + "/auth/callback", RoleGroups: roles}
	a, err := common.openApp(ctx, app.Config{BaseURL: base, SecureCookies: *secure, Logger: log, OIDC: oidc,
		NATSURL: *natsURL, NodeID: *nodeID, ClusterName: *clusterName, EscalationEvery: *escalationEvery, RateLimit: *rateLimit, SecretKey: getenv("SOCIALDESK_SECRET_KEY")})
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	fmt.Fprintf(stdout, "socialdesk is running at %s\n", url)
	if *withDemo {
		logins, err := demo.LoadApp(ctx, a)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if logins == nil {
			fmt.Fprintln(stdout, "The database has data already; demo data was not loaded.")
		}
		for _, l := range logins {
			fmt.Fprintf(stdout, "  demo login (%s): %s / %s\n", l.Role, l.Email, l.Password)
		}
	}
	return a.Serve(ctx, ln)
}
