// Package community is socialdesk's social self-help: a community Q&A where
// employees and contractors ask and answer, IT verifies and moderates, and
// a knowledge base of reviewed articles. It also turns good answers and
// resolved tickets into articles, escalates unanswered questions into
// tickets, and suggests answers while people write a ticket so that some
// tickets need never be raised.
//
// Every permission is checked here, through socialdesk.Authorize; the store
// only keeps data and the handlers only translate HTTP.
package community

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Finding is one piece of sensitive text a Redactor found and replaced.
type Finding struct {
	Kind        string
	Start, End  int // byte offsets in the original text
	Text        string
	Placeholder string
}

// Redactor replaces sensitive text (emails, phone numbers, secrets, ticket
// numbers) with placeholders. The privacy package provides the real one;
// DefaultRedactor is a small built-in fallback.
type Redactor interface {
	Redact(text string) (string, []Finding)
}

// Similar finds questions like a text, best first. The search package
// provides a real engine; without one a keyword match is used.
type Similar interface {
	SimilarQuestions(ctx context.Context, text string, limit int) ([]int64, error)
}

// FlagThreshold says how many flags quarantine an answer: Staff flags from
// agents and above, or Others flags from anyone else.
type FlagThreshold struct {
	Staff  int `json:"staff"`
	Others int `json:"others"`
}

// DefaultFlagThreshold is one flag from an agent or three from employees.
var defaultFlagThreshold = FlagThreshold{Staff: 1, Others: 3}

// DefaultEscalateAfter is how long a question may wait for an answer
// before it becomes a ticket, in business time on the SLA calendar.
const DefaultEscalateAfter = 4 * time.Hour

// Options configures a Service.
type Options struct {
	Desk   *desk.Service
	Logger *slog.Logger
	// Redactor cleans ticket text turned into articles; nil uses
	// DefaultRedactor.
	Redactor Redactor
	// Similar finds duplicate questions; nil uses a keyword match.
	Similar Similar
	// EscalateAfter is the wait before an unanswered question becomes a
	// ticket; 0 means DefaultEscalateAfter.
	EscalateAfter time.Duration
}

// Service is the community and knowledge base service.
type Service struct {
	desk          *desk.Service
	db            *store.DB
	log           *slog.Logger
	redactor      Redactor
	similar       Similar
	escalateAfter time.Duration
	md            *renderer
}

// New returns a Service.
func New(opts Options) *Service {
	s := &Service{desk: opts.Desk, db: opts.Desk.DB(), log: opts.Logger, redactor: opts.Redactor, similar: opts.Similar,
		escalateAfter: opts.EscalateAfter, md: newRenderer()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.redactor == nil {
		s.redactor = DefaultRedactor{}
	}
	if s.escalateAfter <= 0 {
		s.escalateAfter = DefaultEscalateAfter
	}
	return s
}

const settingFlagThreshold = "community.flag_threshold"

// FlagThreshold returns the quarantine threshold in force.
func (s *Service) FlagThreshold(ctx context.Context) FlagThreshold {
	th := defaultFlagThreshold
	if v, ok, err := s.db.Setting(ctx, settingFlagThreshold); err == nil && ok {
		var t FlagThreshold
		if json.Unmarshal([]byte(v), &t) == nil && t.Staff > 0 && t.Others > 0 {
			th = t
		}
	}
	return th
}

// SetFlagThreshold changes the quarantine threshold. Knowledge managers
// and admins only.
func (s *Service) SetFlagThreshold(ctx context.Context, t FlagThreshold) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActModerate); err != nil {
		return err
	}
	if t.Staff < 1 || t.Others < 1 || t.Staff > 100 || t.Others > 100 {
		return socialdesk.FieldError("threshold", "Both thresholds must be between 1 and 100 flags.")
	}
	b, _ := json.Marshal(t)
	if err := s.db.PutSetting(ctx, settingFlagThreshold, string(b)); err != nil {
		return err
	}
	s.desk.Audit(ctx, "community.flag_threshold", "", string(b))
	return nil
}

// actor returns the acting person after checking they may do a.
func actor(ctx context.Context, a socialdesk.Action) (*socialdesk.Person, error) {
	p := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(p, a); err != nil {
		return nil, err
	}
	return p, nil
}

// Can reports whether the acting person may perform a; pages use it to
// decide which buttons to show. The actions themselves check again.
func (s *Service) Can(ctx context.Context, a socialdesk.Action) bool {
	return socialdesk.Authorize(socialdesk.UserFromContext(ctx), a) == nil
}

// Check returns the error Authorize gives the acting person for a.
func (s *Service) Check(ctx context.Context, a socialdesk.Action) error {
	_, err := actor(ctx, a)
	return err
}

// RenderMarkdown turns markdown into sanitised HTML safe to show.
func (s *Service) RenderMarkdown(src string) string { return s.md.render(src) }

// PersonName returns a person's display name, or "someone" when unknown.
func (s *Service) PersonName(ctx context.Context, id int64) string {
	if id == 0 {
		return "socialdesk"
	}
	p, err := s.db.Person(ctx, id)
	if err != nil {
		return "someone"
	}
	return p.Name
}
