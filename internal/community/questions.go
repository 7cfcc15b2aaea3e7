package community

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Limits on community text.
const (
	MaxTitle  = 200
	MaxBody   = 20000
	MaxTags   = 8
	MaxReason = 500
)

// NewQuestion is a question to ask.
type NewQuestion struct {
	Title string
	Body  string
	Tags  []string
}

// Ask stores a new question by the acting person.
func (s *Service) Ask(ctx context.Context, in NewQuestion) (*socialdesk.Question, error) {
	me, err := actor(ctx, socialdesk.ActQuestionAsk)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		return nil, socialdesk.FieldError("title", "Give the question a short title that says what you are stuck on.")
	}
	if utf8.RuneCountInString(title) > MaxTitle {
		return nil, socialdesk.FieldError("title", "The title is longer than %d characters; move the details to the body.", MaxTitle)
	}
	body := strings.TrimSpace(in.Body)
	if len(body) > MaxBody {
		return nil, socialdesk.FieldError("body", "The question is longer than %d characters.", MaxBody)
	}
	tags := socialdesk.NormalizeTags(in.Tags)
	if len(tags) > MaxTags {
		return nil, socialdesk.FieldError("tags", "Use at most %d tags (service, device, OS, site).", MaxTags)
	}
	for _, t := range tags {
		if len(t) > 40 {
			return nil, socialdesk.FieldError("tags", "The tag %q is too long; keep tags under 40 characters.", t)
		}
	}
	q := &socialdesk.Question{AuthorID: me.ID, Title: title, Body: body, Tags: tags, CreatedAt: s.desk.Now()}
	if err := s.db.CreateQuestion(ctx, q); err != nil {
		return nil, err
	}
	s.indexQuestion(ctx, q.ID)
	return q, nil
}

// Questions lists questions, optionally with a tag or matching words.
func (s *Service) Questions(ctx context.Context, tag, query string) ([]*socialdesk.Question, error) {
	if _, err := actor(ctx, socialdesk.ActCommunityView); err != nil {
		return nil, err
	}
	return s.db.Questions(ctx, store.QuestionFilter{Tag: strings.ToLower(strings.TrimSpace(tag)), Words: keywords(query), Limit: 200})
}

// QuestionPage is a question with the answers and comments the viewer may
// see, answers ranked.
type QuestionPage struct {
	Question *socialdesk.Question
	Answers  []*socialdesk.Answer
	Comments map[string][]socialdesk.Comment // by "question" or "answer:ID"
	// Original is the question this one duplicates, when closed so.
	Original *socialdesk.Question
}

// Question returns a question with its visible answers, ranked: verified
// by IT first, then accepted, then by votes. Quarantined answers are shown
// only to their author and reviewers; removed ones only to reviewers.
func (s *Service) Question(ctx context.Context, id int64) (*QuestionPage, error) {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return nil, err
	}
	q, err := s.db.Question(ctx, id)
	if err != nil {
		return nil, err
	}
	all, err := s.db.Answers(ctx, store.AnswerFilter{QuestionID: id})
	if err != nil {
		return nil, err
	}
	page := &QuestionPage{Question: q, Comments: map[string][]socialdesk.Comment{}}
	for _, a := range all {
		if s.canSee(me, a) {
			page.Answers = append(page.Answers, a)
		}
	}
	RankAnswers(page.Answers, s.desk.Now())
	if page.Comments["question"], err = s.db.Comments(ctx, "question", id); err != nil {
		return nil, err
	}
	// The comments on all answers in one query.
	ids := make([]int64, len(page.Answers))
	for i, a := range page.Answers {
		ids[i] = a.ID
	}
	byAnswer, err := s.db.CommentsOn(ctx, "answer", ids)
	if err != nil {
		return nil, err
	}
	for _, a := range page.Answers {
		page.Comments[fmt.Sprintf("answer:%d", a.ID)] = byAnswer[a.ID]
	}
	if q.DuplicateOf != 0 {
		page.Original, _ = s.db.Question(ctx, q.DuplicateOf)
	}
	return page, nil
}

// canSee reports whether the person may see the answer.
func (s *Service) canSee(me *socialdesk.Person, a *socialdesk.Answer) bool {
	switch a.Status {
	case socialdesk.ContentVisible:
		return true
	case socialdesk.ContentQuarantined:
		return me.Role.IsReviewer() || me.ID == a.AuthorID
	}
	return me.Role.IsReviewer()
}

// RankAnswers sorts answers: verified by IT (and not expired at now) first,
// then the accepted answer, then by score, then oldest first.
func RankAnswers(list []*socialdesk.Answer, now time.Time) {
	rank := func(a *socialdesk.Answer) int {
		r := 0
		if a.Verified(now) {
			r += 2
		}
		if a.Accepted {
			r++
		}
		return r
	}
	slices.SortStableFunc(list, func(a, b *socialdesk.Answer) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return rb - ra
		}
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return int(a.ID - b.ID)
	})
}

// Answer adds the acting person's answer to a question.
func (s *Service) Answer(ctx context.Context, questionID int64, body string) (*socialdesk.Answer, error) {
	me, err := actor(ctx, socialdesk.ActAnswerPost)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, socialdesk.FieldError("body", "Write an answer before posting.")
	}
	if len(body) > MaxBody {
		return nil, socialdesk.FieldError("body", "The answer is longer than %d characters.", MaxBody)
	}
	q, err := s.db.Question(ctx, questionID)
	if err != nil {
		return nil, err
	}
	if q.DuplicateOf != 0 {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "This question was closed as a duplicate; answer question %d instead.", q.DuplicateOf)
	}
	a := &socialdesk.Answer{QuestionID: q.ID, AuthorID: me.ID, Body: body, CreatedAt: s.desk.Now()}
	if err := s.db.CreateAnswer(ctx, a); err != nil {
		return nil, err
	}
	s.notifyAnswer(ctx, q.AuthorID, "answer", me.Name+" answered your question: "+q.Title, q, a)
	return a, nil
}

// notifyAnswer tells a person about an answer to the question q: the asker
// that it was posted, its author that it was accepted, verified, held for
// review or decided on. It links to the answer on the question's page and
// tells nobody about their own action. A notification that cannot be
// stored is logged, not returned: the action itself succeeded.
func (s *Service) notifyAnswer(ctx context.Context, personID int64, kind, text string, q *socialdesk.Question, a *socialdesk.Answer) {
	if me := socialdesk.UserFromContext(ctx); personID == 0 || me != nil && me.ID == personID {
		return
	}
	n := &store.Notification{PersonID: personID, Kind: kind, Text: text, CreatedAt: s.desk.Now(),
		Link: fmt.Sprintf("/community/questions/%d#answer-%d", q.ID, a.ID)}
	if err := s.db.AddNotification(ctx, n); err != nil {
		s.log.Warn("community: could not store a notification", "person", personID, "kind", kind, "err", err)
	}
}

// Comment adds a comment to a question ("question") or answer ("answer").
func (s *Service) Comment(ctx context.Context, kind string, id int64, body string) (*socialdesk.Comment, error) {
	me, err := actor(ctx, socialdesk.ActAnswerPost)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 2000 {
		return nil, socialdesk.FieldError("body", "Write a comment of at most 2,000 characters.")
	}
	if err := s.checkTarget(ctx, me, kind, id); err != nil {
		return nil, err
	}
	c := &socialdesk.Comment{TargetKind: kind, TargetID: id, AuthorID: me.ID, Body: body, CreatedAt: s.desk.Now()}
	return c, s.db.AddComment(ctx, c)
}

// checkTarget makes sure a question or an answer the person may see exists.
func (s *Service) checkTarget(ctx context.Context, me *socialdesk.Person, kind string, id int64) error {
	switch kind {
	case "question":
		_, err := s.db.Question(ctx, id)
		return err
	case "answer":
		a, err := s.db.Answer(ctx, id)
		if err != nil {
			return err
		}
		if !s.canSee(me, a) {
			return socialdesk.Errorf(socialdesk.ENOTFOUND, "Answer not found.")
		}
		return nil
	}
	return socialdesk.FieldError("kind", "Comments and votes go on a question or an answer.")
}

// Vote records the acting person's vote, +1 up, -1 down or 0 to withdraw,
// on a question or answer; one vote per person per item.
func (s *Service) Vote(ctx context.Context, kind string, id int64, value int) error {
	me, err := actor(ctx, socialdesk.ActVote)
	if err != nil {
		return err
	}
	if value < -1 || value > 1 {
		return socialdesk.FieldError("value", "A vote is up (1), down (-1) or withdrawn (0).")
	}
	if err := s.checkTarget(ctx, me, kind, id); err != nil {
		return err
	}
	return s.db.Vote(ctx, me.ID, kind, id, value)
}

// visibleAnswer loads an answer the person may see.
func (s *Service) visibleAnswer(ctx context.Context, me *socialdesk.Person, id int64) (*socialdesk.Answer, error) {
	a, err := s.db.Answer(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.canSee(me, a) {
		return nil, socialdesk.Errorf(socialdesk.ENOTFOUND, "Answer not found.")
	}
	return a, nil
}

// Accept marks an answer as the one that solved the question. Only the
// person who asked may accept.
func (s *Service) Accept(ctx context.Context, answerID int64) (*socialdesk.Answer, error) {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return nil, err
	}
	a, err := s.visibleAnswer(ctx, me, answerID)
	if err != nil {
		return nil, err
	}
	q, err := s.db.Question(ctx, a.QuestionID)
	if err != nil {
		return nil, err
	}
	if q.AuthorID != me.ID {
		return nil, socialdesk.Errorf(socialdesk.EFORBIDDEN, "Only the person who asked can accept an answer.")
	}
	if a.Status != socialdesk.ContentVisible {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "This answer is under review and cannot be accepted now.")
	}
	if err := s.db.AcceptAnswer(ctx, q.ID, a.ID); err != nil {
		return nil, err
	}
	s.notifyAnswer(ctx, a.AuthorID, "answer_accepted", me.Name+" accepted your answer to: "+q.Title, q, a)
	return s.db.Answer(ctx, a.ID)
}

// Verify gives an answer the "Verified by IT" mark, recording who and when;
// reviewBy, when not zero, is when the mark expires. Agents, knowledge
// managers and admins only.
func (s *Service) Verify(ctx context.Context, answerID int64, reviewBy time.Time) (*socialdesk.Answer, error) {
	me, err := actor(ctx, socialdesk.ActAnswerVerify)
	if err != nil {
		return nil, err
	}
	a, err := s.visibleAnswer(ctx, me, answerID)
	if err != nil {
		return nil, err
	}
	if a.Status != socialdesk.ContentVisible {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "This answer is quarantined; a knowledge manager must restore it before it can be verified.")
	}
	now := s.desk.Now()
	if !reviewBy.IsZero() && !reviewBy.After(now) {
		return nil, socialdesk.FieldError("review_by", "The review date must be in the future.")
	}
	if err := s.db.VerifyAnswer(ctx, a.ID, me.ID, now, reviewBy); err != nil {
		return nil, err
	}
	if q, err := s.db.Question(ctx, a.QuestionID); err == nil {
		s.notifyAnswer(ctx, a.AuthorID, "answer_verified", "IT verified your answer to: "+q.Title, q, a)
	}
	s.desk.Audit(ctx, "community.verify", fmt.Sprintf("answer:%d", a.ID), "review by "+fmtDate(reviewBy))
	return s.db.Answer(ctx, a.ID)
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02")
}

// Flag reports an answer for policy or security. When the flags reach the
// threshold the answer is quarantined: hidden from everyone but its author
// and reviewers until a knowledge manager decides. It returns the answer
// as it stands after the flag.
func (s *Service) Flag(ctx context.Context, answerID int64, reason string) (*socialdesk.Answer, error) {
	me, err := actor(ctx, socialdesk.ActFlag)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, socialdesk.FieldError("reason", "Say why the answer breaks policy or is unsafe, so a reviewer can judge it.")
	}
	if len(reason) > MaxReason {
		return nil, socialdesk.FieldError("reason", "Keep the reason under %d characters.", MaxReason)
	}
	a, err := s.visibleAnswer(ctx, me, answerID)
	if err != nil {
		return nil, err
	}
	if a.Status != socialdesk.ContentVisible {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "This answer is already with the reviewers.")
	}
	f := &socialdesk.Flag{AnswerID: a.ID, ReporterID: me.ID, Staff: me.Role.IsStaff(), Reason: reason, CreatedAt: s.desk.Now()}
	counts, err := s.db.AddFlag(ctx, f)
	if err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "community.flag", fmt.Sprintf("answer:%d", a.ID), reason)
	th := s.FlagThreshold(ctx)
	if counts.Staff >= th.Staff || counts.Others >= th.Others {
		if err := s.db.SetAnswerStatus(ctx, a.ID, socialdesk.ContentQuarantined, false); err != nil {
			return nil, err
		}
		s.desk.Audit(ctx, "community.quarantine", fmt.Sprintf("answer:%d", a.ID), fmt.Sprintf("%d staff and %d other flags", counts.Staff, counts.Others))
		if q, err := s.db.Question(ctx, a.QuestionID); err == nil {
			s.notifyAnswer(ctx, a.AuthorID, "answer_held", "Your answer to \""+q.Title+"\" is held for review: "+reason, q, a)
		}
	}
	return s.db.Answer(ctx, a.ID)
}

// ModerationItem is a quarantined answer with its flags, for reviewers.
type ModerationItem struct {
	Answer   *socialdesk.Answer
	Question *socialdesk.Question
	Flags    []socialdesk.Flag
}

// ModerationQueue lists quarantined answers. Reviewers only.
func (s *Service) ModerationQueue(ctx context.Context) ([]ModerationItem, error) {
	if _, err := actor(ctx, socialdesk.ActModerate); err != nil {
		return nil, err
	}
	list, err := s.db.Answers(ctx, store.AnswerFilter{Status: socialdesk.ContentQuarantined})
	if err != nil {
		return nil, err
	}
	var out []ModerationItem
	for _, a := range list {
		q, err := s.db.Question(ctx, a.QuestionID)
		if err != nil {
			return nil, err
		}
		flags, err := s.db.Flags(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ModerationItem{Answer: a, Question: q, Flags: flags})
	}
	return out, nil
}

// Moderate decides on a quarantined answer: "restore" shows it again and
// clears its flags, "remove" hides it for good. Reviewers only; audited.
func (s *Service) Moderate(ctx context.Context, answerID int64, decision, note string) (*socialdesk.Answer, error) {
	if _, err := actor(ctx, socialdesk.ActModerate); err != nil {
		return nil, err
	}
	a, err := s.db.Answer(ctx, answerID)
	if err != nil {
		return nil, err
	}
	var status string
	switch decision {
	case "restore":
		status = socialdesk.ContentVisible
	case "remove":
		status = socialdesk.ContentRemoved
	default:
		return nil, socialdesk.FieldError("decision", "Choose restore or remove.")
	}
	if a.Status != socialdesk.ContentQuarantined {
		return nil, socialdesk.Errorf(socialdesk.ECONFLICT, "This answer is not waiting for review.")
	}
	if err := s.db.SetAnswerStatus(ctx, a.ID, status, decision == "restore"); err != nil {
		return nil, err
	}
	s.desk.Audit(ctx, "community.moderate."+decision, fmt.Sprintf("answer:%d", a.ID), strings.TrimSpace(note))
	if q, err := s.db.Question(ctx, a.QuestionID); err == nil {
		text := "A reviewer restored your answer to: " + q.Title
		if decision == "remove" {
			text = "A reviewer removed your answer to \"" + q.Title + "\": it breaks the usage guideline."
		}
		s.notifyAnswer(ctx, a.AuthorID, "answer_"+decision, text, q, a)
	}
	return s.db.Answer(ctx, a.ID)
}

// CloseDuplicate closes a question as a duplicate of another; its page then
// sends readers to the original. The asker or staff may do it.
func (s *Service) CloseDuplicate(ctx context.Context, id, of int64) error {
	me, err := actor(ctx, socialdesk.ActCommunityView)
	if err != nil {
		return err
	}
	q, err := s.db.Question(ctx, id)
	if err != nil {
		return err
	}
	if q.AuthorID != me.ID {
		if err := socialdesk.Authorize(me, socialdesk.ActQuestionClose); err != nil {
			return err
		}
	}
	if of == id {
		return socialdesk.FieldError("of", "A question cannot duplicate itself.")
	}
	orig, err := s.db.Question(ctx, of)
	if err != nil {
		return socialdesk.FieldError("of", "The original question %d does not exist.", of)
	}
	if orig.DuplicateOf != 0 {
		of = orig.DuplicateOf // point at the root, never a chain
		if of == id {
			return socialdesk.FieldError("of", "That question is itself a duplicate of this one.")
		}
	}
	if err := s.db.SetDuplicate(ctx, id, of, s.desk.Now()); err != nil {
		return err
	}
	s.indexQuestion(ctx, id)
	s.desk.Audit(ctx, "community.duplicate", fmt.Sprintf("question:%d", id), fmt.Sprintf("duplicate of question:%d", of))
	return nil
}

// SimilarQuestions returns open questions like the text, best first: from
// the Similar engine when there is one, else by shared keywords.
func (s *Service) SimilarQuestions(ctx context.Context, text string, limit int) ([]*socialdesk.Question, error) {
	if _, err := actor(ctx, socialdesk.ActCommunityView); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 5
	}
	if s.similar != nil {
		ids, err := s.similar.SimilarQuestions(ctx, text, limit)
		if err == nil {
			var out []*socialdesk.Question
			for _, id := range ids {
				if q, err := s.db.Question(ctx, id); err == nil && q.DuplicateOf == 0 {
					out = append(out, q)
				}
			}
			return out, nil
		}
		s.log.Warn("similar-question engine failed; using keywords", "err", err)
	}
	words := keywords(text)
	if len(words) == 0 {
		return nil, nil
	}
	list, err := s.db.Questions(ctx, store.QuestionFilter{Words: words, OpenOnly: true, Limit: 200})
	if err != nil {
		return nil, err
	}
	return rankByWords(list, words, func(q *socialdesk.Question) string { return q.Title + " " + strings.Join(q.Tags, " ") }, limit), nil
}

// stopwords are common words ignored when matching text, space separated.
const stopwords = " the and for not can how does what why when with from this that have has had are was were will would could should my our your its into you any all but there their them they then than too very just get got use using work working "

// keywords splits text into lower-case words of three letters or more,
// without common words.
func keywords(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 || r == '-')
	}) {
		w = strings.Trim(w, "-")
		if len(w) >= 3 && !strings.Contains(stopwords, " "+w+" ") && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
		if len(out) == 12 {
			break
		}
	}
	return out
}

// rankByWords orders items by how many of the words their text contains,
// dropping items with none.
func rankByWords[T any](items []T, words []string, text func(T) string, limit int) []T {
	type scored struct {
		item T
		n    int
	}
	var list []scored
	for _, it := range items {
		t := strings.ToLower(text(it))
		n := 0
		for _, w := range words {
			if strings.Contains(t, w) {
				n++
			}
		}
		if n > 0 {
			list = append(list, scored{it, n})
		}
	}
	slices.SortStableFunc(list, func(a, b scored) int { return b.n - a.n })
	var out []T
	for i := 0; i < len(list) && i < limit; i++ {
		out = append(out, list[i].item)
	}
	return out
}
