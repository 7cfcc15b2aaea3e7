// Package sso signs people in through an OpenID Connect provider (the
// company's identity provider, or Dex in tests). It verifies ID tokens with
// coreos/go-oidc, uses PKCE and a nonce, and maps the groups claim to
// socialdesk roles.
package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/socialdesk/socialdesk"
)

// Config configures the provider.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /auth/callback URL as the provider knows it.
	RedirectURL string
	// GroupsClaim names the claim holding group names; "groups" by default.
	GroupsClaim string
	// RoleGroups maps a role to the groups that grant it. The most
	// privileged matching role wins; no match means employee.
	RoleGroups map[socialdesk.Role][]string
	// HTTPClient is used to reach the provider; nil means a client with a
	// 10 s timeout.
	HTTPClient *http.Client
}

// ParseRoleGroups reads a mapping such as
// "admin=it-admins,agent=it-agents|helpdesk,contractor=contractors".
func ParseRoleGroups(s string) (map[socialdesk.Role][]string, error) {
	out := map[socialdesk.Role][]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, groups, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("role mapping %q: want role=group|group", part)
		}
		role, err := socialdesk.ParseRole(name)
		if err != nil {
			return nil, fmt.Errorf("role mapping %q: %s", part, socialdesk.ErrorMessage(err))
		}
		out[role] = append(out[role], strings.Split(groups, "|")...)
	}
	return out, nil
}

// Identity is who the provider says signed in.
type Identity struct {
	Subject string
	Email   string
	Name    string
	Groups  []string
	Role    socialdesk.Role
}

// Provider talks to one OpenID Connect provider.
type Provider struct {
	cfg      Config
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

// New discovers the provider's endpoints and keys from its issuer URL.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("sso: issuer, client id and redirect URL are required")
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx = oidc.ClientContext(ctx, client)
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("sso: discover %s: %w", cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID, "email", "profile", "groups"}
	return &Provider{
		cfg:      cfg,
		client:   client,
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth:    oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: cfg.RedirectURL, Scopes: scopes},
	}, nil
}

// AuthURL is where to send the browser to sign in. state and nonce are
// random values kept in a short-lived cookie; verifier is the PKCE secret.
func (p *Provider) AuthURL(state, nonce, verifier string) string {
	return p.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the authorisation code for tokens, verifies the ID token
// (signature, issuer, audience, expiry and nonce) and returns the identity.
func (p *Provider) Exchange(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	ctx = oidc.ClientContext(ctx, p.client)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("sso: exchange code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Identity{}, errors.New("sso: the provider returned no ID token")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("sso: verify ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return Identity{}, errors.New("sso: the ID token's nonce does not match")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("sso: read claims: %w", err)
	}
	return p.identity(idt.Subject, claims)
}

// identity builds an Identity from verified claims.
func (p *Provider) identity(subject string, claims map[string]any) (Identity, error) {
	id := Identity{Subject: subject}
	id.Email, _ = claims["email"].(string)
	id.Name, _ = claims["name"].(string)
	if v, ok := claims["email_verified"].(bool); ok && !v {
		return Identity{}, errors.New("sso: the provider has not verified this email address")
	}
	if id.Email == "" {
		return Identity{}, errors.New("sso: the ID token has no email claim; enable the email scope at the provider")
	}
	if id.Name == "" {
		id.Name, _ = claims["preferred_username"].(string)
	}
	if id.Name == "" {
		id.Name = id.Email
	}
	switch g := claims[p.cfg.GroupsClaim].(type) {
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok {
				id.Groups = append(id.Groups, s)
			}
		}
	case string:
		id.Groups = strings.Split(g, ",")
	}
	id.Role = MapRole(id.Groups, p.cfg.RoleGroups)
	return id, nil
}

// MapRole returns the most privileged role whose groups include one of the
// person's groups, or employee.
func MapRole(groups []string, mapping map[socialdesk.Role][]string) socialdesk.Role {
	best := socialdesk.RoleEmployee
	rank := func(r socialdesk.Role) int { return slices.Index(socialdesk.Roles, r) }
	for role, want := range mapping {
		for _, g := range groups {
			if slices.Contains(want, g) && rank(role) > rank(best) {
				best = role
			}
		}
	}
	return best
}
