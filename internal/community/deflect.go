package community

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/markup"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Suggestion is a self-help answer offered while a ticket is written.
type Suggestion struct {
	Kind     string // "answer" or "article"
	ID       int64
	Title    string
	URL      string
	Snippet  string
	Verified bool
}

// Suggest finds IT-verified answers and published articles matching a
// ticket being written, verified answers first. Links carry the text so the
// page can offer "this solved my problem".
func (s *Service) Suggest(ctx context.Context, text string, limit int) ([]Suggestion, error) {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return nil, err
	}
	words := keywords(text)
	if len(words) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = 5
	}
	now := s.desk.Now()
	qs, err := s.db.Questions(ctx, store.QuestionFilter{Words: words, OpenOnly: true, Limit: 100})
	if err != nil {
		return nil, err
	}
	qs = rankByWords(qs, words, func(q *socialdesk.Question) string { return q.Title + " " + q.Body }, 20)
	// The verified answers of all the questions in one query.
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	byQuestion := map[int64][]*socialdesk.Answer{}
	if len(ids) > 0 {
		all, err := s.db.Answers(ctx, store.AnswerFilter{QuestionIDs: ids, Status: socialdesk.ContentVisible, VerifiedOnly: true, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, a := range all {
			byQuestion[a.QuestionID] = append(byQuestion[a.QuestionID], a)
		}
	}
	var out []Suggestion
	for _, q := range qs {
		answers := byQuestion[q.ID]
		RankAnswers(answers, now)
		if len(answers) == 0 || !answers[0].Verified(now) || !s.canSee(me, answers[0]) {
			continue
		}
		a := answers[0]
		out = append(out, Suggestion{Kind: "answer", ID: a.ID, Title: q.Title, Verified: true, Snippet: truncate(markup.PlainText(a.Body), 160),
			URL: fmt.Sprintf("/community/questions/%d?deflect=%s&answer=%d#answer-%d", q.ID, url.QueryEscape(text), a.ID, a.ID)})
	}
	arts, err := s.db.Articles(ctx, store.ArticleFilter{States: []string{socialdesk.ArticlePublished}, Words: words, Limit: 100})
	if err != nil {
		return nil, err
	}
	arts = slices.DeleteFunc(arts, func(a *socialdesk.Article) bool { return !Applies(a.Applies, me) })
	for _, a := range rankByWords(arts, words, func(a *socialdesk.Article) string { return a.Title + " " + a.Body }, limit) {
		out = append(out, Suggestion{Kind: "article", ID: a.ID, Title: a.Title, Snippet: truncate(markup.PlainText(a.Body), 160),
			URL: fmt.Sprintf("/kb/%d?deflect=%s", a.ID, url.QueryEscape(text))})
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Applies reports whether an article's applicability fits the person: each
// list that is not empty must name the person's role, site or one of their
// devices. A person whose site or devices are unknown is not excluded by
// them. Contractors with an access end date also count as visitors.
func Applies(ap socialdesk.Applicability, p *socialdesk.Person) bool {
	if len(ap.Roles) > 0 {
		ok := slices.Contains(ap.Roles, string(p.Role))
		if p.Role == socialdesk.RoleContractor && !p.AccessExpires.IsZero() {
			ok = ok || slices.Contains(ap.Roles, "visitor")
		}
		if !ok {
			return false
		}
	}
	if len(ap.Sites) > 0 && p.Site != "" && !slices.Contains(ap.Sites, strings.ToLower(p.Site)) {
		return false
	}
	if len(ap.Devices) > 0 && len(p.Devices) > 0 {
		for _, d := range p.Devices {
			if slices.Contains(ap.Devices, strings.ToLower(d)) {
				return true
			}
		}
		return false
	}
	return true
}

// Deflect records that an answer or article solved the acting person's
// problem without a ticket, for analytics and the author's reputation.
func (s *Service) Deflect(ctx context.Context, kind string, id int64, query string) error {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return err
	}
	switch kind {
	case "answer":
		if _, err := s.visibleAnswer(ctx, me, id); err != nil {
			return err
		}
	case "article":
		if _, err := s.Article(ctx, id); err != nil {
			return err
		}
	default:
		return socialdesk.FieldError("kind", "A deflection is for an answer or an article.")
	}
	return s.db.AddDeflection(ctx, &socialdesk.Deflection{PersonID: me.ID, TargetKind: kind, TargetID: id, Query: truncate(query, 200), CreatedAt: s.desk.Now()})
}

// Deflections counts deflections for a target, or all when kind is "".
// Staff only.
func (s *Service) Deflections(ctx context.Context, kind string, id int64) (int, error) {
	if _, err := actor(ctx, socialdesk.ActArticleWrite); err != nil {
		return 0, err
	}
	return s.db.DeflectionCount(ctx, kind, id)
}
