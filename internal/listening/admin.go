package listening

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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
// reports, biggest first, at most limit. With several nodes on one
// database, a node that does not run detection shows what the detecting
// node last published (see publishClusters), or nothing when that is
// older than two minutes.
func (s *Service) EmergingClusters(ctx context.Context, min, limit int) ([]ClusterInfo, error) {
	var cs []ClusterInfo
	if !s.opts.Shared || s.detecting.Load() {
		cs = s.clusters(ctx, min)
	} else {
		raw, ok, err := s.db.Setting(ctx, ClustersKey)
		if err != nil || !ok {
			return nil, err
		}
		var snap clusterSnapshot
		if err := json.Unmarshal([]byte(raw), &snap); err != nil {
			return nil, fmt.Errorf("listening: published clusters unreadable: %w", err)
		}
		if s.desk.Now().Sub(snap.At) > 2*time.Minute {
			return nil, nil
		}
		for _, c := range snap.Clusters {
			if c.Reports >= min {
				cs = append(cs, c)
			}
		}
	}
	if len(cs) > limit {
		cs = cs[:limit]
	}
	return cs, nil
}

// clusters returns the detector's live clusters with at least min
// reports, with the major incident of each outage.
func (s *Service) clusters(ctx context.Context, min int) []ClusterInfo {
	s.mu.Lock()
	cs := s.det.Clusters(min)
	for i := range cs {
		if cs[i].Outage {
			cs[i].IncidentID = s.incidents[cs[i].ID]
		}
	}
	s.mu.Unlock()
	for i := range cs {
		if cs[i].IncidentID == 0 {
			continue
		}
		if t, err := s.db.Ticket(ctx, cs[i].IncidentID); err == nil {
			cs[i].Incident = t.Number()
		} else {
			cs[i].IncidentID = 0
		}
	}
	return cs
}

// ClustersKey is the setting where the detecting node publishes its live
// clusters for the other nodes' dashboards.
const ClustersKey = "listening.clusters"

// clusterSnapshot is the value of ClustersKey.
type clusterSnapshot struct {
	At       time.Time     `json:"at"`
	Clusters []ClusterInfo `json:"clusters"`
}

// publishClusters stores the detector's live clusters (those with at
// least two reports, at most 50) for the other nodes' dashboards.
func (s *Service) publishClusters(ctx context.Context) error {
	cs := s.clusters(ctx, 2)
	if len(cs) > 50 {
		cs = cs[:50]
	}
	raw, err := json.Marshal(clusterSnapshot{At: s.desk.Now(), Clusters: cs})
	if err != nil {
		return err
	}
	return s.db.PutSetting(ctx, ClustersKey, string(raw))
}
