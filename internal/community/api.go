package community

import (
	"net/http"
	"strconv"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/httpx"
)

// maxAPIBody bounds JSON request bodies.
const maxAPIBody = 1 << 20

// API serves the community JSON API under /api/v1/.
type API struct{ svc *Service }

// NewAPI returns the API handlers over the service.
func NewAPI(svc *Service) *API { return &API{svc: svc} }

// Routes lists the community API routes; give them to api.Server.Add.
func (h *API) Routes() []httpx.Route {
	r := func(method, pattern, summary string, fn http.HandlerFunc) httpx.Route {
		return httpx.Route{Method: method, Pattern: pattern, Access: "user", Summary: summary, Handler: fn}
	}
	return []httpx.Route{
		r("GET", "/api/v1/questions", "List community questions", h.listQuestions),
		r("POST", "/api/v1/questions", "Ask a question", h.ask),
		r("GET", "/api/v1/questions/{id}", "A question with its visible answers", h.getQuestion),
		r("POST", "/api/v1/questions/{id}/answers", "Answer a question", h.answer),
		r("POST", "/api/v1/answers/{id}/accept", "Accept an answer (the asker)", h.accept),
		r("POST", "/api/v1/answers/{id}/verify", "Mark an answer verified by IT (agents, knowledge managers)", h.verify),
		r("POST", "/api/v1/answers/{id}/flag", "Flag an answer for policy or security", h.flag),
		r("POST", "/api/v1/answers/{id}/moderate", "Restore or remove a quarantined answer (knowledge managers)", h.moderate),
		r("GET", "/api/v1/articles", "List knowledge articles", h.listArticles),
		r("POST", "/api/v1/articles", "Start a draft article (agents, knowledge managers)", h.createArticle),
		r("GET", "/api/v1/articles/{id}", "One knowledge article", h.getArticle),
	}
}

// QuestionJSON is a question as the API shows it.
type QuestionJSON struct {
	ID          int64        `json:"id"`
	Title       string       `json:"title"`
	Body        string       `json:"body"`
	Tags        []string     `json:"tags"`
	AuthorID    int64        `json:"author_id"`
	Score       int          `json:"score"`
	AnswerCount int          `json:"answer_count"`
	HasAccepted bool         `json:"has_accepted"`
	HasVerified bool         `json:"has_verified"`
	DuplicateOf int64        `json:"duplicate_of,omitempty"`
	TicketID    int64        `json:"ticket_id,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	Answers     []AnswerJSON `json:"answers,omitempty"`
}

// AnswerJSON is an answer as the API shows it.
type AnswerJSON struct {
	ID             int64      `json:"id"`
	QuestionID     int64      `json:"question_id"`
	AuthorID       int64      `json:"author_id"`
	Body           string     `json:"body"`
	Accepted       bool       `json:"accepted"`
	Verified       bool       `json:"verified"`
	VerifiedBy     int64      `json:"verified_by,omitempty"`
	VerifiedAt     *time.Time `json:"verified_at,omitempty"`
	VerifyReviewBy *time.Time `json:"verify_review_by,omitempty"`
	Status         string     `json:"status"`
	Score          int        `json:"score"`
	CreatedAt      time.Time  `json:"created_at"`
}

// ArticleJSON is an article as the API shows it.
type ArticleJSON struct {
	ID         int64                    `json:"id"`
	Title      string                   `json:"title"`
	Body       string                   `json:"body"`
	State      string                   `json:"state"`
	Applies    socialdesk.Applicability `json:"applies"`
	ReviewBy   *time.Time               `json:"review_by,omitempty"`
	Version    int                      `json:"version"`
	SourceKind string                   `json:"source_kind,omitempty"`
	SourceID   int64                    `json:"source_id,omitempty"`
	Helpful    int                      `json:"helpful"`
	NotHelpful int                      `json:"not_helpful"`
	UpdatedAt  time.Time                `json:"updated_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *API) questionJSON(q *socialdesk.Question) QuestionJSON {
	tags := q.Tags
	if tags == nil {
		tags = []string{}
	}
	return QuestionJSON{ID: q.ID, Title: q.Title, Body: q.Body, Tags: tags, AuthorID: q.AuthorID, Score: q.Score, AnswerCount: q.AnswerCount,
		HasAccepted: q.HasAccepted, HasVerified: q.HasVerified(h.svc.desk.Now()), DuplicateOf: q.DuplicateOf, TicketID: q.TicketID, CreatedAt: q.CreatedAt}
}

func (h *API) answerJSON(a *socialdesk.Answer) AnswerJSON {
	return AnswerJSON{ID: a.ID, QuestionID: a.QuestionID, AuthorID: a.AuthorID, Body: a.Body, Accepted: a.Accepted, Verified: a.Verified(h.svc.desk.Now()),
		VerifiedBy: a.VerifiedBy, VerifiedAt: timePtr(a.VerifiedAt), VerifyReviewBy: timePtr(a.VerifyReviewBy), Status: a.Status, Score: a.Score, CreatedAt: a.CreatedAt}
}

func articleJSON(a *socialdesk.Article) ArticleJSON {
	return ArticleJSON{ID: a.ID, Title: a.Title, Body: a.Body, State: a.State, Applies: a.Applies, ReviewBy: timePtr(a.ReviewBy), Version: a.Version,
		SourceKind: a.SourceKind, SourceID: a.SourceID, Helpful: a.Helpful, NotHelpful: a.NotHelpful, UpdatedAt: a.UpdatedAt}
}

func apiID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.WriteError(w, socialdesk.Errorf(socialdesk.ENOTFOUND, "Not found."))
		return 0, false
	}
	return id, true
}

func (h *API) listQuestions(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Questions(r.Context(), r.URL.Query().Get("tag"), r.URL.Query().Get("q"))
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	out := []QuestionJSON{}
	for _, q := range list {
		out = append(out, h.questionJSON(q))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"questions": out})
}

func (h *API) ask(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title string   `json:"title"`
		Body  string   `json:"body"`
		Tags  []string `json:"tags"`
	}
	if err := httpx.DecodeJSON(r, &in, maxAPIBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	q, err := h.svc.Ask(r.Context(), NewQuestion{Title: in.Title, Body: in.Body, Tags: in.Tags})
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, h.questionJSON(q))
}

func (h *API) getQuestion(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	page, err := h.svc.Question(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	out := h.questionJSON(page.Question)
	out.Answers = []AnswerJSON{}
	for _, a := range page.Answers {
		out.Answers = append(out.Answers, h.answerJSON(a))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *API) answer(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := httpx.DecodeJSON(r, &in, maxAPIBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	a, err := h.svc.Answer(r.Context(), id, in.Body)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, h.answerJSON(a))
}

// decodeOptional decodes a JSON body when there is one.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if err := httpx.DecodeJSON(r, v, maxAPIBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return false
	}
	return true
}

func (h *API) accept(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	a, err := h.svc.Accept(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.answerJSON(a))
}

func (h *API) verify(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	var in struct {
		ReviewBy *time.Time `json:"review_by"`
	}
	if !decodeOptional(w, r, &in) {
		return
	}
	var reviewBy time.Time
	if in.ReviewBy != nil {
		reviewBy = *in.ReviewBy
	}
	a, err := h.svc.Verify(r.Context(), id, reviewBy)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.answerJSON(a))
}

func (h *API) flag(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if !decodeOptional(w, r, &in) {
		return
	}
	a, err := h.svc.Flag(r.Context(), id, in.Reason)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.answerJSON(a))
}

func (h *API) moderate(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	var in struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}
	if err := httpx.DecodeJSON(r, &in, maxAPIBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	a, err := h.svc.Moderate(r.Context(), id, in.Decision, in.Note)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.answerJSON(a))
}

func (h *API) listArticles(w http.ResponseWriter, r *http.Request) {
	var states []string
	if s := r.URL.Query().Get("state"); s != "" {
		states = []string{s}
	}
	list, err := h.svc.Articles(r.Context(), r.URL.Query().Get("q"), states...)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	out := []ArticleJSON{}
	for _, a := range list {
		out = append(out, articleJSON(a))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"articles": out})
}

func (h *API) createArticle(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title    string                   `json:"title"`
		Body     string                   `json:"body"`
		Applies  socialdesk.Applicability `json:"applies"`
		ReviewBy *time.Time               `json:"review_by"`
	}
	if err := httpx.DecodeJSON(r, &in, maxAPIBody); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	ai := ArticleInput{Title: in.Title, Body: in.Body, Applies: in.Applies}
	if in.ReviewBy != nil {
		ai.ReviewBy = *in.ReviewBy
	}
	a, err := h.svc.CreateArticle(r.Context(), ai)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, articleJSON(a))
}

func (h *API) getArticle(w http.ResponseWriter, r *http.Request) {
	id, ok := apiID(w, r)
	if !ok {
		return
	}
	a, err := h.svc.Article(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, articleJSON(a))
}
