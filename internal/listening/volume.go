package listening

import (
	"context"
	"time"

	"github.com/socialdesk/socialdesk/internal/store"
)

// Post volume for the dashboard. Every observed post is counted per
// channel and hour in memory; RunVolume adds the counts to the
// listening_volume table every few seconds, where every node's counts are
// summed. The dashboard reads the table plus what this node has not
// stored yet, so it shows the whole cluster's traffic and keeps it across
// restarts (a crash loses at most the last few seconds of counts).

// volumeFlushEvery is how often a node stores its counts.
const volumeFlushEvery = 5 * time.Second

// volumeKeep is how long stored counts are kept.
const volumeKeep = 30 * 24 * time.Hour

type volumeKey struct {
	channel string
	hour    int64 // Unix hour
}

type volumeCounts struct{ total, support int }

// volume is the counts not stored yet.
type volume struct {
	pending map[volumeKey]volumeCounts
}

func (v *volume) add(channel string, at time.Time, support bool) {
	if v.pending == nil {
		v.pending = map[volumeKey]volumeCounts{}
	}
	k := volumeKey{channel, at.Unix() / 3600}
	c, ok := v.pending[k]
	if !ok && len(v.pending) >= 10_000 {
		return // bound memory against a flood of channel names while the database is away
	}
	c.total++
	if support {
		c.support++
	}
	v.pending[k] = c
}

// take returns the pending counts and starts afresh.
func (v *volume) take() []store.VolumeCount {
	out := make([]store.VolumeCount, 0, len(v.pending))
	for k, c := range v.pending {
		out = append(out, store.VolumeCount{Channel: k.channel, Hour: k.hour, Total: c.total, Support: c.support})
	}
	v.pending = nil
	return out
}

// putBack returns counts that could not be stored to the pending ones.
func (v *volume) putBack(counts []store.VolumeCount) {
	if v.pending == nil {
		v.pending = map[volumeKey]volumeCounts{}
	}
	for _, c := range counts {
		k := volumeKey{c.Channel, c.Hour}
		p := v.pending[k]
		v.pending[k] = volumeCounts{p.total + c.Total, p.support + c.Support}
	}
}

// FlushVolume stores the counts this node has not stored yet. Counts that
// fail to store are kept for the next try.
func (s *Service) FlushVolume(ctx context.Context) error {
	s.mu.Lock()
	counts := s.vol.take()
	s.mu.Unlock()
	if err := s.db.AddListeningVolume(ctx, counts); err != nil {
		s.mu.Lock()
		s.vol.putBack(counts)
		s.mu.Unlock()
		return err
	}
	return nil
}

// RunVolume stores the post counts every few seconds until ctx ends, then
// once more, and deletes counts older than 30 days once an hour.
func (s *Service) RunVolume(ctx context.Context) {
	t := time.NewTicker(volumeFlushEvery)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := s.FlushVolume(final); err != nil {
				s.log.Warn("listening: could not store post counts at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
		if err := s.FlushVolume(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("listening: could not store post counts; will retry", "err", err)
		}
		if now := time.Now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if err := s.db.PruneListeningVolume(ctx, s.desk.Now().Add(-volumeKeep).Unix()/3600); err != nil && ctx.Err() == nil {
				s.log.Warn("listening: could not prune post counts", "err", err)
			}
		}
	}
}

// Volume returns every post observed per channel over the last 24 hours
// (the current hour and the 23 before it), by every node, with the total
// and how many were support requests.
func (s *Service) Volume(ctx context.Context) (byChannel map[string]int, total, support int, err error) {
	to := s.desk.Now().Unix() / 3600
	from := to - 23
	stored, err := s.db.ListeningVolume(ctx, from)
	if err != nil {
		return nil, 0, 0, err
	}
	byChannel = map[string]int{}
	count := func(channel string, hour int64, t, sup int) {
		if hour >= from && hour <= to {
			byChannel[channel] += t
			total += t
			support += sup
		}
	}
	for _, c := range stored {
		count(c.Channel, c.Hour, c.Total, c.Support)
	}
	s.mu.Lock()
	for k, c := range s.vol.pending {
		count(k.channel, k.hour, c.total, c.support)
	}
	s.mu.Unlock()
	return byChannel, total, support, nil
}
