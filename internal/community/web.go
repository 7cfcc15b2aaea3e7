package community

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// WebOptions configures the community pages.
type WebOptions struct {
	Service *Service
	Server  *web.Server
	// BaseURL prefixes links sent to requesters in ticket replies.
	BaseURL string
}

// Web serves the community and knowledge base pages.
type Web struct {
	svc     *Service
	srv     *web.Server
	baseURL string
}

// NewWeb parses the page templates into the web server and returns the
// page handlers; add Routes to the server.
func NewWeb(opts WebOptions) (*Web, error) {
	if err := opts.Server.AddTemplates(templateFS, "templates/*.html"); err != nil {
		return nil, err
	}
	return &Web{svc: opts.Service, srv: opts.Server, baseURL: opts.BaseURL}, nil
}

// Nav returns the navigation links for the community pages.
func Nav() []web.NavLink {
	return []web.NavLink{{Label: "Community", Href: "/community"}, {Label: "Knowledge base", Href: "/kb"}}
}

// Routes lists the community pages. Every route admits any signed-in
// person; the service decides what each role may do.
func (h *Web) Routes() []httpx.Route {
	r := func(method, pattern, summary string, fn http.HandlerFunc) httpx.Route {
		return httpx.Route{Method: method, Pattern: pattern, Access: "user", Summary: summary, Handler: fn}
	}
	return []httpx.Route{
		r("GET", "/community", "Community questions", h.list),
		r("GET", "/community/ask", "Ask a question form", h.askForm),
		r("POST", "/community/ask", "Ask a question", h.ask),
		r("GET", "/community/similar", "Similar questions while asking", h.similar),
		r("GET", "/community/questions/{id}", "A question and its answers", h.question),
		r("POST", "/community/questions/{id}/answers", "Answer a question", h.answer),
		r("POST", "/community/questions/{id}/duplicate", "Close a question as a duplicate", h.duplicate),
		r("POST", "/community/comments", "Comment on a question or answer", h.comment),
		r("POST", "/community/vote", "Vote on a question or answer", h.vote),
		r("GET", "/community/answers/{id}", "An answer in its question", h.answerPage),
		r("POST", "/community/answers/{id}/accept", "Accept an answer", h.accept),
		r("POST", "/community/answers/{id}/verify", "Mark an answer verified by IT", h.verify),
		r("POST", "/community/answers/{id}/flag", "Flag an answer", h.flag),
		r("POST", "/community/answers/{id}/moderate", "Restore or remove a quarantined answer", h.moderate),
		r("POST", "/community/answers/{id}/article", "Draft an article from an answer", h.answerToArticle),
		r("GET", "/community/moderation", "Moderation queue", h.moderation),
		r("POST", "/community/moderation/threshold", "Set the quarantine threshold", h.threshold),
		r("POST", "/community/deflect", "This solved my problem", h.deflect),
		r("GET", "/community/people/{id}", "A person's community profile", h.profile),
		r("GET", "/community/experts", "Expert directory", h.experts),
		r("POST", "/community/tickets", "Draft an article, share as Q&A, or send a knowledge link from a ticket", h.fromTicket),
		r("GET", "/kb", "Knowledge base", h.kbList),
		r("GET", "/kb/new", "New article form", h.kbNewForm),
		r("POST", "/kb/new", "Create an article", h.kbNew),
		r("GET", "/kb/{id}", "An article", h.kbArticle),
		r("GET", "/kb/{id}/edit", "Edit an article", h.kbEditForm),
		r("POST", "/kb/{id}/edit", "Save an article", h.kbEdit),
		r("POST", "/kb/{id}/state", "Move an article through review", h.kbState),
		r("POST", "/kb/{id}/confirm", "Confirm an article's redactions", h.kbConfirm),
		r("POST", "/kb/{id}/feedback", "Was this helpful?", h.kbFeedback),
		r("POST", "/kb/{id}/media", "Upload an image or video", h.kbMedia),
		r("GET", "/kb/{id}/diff", "Compare two versions", h.kbDiff),
		r("GET", "/kb-media/{id}", "An article's image or video", h.kbMediaFile),
	}
}

// Suggester offers verified answers and published articles on the portal's
// new-ticket form; install it with web.Server.SetSuggester.
func (h *Web) Suggester(r *http.Request, text string) []web.Suggestion {
	list, err := h.svc.Suggest(r.Context(), text, 5)
	if err != nil {
		h.svc.log.Warn("suggestions failed", "err", err)
		return nil
	}
	var out []web.Suggestion
	for _, s := range list {
		out = append(out, web.Suggestion{Title: s.Title, URL: s.URL, Snippet: s.Snippet, Verified: s.Verified})
	}
	return out
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, socialdesk.Errorf(socialdesk.ENOTFOUND, "Not found.")
	}
	return id, nil
}

func formID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return id
}

func back(w http.ResponseWriter, r *http.Request, path, flash string) {
	http.Redirect(w, r, path+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}

func (h *Web) reviewer(r *http.Request) bool { return h.svc.Can(r.Context(), socialdesk.ActModerate) }

func (h *Web) list(w http.ResponseWriter, r *http.Request) {
	tag, q := r.URL.Query().Get("tag"), r.URL.Query().Get("q")
	list, err := h.svc.Questions(r.Context(), tag, q)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "community_list", "Community", map[string]any{"Questions": list, "Tag": tag, "Q": q, "Reviewer": h.reviewer(r),
		"Now": h.svc.desk.Now()})
}

func (h *Web) askForm(w http.ResponseWriter, r *http.Request) {
	h.srv.Render(w, r, http.StatusOK, "community_ask", "Ask the community", map[string]any{"Form": url.Values{}})
}

func (h *Web) ask(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	q, err := h.svc.Ask(r.Context(), NewQuestion{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Tags: []string{r.PostFormValue("tags")}})
	if err != nil {
		if httpx.Status(err) == http.StatusUnprocessableEntity {
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "community_ask", "Ask the community", map[string]any{"Form": r.PostForm, "Error": socialdesk.ErrorMessage(err)})
			return
		}
		h.srv.RenderError(w, r, err)
		return
	}
	back(w, r, fmt.Sprintf("/community/questions/%d", q.ID), "Your question is posted. You will see answers here.")
}

func (h *Web) similar(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.SimilarQuestions(r.Context(), r.URL.Query().Get("q"), 5)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.RenderFragment(w, r, "community_ask", "similar", list)
}

// answerView is an answer with what the page needs to show it.
type answerView struct {
	A        *socialdesk.Answer
	HTML     template.HTML
	Author   string
	Verified bool
	Verifier string
	Comments []commentView
}

type commentView struct {
	C      socialdesk.Comment
	Author string
}

func (h *Web) comments(r *http.Request, list []socialdesk.Comment) []commentView {
	var out []commentView
	for _, c := range list {
		out = append(out, commentView{C: c, Author: h.svc.PersonName(r.Context(), c.AuthorID)})
	}
	return out
}

func (h *Web) question(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	page, err := h.svc.Question(r.Context(), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	if page.Original != nil && r.URL.Query().Get("stay") == "" {
		back(w, r, fmt.Sprintf("/community/questions/%d", page.Original.ID), fmt.Sprintf("You were sent here from a duplicate question: %q.", page.Question.Title))
		return
	}
	me := socialdesk.UserFromContext(r.Context())
	now := h.svc.desk.Now()
	var answers []answerView
	for _, a := range page.Answers {
		v := answerView{A: a, HTML: template.HTML(h.svc.RenderMarkdown(a.Body)), Author: h.svc.PersonName(r.Context(), a.AuthorID), Verified: a.Verified(now),
			Comments: h.comments(r, page.Comments[fmt.Sprintf("answer:%d", a.ID)])}
		if a.VerifiedBy != 0 {
			v.Verifier = h.svc.PersonName(r.Context(), a.VerifiedBy)
		}
		answers = append(answers, v)
	}
	h.srv.Render(w, r, http.StatusOK, "community_question", page.Question.Title, map[string]any{
		"Q": page.Question, "HTML": template.HTML(h.svc.RenderMarkdown(page.Question.Body)), "Author": h.svc.PersonName(r.Context(), page.Question.AuthorID),
		"Answers": answers, "Comments": h.comments(r, page.Comments["question"]), "Original": page.Original,
		"Asker": me.ID == page.Question.AuthorID, "CanVerify": h.svc.Can(r.Context(), socialdesk.ActAnswerVerify),
		"Reviewer": h.reviewer(r), "Deflect": r.URL.Query().Get("deflect"), "DeflectAnswer": r.URL.Query().Get("answer"), "Error": r.URL.Query().Get("error"),
	})
}

// fail sends the user back to a page with the error message shown, or
// renders the error page for permission and missing-item errors.
func (h *Web) fail(w http.ResponseWriter, r *http.Request, path string, err error) {
	switch httpx.Status(err) {
	case http.StatusUnprocessableEntity, http.StatusConflict:
		http.Redirect(w, r, path+"?error="+url.QueryEscape(socialdesk.ErrorMessage(err)), http.StatusSeeOther)
	default:
		h.srv.RenderError(w, r, err)
	}
}

func (h *Web) answer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	path := fmt.Sprintf("/community/questions/%d", id)
	a, err := h.svc.Answer(r.Context(), id, r.PostFormValue("body"))
	if err != nil {
		h.fail(w, r, path, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s?flash=%s#answer-%d", path, url.QueryEscape("Thanks, your answer is posted."), a.ID), http.StatusSeeOther)
}

func (h *Web) duplicate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	path := fmt.Sprintf("/community/questions/%d", id)
	if err := h.svc.CloseDuplicate(r.Context(), id, formID(r, "of")); err != nil {
		h.fail(w, r, path, err)
		return
	}
	back(w, r, path, "Closed as a duplicate.")
}

// answerPath returns the question page of an answer, for redirects.
func (h *Web) answerPath(r *http.Request, answerID int64) string {
	if a, err := h.svc.db.Answer(r.Context(), answerID); err == nil {
		return fmt.Sprintf("/community/questions/%d", a.QuestionID)
	}
	return "/community"
}

func (h *Web) comment(w http.ResponseWriter, r *http.Request) {
	kind, id, qid := r.PostFormValue("kind"), formID(r, "id"), formID(r, "question")
	path := fmt.Sprintf("/community/questions/%d", qid)
	if _, err := h.svc.Comment(r.Context(), kind, id, r.PostFormValue("body")); err != nil {
		h.fail(w, r, path, err)
		return
	}
	back(w, r, path, "Comment added.")
}

func (h *Web) vote(w http.ResponseWriter, r *http.Request) {
	value, _ := strconv.Atoi(r.PostFormValue("value"))
	path := fmt.Sprintf("/community/questions/%d", formID(r, "question"))
	if err := h.svc.Vote(r.Context(), r.PostFormValue("kind"), formID(r, "id"), value); err != nil {
		h.fail(w, r, path, err)
		return
	}
	back(w, r, path, "Vote recorded.")
}

// answerAction runs fn on the answer in the path and goes back to its
// question with the flash message.
func (h *Web) answerAction(w http.ResponseWriter, r *http.Request, flash string, fn func(id int64) error) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	path := h.answerPath(r, id)
	if err := fn(id); err != nil {
		h.fail(w, r, path, err)
		return
	}
	back(w, r, path, flash)
}

func (h *Web) answerPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	a, err := h.svc.visibleAnswer(r.Context(), socialdesk.UserFromContext(r.Context()), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/community/questions/%d#answer-%d", a.QuestionID, a.ID), http.StatusSeeOther)
}

func (h *Web) accept(w http.ResponseWriter, r *http.Request) {
	h.answerAction(w, r, "Answer accepted. Thanks for closing the loop.", func(id int64) error {
		_, err := h.svc.Accept(r.Context(), id)
		return err
	})
}

func (h *Web) verify(w http.ResponseWriter, r *http.Request) {
	h.answerAction(w, r, "Marked as verified by IT.", func(id int64) error {
		var reviewBy time.Time
		if v := strings.TrimSpace(r.PostFormValue("review_by")); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return socialdesk.FieldError("review_by", "Give the review date as YYYY-MM-DD, or leave it empty.")
			}
			reviewBy = t
		}
		_, err := h.svc.Verify(r.Context(), id, reviewBy)
		return err
	})
}

func (h *Web) flag(w http.ResponseWriter, r *http.Request) {
	h.answerAction(w, r, "Thanks. The answer is flagged for the reviewers.", func(id int64) error {
		_, err := h.svc.Flag(r.Context(), id, r.PostFormValue("reason"))
		return err
	})
}

func (h *Web) moderate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	if _, err := h.svc.Moderate(r.Context(), id, r.PostFormValue("decision"), r.PostFormValue("note")); err != nil {
		h.fail(w, r, "/community/moderation", err)
		return
	}
	back(w, r, "/community/moderation", "Decision recorded.")
}

func (h *Web) answerToArticle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	a, err := h.svc.DraftFromAnswer(r.Context(), id)
	if err != nil {
		h.fail(w, r, h.answerPath(r, id), err)
		return
	}
	back(w, r, fmt.Sprintf("/kb/%d", a.ID), "Draft article created. Check the highlighted redactions.")
}

func (h *Web) moderation(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.ModerationQueue(r.Context())
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	type view struct {
		ModerationItem
		HTML   template.HTML
		Author string
	}
	var list []view
	for _, it := range items {
		list = append(list, view{it, template.HTML(h.svc.RenderMarkdown(it.Answer.Body)), h.svc.PersonName(r.Context(), it.Answer.AuthorID)})
	}
	h.srv.Render(w, r, http.StatusOK, "community_moderation", "Moderation queue", map[string]any{"Items": list, "Error": r.URL.Query().Get("error"),
		"Threshold": h.svc.FlagThreshold(r.Context())})
}

func (h *Web) threshold(w http.ResponseWriter, r *http.Request) {
	staff, _ := strconv.Atoi(r.PostFormValue("staff"))
	others, _ := strconv.Atoi(r.PostFormValue("others"))
	if err := h.svc.SetFlagThreshold(r.Context(), FlagThreshold{Staff: staff, Others: others}); err != nil {
		h.fail(w, r, "/community/moderation", err)
		return
	}
	back(w, r, "/community/moderation", "Threshold saved; it applies to the next flags.")
}

func (h *Web) deflect(w http.ResponseWriter, r *http.Request) {
	kind, id := r.PostFormValue("kind"), formID(r, "id")
	if err := h.svc.Deflect(r.Context(), kind, id, r.PostFormValue("q")); err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	back(w, r, "/portal", "Glad it is solved. No ticket was needed.")
}

func (h *Web) profile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	p, err := h.svc.Profile(r.Context(), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "community_profile", p.Person.Name, p)
}

func (h *Web) experts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	list, err := h.svc.Experts(r.Context(), q)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "community_experts", "Experts", map[string]any{"Q": q, "Experts": list})
}

// fromTicket handles the staff actions on a resolved ticket, named by its
// number or id: draft an article, share as Q&A, or send a knowledge link.
func (h *Web) fromTicket(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Check(r.Context(), socialdesk.ActArticleFromSource); err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	t, err := h.svc.desk.TicketByRef(r.Context(), strings.TrimSpace(r.PostFormValue("ticket")))
	if err != nil {
		h.fail(w, r, "/kb", socialdesk.FieldError("ticket", "No ticket %q that you can see. Give its number, such as INC-000123.", r.PostFormValue("ticket")))
		return
	}
	switch r.PostFormValue("action") {
	case "qa":
		q, err := h.svc.PublishTicketAsQA(r.Context(), t.ID)
		if err != nil {
			h.fail(w, r, "/kb", err)
			return
		}
		back(w, r, fmt.Sprintf("/community/questions/%d", q.ID), "Shared as a question with a verified answer.")
	case "link":
		if _, err := h.svc.LinkKnowledge(r.Context(), t.ID, r.PostFormValue("kind"), formID(r, "target"), h.baseURL, r.PostFormValue("resolve") == "1"); err != nil {
			h.fail(w, r, "/kb", err)
			return
		}
		back(w, r, fmt.Sprintf("/tickets/%d", t.ID), "Knowledge link sent to the requester.")
	default:
		a, err := h.svc.DraftFromTicket(r.Context(), t.ID)
		if err != nil {
			h.fail(w, r, "/kb", err)
			return
		}
		back(w, r, fmt.Sprintf("/kb/%d", a.ID), "Draft article created from "+t.Number()+". Check the highlighted redactions.")
	}
}

func (h *Web) kbList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	list, err := h.svc.Articles(r.Context(), q)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	deflections, _ := h.svc.Deflections(r.Context(), "", 0) // staff only; 0 for others
	h.srv.Render(w, r, http.StatusOK, "kb_list", "Knowledge base", map[string]any{"Articles": list, "Q": q, "Deflections": deflections,
		"CanWrite": h.svc.Can(r.Context(), socialdesk.ActArticleWrite), "Error": r.URL.Query().Get("error"), "Now": h.svc.desk.Now()})
}

func (h *Web) kbNewForm(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Check(r.Context(), socialdesk.ActArticleWrite); err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "kb_edit", "New article", map[string]any{"A": &socialdesk.Article{}})
}

func articleInput(r *http.Request) (ArticleInput, error) {
	in := ArticleInput{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Applies: socialdesk.Applicability{
		Devices: []string{r.PostFormValue("devices")}, OS: []string{r.PostFormValue("os")}, Sites: []string{r.PostFormValue("sites")},
		Roles: []string{r.PostFormValue("roles")}, Services: []string{r.PostFormValue("services")}}}
	if v := strings.TrimSpace(r.PostFormValue("review_by")); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return in, socialdesk.FieldError("review_by", "Give the review date as YYYY-MM-DD, or leave it empty.")
		}
		in.ReviewBy = t
	}
	return in, nil
}

func (h *Web) kbNew(w http.ResponseWriter, r *http.Request) {
	in, err := articleInput(r)
	var a *socialdesk.Article
	if err == nil {
		a, err = h.svc.CreateArticle(r.Context(), in)
	}
	if err != nil {
		if httpx.Status(err) == http.StatusUnprocessableEntity {
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "kb_edit", "New article", map[string]any{"A": &socialdesk.Article{Title: in.Title, Body: in.Body, Applies: in.Applies}, "Error": socialdesk.ErrorMessage(err)})
			return
		}
		h.srv.RenderError(w, r, err)
		return
	}
	back(w, r, fmt.Sprintf("/kb/%d", a.ID), "Draft saved. Submit it for review when it is ready.")
}

// highlight renders an article body and marks its redaction placeholders.
func (h *Web) highlight(a *socialdesk.Article) template.HTML {
	out := h.svc.RenderMarkdown(a.Body)
	for _, rd := range a.Redactions {
		ph := template.HTMLEscapeString(rd.Placeholder)
		out = strings.ReplaceAll(out, ph, `<mark class="redacted">`+ph+`</mark>`)
	}
	return template.HTML(out)
}

func (h *Web) kbArticle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	a, err := h.svc.Article(r.Context(), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	versions, err := h.svc.Versions(r.Context(), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "kb_article", a.Title, map[string]any{"A": a, "HTML": h.highlight(a), "Author": h.svc.PersonName(r.Context(), a.AuthorID),
		"Versions": versions, "CanWrite": h.svc.Can(r.Context(), socialdesk.ActArticleWrite),
		"CanPublish": h.svc.Can(r.Context(), socialdesk.ActArticlePublish), "Deflect": r.URL.Query().Get("deflect"),
		"Error": r.URL.Query().Get("error"), "Overdue": !a.ReviewBy.IsZero() && a.ReviewBy.Before(h.svc.desk.Now())})
}

func (h *Web) kbEditForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	if err := h.svc.Check(r.Context(), socialdesk.ActArticleWrite); err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	a, err := h.svc.Article(r.Context(), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "kb_edit", "Edit "+a.Title, map[string]any{"A": a})
}

func (h *Web) kbEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	in, err := articleInput(r)
	if err == nil {
		_, err = h.svc.EditArticle(r.Context(), id, in)
	}
	if err != nil {
		if httpx.Status(err) == http.StatusUnprocessableEntity {
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "kb_edit", "Edit article", map[string]any{"A": &socialdesk.Article{ID: id, Title: in.Title, Body: in.Body, Applies: in.Applies}, "Error": socialdesk.ErrorMessage(err)})
			return
		}
		h.fail(w, r, fmt.Sprintf("/kb/%d", id), err)
		return
	}
	back(w, r, fmt.Sprintf("/kb/%d", id), "Saved as a new version.")
}

func (h *Web) kbState(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	a, err := h.svc.MoveArticle(r.Context(), id, r.PostFormValue("to"))
	if err != nil {
		h.fail(w, r, fmt.Sprintf("/kb/%d", id), err)
		return
	}
	back(w, r, fmt.Sprintf("/kb/%d", id), "The article is now "+strings.ReplaceAll(a.State, "_", " ")+".")
}

func (h *Web) kbConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	if _, err := h.svc.ConfirmRedactions(r.Context(), id); err != nil {
		h.fail(w, r, fmt.Sprintf("/kb/%d", id), err)
		return
	}
	back(w, r, fmt.Sprintf("/kb/%d", id), "Redactions confirmed. The article can be published.")
}

func (h *Web) kbFeedback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	if err := h.svc.Feedback(r.Context(), id, r.PostFormValue("helpful") == "yes"); err != nil {
		h.fail(w, r, fmt.Sprintf("/kb/%d", id), err)
		return
	}
	back(w, r, fmt.Sprintf("/kb/%d", id), "Thanks for the feedback.")
}

func (h *Web) kbMedia(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	path := fmt.Sprintf("/kb/%d", id)
	if err := h.svc.Check(r.Context(), socialdesk.ActArticleWrite); err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	if err := r.ParseMultipartForm(MaxMedia); err != nil {
		h.fail(w, r, path, socialdesk.FieldError("file", "The upload is too large or could not be read."))
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		h.fail(w, r, path, socialdesk.FieldError("file", "Choose a file to upload."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxMedia+1))
	if err != nil {
		h.fail(w, r, path, socialdesk.FieldError("file", "The upload could not be read."))
		return
	}
	u, err := h.svc.AddMedia(r.Context(), id, hdr.Filename, hdr.Header.Get("Content-Type"), data)
	if err != nil {
		h.fail(w, r, path, err)
		return
	}
	embed := fmt.Sprintf("![%s](%s)", hdr.Filename, u)
	if strings.HasPrefix(hdr.Header.Get("Content-Type"), "video/") {
		embed = fmt.Sprintf(`Video: %s (link it as [%s](%s))`, u, hdr.Filename, u)
	}
	back(w, r, path, "Uploaded. Paste this into the article: "+embed)
}

func (h *Web) kbMediaFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	m, err := h.svc.Media(r.Context(), id)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", m.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "inline")
	w.Write(m.Data)
}

func (h *Web) kbDiff(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	to, _ := strconv.Atoi(r.URL.Query().Get("to"))
	lines, err := h.svc.DiffVersions(r.Context(), id, from, to)
	if err != nil {
		h.srv.RenderError(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "kb_diff", "Changes", map[string]any{"ID": id, "From": from, "To": to, "Lines": lines})
}
