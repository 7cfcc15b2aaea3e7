package community

import (
	"context"
	"sort"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Reputation points per event.
const (
	PointsUpvote     = 10
	PointsAccepted   = 15
	PointsVerified   = 25
	PointsDeflection = 5
)

// Badge is a recognition a person has earned.
type Badge struct {
	Name, Description string
}

// Profile is a person's community standing.
type Profile struct {
	Person     *socialdesk.Person
	Stats      store.PersonStats
	Reputation int
	Badges     []Badge
	// Expertise is the person's standing per tag, best first.
	Expertise []store.TagScore
}

// Reputation computes points from the counts.
func Reputation(st store.PersonStats) int {
	return st.Upvotes*PointsUpvote + st.Accepted*PointsAccepted + st.Verified*PointsVerified + st.Deflections*PointsDeflection
}

// Badges lists the badges the counts earn.
func Badges(st store.PersonStats) []Badge {
	var out []Badge
	if st.Answers >= 1 {
		out = append(out, Badge{"First answer", "Answered a colleague's question"})
	}
	if st.Accepted >= 1 {
		out = append(out, Badge{"Problem solver", "Wrote an accepted answer"})
	}
	if st.Verified >= 1 {
		out = append(out, Badge{"Verified helper", "Wrote an answer IT verified"})
	}
	if st.Deflections >= 1 {
		out = append(out, Badge{"Deflector", "An answer solved someone's problem before they raised a ticket"})
	}
	if st.Answers >= 10 {
		out = append(out, Badge{"Regular", "Wrote ten answers"})
	}
	return out
}

// Profile returns a person's reputation, badges and per-tag expertise.
func (s *Service) Profile(ctx context.Context, personID int64) (*Profile, error) {
	if _, err := actor(ctx, socialdesk.ActCommunityView); err != nil {
		return nil, err
	}
	p, err := s.db.Person(ctx, personID)
	if err != nil {
		return nil, err
	}
	st, err := s.db.PersonStats(ctx, personID)
	if err != nil {
		return nil, err
	}
	exp, err := s.db.Expertise(ctx, nil, personID, 20)
	if err != nil {
		return nil, err
	}
	// Show only what a colleague needs: name, role, site.
	pub := &socialdesk.Person{ID: p.ID, Name: p.Name, Role: p.Role, Site: p.Site}
	return &Profile{Person: pub, Stats: st, Reputation: Reputation(st), Badges: Badges(st), Expertise: exp}, nil
}

// Expert is one entry of the expert directory.
type Expert struct {
	Person  *socialdesk.Person
	Answers int
	Score   int
}

// Experts finds the people who answer best on the tags in the query, such
// as "vpn android".
func (s *Service) Experts(ctx context.Context, query string) ([]Expert, error) {
	if _, err := actor(ctx, socialdesk.ActCommunityView); err != nil {
		return nil, err
	}
	tags := socialdesk.NormalizeTags([]string{query})
	if len(tags) == 0 {
		return nil, nil
	}
	rows, err := s.db.Expertise(ctx, tags, 0, 50)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PersonID
	}
	people, err := s.db.PeopleByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Expert
	for _, r := range rows {
		p := people[r.PersonID]
		if p == nil || p.Disabled {
			continue
		}
		out = append(out, Expert{Person: &socialdesk.Person{ID: p.ID, Name: p.Name, Role: p.Role, Site: p.Site}, Answers: r.Answers, Score: r.Score})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}
