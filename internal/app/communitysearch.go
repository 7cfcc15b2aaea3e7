package app

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/markup"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/store"
)

// communityDocs feeds community questions, answers and published articles
// to the one search index, so a single search covers tickets and
// self-help alike.
type communityDocs struct {
	db    *store.DB
	now   func() time.Time
	plain *plainCache
}

func newCommunityDocs(db *store.DB, now func() time.Time) communityDocs {
	return communityDocs{db: db, now: now, plain: &plainCache{}}
}

// plainCache keeps the plain text of each document's markdown from one
// Docs call to the next, so a change to one answer does not convert every
// body again (markup.PlainText takes about 20 µs for an answer).
type plainCache struct {
	mu        sync.Mutex
	last, now map[string][2]string // key -> markdown, plain text
}

// text returns the plain text of body, the body of the document key.
func (p *plainCache) text(key, body string) string {
	if e, ok := p.last[key]; ok && e[0] == body {
		p.now[key] = e
		return e[1]
	}
	plain := markup.PlainText(body)
	p.now[key] = [2]string{body, plain}
	return plain
}

// Docs returns every searchable community document. Removed answers are
// left out; quarantined ones are indexed with the flag, and the index shows
// them only to their author and reviewers.
func (c communityDocs) Docs(ctx context.Context) ([]search.Doc, error) {
	c.plain.mu.Lock()
	defer c.plain.mu.Unlock()
	c.plain.now = make(map[string][2]string, len(c.plain.last))
	defer func() { c.plain.last, c.plain.now = c.plain.now, nil }()
	qs, err := c.db.Questions(ctx, store.QuestionFilter{Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	var docs []search.Doc
	titles := map[int64]string{}
	for _, q := range qs {
		titles[q.ID] = q.Title
		docs = append(docs, community.QuestionDoc(q, c.plain.text("q"+strconv.FormatInt(q.ID, 10), q.Body)))
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
		d := search.Doc{Type: search.TypeAnswer, ID: strconv.FormatInt(a.ID, 10), Title: titles[a.QuestionID], Body: c.plain.text("a"+strconv.FormatInt(a.ID, 10), a.Body), AuthorID: a.AuthorID,
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
		docs = append(docs, search.Doc{Type: search.TypeArticle, ID: strconv.FormatInt(ar.ID, 10), Title: ar.Title, Body: c.plain.text("r"+strconv.FormatInt(ar.ID, 10), ar.Body),
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
	src := newCommunityDocs(a.DB, a.Desk.Now)
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
