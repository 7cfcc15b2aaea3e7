// Package channels manages connector instances: their configuration in the
// database (secrets sealed with AES-GCM), a registry that builds them from
// a factory per kind and runs them (webhooks at POST /hooks/{channel},
// pollers and streamers as supervised workers with backoff), their health,
// Prometheus metrics, and the admin pages for channels and held messages.
package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Options configures a Registry.
type Options struct {
	DB *store.DB
	// Key seals channel configurations (see LoadKey).
	Key []byte
	// Factories builds connectors by kind; nil means BuiltinFactories.
	Factories map[string]Factory
	// Sink receives every inbound message (the ingest pipeline). It may be
	// set later with SetSink, before Run or the first webhook call.
	Sink   connector.Sink
	Logger *slog.Logger
	// Client is handed to factories for outside calls.
	Client *http.Client
	// RetryMin and RetryMax bound the backoff between restarts of a failing
	// poller or streamer (defaults 1 s and 5 min); PollEvery is the pause
	// between successful polls (default 30 s).
	RetryMin  time.Duration
	RetryMax  time.Duration
	PollEvery time.Duration
	// CheckEvery is how often Run looks for channels changed by another
	// process, such as `socialdesk channel add` (default 10 s).
	CheckEvery time.Duration
	// Search answers self-help searches asked on a channel (Slack's
	// /search); nil leaves them unanswered.
	Search SearchFunc
}

// SearchFunc searches self-help content for a person known on a channel
// by the author id the channel uses.
type SearchFunc func(ctx context.Context, kind, authorID, query string) ([]SearchHit, error)

// SearchHit is one self-help result for a channel to show.
type SearchHit struct {
	Title, URL string
}

// Registry holds the running connector instances.
type Registry struct {
	db   *store.DB
	key  []byte
	log  *slog.Logger
	opts Options

	mu        sync.RWMutex
	sink      connector.Sink
	instances map[string]*instance
	reload    chan struct{}
	// loaded fingerprints the channel rows of the last Reload, so Run can
	// notice changes made by another process (the command line).
	loaded string
}

// instance is one configured connector and its health.
type instance struct {
	name, kind string
	enabled    bool
	conn       connector.Connector // nil when it failed to build
	sealed     []byte              // the stored configuration it was built from
	health     *health
}

// New returns a registry; call Reload to load the configured channels.
func New(opts Options) *Registry {
	if opts.Factories == nil {
		opts.Factories = BuiltinFactories()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = 30 * time.Second
	}
	if opts.CheckEvery <= 0 {
		opts.CheckEvery = 10 * time.Second
	}
	return &Registry{db: opts.DB, key: opts.Key, log: opts.Logger, opts: opts, sink: opts.Sink,
		instances: map[string]*instance{}, reload: make(chan struct{}, 1)}
}

// SetSink sets where inbound messages go.
func (r *Registry) SetSink(s connector.Sink) {
	r.mu.Lock()
	r.sink = s
	r.mu.Unlock()
}

// Kinds lists the kinds that can be configured.
func (r *Registry) Kinds() []string { return slices.Sorted(maps.Keys(r.opts.Factories)) }

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Add configures a new channel after checking that its configuration
// builds a working connector. Admin only.
func (r *Registry) Add(ctx context.Context, name, kind, config string, enabled bool) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	name, kind = strings.TrimSpace(name), strings.TrimSpace(kind)
	if !validName.MatchString(name) {
		return socialdesk.FieldError("name", "Use 1 to 63 lower-case letters, digits, '-' or '_' for the channel name, starting with a letter or digit; it appears in /hooks/{name}.")
	}
	factory, ok := r.opts.Factories[kind]
	if !ok {
		return socialdesk.FieldError("kind", "Unknown kind %q. Use one of: %s.", kind, strings.Join(r.Kinds(), ", "))
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(config), &obj); err != nil {
		return socialdesk.FieldError("config", "The configuration must be a JSON object, such as {\"secret\": \"...\"}.")
	}
	if _, err := factory(ctx, FactoryInput{Name: name, Config: json.RawMessage(config), Cursor: dbCursor{r, name}, Logger: r.log, Client: r.opts.Client, Search: r.opts.Search}); err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.EINTERNAL {
			return socialdesk.FieldError("config", "%v", err)
		}
		return err
	}
	sealed, err := seal(r.key, name, []byte(config))
	if err != nil {
		return err
	}
	if err := r.db.CreateChannel(ctx, &store.Channel{Name: name, Kind: kind, Config: sealed, Enabled: enabled}); err != nil {
		return err
	}
	r.audit(ctx, "channel.add", name, kind)
	return r.Reload(ctx)
}

// SetEnabled turns a channel on or off. Admin only.
func (r *Registry) SetEnabled(ctx context.Context, name string, enabled bool) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	if err := r.db.SetChannelEnabled(ctx, name, enabled); err != nil {
		return err
	}
	action := "channel.disable"
	if enabled {
		action = "channel.enable"
	}
	r.audit(ctx, action, name, "")
	return r.Reload(ctx)
}

// Remove deletes a channel's configuration. Admin only.
func (r *Registry) Remove(ctx context.Context, name string) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	if err := r.db.DeleteChannel(ctx, name); err != nil {
		return err
	}
	r.audit(ctx, "channel.remove", name, "")
	return r.Reload(ctx)
}

func (r *Registry) audit(ctx context.Context, action, target, detail string) {
	var actor int64
	if p := socialdesk.UserFromContext(ctx); p != nil {
		actor = p.ID
	}
	if err := r.db.Audit(ctx, store.AuditEntry{ActorID: actor, Action: action, Target: target, Detail: detail}); err != nil {
		r.log.Error("audit log write failed", "action", action, "err", err)
	}
}

// Info describes a configured channel for people: its configuration with
// secrets masked, and its health.
type Info struct {
	Name    string
	Kind    string
	Enabled bool
	Config  string
	Health  Health
}

// List returns every configured channel. Admin only.
func (r *Registry) List(ctx context.Context) ([]Info, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return nil, err
	}
	rows, err := r.db.Channels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(rows))
	for _, c := range rows {
		info := Info{Name: c.Name, Kind: c.Kind, Enabled: c.Enabled}
		if plain, err := open(r.key, c.Name, c.Config); err != nil {
			info.Config = "(cannot decrypt: " + err.Error() + ")"
		} else {
			info.Config = Mask(plain)
		}
		r.mu.RLock()
		if in := r.instances[c.Name]; in != nil {
			info.Health = in.health.snapshot()
		}
		r.mu.RUnlock()
		if !c.Enabled {
			info.Health.Status = "disabled"
		}
		out = append(out, info)
	}
	return out, nil
}

var secretKey = regexp.MustCompile(`(?i)secret|token|password|passwd|key|credential`)

// Mask renders a JSON configuration with the values of secret-looking keys
// (secret, token, password, key) replaced by asterisks.
func Mask(config []byte) string {
	var obj map[string]any
	if err := json.Unmarshal(config, &obj); err != nil {
		return "(not a JSON object)"
	}
	for k, v := range obj {
		if secretKey.MatchString(k) {
			if s, ok := v.(string); ok && s == "" {
				continue
			}
			obj[k] = "********"
		}
	}
	b, _ := json.Marshal(obj)
	return string(b)
}

// Reload rebuilds the instances from the database. A channel whose
// configuration does not build is kept with its error in its health, so one
// broken connector never stops the others.
func (r *Registry) Reload(ctx context.Context) error {
	rows, err := r.db.Channels(ctx)
	if err != nil {
		return err
	}
	next := map[string]*instance{}
	r.mu.RLock()
	old := r.instances
	r.mu.RUnlock()
	for _, c := range rows {
		if prev := old[c.Name]; prev != nil && prev.kind == c.Kind && prev.enabled == c.Enabled && bytes.Equal(prev.sealed, c.Config) {
			next[c.Name] = prev // unchanged: keep the running connector and its state
			continue
		}
		in := &instance{name: c.Name, kind: c.Kind, enabled: c.Enabled, sealed: c.Config, health: newHealth()}
		if prev := old[c.Name]; prev != nil && prev.kind == c.Kind {
			in.health = prev.health // keep counters across reloads
		}
		in.health.setStatus("ok", "")
		plain, err := open(r.key, c.Name, c.Config)
		if err == nil {
			factory, ok := r.opts.Factories[c.Kind]
			if !ok {
				err = socialdesk.Errorf(socialdesk.EINVALID, "no connector for kind %q in this build", c.Kind)
			} else {
				in.conn, err = factory(ctx, FactoryInput{Name: c.Name, Config: plain, Cursor: dbCursor{r, c.Name}, Logger: r.log.With("channel", c.Name), Client: r.opts.Client, Search: r.opts.Search})
			}
		}
		if err != nil {
			in.conn = nil
			in.health.setStatus("error", errString(err))
			r.log.Error("channel does not start", "channel", c.Name, "kind", c.Kind, "err", err)
		}
		next[c.Name] = in
	}
	r.mu.Lock()
	r.instances = next
	r.loaded = fingerprint(rows)
	r.mu.Unlock()
	select {
	case r.reload <- struct{}{}:
	default:
	}
	return nil
}

// fingerprint summarises channel rows; any add, remove, enable, disable or
// config change alters it.
func fingerprint(rows []*store.Channel) string {
	var b strings.Builder
	for _, c := range rows {
		fmt.Fprintf(&b, "%d/%s/%s/%v/%d;", c.ID, c.Name, c.Kind, c.Enabled, c.UpdatedAt.UnixMicro())
	}
	return b.String()
}

// reloadIfChanged reloads when the channel rows differ from the last load.
func (r *Registry) reloadIfChanged(ctx context.Context) error {
	rows, err := r.db.Channels(ctx)
	if err != nil {
		return err
	}
	r.mu.RLock()
	same := r.loaded == fingerprint(rows)
	r.mu.RUnlock()
	if same {
		return nil
	}
	r.log.Info("channels changed in the database; reloading")
	return r.Reload(ctx)
}

// get returns an enabled, working instance by name.
func (r *Registry) get(name string) *instance {
	r.mu.RLock()
	defer r.mu.RUnlock()
	in := r.instances[name]
	if in == nil || !in.enabled || in.conn == nil {
		return nil
	}
	return in
}

// Kind returns the kind of a configured channel, "" when unknown.
func (r *Registry) Kind(name string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if in := r.instances[name]; in != nil {
		return in.kind
	}
	return ""
}

// Sender returns the sender of an enabled channel that can send.
func (r *Registry) Sender(name string) (connector.Sender, bool) {
	in := r.get(name)
	if in == nil {
		return nil, false
	}
	s, ok := in.conn.(connector.Sender)
	if !ok {
		return nil, false
	}
	return countingSender{s, in.health}, true
}

// SenderForKind returns the first enabled channel of a kind that can send.
func (r *Registry) SenderForKind(kind string) (string, connector.Sender, bool) {
	r.mu.RLock()
	names := slices.Sorted(maps.Keys(r.instances))
	r.mu.RUnlock()
	for _, n := range names {
		if r.Kind(n) != kind {
			continue
		}
		if s, ok := r.Sender(n); ok {
			return n, s, true
		}
	}
	return "", nil, false
}

// ServeHook routes POST /hooks/{channel} to the named channel's webhook
// receiver.
func (r *Registry) ServeHook(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("channel")
	in := r.get(name)
	if in == nil {
		httpx.WriteError(w, socialdesk.Errorf(socialdesk.ENOTFOUND, "No enabled channel named %q takes webhooks here.", name))
		return
	}
	recv, ok := in.conn.(connector.WebhookReceiver)
	if !ok {
		httpx.WriteError(w, socialdesk.Errorf(socialdesk.ENOTFOUND, "Channel %q does not take webhooks.", name))
		return
	}
	recv.ServeWebhook(w, req, r.countingSink(in))
}

// countingSink wraps the pipeline to record the instance's health.
func (r *Registry) countingSink(in *instance) connector.Sink {
	r.mu.RLock()
	sink := r.sink
	r.mu.RUnlock()
	return connector.SinkFunc(func(ctx context.Context, msg connector.Inbound) (connector.Receipt, error) {
		if msg.Channel != in.name {
			return connector.Receipt{}, socialdesk.Errorf(socialdesk.EINVALID, "connector %q delivered a message for channel %q", in.name, msg.Channel)
		}
		rec, err := sink.Deliver(ctx, msg)
		in.health.received(msg, rec, err)
		return rec, err
	})
}

// countingSender records sends in the instance's health.
type countingSender struct {
	s connector.Sender
	h *health
}

func (c countingSender) Send(ctx context.Context, msg connector.Outbound) (string, error) {
	id, err := c.s.Send(ctx, msg)
	c.h.sent(err)
	return id, err
}
