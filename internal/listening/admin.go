package listening

import (
	"context"
	"strconv"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// AddRule validates and stores a watch rule (admins only).
func (s *Service) AddRule(ctx context.Context, r Rule) (int64, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return 0, err
	}
	r.Value, r.Channel = strings.TrimSpace(r.Value), strings.TrimSpace(r.Channel)
	if err := r.Validate(); err != nil {
		return 0, err
	}
	id, err := s.db.AddListeningRule(ctx, store.ListeningRule{Kind: r.Kind, Value: r.Value, Channel: r.Channel})
	if err != nil {
		return 0, err
	}
	s.desk.Audit(ctx, "listening.rule.add", "rule:"+strconv.FormatInt(id, 10), r.Kind+" "+r.Value)
	return id, s.ReloadRules(ctx)
}

// DeleteRule removes a watch rule (admins only).
func (s *Service) DeleteRule(ctx context.Context, id int64) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	if err := s.db.DeleteListeningRule(ctx, id); err != nil {
		return err
	}
	s.desk.Audit(ctx, "listening.rule.delete", "rule:"+strconv.FormatInt(id, 10), "")
	return s.ReloadRules(ctx)
}

// Rules lists the watch rules.
func (s *Service) Rules(ctx context.Context) ([]store.ListeningRule, error) {
	return s.db.ListeningRules(ctx)
}

// Models lists the model versions, newest first.
func (s *Service) Models(ctx context.Context) ([]store.ListeningModel, error) {
	return s.db.ListeningModels(ctx)
}

// EmergingClusters returns the detector's live clusters with at least min
// reports, biggest first, at most limit.
func (s *Service) EmergingClusters(min, limit int) []ClusterInfo {
	s.mu.Lock()
	cs := s.det.Clusters(min)
	s.mu.Unlock()
	if len(cs) > limit {
		cs = cs[:limit]
	}
	return cs
}
