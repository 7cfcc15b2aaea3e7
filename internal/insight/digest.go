package insight

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Sender emails a digest. It is optional: without one, digests are
// delivered as notifications only.
type Sender interface {
	SendDigest(ctx context.Context, to []string, subject, body string) error
}

// Digest is one week's summary for a group or a knowledge manager.
type Digest struct {
	Recipient string // "group:ID" or "person:ID"
	Week      string // ISO week, e.g. 2026-W47
	Subject   string
	Emerging  []Emerging
	// Unanswered are community questions still without an answer.
	Unanswered []store.InsightQuestion
	// Reviews are verified answers and articles due for review within a
	// week (knowledge managers only).
	Reviews []store.DueForReview
	Body    string
}

// Emerging is a service and category pair with more tickets this week
// than the week before.
type Emerging struct {
	Problem          string
	ThisWeek, Before int
}

// Week returns the ISO week key of t, e.g. "2026-W47".
func Week(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// emerging compares the seven days before now with the seven before
// those, for one group (0 for all), and keeps the pairs with at least two
// tickets that grew.
func (s *Service) emerging(ctx context.Context, groupID int64, now time.Time) ([]Emerging, error) {
	ts, err := s.db.InsightTickets(ctx, store.InsightFilter{From: now.AddDate(0, 0, -14), To: now, GroupID: groupID})
	if err != nil {
		return nil, err
	}
	cut := now.AddDate(0, 0, -7)
	cur, prev := map[string]int{}, map[string]int{}
	for _, t := range ts {
		k := orNone(t.Service) + " / " + orNone(t.Category)
		if t.CreatedAt.Before(cut) {
			prev[k]++
		} else {
			cur[k]++
		}
	}
	var out []Emerging
	for k, n := range cur {
		if n >= 2 && n > prev[k] {
			out = append(out, Emerging{Problem: k, ThisWeek: n, Before: prev[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if d1, d2 := out[i].ThisWeek-out[i].Before, out[j].ThisWeek-out[j].Before; d1 != d2 {
			return d1 > d2
		}
		return out[i].Problem < out[j].Problem
	})
	return out, nil
}

// unanswered returns the questions of the last 30 days without a visible
// answer, oldest first.
func (s *Service) unanswered(ctx context.Context, now time.Time) ([]store.InsightQuestion, error) {
	qs, err := s.db.InsightQuestions(ctx, now.AddDate(0, 0, -30), now, "")
	if err != nil {
		return nil, err
	}
	var out []store.InsightQuestion
	for _, q := range qs {
		if q.FirstAnswer.IsZero() {
			out = append(out, q)
		}
	}
	return out, nil
}

// GroupDigest builds the week's digest for an assignment group.
func (s *Service) GroupDigest(ctx context.Context, g *socialdesk.Group, now time.Time) (*Digest, error) {
	d := &Digest{Recipient: fmt.Sprintf("group:%d", g.ID), Week: Week(now)}
	d.Subject = fmt.Sprintf("Weekly digest for %s, %s", g.Name, d.Week)
	var err error
	if d.Emerging, err = s.emerging(ctx, g.ID, now); err != nil {
		return nil, err
	}
	if d.Unanswered, err = s.unanswered(ctx, now); err != nil {
		return nil, err
	}
	d.Body = d.render()
	return d, nil
}

// ManagerDigest builds the week's digest for a knowledge manager: every
// group's emerging problems, unanswered questions and reviews due.
func (s *Service) ManagerDigest(ctx context.Context, p *socialdesk.Person, now time.Time) (*Digest, error) {
	d := &Digest{Recipient: fmt.Sprintf("person:%d", p.ID), Week: Week(now)}
	d.Subject = fmt.Sprintf("Weekly knowledge digest for %s, %s", p.Name, d.Week)
	var err error
	if d.Emerging, err = s.emerging(ctx, 0, now); err != nil {
		return nil, err
	}
	if d.Unanswered, err = s.unanswered(ctx, now); err != nil {
		return nil, err
	}
	if d.Reviews, err = s.db.ReviewsDue(ctx, now.AddDate(0, 0, 7)); err != nil {
		return nil, err
	}
	d.Body = d.render()
	return d, nil
}

// DigestFor builds the digest the person would get this week: the
// knowledge manager's digest for reviewers, otherwise their first group's.
func (s *Service) DigestFor(ctx context.Context, p *socialdesk.Person, now time.Time) (*Digest, error) {
	if err := socialdesk.Authorize(p, socialdesk.ActAnalytics); err != nil {
		return nil, err
	}
	if p.Role.IsReviewer() {
		return s.ManagerDigest(ctx, p, now)
	}
	groups, err := s.db.Groups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		members, err := s.db.GroupMembers(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if m == p.ID {
				return s.GroupDigest(ctx, g, now)
			}
		}
	}
	return s.GroupDigest(ctx, &socialdesk.Group{Name: "all groups"}, now)
}

func (d *Digest) render() string {
	var b strings.Builder
	b.WriteString("Emerging problems (last 7 days against the 7 before):\n")
	if len(d.Emerging) == 0 {
		b.WriteString("  none\n")
	}
	for _, e := range d.Emerging {
		fmt.Fprintf(&b, "  - %s: %d tickets (was %d)\n", e.Problem, e.ThisWeek, e.Before)
	}
	b.WriteString("\nUnanswered community questions:\n")
	if len(d.Unanswered) == 0 {
		b.WriteString("  none\n")
	}
	for _, q := range d.Unanswered {
		fmt.Fprintf(&b, "  - #%d %s (asked %s)\n", q.ID, q.Title, q.CreatedAt.Format(dateLayout))
	}
	if strings.HasPrefix(d.Recipient, "person:") {
		b.WriteString("\nDue for review within a week:\n")
		if len(d.Reviews) == 0 {
			b.WriteString("  none\n")
		}
		for _, r := range d.Reviews {
			fmt.Fprintf(&b, "  - %s #%d %s (review by %s)\n", r.Kind, r.ID, r.Title, r.Due.Format(dateLayout))
		}
	}
	return b.String()
}

// SendDigests sends this week's digests that have not gone out yet: one
// per assignment group and one per knowledge manager. Each is claimed in
// sent_digests first, so a digest goes out at most once per week per
// recipient even with several workers or restarts. It returns how many
// were sent.
func (s *Service) SendDigests(ctx context.Context, now time.Time) (int, error) {
	sent := 0
	groups, err := s.db.Groups(ctx)
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		members, err := s.db.GroupMembers(ctx, g.ID)
		if err != nil {
			return sent, err
		}
		d, err := s.GroupDigest(ctx, g, now)
		if err != nil {
			return sent, err
		}
		ok, err := s.deliver(ctx, d, members, now, g.ID)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	managers, err := s.db.People(ctx, socialdesk.RoleKnowledgeManager)
	if err != nil {
		return sent, err
	}
	for _, p := range managers {
		if !p.Active(now) {
			continue
		}
		d, err := s.ManagerDigest(ctx, p, now)
		if err != nil {
			return sent, err
		}
		ok, err := s.deliver(ctx, d, []int64{p.ID}, now, 0)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// deliver claims the digest and sends it as a notification (to the group
// when groupID is set, otherwise to each person) and, with a sender, as
// an email to the people.
func (s *Service) deliver(ctx context.Context, d *Digest, people []int64, now time.Time, groupID int64) (bool, error) {
	ok, err := s.db.ClaimDigest(ctx, d.Recipient, d.Week, now)
	if err != nil || !ok {
		return false, err
	}
	text := d.Subject + "\n\n" + d.Body
	if groupID != 0 {
		if err := s.db.AddNotification(ctx, &store.Notification{GroupID: groupID, Kind: "digest", Text: text, CreatedAt: now}); err != nil {
			return true, err
		}
	} else {
		for _, id := range people {
			if err := s.db.AddNotification(ctx, &store.Notification{PersonID: id, Kind: "digest", Text: text, CreatedAt: now}); err != nil {
				return true, err
			}
		}
	}
	if s.opts.Sender == nil {
		return true, nil
	}
	var to []string
	for _, id := range people {
		p, err := s.db.Person(ctx, id)
		if err == nil && p.Email != "" && p.Active(now) {
			to = append(to, p.Email)
		}
	}
	if len(to) > 0 {
		if err := s.opts.Sender.SendDigest(ctx, to, d.Subject, d.Body); err != nil {
			// The claim stays: a digest is sent at most once; the
			// notification already carries it.
			s.log.Warn("digest email failed", "recipient", d.Recipient, "err", err)
		}
	}
	return true, nil
}

// Worker returns the background job that sends the weekly digests.
func (s *Service) Worker() func(ctx context.Context) {
	every := s.opts.DigestEvery
	if every <= 0 {
		every = time.Hour
	}
	return func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		// The first check waits one period, so a restart loop does not
		// hammer the database; the claim makes later checks harmless.
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if n, err := s.SendDigests(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.log.Error("weekly digests failed", "err", err)
			} else if n > 0 {
				s.log.Info("weekly digests sent", "count", n)
			}
		}
	}
}
