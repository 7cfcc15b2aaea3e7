package listening

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Outreach policies per channel.
const (
	ReplyPublic  = "public"  // queue the acknowledgement on the post's channel
	ReplyPrivate = "private" // the same, sent as the channel's private reply
	ReplyReview  = "review"  // hold it for an agent to approve or reject
	ReplyNone    = "none"    // never reply
)

// Model kinds stored in listening_models.
const (
	ModelSupport  = "support"
	ModelCategory = "category"
	ModelService  = "service"
	ModelImpact   = "impact"
	ModelUrgency  = "urgency"
)

// SuggestionKinds are the models that suggest a ticket field for a support
// request, in the order the pages show them.
var SuggestionKinds = []string{ModelCategory, ModelService, ModelImpact, ModelUrgency}

// modelKinds are all the listening models: the support model, then the
// suggestion models.
var modelKinds = append([]string{ModelSupport}, SuggestionKinds...)

// ValidKind reports whether kind names a listening model.
func ValidKind(kind string) bool {
	return slices.Contains(modelKinds, kind)
}

// hasSuggestionModel reports whether a suggestion model of kind is active.
func (s *Service) hasSuggestionModel(kind string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.suggest[kind] != nil
}

// Config is what admins tune on /admin/listening. It is stored as the
// setting "listening.config".
type Config struct {
	// Threshold is the support score above which a post gets outreach;
	// default 0.6.
	Threshold float64 `json:"threshold"`
	// WindowMinutes, MinReports, MinAuthors and MinChannels drive outage
	// detection; defaults 10, 5, 4 and 1.
	WindowMinutes int `json:"window_minutes"`
	MinReports    int `json:"min_reports"`
	MinAuthors    int `json:"min_authors"`
	MinChannels   int `json:"min_channels"`
	// Similarity is how alike (cosine of weighted words, 0 to 1) a report
	// must be to a cluster to join it; default 0.3.
	Similarity float64 `json:"similarity,omitempty"`
	// TroubleShare is the share (0 to 1) of an outage's reports that must
	// describe trouble, such as a failure word or a negation; nil means the
	// default 0.5 and 0 turns the check off (DetectorOptions.TroubleShare).
	TroubleShare *float64 `json:"trouble_share,omitempty"`
	// Policies maps a channel name to its outreach policy; channels not
	// listed use DefaultPolicy (default "review").
	Policies      map[string]string `json:"policies"`
	DefaultPolicy string            `json:"default_policy"`
	// AckText is the acknowledgement; {number} and {url} are replaced.
	AckText string `json:"ack_text"`
	// AckLimit acknowledgements per author and channel per hour; default 3.
	AckLimit int `json:"ack_limit"`
}

// DefaultAckText moves the conversation to the portal.
const DefaultAckText = "We've opened {number} for you; details here: {url}"

func (c Config) withDefaults() Config {
	if c.Threshold <= 0 || c.Threshold >= 1 {
		c.Threshold = 0.6
	}
	if c.WindowMinutes <= 0 {
		c.WindowMinutes = 10
	}
	if c.MinReports <= 0 {
		c.MinReports = 5
	}
	if c.MinAuthors <= 0 {
		c.MinAuthors = 4
	}
	if c.MinChannels <= 0 {
		c.MinChannels = 1
	}
	if c.Similarity <= 0 || c.Similarity >= 1 {
		c.Similarity = defaultSimilarity
	}
	if c.TroubleShare == nil {
		share := defaultTroubleShare
		c.TroubleShare = &share
	}
	if c.DefaultPolicy == "" {
		c.DefaultPolicy = ReplyReview
	}
	if c.AckText == "" {
		c.AckText = DefaultAckText
	}
	if c.AckLimit <= 0 {
		c.AckLimit = 3
	}
	return c
}

// Validate reports the first problem with a configuration.
func (c Config) Validate() error {
	if !(c.Threshold >= 0 && c.Threshold < 1) { // also refuses NaN
		return socialdesk.FieldError("threshold", "The threshold is a number between 0 and 1.")
	}
	if c.WindowMinutes < 0 || c.WindowMinutes > 24*60 || c.MinReports < 0 || c.MinAuthors < 0 || c.MinChannels < 0 || c.MinReports > 10000 {
		return socialdesk.FieldError("window_minutes", "Use a window of 1 to 1440 minutes and positive counts.")
	}
	if !(c.Similarity >= 0 && c.Similarity < 1) {
		return socialdesk.FieldError("similarity", "The similarity is a number between 0 and 1 (default %g); higher joins only closer reports.", defaultSimilarity)
	}
	if v := c.TroubleShare; v != nil && !(*v >= 0 && *v <= 1) {
		return socialdesk.FieldError("trouble_share", "The share of reports that must describe trouble is a number between 0 and 1 (default %g); 0 turns the check off.", defaultTroubleShare)
	}
	for ch, p := range c.Policies {
		if !validPolicy(p) {
			return socialdesk.FieldError("policy."+ch, "The reply policy for %s must be public, private, review or none.", ch)
		}
	}
	if c.DefaultPolicy != "" && !validPolicy(c.DefaultPolicy) {
		return socialdesk.FieldError("default_policy", "The default policy must be public, private, review or none.")
	}
	return nil
}

// Trouble is the effective TroubleShare: the default when it is unset.
func (c Config) Trouble() float64 {
	if c.TroubleShare == nil {
		return defaultTroubleShare
	}
	return *c.TroubleShare
}

func validPolicy(p string) bool {
	return p == ReplyPublic || p == ReplyPrivate || p == ReplyReview || p == ReplyNone
}

// Policy returns the outreach policy of a channel.
func (c Config) Policy(channel string) string {
	if p, ok := c.Policies[channel]; ok {
		return p
	}
	return c.DefaultPolicy
}

// Indexer receives status posts for search; *finder.Finder satisfies it.
type Indexer interface {
	Upsert(d search.Doc)
}

// Options configures a Service.
type Options struct {
	Desk   *desk.Service
	Logger *slog.Logger
	// Index, when set, receives status posts (type "status").
	Index Indexer
	// BaseURL is the desk's address, for links in acknowledgements.
	BaseURL string
	// Shared is set when several nodes share the database (PostgreSQL).
	// Each node then appends the posts it observes to the listening feed,
	// and outage detection runs only in RunDetector on the node holding
	// the DetectorLease, over every node's posts. Unset (SQLite, one
	// process), Observe runs the detector itself, in process.
	Shared bool
	// NodeID names this node as the lease holder; empty means a random
	// name, so two nodes never share one.
	NodeID string
	// DetectEvery is how often the lease holder reads the feed; default
	// 1 s. The lease expires five intervals after its holder stops.
	DetectEvery time.Duration
}

// Service is social listening: it sees every inbound post (Observe),
// keeps those that match a rule or look like support requests, reaches
// out to their authors, and opens major incidents for outages. It is
// safe for concurrent use.
type Service struct {
	desk *desk.Service
	db   *store.DB
	log  *slog.Logger
	opts Options

	mu        sync.Mutex // guards everything below
	cfg       Config
	matcher   *Matcher
	support   *classify.Model
	suggest   map[string]*classify.Model // active model per SuggestionKinds entry
	det       *Detector
	incidents map[int64]int64 // detector cluster -> incident ticket
	vol       volume
	resync    bool // shared mode: settings changed, rebuild the window

	detecting atomic.Bool // shared mode: this node holds the detector lease

	// Alone (not Shared), Observe detects in process: localMu serialises
	// it, from adding the post to the feed to acting on the outcome, and
	// guards local, the detector's position in the feed.
	localMu sync.Mutex
	local   *feedReader

	ackMu sync.Mutex
}

// ConfigKey is the setting holding Config.
const ConfigKey = "listening.config"

// New loads the rules, models and configuration and returns the service.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Shared && opts.NodeID == "" {
		opts.NodeID = desk.RandomToken(6)
	}
	if opts.DetectEvery <= 0 {
		opts.DetectEvery = time.Second
	}
	s := &Service{desk: opts.Desk, db: opts.Desk.DB(), log: opts.Logger, opts: opts, incidents: map[int64]int64{}}
	var cfg Config
	if raw, ok, err := s.db.Setting(ctx, ConfigKey); err != nil {
		return nil, err
	} else if ok {
		if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
			s.log.Warn("listening config unreadable; using defaults", "err", err)
		}
	}
	s.cfg = cfg.withDefaults()
	s.det = NewDetector(s.detectorOptions())
	if !opts.Shared {
		// Alone, the detector runs in process and a restart empties it:
		// it rebuilds its window from the listening feed, which continues
		// the outages open in it, and learns which words are everyday
		// chatter from the feed's hour before the window. (With several
		// nodes the lease holder does the same in RunDetector.)
		s.local = &feedReader{}
		if err := s.rebuild(desk.SystemContext(ctx), s.local); err != nil {
			return nil, fmt.Errorf("listening: rebuild the detection window: %w", err)
		}
	}
	if err := s.ReloadRules(ctx); err != nil {
		return nil, err
	}
	if err := s.ReloadModels(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) detectorOptions() DetectorOptions {
	trouble := s.cfg.Trouble()
	if trouble == 0 {
		trouble = -1 // off
	}
	return DetectorOptions{Window: time.Duration(s.cfg.WindowMinutes) * time.Minute, MinReports: s.cfg.MinReports,
		MinAuthors: s.cfg.MinAuthors, MinChannels: s.cfg.MinChannels, Threshold: s.cfg.Similarity, TroubleShare: trouble}
}

// Config returns the current configuration.
func (s *Service) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// SetConfig validates, stores and applies a configuration. Changing the
// detector's settings rebuilds its window with them.
func (s *Service) SetConfig(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c = c.withDefaults()
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := s.db.PutSetting(ctx, ConfigKey, string(raw)); err != nil {
		return err
	}
	if s.opts.Shared {
		s.apply(c) // the lease holder rebuilds its window (detectOnce)
	} else {
		// No post may reach the new detector before its window is rebuilt.
		s.localMu.Lock()
		if s.apply(c) {
			if err := s.rebuild(desk.SystemContext(context.WithoutCancel(ctx)), s.local); err != nil {
				s.log.Error("listening: could not rebuild the detection window", "err", err)
			}
		}
		s.localMu.Unlock()
	}
	s.desk.Audit(ctx, "listening.config", "listening", string(raw))
	return nil
}

// apply makes c the configuration and reports whether the detector's
// settings changed; the detector then starts afresh and, with several
// nodes, the lease holder is told to rebuild its window.
func (s *Service) apply(c Config) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cfg
	s.cfg = c
	if old.WindowMinutes == c.WindowMinutes && old.MinReports == c.MinReports && old.MinAuthors == c.MinAuthors && old.MinChannels == c.MinChannels && old.Similarity == c.Similarity &&
		old.Trouble() == c.Trouble() {
		return false
	}
	s.det = NewDetector(s.detectorOptions())
	s.incidents = map[int64]int64{}
	s.resync = s.opts.Shared
	return true
}

// syncConfig applies the stored configuration when another node sharing
// the database changed it.
func (s *Service) syncConfig(ctx context.Context) {
	raw, ok, err := s.db.Setting(ctx, ConfigKey)
	if err != nil || !ok {
		return
	}
	var c Config
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return
	}
	c = c.withDefaults()
	if cur := s.Config(); !reflect.DeepEqual(cur, c) {
		s.apply(c)
	}
}

// ReloadRules rebuilds the matcher from the stored rules.
func (s *Service) ReloadRules(ctx context.Context) error {
	rules, err := s.db.ListeningRules(ctx)
	if err != nil {
		return err
	}
	var rs []Rule
	for _, r := range rules {
		rs = append(rs, Rule{ID: r.ID, Kind: r.Kind, Value: r.Value, Channel: r.Channel})
	}
	m := NewMatcher(rs)
	s.mu.Lock()
	s.matcher = m
	s.mu.Unlock()
	return nil
}

// ReloadModels loads the active model of each kind from the database.
func (s *Service) ReloadModels(ctx context.Context) error {
	load := func(kind string) (*classify.Model, error) {
		row, err := s.db.ActiveListeningModel(ctx, kind)
		if socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		m := new(classify.Model)
		if err := m.UnmarshalBinary(row.Model); errors.Is(err, classify.ErrOldFormat) {
			// An upgrade changed the features: run without this model
			// (listening stores posts but does not classify them) until an
			// admin trains a new one, rather than refuse to start.
			s.log.Warn("listening: the active model was made by an older version; train a new one with `socialdesk listening train --csv FILE`",
				"model", row.ID, "kind", kind)
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("listening model %d: %w", row.ID, err)
		}
		return m, nil
	}
	sup, err := load(ModelSupport)
	if err != nil {
		return err
	}
	suggest := map[string]*classify.Model{}
	for _, kind := range SuggestionKinds {
		m, err := load(kind)
		if err != nil {
			return err
		}
		if m != nil {
			suggest[kind] = m
		}
	}
	s.mu.Lock()
	s.support, s.suggest = sup, suggest
	s.mu.Unlock()
	return nil
}

// Classification is the result of Classify. Category, Service, Impact and
// Urgency are suggestions for the ticket, each empty when no model of its
// kind is active.
type Classification struct {
	SupportRequest bool    `json:"support_request"`
	Score          float64 `json:"score"`
	Category       string  `json:"category"`
	Service        string  `json:"service,omitempty"`
	Impact         string  `json:"impact,omitempty"`
	Urgency        string  `json:"urgency,omitempty"`
}

// Classify scores a text as a support request with the active model, and
// suggests a category, service, impact and urgency where models of those
// kinds exist. With no support model trained yet it returns an ECONFLICT
// error telling the admin to train one.
func (s *Service) Classify(text string) (Classification, error) {
	s.mu.Lock()
	sup, suggest, th := s.support, s.suggest, s.cfg.Threshold
	s.mu.Unlock()
	c, err := classifyWith(sup, th, text)
	if err == nil {
		c.suggestFrom(suggest, text)
	}
	return c, err
}

func classifyWith(sup *classify.Model, th float64, text string) (Classification, error) {
	if strings.TrimSpace(text) == "" {
		return Classification{}, socialdesk.FieldError("text", "Give the text to classify.")
	}
	if sup == nil {
		return Classification{}, socialdesk.Errorf(socialdesk.ECONFLICT, "No support-request model yet; train one with `socialdesk listening train --csv FILE`.")
	}
	p := sup.Predict(text)
	c := Classification{Score: p.Scores[supportLabel(sup)]}
	c.SupportRequest = c.Score >= th
	return c, nil
}

// suggestFrom fills in the ticket fields that the suggestion models
// predict for text.
func (c *Classification) suggestFrom(models map[string]*classify.Model, text string) {
	for kind, m := range models {
		label := m.PredictLabel(text)
		switch kind {
		case ModelCategory:
			c.Category = label
		case ModelService:
			c.Service = label
		case ModelImpact:
			c.Impact = label
		case ModelUrgency:
			c.Urgency = label
		}
	}
}

// ModelLabels lists the labels that the active model of a kind knows,
// such as the categories it can suggest; nil without such a model.
func (s *Service) ModelLabels(kind string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.suggest[kind]
	if kind == ModelSupport {
		m = s.support
	}
	if m == nil {
		return nil
	}
	return m.Labels()
}

// levelLabels checks that every label of an impact or urgency model is a
// level (high, medium or low, or 1 to 3 as ParseLevel reads them) and
// writes it the way tickets do, so that a suggestion can be applied as is.
// A file with any other label trains nothing.
func levelLabels(kind string, examples []classify.Example) ([]classify.Example, error) {
	out := make([]classify.Example, len(examples))
	for i, e := range examples {
		l, err := socialdesk.ParseLevel(kind, e.Label)
		if err != nil || strings.TrimSpace(e.Label) == "" {
			return nil, socialdesk.FieldError("csv", "Row %d after the header has the %s label %q; %s labels are high, medium or low (or 1, 2, 3). Fix the file, or choose another model kind.", i+1, kind, e.Label, kind)
		}
		out[i] = classify.Example{Text: e.Text, Label: string(l)}
	}
	return out, nil
}

// supportLabel is the label meaning "support request": "1" when the model
// knows it, otherwise the last label in sort order.
func supportLabel(m *classify.Model) string {
	labels := m.Labels()
	for _, l := range labels {
		if l == "1" || l == "true" || l == "yes" {
			return l
		}
	}
	return labels[len(labels)-1]
}

// heldOutMin is the fewest examples whose training is also scored on a
// held-out tenth: with fewer, a tenth says little.
const heldOutMin = 100

// heldOutScore trains once more on nine tenths of examples and scores the
// tenth left out, as a note for the versions table, so an admin can
// compare versions before rolling back ("; held-out tenth: 81% right,
// macro-F1 0.79"). It costs about one more training, and returns "" for
// fewer than heldOutMin examples or when the nine tenths cannot train.
func heldOutScore(examples []classify.Example, opts classify.Options) string {
	if len(examples) < heldOutMin {
		return ""
	}
	m, err := classify.HoldOut(examples, 10, opts)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("; held-out tenth: %.0f%% right, macro-F1 %.2f", 100*m.Accuracy, m.MacroF1)
}

// Train trains a model of a kind from examples and stores it as a new,
// active version. With at least heldOutMin examples the version's note
// also gives its score on a held-out tenth (heldOutScore).
func (s *Service) Train(ctx context.Context, kind string, examples []classify.Example, note string) (int64, error) {
	if !ValidKind(kind) {
		return 0, socialdesk.FieldError("kind", "The model kind is support, category, service, impact or urgency.")
	}
	if kind == ModelImpact || kind == ModelUrgency {
		var err error
		if examples, err = levelLabels(kind, examples); err != nil {
			return 0, err
		}
	}
	// The suggestion models learn from tickets (title and body), so they
	// use the options chosen for tickets; see docs/classifier.md.
	opts := classify.DefaultOptions()
	if kind != ModelSupport {
		opts = classify.TicketOptions()
	}
	m, err := classify.Train(examples, opts)
	if err != nil {
		return 0, socialdesk.Errorf(socialdesk.EINVALID, "Cannot train: %s. Give labelled examples of at least two labels (for the support model, 1 for a support request and 0 for anything else).", strings.TrimPrefix(err.Error(), "classify: "))
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	note += heldOutScore(examples, opts)
	id, err := s.db.AddListeningModel(ctx, store.ListeningModel{Kind: kind, Model: blob, Note: note, Examples: len(examples)})
	if err != nil {
		return 0, err
	}
	s.desk.Audit(ctx, "listening.train", "model:"+strconv.FormatInt(id, 10), fmt.Sprintf("%s model from %d examples", kind, len(examples)))
	return id, s.ReloadModels(ctx)
}

// TicketTrainingLimit is how many of the newest resolved tickets
// TrainFromTickets learns from at most: enough for the desk's current
// services, and a training of a few seconds.
const TicketTrainingLimit = 20000

// TrainFromTickets trains a suggestion model of kind (category, service,
// impact or urgency) from the desk's own resolved and closed tickets, the
// newest TicketTrainingLimit that have the field, and stores it as a new,
// active version. This is how a model learns a service that was added
// after it was trained. It returns the version and the number of tickets.
func (s *Service) TrainFromTickets(ctx context.Context, kind string) (int64, int, error) {
	if !slices.Contains(SuggestionKinds, kind) {
		return 0, 0, socialdesk.Errorf(socialdesk.EINVALID, "Only the models that suggest a ticket's category, service, impact or urgency learn from tickets; the support model learns from labelled posts (a CSV file).")
	}
	rows, err := s.db.ResolvedTicketExamples(ctx, kind, TicketTrainingLimit)
	if err != nil {
		return 0, 0, err
	}
	labels := map[string]bool{}
	examples := make([]classify.Example, len(rows))
	for i, r := range rows {
		examples[i] = classify.Example{Text: r.Text, Label: r.Label}
		labels[r.Label] = true
	}
	if len(labels) < 2 {
		return 0, 0, socialdesk.Errorf(socialdesk.EINVALID, "Only %d resolved or closed ticket(s) have a %s, with %d different value(s); a model needs at least two. Resolve more tickets with their %s set, or train from a CSV file of past tickets.", len(rows), kind, len(labels), kind)
	}
	id, err := s.Train(ctx, kind, examples, fmt.Sprintf("trained from the desk's %d newest resolved tickets", len(rows)))
	return id, len(rows), err
}

// TicketTrainingCounts is, for each suggestion kind, how many resolved
// tickets have the field and how many different values they have; the
// newest TicketTrainingLimit of them are what TrainFromTickets learns from.
func (s *Service) TicketTrainingCounts(ctx context.Context) (map[string]store.ResolvedTicketCount, error) {
	return s.db.ResolvedTicketCounts(ctx)
}

// Rollback makes an older model version active again.
func (s *Service) Rollback(ctx context.Context, id int64) error {
	if err := s.db.ActivateListeningModel(ctx, id); err != nil {
		return err
	}
	s.desk.Audit(ctx, "listening.rollback", "model:"+strconv.FormatInt(id, 10), "")
	return s.ReloadModels(ctx)
}
