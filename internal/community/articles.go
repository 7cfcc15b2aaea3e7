package community

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// ArticleInput is the editable part of an article.
type ArticleInput struct {
	Title    string
	Body     string
	Applies  socialdesk.Applicability
	ReviewBy time.Time
}

func (s *Service) checkArticle(in *ArticleInput) error {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if in.Title == "" {
		return socialdesk.FieldError("title", "Give the article a title that names the problem it solves.")
	}
	if utf8.RuneCountInString(in.Title) > MaxTitle {
		return socialdesk.FieldError("title", "The title is longer than %d characters.", MaxTitle)
	}
	if len(in.Body) > 5*MaxBody {
		return socialdesk.FieldError("body", "The article is longer than %d characters; split it.", 5*MaxBody)
	}
	a := &in.Applies
	for _, l := range []*[]string{&a.Devices, &a.OS, &a.Sites, &a.Roles, &a.Services} {
		*l = socialdesk.NormalizeTags(*l)
	}
	for _, r := range a.Roles {
		if r != "visitor" {
			if _, err := socialdesk.ParseRole(r); err != nil {
				return socialdesk.FieldError("roles", "Unknown role %q; use visitor, employee, contractor, agent, knowledge_manager or admin.", r)
			}
		}
	}
	return nil
}

// CreateArticle starts a draft article. Agents, knowledge managers and
// admins only.
func (s *Service) CreateArticle(ctx context.Context, in ArticleInput) (*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActArticleWrite)
	if err != nil {
		return nil, err
	}
	if err := s.checkArticle(&in); err != nil {
		return nil, err
	}
	a := &socialdesk.Article{Title: in.Title, Body: in.Body, State: socialdesk.ArticleDraft, Applies: in.Applies, ReviewBy: in.ReviewBy,
		AuthorID: me.ID, CreatedAt: s.desk.Now()}
	a.UpdatedAt = a.CreatedAt
	if err := s.db.CreateArticle(ctx, a); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "article.create", fmt.Sprintf("article:%d", a.ID), a.Title)
	return a, nil
}

// EditArticle saves new text and context as a new version. An edit by
// someone who may not publish sends a published article back to review.
func (s *Service) EditArticle(ctx context.Context, id int64, in ArticleInput) (*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActArticleWrite)
	if err != nil {
		return nil, err
	}
	if err := s.checkArticle(&in); err != nil {
		return nil, err
	}
	a, err := s.db.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State == socialdesk.ArticleRetired {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "This article is retired; move it back to draft before editing.")
	}
	changed := a.Title != in.Title || a.Body != in.Body
	a.Title, a.Body, a.Applies, a.ReviewBy, a.UpdatedAt = in.Title, in.Body, in.Applies, in.ReviewBy, s.desk.Now()
	if changed && a.State == socialdesk.ArticlePublished && socialdesk.Authorize(me, socialdesk.ActArticlePublish) != nil {
		a.State = socialdesk.ArticleInReview
	}
	var by int64
	if changed {
		by = me.ID
	}
	if err := s.db.SaveArticle(ctx, a, by); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "article.edit", fmt.Sprintf("article:%d", a.ID), fmt.Sprintf("version %d", a.Version))
	return a, nil
}

// transitions says who may move an article from one state to another.
var transitions = map[[2]string]socialdesk.Action{
	{socialdesk.ArticleDraft, socialdesk.ArticleInReview}:     socialdesk.ActArticleWrite,
	{socialdesk.ArticleInReview, socialdesk.ArticleDraft}:     socialdesk.ActArticleWrite,
	{socialdesk.ArticleInReview, socialdesk.ArticlePublished}: socialdesk.ActArticlePublish,
	{socialdesk.ArticlePublished, socialdesk.ArticleRetired}:  socialdesk.ActArticlePublish,
	{socialdesk.ArticlePublished, socialdesk.ArticleInReview}: socialdesk.ActArticlePublish,
	{socialdesk.ArticleRetired, socialdesk.ArticleDraft}:      socialdesk.ActArticleWrite,
}

// MoveArticle moves an article through the review workflow: draft, in
// review, published, retired. Writers submit for review; knowledge managers
// publish and retire. An article with redactions is published only after a
// reviewer has confirmed them, and publishing drops the redacted originals.
func (s *Service) MoveArticle(ctx context.Context, id int64, to string) (*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActArticleWrite)
	if err != nil {
		return nil, err
	}
	a, err := s.db.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	act, ok := transitions[[2]string{a.State, to}]
	if !ok {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "An article cannot move from %s to %s. Drafts go to review, reviewed articles are published, published ones retired.", a.State, to)
	}
	if err := socialdesk.Authorize(me, act); err != nil {
		return nil, socialdesk.Errorf(socialdesk.EFORBIDDEN, "Only knowledge managers may publish or retire articles; submit it for review instead.")
	}
	if to == socialdesk.ArticlePublished {
		if len(a.Redactions) > 0 && !a.RedactionsConfirmed {
			return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "Check the highlighted redactions and confirm them before publishing.")
		}
		for i := range a.Redactions {
			a.Redactions[i].Original = ""
		}
	}
	from := a.State
	a.State, a.UpdatedAt = to, s.desk.Now()
	if err := s.db.SaveArticle(ctx, a, 0); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "article.state", fmt.Sprintf("article:%d", a.ID), from+" -> "+to)
	return a, nil
}

// ConfirmRedactions records that a reviewer checked the redactions of a
// draft made from a ticket or answer. Knowledge managers and admins only.
func (s *Service) ConfirmRedactions(ctx context.Context, id int64) (*socialdesk.Article, error) {
	if _, err := actor(ctx, socialdesk.ActArticlePublish); err != nil {
		return nil, err
	}
	a, err := s.db.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	a.RedactionsConfirmed, a.UpdatedAt = true, s.desk.Now()
	if err := s.db.SaveArticle(ctx, a, 0); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "article.redactions_confirmed", fmt.Sprintf("article:%d", a.ID), fmt.Sprintf("%d redactions", len(a.Redactions)))
	return a, nil
}

// Article returns an article: published ones to everyone signed in, others
// to staff only.
func (s *Service) Article(ctx context.Context, id int64) (*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return nil, err
	}
	a, err := s.db.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State != socialdesk.ArticlePublished && socialdesk.Authorize(me, socialdesk.ActArticleWrite) != nil {
		return nil, socialdesk.Errorf(socialdesk.ENOTFOUND, "Article not found.")
	}
	return a, nil
}

// Articles lists articles matching the query: published ones for everyone,
// every state for staff (or the given states).
func (s *Service) Articles(ctx context.Context, query string, states ...string) ([]*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return nil, err
	}
	if socialdesk.Authorize(me, socialdesk.ActArticleWrite) != nil {
		states = []string{socialdesk.ArticlePublished}
	}
	return s.db.Articles(ctx, store.ArticleFilter{States: states, Words: keywords(query), Limit: 200})
}

// Versions lists an article's versions, oldest first.
func (s *Service) Versions(ctx context.Context, id int64) ([]socialdesk.ArticleVersion, error) {
	if _, err := s.Article(ctx, id); err != nil {
		return nil, err
	}
	return s.db.ArticleVersions(ctx, id)
}

// DiffVersions compares two versions of an article line by line.
func (s *Service) DiffVersions(ctx context.Context, id int64, from, to int) ([]DiffLine, error) {
	vs, err := s.Versions(ctx, id)
	if err != nil {
		return nil, err
	}
	var a, b *socialdesk.ArticleVersion
	for i := range vs {
		if vs[i].Version == from {
			a = &vs[i]
		}
		if vs[i].Version == to {
			b = &vs[i]
		}
	}
	if a == nil || b == nil {
		return nil, socialdesk.FieldError("version", "Pick two versions between 1 and %d.", len(vs))
	}
	return Diff("# "+a.Title+"\n"+a.Body, "# "+b.Title+"\n"+b.Body), nil
}

// Feedback records whether a published article helped the acting person.
func (s *Service) Feedback(ctx context.Context, id int64, helpful bool) error {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return err
	}
	if _, err := s.Article(ctx, id); err != nil {
		return err
	}
	return s.db.ArticleFeedback(ctx, id, me.ID, helpful)
}

// MaxMedia bounds an uploaded image or video.
const MaxMedia = 8 << 20

// AddMedia stores an image or video for an article and returns the URL to
// embed in its markdown.
func (s *Service) AddMedia(ctx context.Context, articleID int64, name, contentType string, data []byte) (string, error) {
	if _, err := actor(ctx, socialdesk.ActArticleWrite); err != nil {
		return "", err
	}
	if _, err := s.db.Article(ctx, articleID); err != nil {
		return "", err
	}
	ct := strings.ToLower(strings.TrimSpace(contentType))
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "video/webm":
	default:
		return "", socialdesk.FieldError("file", "Upload a PNG, JPEG, GIF or WebP image, or an MP4 or WebM video.")
	}
	if len(data) == 0 || len(data) > MaxMedia {
		return "", socialdesk.FieldError("file", "The file is empty or larger than %d MB.", MaxMedia>>20)
	}
	m := &store.Media{ArticleID: articleID, Name: name, ContentType: ct, Data: data, CreatedAt: s.desk.Now()}
	if err := s.db.AddMedia(ctx, m); err != nil {
		return "", err
	}
	return fmt.Sprintf("/kb-media/%d", m.ID), nil
}

// Media returns a stored file of an article the acting person may see.
func (s *Service) Media(ctx context.Context, id int64) (*store.Media, error) {
	m, err := s.db.MediaFile(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Article(ctx, m.ArticleID); err != nil {
		return nil, err
	}
	return m, nil
}
