// Package desk is the service layer of the single point of contact: it
// creates and works tickets, applies the priority matrix and the SLA clocks,
// checks every permission through the domain's Authorize functions, records
// history and tells listeners about changes. Handlers (web, API, connectors)
// call it; it calls the store.
package desk

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Options configures a Service.
type Options struct {
	Logger *slog.Logger
	// Now returns the current time; tests pass a fake clock.
	Now func() time.Time
	// Broker receives a Change for every ticket change; may be nil.
	Broker *Broker
}

// Service is the service desk.
type Service struct {
	db     *store.DB
	log    *slog.Logger
	now    func() time.Time
	broker *Broker

	guard *guard

	mu     sync.RWMutex
	matrix socialdesk.PriorityMatrix
	sla    SLAPolicy
}

// New returns a service over db, loading the priority matrix and SLA policy
// from the settings.
func New(ctx context.Context, db *store.DB, opts Options) (*Service, error) {
	s := &Service{db: db, log: opts.Logger, now: opts.Now, broker: opts.Broker, guard: newGuard()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.broker == nil {
		s.broker = NewBroker()
	}
	if err := s.reloadSettings(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// DB returns the store, for packages that share it.
func (s *Service) DB() *store.DB { return s.db }

// Broker returns the change broker.
func (s *Service) Broker() *Broker { return s.broker }

// Now returns the service's current time.
func (s *Service) Now() time.Time { return s.now().UTC() }

const (
	settingMatrix = "priority_matrix"
	settingSLA    = "sla_policy"
)

func (s *Service) reloadSettings(ctx context.Context) error {
	matrix := socialdesk.DefaultPriorityMatrix()
	if v, ok, err := s.db.Setting(ctx, settingMatrix); err != nil {
		return err
	} else if ok {
		var m socialdesk.PriorityMatrix
		if err := json.Unmarshal([]byte(v), &m); err == nil && m.Validate() == nil {
			matrix = m
		}
	}
	policy := DefaultSLAPolicy()
	if v, ok, err := s.db.Setting(ctx, settingSLA); err != nil {
		return err
	} else if ok {
		if p, err := ParseSLAPolicy([]byte(v)); err == nil {
			policy = p
		} else {
			s.log.Warn("stored SLA policy is invalid; using the default", "err", err)
		}
	}
	s.mu.Lock()
	s.matrix, s.sla = matrix, policy
	s.mu.Unlock()
	return nil
}

// PriorityMatrix returns the matrix in force.
func (s *Service) PriorityMatrix() socialdesk.PriorityMatrix {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.matrix
}

// SetPriorityMatrix replaces the matrix. Existing tickets keep their
// priority; new tickets and later impact or urgency changes use the new one.
// Admin only.
func (s *Service) SetPriorityMatrix(ctx context.Context, m socialdesk.PriorityMatrix) error {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActAdmin); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(m)
	if err := s.db.PutSetting(ctx, settingMatrix, string(b)); err != nil {
		return err
	}
	s.audit(ctx, "admin.priority_matrix", "", string(b))
	return s.reloadSettings(ctx)
}

// SLAPolicy returns the SLA policy in force.
func (s *Service) SLAPolicy() SLAPolicy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sla
}

// SetSLAPolicy replaces the SLA policy from its JSON form. Admin only.
func (s *Service) SetSLAPolicy(ctx context.Context, raw []byte) error {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActAdmin); err != nil {
		return err
	}
	p, err := ParseSLAPolicy(raw)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(p.Config())
	if err := s.db.PutSetting(ctx, settingSLA, string(b)); err != nil {
		return err
	}
	s.audit(ctx, "admin.sla_policy", "", string(b))
	return s.reloadSettings(ctx)
}

// audit appends to the audit log; a failure is logged, never returned, so an
// audit hiccup cannot undo an action already committed.
func (s *Service) audit(ctx context.Context, action, target, detail string) {
	var actorID int64
	if p := socialdesk.UserFromContext(ctx); p != nil {
		actorID = p.ID
	}
	if err := s.db.Audit(ctx, store.AuditEntry{ActorID: actorID, Action: action, Target: target, Detail: detail, RemoteAddr: RemoteAddrFromContext(ctx)}); err != nil {
		s.log.Error("audit log write failed", "action", action, "err", err)
	}
}

// Audit records an action taken outside the service, such as a sign-in.
func (s *Service) Audit(ctx context.Context, action, target, detail string) {
	s.audit(ctx, action, target, detail)
}

type remoteKey struct{}

// NewContextWithRemoteAddr records the client address for the audit log.
func NewContextWithRemoteAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// RemoteAddrFromContext returns the client address recorded in ctx.
func RemoteAddrFromContext(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}
