package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/store"
)

// communityDocs feeds community questions, answers and published articles
// to the one search index, so a single search covers tickets and
// self-help alike.
type communityDocs struct {
	db  *store.DB
	now func() time.Time
}

// Docs returns every searchable community document. Removed answers are
// left out; quarantined ones are indexed with the flag, and the index shows
// them only to their author and reviewers.
func (c communityDocs) Docs(ctx context.Context) ([]search.Doc, error) {
	qs, err := c.db.Questions(ctx, store.QuestionFilter{Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	var docs []search.Doc
	titles := map[int64]string{}
	for _, q := range qs {
		titles[q.ID] = q.Title
		d := search.Doc{Type: search.TypeQuestion, ID: strconv.FormatInt(q.ID, 10), Title: q.Title, Body: q.Body, Tags: q.Tags, AuthorID: q.AuthorID, UpdatedAt: q.UpdatedAt}
		if q.DuplicateOf != 0 {
			d.DuplicateOf = strconv.FormatInt(q.DuplicateOf, 10)
		}
		docs = append(docs, d)
	}
	answers, err := c.db.Answers(ctx, store.AnswerFilter{Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	now := c.now()
	for _, a := range answers {
		if a.Status == socialdesk.ContentRemoved {
			continue
		}
		d := search.Doc{Type: search.TypeAnswer, ID: strconv.FormatInt(a.ID, 10), Title: titles[a.QuestionID], Body: a.Body, AuthorID: a.AuthorID,
			Verified: a.Verified(now), Accepted: a.Accepted, Quarantined: a.Status == socialdesk.ContentQuarantined, UpdatedAt: a.CreatedAt}
		if a.Score > 0 {
			d.Helpful = a.Score
		} else {
			d.Unhelpful = -a.Score
		}
		docs = append(docs, d)
	}
	articles, err := c.db.Articles(ctx, store.ArticleFilter{States: []string{socialdesk.ArticlePublished}, Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	for _, ar := range articles {
		docs = append(docs, search.Doc{Type: search.TypeArticle, ID: strconv.FormatInt(ar.ID, 10), Title: ar.Title, Body: ar.Body,
			Applies:  search.Applicability{Devices: ar.Applies.Devices, OS: ar.Applies.OS, Sites: ar.Applies.Sites, Roles: ar.Applies.Roles, Services: ar.Applies.Services},
			Verified: true, Helpful: ar.Helpful, Unhelpful: ar.NotHelpful, UpdatedAt: ar.UpdatedAt})
	}
	return docs, nil
}

// refresh reloads community documents whenever their signature changes,
// checking twice a second, so new answers and articles are searchable
// within a second. Documents that disappeared (removed answers, retired
// articles) are deleted from the index.
func (a *App) refreshCommunitySearch(ctx context.Context) {
	src := communityDocs{db: a.DB, now: a.Desk.Now}
	// The first tick reloads once, catching anything that changed between
	// the start-up build and this worker starting.
	last := ""
	known := map[string]bool{}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sig, err := a.DB.CommunitySignature(ctx)
		if err != nil || sig == last {
			continue
		}
		docs, err := src.Docs(ctx)
		if err != nil {
			continue
		}
		last = sig
		now := map[string]bool{}
		for _, d := range docs {
			now[d.Type+":"+d.ID] = true
		}
		for k := range known {
			if !now[k] {
				typ, id, _ := strings.Cut(k, ":")
				a.Finder.Delete(typ, id)
			}
		}
		known = now
		a.Finder.Index().UpsertMany(docs)
	}
}
