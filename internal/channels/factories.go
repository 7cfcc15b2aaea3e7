package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/email"
	"github.com/socialdesk/socialdesk/connector/mastodon"
	"github.com/socialdesk/socialdesk/connector/slack"
	"github.com/socialdesk/socialdesk/connector/webhook"
)

// FactoryInput is what a factory gets to build one connector instance.
type FactoryInput struct {
	Name   string
	Config json.RawMessage
	// Cursor keeps the instance's positions in the database.
	Cursor connector.Cursor
	Logger *slog.Logger
	// Client is the HTTP client for outside calls; nil means the
	// connector's default.
	Client *http.Client
	// Search answers self-help searches asked on the channel; may be nil.
	Search SearchFunc
}

// Factory builds a connector of one kind from its JSON configuration. It
// must reject a bad configuration with an error that names the field.
type Factory func(ctx context.Context, in FactoryInput) (connector.Connector, error)

// BuiltinFactories returns the factories for the connectors in this
// repository: webhook, slack, email and mastodon. More kinds are added
// through app.Config.ChannelFactories.
func BuiltinFactories() map[string]Factory {
	return map[string]Factory{
		"webhook":  newWebhook,
		"slack":    newSlack,
		"email":    newEmail,
		"mastodon": newMastodon,
	}
}

// duration parses an optional Go duration such as "90s" for field.
func duration(field, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, socialdesk.FieldError("config", "%q must be a duration such as \"1m\" or \"30s\".", field)
	}
	return d, nil
}

// emailConfig is the JSON configuration of an email channel.
type emailConfig struct {
	IMAPAddr     string `json:"imap_addr"`
	IMAPUser     string `json:"imap_user"`
	IMAPPassword string `json:"imap_password"`
	Mailbox      string `json:"mailbox"`
	TLS          string `json:"tls"`
	SMTPAddr     string `json:"smtp_addr"`
	SMTPUser     string `json:"smtp_user"`
	SMTPPassword string `json:"smtp_password"`
	From         string `json:"from"`
	PollInterval string `json:"poll_interval"`
}

func newEmail(_ context.Context, in FactoryInput) (connector.Connector, error) {
	var c emailConfig
	if err := decodeConfig(in.Config, &c); err != nil {
		return nil, err
	}
	every, err := duration("poll_interval", c.PollInterval)
	if err != nil {
		return nil, err
	}
	conn, err := email.New(email.Config{Name: in.Name, IMAPAddr: c.IMAPAddr, IMAPUser: c.IMAPUser, IMAPPassword: c.IMAPPassword, Mailbox: c.Mailbox,
		TLS: email.TLSMode(c.TLS), SMTPAddr: c.SMTPAddr, SMTPUser: c.SMTPUser, SMTPPassword: c.SMTPPassword, From: c.From,
		PollInterval: every, Cursor: in.Cursor}, in.Logger)
	if err != nil {
		return nil, socialdesk.FieldError("config", "%v", err)
	}
	return conn, nil
}

// mastodonConfig is the JSON configuration of a Mastodon (or GoToSocial)
// channel.
type mastodonConfig struct {
	BaseURL      string   `json:"base_url"`
	StreamingURL string   `json:"streaming_url"`
	AccessToken  string   `json:"access_token"`
	AccountID    string   `json:"account_id"`
	Acct         string   `json:"acct"`
	Hashtags     []string `json:"hashtags"`
	Visibility   string   `json:"visibility"`
	PollInterval string   `json:"poll_interval"`
}

func newMastodon(_ context.Context, in FactoryInput) (connector.Connector, error) {
	var c mastodonConfig
	if err := decodeConfig(in.Config, &c); err != nil {
		return nil, err
	}
	every, err := duration("poll_interval", c.PollInterval)
	if err != nil {
		return nil, err
	}
	conn, err := mastodon.New(mastodon.Config{Name: in.Name, BaseURL: c.BaseURL, StreamingURL: c.StreamingURL, AccessToken: c.AccessToken,
		AccountID: c.AccountID, Acct: c.Acct, Hashtags: c.Hashtags, Visibility: c.Visibility, PollInterval: every,
		Client: in.Client, Cursor: in.Cursor}, in.Logger)
	if err != nil {
		return nil, socialdesk.FieldError("config", "%v", err)
	}
	return conn, nil
}

// decodeConfig decodes a JSON object strictly into v.
func decodeConfig(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return socialdesk.FieldError("config", "The configuration is not valid: %v.", err)
	}
	return nil
}

// webhookConfig is the JSON configuration of a webhook channel.
type webhookConfig struct {
	Secret   string `json:"secret"`
	ReplyURL string `json:"reply_url"`
	MaxBody  int64  `json:"max_body"`
}

func newWebhook(_ context.Context, in FactoryInput) (connector.Connector, error) {
	var c webhookConfig
	if err := decodeConfig(in.Config, &c); err != nil {
		return nil, err
	}
	if len(c.Secret) < 16 {
		return nil, socialdesk.FieldError("config", "A webhook needs \"secret\" of at least 16 characters, shared with the sender.")
	}
	conn, err := webhook.New(webhook.Config{Name: in.Name, Secret: []byte(c.Secret), ReplyURL: c.ReplyURL, MaxBody: c.MaxBody, Client: in.Client})
	if err != nil {
		return nil, socialdesk.FieldError("config", "%v", err)
	}
	return conn, nil
}

// slackConfig is the JSON configuration of a Slack channel.
type slackConfig struct {
	SigningSecret   string   `json:"signing_secret"`
	BotToken        string   `json:"bot_token"`
	APIURL          string   `json:"api_url"`
	BotUserID       string   `json:"bot_user_id"`
	WatchedChannels []string `json:"watched_channels"`
	TicketEmoji     string   `json:"ticket_emoji"`
}

func newSlack(_ context.Context, in FactoryInput) (connector.Connector, error) {
	var c slackConfig
	if err := decodeConfig(in.Config, &c); err != nil {
		return nil, err
	}
	var searcher func(ctx context.Context, userID, query string) ([]slack.SearchHit, error)
	if in.Search != nil {
		searcher = func(ctx context.Context, userID, query string) ([]slack.SearchHit, error) {
			hits, err := in.Search(ctx, "slack", userID, query)
			out := make([]slack.SearchHit, 0, len(hits))
			for _, h := range hits {
				out = append(out, slack.SearchHit{Title: h.Title, URL: h.URL})
			}
			return out, err
		}
	}
	conn, err := slack.New(slack.Config{Name: in.Name, SigningSecret: c.SigningSecret, BotToken: c.BotToken, APIURL: c.APIURL,
		BotUserID: c.BotUserID, WatchedChannels: c.WatchedChannels, TicketEmoji: c.TicketEmoji, Client: in.Client, Searcher: searcher})
	if err != nil {
		return nil, socialdesk.FieldError("config", "%v", err)
	}
	return conn, nil
}

// dbCursor stores a connector's positions in the database.
type dbCursor struct {
	r       *Registry
	channel string
}

func (c dbCursor) Load(ctx context.Context, key string) (string, error) {
	return c.r.db.LoadCursor(ctx, c.channel, key)
}

func (c dbCursor) Save(ctx context.Context, key, value string) error {
	return c.r.db.SaveCursor(ctx, c.channel, key, value)
}

var _ connector.Cursor = dbCursor{}

// errString renders an error for the health view.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
