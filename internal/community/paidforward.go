package community

import (
	"context"
	"fmt"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// ticketText gathers a resolved ticket's description and public replies
// (never internal notes), and the names of the people involved.
func (s *Service) ticketText(ctx context.Context, ticketID int64) (*socialdesk.Ticket, string, string, []string, error) {
	t, err := s.desk.Ticket(ctx, ticketID)
	if err != nil {
		return nil, "", "", nil, err
	}
	if t.State.Open() {
		return nil, "", "", nil, socialdesk.Errorf(socialdesk.ECONFLICT, "%s is still open; only resolved or closed tickets can be shared as knowledge.", t.Number())
	}
	msgs, err := s.desk.Thread(ctx, ticketID)
	if err != nil {
		return nil, "", "", nil, err
	}
	ids := map[int64]bool{t.RequesterID: true, t.AssigneeID: true}
	var problem, solution []string
	if t.Description != "" {
		problem = append(problem, t.Description)
	}
	for _, m := range msgs {
		if m.Internal || strings.TrimSpace(m.Body) == "" || m.Body == "(attachments)" {
			continue
		}
		ids[m.AuthorID] = true
		if m.Direction == "out" {
			solution = append(solution, m.Body)
		} else {
			problem = append(problem, m.Body)
		}
	}
	var names []string
	for id := range ids {
		if id == 0 {
			continue
		}
		if p, err := s.db.Person(ctx, id); err == nil {
			names = append(names, p.Name)
		}
	}
	return t, strings.Join(problem, "\n\n"), strings.Join(solution, "\n\n"), names, nil
}

// DraftFromTicket turns a resolved ticket's description and public replies
// into a draft article. The text is redacted first (the names of the
// requester and agents, emails, phone numbers, secrets, ticket numbers) and
// the redactions are kept for a reviewer to confirm. Agents and knowledge
// managers only.
func (s *Service) DraftFromTicket(ctx context.Context, ticketID int64) (*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActArticleFromSource)
	if err != nil {
		return nil, err
	}
	t, problem, solution, names, err := s.ticketText(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	raw := "## Problem\n\n" + problem + "\n\n## Solution\n\n" + solution
	title, trs := s.redact(t.Title, names)
	body, brs := s.redact(raw, names)
	return s.createDraft(ctx, me, title, body, mergeRedactions(trs, brs), "ticket", t.ID, t.Service)
}

// DraftFromAnswer turns an accepted or verified answer and its question
// into a draft article, redacted like a ticket. Agents and knowledge
// managers only.
func (s *Service) DraftFromAnswer(ctx context.Context, answerID int64) (*socialdesk.Article, error) {
	me, err := actor(ctx, socialdesk.ActArticleFromSource)
	if err != nil {
		return nil, err
	}
	a, err := s.visibleAnswer(ctx, me, answerID)
	if err != nil {
		return nil, err
	}
	if a.Status != socialdesk.ContentVisible || !(a.Accepted || a.Verified(s.desk.Now())) {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "Only an accepted or verified answer can become an article.")
	}
	q, err := s.db.Question(ctx, a.QuestionID)
	if err != nil {
		return nil, err
	}
	names := []string{s.PersonName(ctx, q.AuthorID), s.PersonName(ctx, a.AuthorID)}
	title, trs := s.redact(q.Title, names)
	body, brs := s.redact("## Problem\n\n"+q.Body+"\n\n## Solution\n\n"+a.Body, names)
	return s.createDraft(ctx, me, title, body, mergeRedactions(trs, brs), "answer", a.ID, strings.Join(q.Tags, ","))
}

func mergeRedactions(a, b []socialdesk.Redaction) []socialdesk.Redaction {
	out := append([]socialdesk.Redaction{}, a...)
	for _, r := range b {
		dup := false
		for _, o := range out {
			if o.Placeholder == r.Placeholder && o.Original == r.Original {
				dup = true
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

func (s *Service) createDraft(ctx context.Context, me *socialdesk.Person, title, body string, rs []socialdesk.Redaction, kind string, id int64, services string) (*socialdesk.Article, error) {
	if strings.TrimSpace(title) == "" {
		title = "Untitled"
	}
	a := &socialdesk.Article{Title: title, Body: body, State: socialdesk.ArticleDraft, AuthorID: me.ID, SourceKind: kind, SourceID: id,
		Redactions: rs, RedactionsConfirmed: len(rs) == 0, CreatedAt: s.desk.Now(),
		Applies: socialdesk.Applicability{Services: socialdesk.NormalizeTags([]string{services})}}
	a.UpdatedAt = a.CreatedAt
	if err := s.db.CreateArticle(ctx, a); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "article.from_"+kind, fmt.Sprintf("article:%d", a.ID), fmt.Sprintf("%s:%d, %d redactions", kind, id, len(rs)))
	return a, nil
}

// PublishTicketAsQA shares a resolved ticket whose answer is general as a
// community question with an IT-verified answer, both redacted. Agents and
// knowledge managers only.
func (s *Service) PublishTicketAsQA(ctx context.Context, ticketID int64) (*socialdesk.Question, error) {
	me, err := actor(ctx, socialdesk.ActArticleFromSource)
	if err != nil {
		return nil, err
	}
	t, problem, solution, names, err := s.ticketText(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(solution) == "" {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "%s has no public reply to share as an answer.", t.Number())
	}
	title, _ := s.redact(t.Title, names)
	qbody, _ := s.redact(problem, names)
	abody, _ := s.redact(solution, names)
	q, err := s.Ask(ctx, NewQuestion{Title: title, Body: qbody, Tags: []string{t.Service}})
	if err != nil {
		return nil, err
	}
	a, err := s.Answer(ctx, q.ID, abody)
	if err != nil {
		return nil, err
	}
	if _, err := s.Verify(ctx, a.ID, s.desk.Now().AddDate(1, 0, 0)); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "community.from_ticket", fmt.Sprintf("question:%d", q.ID), fmt.Sprintf("ticket:%d by %d", t.ID, me.ID))
	return q, nil
}

// LinkKnowledge answers a ticket with a link to a verified answer or a
// published article: it adds a public reply with the link and records the
// link as solving the ticket; with resolve it also resolves the ticket.
// Agents and above only.
func (s *Service) LinkKnowledge(ctx context.Context, ticketID int64, kind string, targetID int64, baseURL string, resolve bool) (*socialdesk.Message, error) {
	me, err := actor(ctx, socialdesk.ActAnswerVerify)
	if err != nil {
		return nil, err
	}
	var title, path string
	switch kind {
	case "article":
		a, err := s.Article(ctx, targetID)
		if err != nil {
			return nil, err
		}
		if a.State != socialdesk.ArticlePublished {
			return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "Only published articles can be sent to requesters.")
		}
		title, path = a.Title, fmt.Sprintf("/kb/%d", a.ID)
	case "answer":
		a, err := s.visibleAnswer(ctx, me, targetID)
		if err != nil {
			return nil, err
		}
		q, err := s.db.Question(ctx, a.QuestionID)
		if err != nil {
			return nil, err
		}
		title, path = q.Title, fmt.Sprintf("/community/questions/%d#answer-%d", q.ID, a.ID)
	default:
		return nil, socialdesk.FieldError("kind", "Link an article or an answer.")
	}
	m, err := s.desk.AddMessage(ctx, ticketID, desk.NewMessage{Body: fmt.Sprintf("This should solve it: %s\n%s%s", title, strings.TrimSuffix(baseURL, "/"), path)})
	if err != nil {
		return nil, err
	}
	if err := s.db.AddKnowledgeLink(ctx, ticketID, kind, targetID, me.ID, s.desk.Now()); err != nil {
		return nil, err
	}
	if resolve {
		st := socialdesk.StateResolved
		if _, err := s.desk.UpdateTicket(ctx, ticketID, socialdesk.TicketUpdate{State: &st}); err != nil {
			return m, err
		}
	}
	return m, nil
}
