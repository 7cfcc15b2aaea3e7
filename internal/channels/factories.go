package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
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
}

// Factory builds a connector of one kind from its JSON configuration. It
// must reject a bad configuration with an error that names the field.
type Factory func(ctx context.Context, in FactoryInput) (connector.Connector, error)

// BuiltinFactories returns the factories for the connectors in this
// repository. Other kinds (email, mastodon) are added to the map by the
// code that assembles the app.
func BuiltinFactories() map[string]Factory {
	return map[string]Factory{
		"webhook": newWebhook,
		"slack":   newSlack,
	}
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
	conn, err := slack.New(slack.Config{Name: in.Name, SigningSecret: c.SigningSecret, BotToken: c.BotToken, APIURL: c.APIURL,
		BotUserID: c.BotUserID, WatchedChannels: c.WatchedChannels, TicketEmoji: c.TicketEmoji, Client: in.Client})
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
