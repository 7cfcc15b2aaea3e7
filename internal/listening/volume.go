package listening

import "time"

// volume counts every observed post per channel in hourly buckets over the
// last 24 hours, so the dashboard shows all traffic, not only the posts
// that were kept. It is in memory and starts empty after a restart.
type volume struct {
	channels map[string]*[24]bucket
}

type bucket struct {
	hour    int64 // Unix hour the counts belong to
	total   int
	support int
}

func (v *volume) add(channel string, at time.Time, support bool) {
	if v.channels == nil {
		v.channels = map[string]*[24]bucket{}
	}
	ring := v.channels[channel]
	if ring == nil {
		if len(v.channels) >= 1000 {
			return // bound memory against a flood of channel names
		}
		ring = new([24]bucket)
		v.channels[channel] = ring
	}
	h := at.Unix() / 3600
	b := &ring[h%24]
	if b.hour != h {
		*b = bucket{hour: h}
	}
	b.total++
	if support {
		b.support++
	}
}

// since24h returns posts per channel and the support-request total over
// the 24 hours before now.
func (v *volume) since24h(now time.Time) (byChannel map[string]int, total, support int) {
	byChannel = map[string]int{}
	h := now.Unix() / 3600
	for ch, ring := range v.channels {
		for _, b := range ring {
			if b.hour > h-24 && b.hour <= h && b.total > 0 {
				byChannel[ch] += b.total
				total += b.total
				support += b.support
			}
		}
	}
	return byChannel, total, support
}

// Volume returns every post observed per channel over the last 24 hours,
// with the total and how many were support requests.
func (s *Service) Volume() (byChannel map[string]int, total, support int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vol.since24h(s.desk.Now())
}
