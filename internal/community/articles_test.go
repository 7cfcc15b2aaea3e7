package community_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/community"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// resolvedTicket raises a ticket as employee with personal data, has the
// agent reply publicly and add an internal note, and resolves it.
func resolvedTicket(t *testing.T, f *fixture) *socialdesk.Ticket {
	t.Helper()
	tk, err := f.App.Desk.CreateTicket(f.As("employee"), desk.NewTicket{Title: "VPN token rejected for Employee Test",
		Description: "Hi, I am Employee Test (employee@example.com, +33 6 12 34 56 78). My password: Hunter2xyz no longer works with the VPN."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Desk.AddMessage(f.As("agent"), tk.ID, desk.NewMessage{Body: "Hello Employee, this is Agent Test. Re-enrol the VPN token in the portal; see " + tk.Number() + "."}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Desk.AddMessage(f.As("agent"), tk.ID, desk.NewMessage{Body: "INTERNAL ONLY: user is on the watch list", Internal: true}); err != nil {
		t.Fatal(err)
	}
	st := socialdesk.StateResolved
	tk, err = f.App.Desk.UpdateTicket(f.As("agent"), tk.ID, socialdesk.TicketUpdate{State: &st})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestDraftFromTicketIsRedactedAndReviewed(t *testing.T) {
	f := setup(t)
	open, _ := f.App.Desk.CreateTicket(f.As("employee"), desk.NewTicket{Title: "Still open"})
	if _, err := f.svc.DraftFromTicket(f.As("agent"), open.ID); code(err) != socialdesk.ECONFLICT {
		t.Errorf("open ticket: got %v", err)
	}
	tk := resolvedTicket(t, f)
	for _, role := range []string{"employee", "contractor"} {
		if _, err := f.svc.DraftFromTicket(f.As(role), tk.ID); code(err) != socialdesk.EFORBIDDEN {
			t.Errorf("%s drafts: got %v", role, err)
		}
	}
	// The resolved ticket's page offers to pay it forward; the open one's
	// does not, and employees never see the form.
	agent := f.NewSession(t, "agent")
	form := `<input type="hidden" name="ticket" value="` + tk.Number() + `">`
	if _, _, page := agent.Do("GET", "/tickets/"+itoa(tk.ID), nil); !strings.Contains(page, `action="/community/tickets"`) || !strings.Contains(page, form) {
		t.Errorf("the resolved ticket's page lacks the pay-it-forward form:\n%s", page)
	}
	if _, _, page := agent.Do("GET", "/tickets/"+itoa(open.ID), nil); strings.Contains(page, `action="/community/tickets"`) {
		t.Errorf("an open ticket offers to pay it forward")
	}
	if _, _, page := f.NewSession(t, "employee").Do("GET", "/tickets/"+itoa(tk.ID), nil); strings.Contains(page, `action="/community/tickets"`) {
		t.Errorf("the requester's view offers to pay it forward")
	}
	a, err := f.svc.DraftFromTicket(f.As("agent"), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := a.Title + "\n" + a.Body
	for _, leak := range []string{"employee@example.com", "12 34 56", "Hunter2xyz", "Employee", "Agent Test", tk.Number(), "INTERNAL ONLY", "watch list"} {
		if strings.Contains(text, leak) {
			t.Errorf("draft leaks %q:\n%s", leak, text)
		}
	}
	for _, keep := range []string{"Re-enrol the VPN token", "[EMAIL]", "[NAME]", "[SECRET]", "[PHONE]", "[TICKET_REF]"} {
		if !strings.Contains(text, keep) {
			t.Errorf("draft lacks %q:\n%s", keep, text)
		}
	}
	if a.State != socialdesk.ArticleDraft || a.SourceKind != "ticket" || a.SourceID != tk.ID || a.RedactionsConfirmed || len(a.Redactions) < 5 {
		t.Fatalf("draft: state=%s source=%s:%d confirmed=%v redactions=%d", a.State, a.SourceKind, a.SourceID, a.RedactionsConfirmed, len(a.Redactions))
	}
	if _, err := f.svc.Article(f.As("employee"), a.ID); code(err) != socialdesk.ENOTFOUND {
		t.Errorf("employee reads a draft: got %v", err)
	}
	if _, err := f.svc.MoveArticle(f.As("agent"), a.ID, socialdesk.ArticlePublished); code(err) != socialdesk.ECONFLICT {
		t.Errorf("publish a draft straight away: got %v", err)
	}
	if _, err := f.svc.MoveArticle(f.As("agent"), a.ID, socialdesk.ArticleInReview); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MoveArticle(f.As("agent"), a.ID, socialdesk.ArticlePublished); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("agent publishes: got %v", err)
	}
	if _, err := f.svc.MoveArticle(f.As("knowledge_manager"), a.ID, socialdesk.ArticlePublished); code(err) != socialdesk.ECONFLICT {
		t.Errorf("publish before confirming redactions: got %v", err)
	}
	if _, err := f.svc.ConfirmRedactions(f.As("agent"), a.ID); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("agent confirms: got %v", err)
	}
	if _, err := f.svc.ConfirmRedactions(f.As("knowledge_manager"), a.ID); err != nil {
		t.Fatal(err)
	}
	pub, err := f.svc.MoveArticle(f.As("knowledge_manager"), a.ID, socialdesk.ArticlePublished)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pub.Redactions {
		if r.Original != "" {
			t.Fatalf("published article keeps redacted original %q", r.Original)
		}
	}
	got, err := f.svc.Article(f.As("employee"), a.ID)
	if err != nil || got.State != socialdesk.ArticlePublished {
		t.Fatalf("employee reads published: %v", err)
	}
	log, _ := f.App.Desk.AuditLog(f.As("admin"), "article.", 50, 0)
	if len(log) < 4 {
		t.Fatalf("article actions not audited: %d entries", len(log))
	}
}

func TestPublishTicketAsQA(t *testing.T) {
	f := setup(t)
	tk := resolvedTicket(t, f)
	if _, err := f.svc.PublishTicketAsQA(f.As("employee"), tk.ID); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("employee shares: got %v", err)
	}
	q, err := f.svc.PublishTicketAsQA(f.As("agent"), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Question(f.As("employee2"), q.ID)
	if err != nil || len(page.Answers) != 1 || !page.Answers[0].Verified(f.clock.Now()) {
		t.Fatalf("Q&A pair: %+v, %v", page, err)
	}
	all := page.Question.Title + page.Question.Body + page.Answers[0].Body
	if strings.Contains(all, "employee@example.com") || strings.Contains(all, "Hunter2xyz") || strings.Contains(all, "watch list") {
		t.Fatalf("Q&A pair leaks: %s", all)
	}
}

func TestKnowledgeLinkSolvesTicket(t *testing.T) {
	f := setup(t)
	art, _ := f.svc.CreateArticle(f.As("knowledge_manager"), community.ArticleInput{Title: "Reset MFA", Body: "Steps"})
	tk, _ := f.App.Desk.CreateTicket(f.As("employee"), desk.NewTicket{Title: "MFA lost"})
	if _, err := f.svc.LinkKnowledge(f.As("agent"), tk.ID, "article", art.ID, "https://desk.example", true); code(err) != socialdesk.ECONFLICT {
		t.Errorf("link a draft: got %v", err)
	}
	f.svc.MoveArticle(f.As("knowledge_manager"), art.ID, socialdesk.ArticleInReview)
	f.svc.MoveArticle(f.As("knowledge_manager"), art.ID, socialdesk.ArticlePublished)
	if _, err := f.svc.LinkKnowledge(f.As("employee"), tk.ID, "article", art.ID, "", true); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("employee links: got %v", err)
	}
	m, err := f.svc.LinkKnowledge(f.As("agent"), tk.ID, "article", art.ID, "https://desk.example", true)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.App.Desk.Ticket(f.As("agent"), tk.ID); got.State != socialdesk.StateResolved {
		t.Fatalf("ticket state %s after a knowledge link with resolve", got.State)
	}
	if !strings.Contains(m.Body, "https://desk.example/kb/"+itoa(art.ID)) || m.Internal {
		t.Fatalf("reply: %+v", m)
	}
	n, err := f.App.DB.KnowledgeLinkCount(context.Background(), "article", art.ID)
	if err != nil || n != 1 {
		t.Fatalf("links = %d, %v", n, err)
	}
}

func TestArticleVersionsAndDiff(t *testing.T) {
	f := setup(t)
	if _, err := f.svc.CreateArticle(f.As("employee"), community.ArticleInput{Title: "x"}); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("employee writes: got %v", err)
	}
	if _, err := f.svc.CreateArticle(f.As("agent"), community.ArticleInput{Title: "x", Applies: socialdesk.Applicability{Roles: []string{"pilot"}}}); code(err) != socialdesk.EINVALID {
		t.Errorf("unknown role: got %v", err)
	}
	a, err := f.svc.CreateArticle(f.As("agent"), community.ArticleInput{Title: "Printing", Body: "step one\nstep two\nstep three",
		Applies: socialdesk.Applicability{Roles: []string{"Visitor"}, Sites: []string{"lyon"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.EditArticle(f.As("agent"), a.ID, community.ArticleInput{Title: "Printing", Body: "step one\nstep 2\nstep three\nstep four",
		Applies: a.Applies}); err != nil {
		t.Fatal(err)
	}
	vs, err := f.svc.Versions(f.As("agent"), a.ID)
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions: %d, %v", len(vs), err)
	}
	lines, err := f.svc.DiffVersions(f.As("agent"), a.ID, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Sign()+l.Text)
	}
	want := "# Printing| step one|-step two|+step 2| step three|+step four"
	if strings.Join(got, "|") != " "+want {
		t.Fatalf("diff:\n%s\nwant\n %s", strings.Join(got, "|"), want)
	}
	if _, err := f.svc.DiffVersions(f.As("agent"), a.ID, 1, 7); code(err) != socialdesk.EINVALID {
		t.Errorf("missing version: got %v", err)
	}
	got2, _ := f.svc.Article(f.As("agent"), a.ID)
	if got2.Applies.Roles[0] != "visitor" || got2.Version != 2 {
		t.Fatalf("article: %+v", got2)
	}
}

func TestMediaUpload(t *testing.T) {
	f := setup(t)
	a, _ := f.svc.CreateArticle(f.As("agent"), community.ArticleInput{Title: "Screens"})
	png := []byte("\x89PNG\r\n\x1a\n....")
	if _, err := f.svc.AddMedia(f.As("employee"), a.ID, "x.png", "image/png", png); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("employee uploads: got %v", err)
	}
	if _, err := f.svc.AddMedia(f.As("agent"), a.ID, "x.svg", "image/svg+xml", png); code(err) != socialdesk.EINVALID {
		t.Errorf("svg upload: got %v", err)
	}
	if _, err := f.svc.AddMedia(f.As("agent"), a.ID, "x.png", "image/png", nil); code(err) != socialdesk.EINVALID {
		t.Errorf("empty upload: got %v", err)
	}
	u, err := f.svc.AddMedia(f.As("agent"), a.ID, "x.png", "image/png", png)
	if err != nil || !strings.HasPrefix(u, "/kb-media/") {
		t.Fatalf("upload: %q, %v", u, err)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(u, "/kb-media/"), 10, 64)
	if _, err := f.svc.Media(f.As("employee"), id); code(err) != socialdesk.ENOTFOUND {
		t.Errorf("employee reads media of a draft: got %v", err)
	}
	m, err := f.svc.Media(f.As("agent"), id)
	if err != nil || string(m.Data) != string(png) || m.ContentType != "image/png" {
		t.Fatalf("media: %v", err)
	}
	if html := f.svc.RenderMarkdown("![shot](" + u + ")"); !strings.Contains(html, `src="`+u+`"`) {
		t.Fatalf("uploaded image not embeddable: %s", html)
	}
}
