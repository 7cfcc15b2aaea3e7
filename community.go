package socialdesk

import (
	"strings"
	"time"
)

// Question is a community question asked by an employee or contractor.
type Question struct {
	ID       int64
	AuthorID int64
	Title    string
	// Body is markdown; pages render it through goldmark and bluemonday.
	Body string
	// Tags name the service, device, OS or site the question is about,
	// such as "vpn", "android" or "site:lyon". They are lower case.
	Tags []string
	// DuplicateOf is the question this one was closed as a duplicate of.
	DuplicateOf int64
	// TicketID is the ticket the unanswered question escalated into.
	TicketID    int64
	Score       int
	AnswerCount int
	// HasAccepted says the asker accepted one of the visible answers.
	HasAccepted bool
	// VerifiedUntil is how long the latest "verified by IT" mark of a
	// visible answer lasts (year 9999 when it has no review date), zero
	// when no answer was verified; see HasVerified.
	VerifiedUntil time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HasVerified reports whether a visible answer carries a "verified by IT"
// mark at now.
func (q *Question) HasVerified(now time.Time) bool {
	return !q.VerifiedUntil.IsZero() && now.Before(q.VerifiedUntil)
}

// Content states of an answer.
const (
	ContentVisible     = "visible"
	ContentQuarantined = "quarantined"
	ContentRemoved     = "removed"
)

// Answer is a reply to a community question.
type Answer struct {
	ID         int64
	QuestionID int64
	AuthorID   int64
	Body       string
	Accepted   bool
	// VerifiedBy and VerifiedAt record the "Verified by IT" mark; zero when
	// unverified. VerifyReviewBy, when set, ends the mark.
	VerifiedBy     int64
	VerifiedAt     time.Time
	VerifyReviewBy time.Time
	// Status is ContentVisible, ContentQuarantined or ContentRemoved.
	Status    string
	Score     int
	Flags     int
	CreatedAt time.Time
}

// Verified reports whether the answer carries a "Verified by IT" mark that
// has not expired at now.
func (a *Answer) Verified(now time.Time) bool {
	if a.VerifiedBy == 0 && a.VerifiedAt.IsZero() {
		return false
	}
	return a.VerifyReviewBy.IsZero() || now.Before(a.VerifyReviewBy)
}

// Comment is a short remark on a question or an answer.
type Comment struct {
	ID         int64
	TargetKind string // "question" or "answer"
	TargetID   int64
	AuthorID   int64
	Body       string
	CreatedAt  time.Time
}

// Flag reports an answer for breaking policy or endangering security.
type Flag struct {
	ID         int64
	AnswerID   int64
	ReporterID int64
	// Staff records whether the reporter was an agent or above when they
	// flagged, which weighs more towards quarantine.
	Staff     bool
	Reason    string
	CreatedAt time.Time
}

// Article states, in workflow order.
const (
	ArticleDraft     = "draft"
	ArticleInReview  = "in_review"
	ArticlePublished = "published"
	ArticleRetired   = "retired"
)

// Applicability says whom and what a knowledge article applies to. Empty
// lists mean "any".
type Applicability struct {
	Devices  []string `json:"devices,omitempty"`
	OS       []string `json:"os,omitempty"`
	Sites    []string `json:"sites,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Services []string `json:"services,omitempty"`
}

// Redaction is one piece of text replaced by a placeholder when a ticket or
// answer was turned into an article draft.
type Redaction struct {
	Kind        string `json:"kind"`
	Placeholder string `json:"placeholder"`
	Original    string `json:"original"`
}

// Article is a knowledge base article.
type Article struct {
	ID       int64
	Title    string
	Body     string
	State    string
	Applies  Applicability
	ReviewBy time.Time
	AuthorID int64
	// SourceKind ("ticket" or "answer") and SourceID link an article drafted
	// from a resolved ticket or an accepted answer back to its source.
	SourceKind string
	SourceID   int64
	// Redactions lists what was replaced in the draft; a reviewer must
	// confirm them (RedactionsConfirmed) before it can be published.
	Redactions          []Redaction
	RedactionsConfirmed bool
	Version             int
	Helpful             int
	NotHelpful          int
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// ArticleVersion is one saved version of an article's text.
type ArticleVersion struct {
	ArticleID int64
	Version   int
	Title     string
	Body      string
	AuthorID  int64
	CreatedAt time.Time
}

// Deflection records a "this solved my problem, no ticket needed" click.
type Deflection struct {
	ID         int64
	PersonID   int64
	TargetKind string // "answer" or "article"
	TargetID   int64
	Query      string
	CreatedAt  time.Time
}

// NormalizeTags lower-cases, trims and de-duplicates tags, dropping empty
// ones. Commas and spaces both separate tags in a single string.
func NormalizeTags(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			t = strings.ToLower(strings.TrimSpace(t))
			if t != "" && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}
