package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

func testCommunityQA(t *testing.T, db *store.DB) {
	asker := mustPerson(t, db, "asker@example.com", socialdesk.RoleEmployee)
	helper := mustPerson(t, db, "helper@example.com", socialdesk.RoleContractor)
	agent := mustPerson(t, db, "agent@example.com", socialdesk.RoleAgent)
	now := time.Now().UTC().Truncate(time.Microsecond)
	q := &socialdesk.Question{AuthorID: asker.ID, Title: "VPN drops on Android", Body: "Since the update", Tags: []string{"vpn", "android"}, CreatedAt: now}
	if err := db.CreateQuestion(ctx, q); err != nil {
		t.Fatal(err)
	}
	other := &socialdesk.Question{AuthorID: asker.ID, Title: "Printer jam", Tags: []string{"printing"}, CreatedAt: now.Add(time.Second)}
	if err := db.CreateQuestion(ctx, other); err != nil {
		t.Fatal(err)
	}
	if l, err := db.Questions(ctx, store.QuestionFilter{Tag: "android"}); err != nil || len(l) != 1 || l[0].ID != q.ID || len(l[0].Tags) != 2 {
		t.Fatalf("by tag: %v, %v", l, err)
	}
	if l, _ := db.Questions(ctx, store.QuestionFilter{Words: []string{"printer", "nothing"}}); len(l) != 1 || l[0].ID != other.ID {
		t.Fatalf("by words: %v", l)
	}
	a := &socialdesk.Answer{QuestionID: q.ID, AuthorID: helper.ID, Body: "Reinstall", CreatedAt: now}
	b := &socialdesk.Answer{QuestionID: q.ID, AuthorID: agent.ID, Body: "Update", CreatedAt: now}
	for _, x := range []*socialdesk.Answer{a, b} {
		if err := db.CreateAnswer(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	// Votes: one per person per item; a second vote replaces the first.
	for _, v := range []struct {
		p   int64
		val int
	}{{asker.ID, 1}, {agent.ID, 1}, {agent.ID, -1}, {asker.ID, 1}} {
		if err := db.Vote(ctx, v.p, "answer", a.ID, v.val); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Vote(ctx, asker.ID, "question", q.ID, 1); err != nil {
		t.Fatal(err)
	}
	got, err := db.Answer(ctx, a.ID)
	if err != nil || got.Score != 0 || got.Status != socialdesk.ContentVisible {
		t.Fatalf("answer score %d (want 0), %v", got.Score, err)
	}
	if err := db.AcceptAnswer(ctx, q.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptAnswer(ctx, q.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptAnswer(ctx, other.ID, a.ID); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("accept on the wrong question: %v", err)
	}
	list, _ := db.Answers(ctx, store.AnswerFilter{QuestionID: q.ID})
	if len(list) != 2 || list[0].Accepted || !list[1].Accepted {
		t.Fatal("accepting one answer must clear the other")
	}
	review := now.Add(24 * time.Hour)
	if err := db.VerifyAnswer(ctx, b.ID, agent.ID, now, review); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Answer(ctx, b.ID); got.VerifiedBy != agent.ID || !got.VerifiedAt.Equal(now) || !got.VerifyReviewBy.Equal(review) {
		t.Fatalf("verify: %+v", got)
	}
	if l, _ := db.Answers(ctx, store.AnswerFilter{VerifiedOnly: true}); len(l) != 1 || l[0].ID != b.ID {
		t.Fatalf("verified only: %v", l)
	}
	third := &socialdesk.Answer{QuestionID: other.ID, AuthorID: helper.ID, Body: "Open the tray", CreatedAt: now}
	if err := db.CreateAnswer(ctx, third); err != nil {
		t.Fatal(err)
	}
	if l, _ := db.Answers(ctx, store.AnswerFilter{QuestionIDs: []int64{q.ID, other.ID}}); len(l) != 3 || l[0].ID != a.ID || l[2].ID != third.ID {
		t.Fatalf("answers of both questions: %v", l)
	}
	if l, _ := db.Answers(ctx, store.AnswerFilter{QuestionIDs: []int64{q.ID, other.ID}, VerifiedOnly: true}); len(l) != 1 || l[0].ID != b.ID {
		t.Fatalf("verified answers of both questions: %v", l)
	}
	if gq, _ := db.Question(ctx, q.ID); gq.Score != 1 || gq.AnswerCount != 2 {
		t.Fatalf("question score %d answers %d", gq.Score, gq.AnswerCount)
	}
	// Flags: counted by kind of reporter; one per person.
	c1, err := db.AddFlag(ctx, &socialdesk.Flag{AnswerID: a.ID, ReporterID: asker.ID, Reason: "x", CreatedAt: now})
	if err != nil || c1 != (store.FlagCounts{Others: 1}) {
		t.Fatalf("flag: %+v, %v", c1, err)
	}
	c2, err := db.AddFlag(ctx, &socialdesk.Flag{AnswerID: a.ID, ReporterID: agent.ID, Staff: true, Reason: "y", CreatedAt: now})
	if err != nil || c2 != (store.FlagCounts{Staff: 1, Others: 1}) {
		t.Fatalf("flag: %+v, %v", c2, err)
	}
	if _, err := db.AddFlag(ctx, &socialdesk.Flag{AnswerID: a.ID, ReporterID: asker.ID, Reason: "again", CreatedAt: now}); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Fatalf("second flag: %v", err)
	}
	if err := db.SetAnswerStatus(ctx, a.ID, socialdesk.ContentQuarantined, false); err != nil {
		t.Fatal(err)
	}
	if l, _ := db.Answers(ctx, store.AnswerFilter{Status: socialdesk.ContentQuarantined}); len(l) != 1 || l[0].Flags != 2 {
		t.Fatalf("quarantined: %v", l)
	}
	if gq, _ := db.Question(ctx, q.ID); gq.AnswerCount != 1 {
		t.Fatal("quarantined answers must not count as answers")
	}
	if err := db.SetAnswerStatus(ctx, a.ID, socialdesk.ContentVisible, true); err != nil {
		t.Fatal(err)
	}
	if f, _ := db.Flags(ctx, a.ID); len(f) != 0 {
		t.Fatal("restoring must clear flags")
	}
	c := &socialdesk.Comment{TargetKind: "answer", TargetID: a.ID, AuthorID: asker.ID, Body: "thanks", CreatedAt: now}
	if err := db.AddComment(ctx, c); err != nil {
		t.Fatal(err)
	}
	if l, _ := db.Comments(ctx, "answer", a.ID); len(l) != 1 || l[0].Body != "thanks" {
		t.Fatalf("comments: %v", l)
	}
	on := &socialdesk.Comment{TargetKind: "answer", TargetID: b.ID, AuthorID: asker.ID, Body: "which version?", CreatedAt: now}
	onQuestion := &socialdesk.Comment{TargetKind: "question", TargetID: a.ID, AuthorID: asker.ID, Body: "same id, other kind", CreatedAt: now}
	for _, x := range []*socialdesk.Comment{on, onQuestion} {
		if err := db.AddComment(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	byAnswer, err := db.CommentsOn(ctx, "answer", []int64{a.ID, b.ID, third.ID})
	if err != nil || len(byAnswer) != 2 || len(byAnswer[a.ID]) != 1 || byAnswer[a.ID][0].Body != "thanks" || byAnswer[b.ID][0].Body != "which version?" {
		t.Fatalf("comments on three answers: %v, %v", byAnswer, err)
	}
	if none, err := db.CommentsOn(ctx, "answer", nil); err != nil || len(none) != 0 {
		t.Fatalf("comments on no answers: %v, %v", none, err)
	}
	if err := db.AddDeflection(ctx, &socialdesk.Deflection{PersonID: asker.ID, TargetKind: "answer", TargetID: b.ID, Query: "vpn", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	st, err := db.PersonStats(ctx, agent.ID)
	if err != nil || st != (store.PersonStats{Answers: 1, Accepted: 1, Verified: 1, Deflections: 1}) {
		t.Fatalf("agent stats: %+v, %v", st, err)
	}
	if st, _ := db.PersonStats(ctx, helper.ID); st.Upvotes != 1 {
		t.Fatalf("helper upvotes %d", st.Upvotes)
	}
	exp, err := db.Expertise(ctx, []string{"vpn"}, 0, 10)
	if err != nil || len(exp) != 2 || exp[0].PersonID != agent.ID {
		t.Fatalf("expertise: %+v, %v", exp, err)
	}
	// Duplicates and escalation.
	if err := db.SetDuplicate(ctx, other.ID, q.ID, now); err != nil {
		t.Fatal(err)
	}
	if l, _ := db.Questions(ctx, store.QuestionFilter{OpenOnly: true}); len(l) != 1 {
		t.Fatal("open only keeps duplicates")
	}
}

func testEscalationClaim(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "e@example.com", socialdesk.RoleEmployee)
	old := time.Now().Add(-5 * time.Hour).UTC()
	q := &socialdesk.Question{AuthorID: p.ID, Title: "waiting", CreatedAt: old}
	if err := db.CreateQuestion(ctx, q); err != nil {
		t.Fatal(err)
	}
	due, err := db.UnansweredBefore(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due: %v, %v", due, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.ClaimEscalation(ctx, q.ID)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d workers claimed the question", wins)
	}
	if due, _ := db.UnansweredBefore(ctx, time.Now(), 10); len(due) != 0 {
		t.Fatal("claimed question still due")
	}
	if err := db.FinishEscalation(ctx, q.ID, 0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.ClaimEscalation(ctx, q.ID); !ok {
		t.Fatal("released claim cannot be taken again")
	}
	tk := newTicket(p.ID, "escalated", 4)
	if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishEscalation(ctx, q.ID, tk.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Question(ctx, q.ID); got.TicketID != tk.ID {
		t.Fatalf("ticket id %d", got.TicketID)
	}
}

func testArticles(t *testing.T, db *store.DB) {
	p := mustPerson(t, db, "km@example.com", socialdesk.RoleKnowledgeManager)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &socialdesk.Article{Title: "VPN", Body: "one", State: socialdesk.ArticleDraft, AuthorID: p.ID, CreatedAt: now, UpdatedAt: now,
		Applies:    socialdesk.Applicability{Devices: []string{"ipad"}, Roles: []string{"visitor"}},
		Redactions: []socialdesk.Redaction{{Kind: "email", Placeholder: "[EMAIL-1]", Original: "a@b.c"}}, SourceKind: "ticket", SourceID: 7}
	if err := db.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Body, a.UpdatedAt = "two", now.Add(time.Minute)
	if err := db.SaveArticle(ctx, a, p.ID); err != nil {
		t.Fatal(err)
	}
	a.State, a.RedactionsConfirmed = socialdesk.ArticlePublished, true
	if err := db.SaveArticle(ctx, a, 0); err != nil {
		t.Fatal(err)
	}
	got, err := db.Article(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Body != "two" || got.State != socialdesk.ArticlePublished || !got.RedactionsConfirmed || got.Applies.Devices[0] != "ipad" ||
		len(got.Redactions) != 1 || got.Redactions[0].Original != "a@b.c" || got.SourceID != 7 {
		t.Fatalf("article: %+v", got)
	}
	vs, err := db.ArticleVersions(ctx, a.ID)
	if err != nil || len(vs) != 2 || vs[0].Body != "one" || vs[1].Body != "two" {
		t.Fatalf("versions: %+v, %v", vs, err)
	}
	for _, h := range []bool{false, true} {
		if err := db.ArticleFeedback(ctx, a.ID, p.ID, h); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := db.Article(ctx, a.ID); got.Helpful != 1 || got.NotHelpful != 0 {
		t.Fatalf("feedback: %d/%d", got.Helpful, got.NotHelpful)
	}
	if l, _ := db.Articles(ctx, store.ArticleFilter{States: []string{socialdesk.ArticleDraft}}); len(l) != 0 {
		t.Fatal("state filter")
	}
	if l, _ := db.Articles(ctx, store.ArticleFilter{States: []string{socialdesk.ArticlePublished}, Words: []string{"TWO"}}); len(l) != 1 {
		t.Fatal("word filter")
	}
	m := &store.Media{ArticleID: a.ID, Name: "x.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G', 0}, CreatedAt: now}
	if err := db.AddMedia(ctx, m); err != nil {
		t.Fatal(err)
	}
	if gm, err := db.MediaFile(ctx, m.ID); err != nil || string(gm.Data) != string(m.Data) {
		t.Fatalf("media: %v", err)
	}
	if err := db.SaveArticle(ctx, &socialdesk.Article{ID: 9999, Title: "x", State: "draft"}, 0); socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		t.Fatalf("save missing: %v", err)
	}
}
