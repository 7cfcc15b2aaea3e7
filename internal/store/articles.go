package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
)

const articleColumns = `ar.id, ar.title, ar.body, ar.state, ar.applies, ar.review_by, ar.author_id, ar.source_kind, ar.source_id, ar.redactions,
	ar.redactions_confirmed, ar.version, ar.created_at, ar.updated_at,
	(SELECT COUNT(*) FROM article_feedback f WHERE f.article_id = ar.id AND f.helpful = 1),
	(SELECT COUNT(*) FROM article_feedback f WHERE f.article_id = ar.id AND f.helpful = 0)`

func scanArticle(row interface{ Scan(...any) error }) (*socialdesk.Article, error) {
	var a socialdesk.Article
	var applies, redactions string
	var reviewBy, created, updated int64
	var confirmed int
	if err := row.Scan(&a.ID, &a.Title, &a.Body, &a.State, &applies, &reviewBy, &a.AuthorID, &a.SourceKind, &a.SourceID, &redactions,
		&confirmed, &a.Version, &created, &updated, &a.Helpful, &a.NotHelpful); err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(applies), &a.Applies)
	json.Unmarshal([]byte(redactions), &a.Redactions)
	a.RedactionsConfirmed = confirmed != 0
	a.ReviewBy, a.CreatedAt, a.UpdatedAt = fromMicros(reviewBy), fromMicros(created), fromMicros(updated)
	return &a, nil
}

func articleJSON(a *socialdesk.Article) (applies, redactions string) {
	b1, _ := json.Marshal(a.Applies)
	if a.Redactions == nil {
		return string(b1), "[]"
	}
	b2, _ := json.Marshal(a.Redactions)
	return string(b1), string(b2)
}

// CreateArticle stores an article with its first version and sets its ID.
func (db *DB) CreateArticle(ctx context.Context, a *socialdesk.Article) error {
	applies, redactions := articleJSON(a)
	a.Version = 1
	return db.inTx(ctx, func(tx *sql.Tx) error {
		id, err := db.insert(ctx, tx, `INSERT INTO articles (title, body, state, applies, review_by, author_id, source_kind, source_id, redactions, redactions_confirmed, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.Title, a.Body, a.State, applies, toMicros(a.ReviewBy), a.AuthorID, a.SourceKind, a.SourceID,
			redactions, boolInt(a.RedactionsConfirmed), a.Version, toMicros(a.CreatedAt), toMicros(a.CreatedAt))
		if err != nil {
			return err
		}
		a.ID = id
		_, err = db.exec(ctx, tx, `INSERT INTO article_versions (article_id, version, title, body, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, 1, a.Title, a.Body, a.AuthorID, toMicros(a.CreatedAt))
		return err
	})
}

// SaveArticle writes an article's fields. When newVersionBy is not 0 the
// version number goes up and the text is kept as a new version by that
// author, in the same transaction.
func (db *DB) SaveArticle(ctx context.Context, a *socialdesk.Article, newVersionBy int64) error {
	applies, redactions := articleJSON(a)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if newVersionBy != 0 {
			a.Version++
			if _, err := db.exec(ctx, tx, `INSERT INTO article_versions (article_id, version, title, body, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				a.ID, a.Version, a.Title, a.Body, newVersionBy, toMicros(a.UpdatedAt)); err != nil {
				return err
			}
		}
		res, err := db.exec(ctx, tx, `UPDATE articles SET title = ?, body = ?, state = ?, applies = ?, review_by = ?, redactions = ?, redactions_confirmed = ?, version = ?, updated_at = ? WHERE id = ?`,
			a.Title, a.Body, a.State, applies, toMicros(a.ReviewBy), redactions, boolInt(a.RedactionsConfirmed), a.Version, toMicros(a.UpdatedAt), a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return socialdesk.Errorf(socialdesk.ENOTFOUND, "Article not found.")
		}
		return nil
	})
}

// Article returns one article.
func (db *DB) Article(ctx context.Context, id int64) (*socialdesk.Article, error) {
	a, err := scanArticle(db.queryRow(ctx, db.db, `SELECT `+articleColumns+` FROM articles ar WHERE ar.id = ?`, id))
	return a, notFound(err, "Article")
}

// ArticleFilter selects articles.
type ArticleFilter struct {
	States []string
	// Words keeps articles whose title or body contains any of the words.
	Words []string
	Limit int
}

// Articles lists articles, most recently updated first.
func (db *DB) Articles(ctx context.Context, f ArticleFilter) ([]*socialdesk.Article, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		where = append(where, `ar.state IN (`+placeholders(len(f.States))+`)`)
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	if len(f.Words) > 0 {
		var ors []string
		for _, w := range f.Words {
			ors = append(ors, `LOWER(ar.title) LIKE ? OR LOWER(ar.body) LIKE ?`)
			pat := "%" + strings.ToLower(w) + "%"
			args = append(args, pat, pat)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	query := `SELECT ` + articleColumns + ` FROM articles ar`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	query += ` ORDER BY ar.updated_at DESC, ar.id DESC LIMIT ?`
	rows, err := db.query(ctx, db.db, query, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ArticleVersions lists an article's versions, oldest first.
func (db *DB) ArticleVersions(ctx context.Context, id int64) ([]socialdesk.ArticleVersion, error) {
	rows, err := db.query(ctx, db.db, `SELECT article_id, version, title, body, author_id, created_at FROM article_versions WHERE article_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []socialdesk.ArticleVersion
	for rows.Next() {
		var v socialdesk.ArticleVersion
		var at int64
		if err := rows.Scan(&v.ArticleID, &v.Version, &v.Title, &v.Body, &v.AuthorID, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = fromMicros(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// ArticleFeedback records whether an article helped a person, replacing
// their earlier answer.
func (db *DB) ArticleFeedback(ctx context.Context, articleID, personID int64, helpful bool) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO article_feedback (article_id, person_id, helpful) VALUES (?, ?, ?)
		ON CONFLICT (article_id, person_id) DO UPDATE SET helpful = excluded.helpful`, articleID, personID, boolInt(helpful))
	return err
}

// Media is an image or video stored with an article.
type Media struct {
	ID          int64
	ArticleID   int64
	Name        string
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// AddMedia stores a file for an article and sets its ID.
func (db *DB) AddMedia(ctx context.Context, m *Media) error {
	id, err := db.insert(ctx, db.w, `INSERT INTO article_media (article_id, name, content_type, data, created_at) VALUES (?, ?, ?, ?, ?)`,
		m.ArticleID, m.Name, m.ContentType, m.Data, toMicros(m.CreatedAt))
	m.ID = id
	return err
}

// MediaFile returns one stored article file.
func (db *DB) MediaFile(ctx context.Context, id int64) (*Media, error) {
	var m Media
	var at int64
	err := db.queryRow(ctx, db.db, `SELECT id, article_id, name, content_type, data, created_at FROM article_media WHERE id = ?`, id).
		Scan(&m.ID, &m.ArticleID, &m.Name, &m.ContentType, &m.Data, &at)
	m.CreatedAt = fromMicros(at)
	return &m, notFound(err, "File")
}
