package community

import (
	"context"
	"strconv"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/markup"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/store"
)

// QuestionIndexer is told about every question asked or closed, so a
// Similar engine can keep its index current. A Similar that implements it
// is fed by the Service.
type QuestionIndexer interface {
	IndexQuestion(q *socialdesk.Question)
}

// SearchSimilar finds similar questions with the search engine's index.
type SearchSimilar struct{ ix *search.Index }

// NewSearchSimilar returns a Similar over the index; load it with
// Service.LoadIndex at start-up.
func NewSearchSimilar(ix *search.Index) *SearchSimilar { return &SearchSimilar{ix: ix} }

// SimilarQuestions implements Similar.
func (s *SearchSimilar) SimilarQuestions(ctx context.Context, text string, limit int) ([]int64, error) {
	v := search.Viewer{}
	if p := socialdesk.UserFromContext(ctx); p != nil {
		v = search.Viewer{ID: p.ID, Agent: p.Role.IsStaff(), Reviewer: p.Role.IsReviewer()}
	}
	var ids []int64
	for _, r := range s.ix.Similar(text, v, []string{search.TypeQuestion}, limit) {
		if id, err := strconv.ParseInt(r.ID, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// IndexQuestion implements QuestionIndexer.
func (s *SearchSimilar) IndexQuestion(q *socialdesk.Question) {
	s.ix.Upsert(QuestionDoc(q, markup.PlainText(q.Body)))
}

// QuestionDoc is the search document of a question whose body, as plain
// text (markup.PlainText), is body.
func QuestionDoc(q *socialdesk.Question, body string) search.Doc {
	d := search.Doc{Type: search.TypeQuestion, ID: strconv.FormatInt(q.ID, 10), Title: q.Title, Body: body, Tags: q.Tags,
		AuthorID: q.AuthorID, UpdatedAt: q.UpdatedAt}
	if q.DuplicateOf != 0 {
		d.DuplicateOf = strconv.FormatInt(q.DuplicateOf, 10)
	}
	return d
}

// LoadIndex feeds the Similar engine, when it keeps an index, with the
// latest questions. Call it once at start-up.
func (s *Service) LoadIndex(ctx context.Context) error {
	ix, ok := s.similar.(QuestionIndexer)
	if !ok {
		return nil
	}
	list, err := s.db.Questions(ctx, store.QuestionFilter{Limit: 500})
	if err != nil {
		return err
	}
	for _, q := range list {
		ix.IndexQuestion(q)
	}
	return nil
}

// indexQuestion tells the Similar engine about a new or changed question.
func (s *Service) indexQuestion(ctx context.Context, id int64) {
	ix, ok := s.similar.(QuestionIndexer)
	if !ok {
		return
	}
	if q, err := s.db.Question(ctx, id); err == nil {
		ix.IndexQuestion(q)
	}
}
