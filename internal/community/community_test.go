package community_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/community"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// monday9 is a Monday at opening time on the default SLA calendar.
var monday9 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	*apptest.Env
	svc   *community.Service
	clock *clock
}

func setup(t *testing.T) *fixture {
	t.Helper()
	c := &clock{t: monday9}
	e := apptest.New(t, func(cfg *app.Config) { cfg.Now = c.Now })
	return &fixture{Env: e, svc: e.App.Community, clock: c}
}

func code(err error) string { return socialdesk.ErrorCode(err) }

// askAnswer has employee ask a question and employee2 answer it.
func (f *fixture) askAnswer(t *testing.T, title string) (*socialdesk.Question, *socialdesk.Answer) {
	t.Helper()
	q, err := f.svc.Ask(f.As("employee"), community.NewQuestion{Title: title, Body: "It fails since Monday.", Tags: []string{"vpn, android"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.Answer(f.As("employee2"), q.ID, "Reinstall the **profile**.")
	if err != nil {
		t.Fatal(err)
	}
	return q, a
}

// visibleIDs returns the answer ids on the question page for the role.
func (f *fixture) visibleIDs(t *testing.T, role string, qid int64) map[int64]bool {
	t.Helper()
	page, err := f.svc.Question(f.As(role), qid)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, a := range page.Answers {
		out[a.ID] = true
	}
	return out
}

func TestAskValidationStoresNothing(t *testing.T) {
	f := setup(t)
	for _, in := range []community.NewQuestion{
		{Title: "  "},
		{Title: strings.Repeat("x", 201)},
		{Title: "ok", Tags: []string{"a,b,c,d,e,f,g,h,i"}},
		{Title: "ok", Body: strings.Repeat("x", community.MaxBody+1)},
	} {
		if _, err := f.svc.Ask(f.As("employee"), in); code(err) != socialdesk.EINVALID {
			t.Errorf("Ask(%.20q): got %v, want invalid", in.Title, err)
		}
	}
	if _, err := f.svc.Ask(context.Background(), community.NewQuestion{Title: "anon"}); code(err) != socialdesk.EUNAUTHORIZED {
		t.Errorf("anonymous ask: got %v", err)
	}
	list, err := f.svc.Questions(f.As("employee"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Fatalf("bad input stored %d questions", len(list))
	}
	q, err := f.svc.Ask(f.As("contractor"), community.NewQuestion{Title: "VPN on Android", Tags: []string{"VPN", "Android, vpn"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(q.Tags, ",") != "vpn,android" {
		t.Fatalf("tags = %v", q.Tags)
	}
}

func TestOnlyStaffVerify(t *testing.T) {
	f := setup(t)
	_, a := f.askAnswer(t, "VPN drops on Android")
	for _, role := range []string{"employee", "employee2", "contractor"} {
		if _, err := f.svc.Verify(f.As(role), a.ID, time.Time{}); code(err) != socialdesk.EFORBIDDEN {
			t.Errorf("%s verify: got %v, want forbidden", role, err)
		}
	}
	got, err := f.svc.Answer(f.As("employee"), a.QuestionID, "another")
	if err != nil || got.VerifiedBy != 0 {
		t.Fatal("setup")
	}
	for _, role := range []string{"agent", "knowledge_manager", "admin"} {
		v, err := f.svc.Verify(f.As(role), a.ID, time.Time{})
		if err != nil {
			t.Fatalf("%s verify: %v", role, err)
		}
		if v.VerifiedBy != f.People[role].ID || !v.VerifiedAt.Equal(monday9) || !v.Verified(monday9) {
			t.Errorf("%s verify recorded by=%d at=%v", role, v.VerifiedBy, v.VerifiedAt)
		}
	}
	if _, err := f.svc.Verify(f.As("agent"), a.ID, monday9.Add(-time.Hour)); code(err) != socialdesk.EINVALID {
		t.Errorf("past review date: got %v", err)
	}
}

func TestVerifiedMarkExpires(t *testing.T) {
	f := setup(t)
	q, a := f.askAnswer(t, "Printer offline")
	b, err := f.svc.Answer(f.As("contractor"), q.ID, "Turn it off and on.")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Vote(f.As("employee"), "answer", b.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Verify(f.As("agent"), a.ID, monday9.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	page, _ := f.svc.Question(f.As("employee"), q.ID)
	if page.Answers[0].ID != a.ID {
		t.Fatalf("verified answer not first before expiry")
	}
	// The question list marks a question with a verified answer, until the
	// mark expires.
	emp := f.NewSession(t, "employee")
	listed := func() string {
		_, _, body := emp.Do("GET", "/community", nil)
		i := strings.Index(body, "Printer offline")
		if i < 0 {
			t.Fatalf("the list lacks the question:\n%s", body)
		}
		return body[i:min(len(body), i+400)]
	}
	if item := listed(); !strings.Contains(item, "Verified by IT") || strings.Contains(item, "Accepted") {
		t.Errorf("list item before expiry = %q, want the verified mark only", item)
	}
	f.clock.Add(2 * time.Hour)
	page, _ = f.svc.Question(f.As("employee"), q.ID)
	if page.Answers[0].ID != b.ID || page.Answers[1].Verified(f.clock.Now()) {
		t.Fatalf("expired verification still ranks first: %+v", page.Answers[0])
	}
	if _, err := f.svc.Accept(f.As("employee"), b.ID); err != nil {
		t.Fatal(err)
	}
	if item := listed(); strings.Contains(item, "Verified by IT") || !strings.Contains(item, "Accepted") {
		t.Errorf("list item after expiry and acceptance = %q, want the accepted mark only", item)
	}
}

func TestRankingVerifiedAcceptedVotes(t *testing.T) {
	f := setup(t)
	q, err := f.svc.Ask(f.As("employee"), community.NewQuestion{Title: "Outlook keeps asking for a password"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, role := range []string{"employee2", "contractor", "agent", "admin"} {
		a, err := f.svc.Answer(f.As(role), q.ID, "answer by "+role)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	popular, accepted, verified, downvoted := ids[0], ids[1], ids[2], ids[3]
	for _, voter := range []string{"employee", "contractor", "agent"} {
		if err := f.svc.Vote(f.As(voter), "answer", popular, 1); err != nil {
			t.Fatal(err)
		}
	}
	// One vote per person: voting again replaces, it does not add.
	for range 3 {
		if err := f.svc.Vote(f.As("employee2"), "answer", downvoted, -1); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Vote(f.As("employee"), "answer", popular, 2); code(err) != socialdesk.EINVALID {
		t.Errorf("vote of 2: got %v", err)
	}
	if _, err := f.svc.Accept(f.As("employee2"), accepted); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("non-asker accept: got %v", err)
	}
	if _, err := f.svc.Accept(f.As("employee"), accepted); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Verify(f.As("agent"), verified, time.Time{}); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Question(f.As("employee"), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{verified, accepted, popular, downvoted}
	for i, a := range page.Answers {
		if a.ID != want[i] {
			t.Fatalf("position %d: answer %d, want %d (order %v)", i, a.ID, want[i], want)
		}
	}
	if page.Answers[2].Score != 3 || page.Answers[3].Score != -1 {
		t.Fatalf("scores %d and %d, want 3 and -1", page.Answers[2].Score, page.Answers[3].Score)
	}
}

func TestFlagThresholdsQuarantine(t *testing.T) {
	f := setup(t)
	q, a := f.askAnswer(t, "Disable antivirus to install?")
	for i, role := range []string{"employee", "contractor"} {
		got, err := f.svc.Flag(f.As(role), a.ID, "tells people to disable antivirus")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != socialdesk.ContentVisible {
			t.Fatalf("quarantined after %d employee flags", i+1)
		}
	}
	if _, err := f.svc.Flag(f.As("employee"), a.ID, "again"); code(err) != socialdesk.ECONFLICT {
		t.Errorf("second flag by one person: got %v", err)
	}
	if _, err := f.svc.Flag(f.As("employee2"), a.ID, " "); code(err) != socialdesk.EINVALID {
		t.Errorf("flag without reason: got %v", err)
	}
	// employee2 wrote it, but may still flag; the third employee flag tips it.
	got, err := f.svc.Flag(f.As("employee2"), a.ID, "unsafe")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != socialdesk.ContentQuarantined {
		t.Fatalf("three employee flags: status %s", got.Status)
	}

	// One flag from an agent is enough.
	b, err := f.svc.Answer(f.As("contractor"), q.ID, "Share your password with me.")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.Flag(f.As("agent"), b.ID, "asks for a password"); err != nil || got.Status != socialdesk.ContentQuarantined {
		t.Fatalf("agent flag: %v, %v", got, err)
	}

	// The threshold is a setting.
	if err := f.svc.SetFlagThreshold(f.As("agent"), community.FlagThreshold{Staff: 1, Others: 1}); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("agent sets threshold: got %v", err)
	}
	if err := f.svc.SetFlagThreshold(f.As("knowledge_manager"), community.FlagThreshold{Staff: 0, Others: 1}); code(err) != socialdesk.EINVALID {
		t.Errorf("zero threshold: got %v", err)
	}
	if err := f.svc.SetFlagThreshold(f.As("knowledge_manager"), community.FlagThreshold{Staff: 2, Others: 1}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.svc.Answer(f.As("contractor"), q.ID, "third")
	if got, _ := f.svc.Flag(f.As("agent"), c.ID, "x"); got.Status != socialdesk.ContentVisible {
		t.Fatal("one agent flag quarantined with a staff threshold of 2")
	}
	if got, _ := f.svc.Flag(f.As("employee"), c.ID, "x"); got.Status != socialdesk.ContentQuarantined {
		t.Fatal("one employee flag did not quarantine with a threshold of 1")
	}
}

func TestQuarantinedVisibility(t *testing.T) {
	f := setup(t)
	q, a := f.askAnswer(t, "Wi-Fi password for guests")
	if _, err := f.svc.Flag(f.As("agent"), a.ID, "posts the guest password"); err != nil {
		t.Fatal(err)
	}
	for role, want := range map[string]bool{"employee": false, "contractor": false, "agent": false, "employee2": true, "knowledge_manager": true, "admin": true} {
		if got := f.visibleIDs(t, role, q.ID)[a.ID]; got != want {
			t.Errorf("%s sees quarantined answer: %v, want %v", role, got, want)
		}
	}
	// Hidden content cannot be acted on by those who cannot see it.
	if err := f.svc.Vote(f.As("employee"), "answer", a.ID, 1); code(err) != socialdesk.ENOTFOUND {
		t.Errorf("vote on hidden answer: got %v", err)
	}
	if _, err := f.svc.Accept(f.As("employee"), a.ID); code(err) != socialdesk.ENOTFOUND {
		t.Errorf("accept hidden answer: got %v", err)
	}
	items, err := f.svc.ModerationQueue(f.As("knowledge_manager"))
	if err != nil || len(items) != 1 || items[0].Answer.ID != a.ID || len(items[0].Flags) != 1 {
		t.Fatalf("moderation queue: %v, %v", items, err)
	}
	for _, role := range []string{"employee", "agent"} {
		if _, err := f.svc.ModerationQueue(f.As(role)); code(err) != socialdesk.EFORBIDDEN {
			t.Errorf("%s moderation queue: got %v", role, err)
		}
	}
}

func TestModerationDecisionsAudited(t *testing.T) {
	f := setup(t)
	q, a := f.askAnswer(t, "Install unapproved software")
	b, _ := f.svc.Answer(f.As("contractor"), q.ID, "bad advice")
	for _, id := range []int64{a.ID, b.ID} {
		if _, err := f.svc.Flag(f.As("agent"), id, "policy"); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []string{"employee", "employee2", "agent"} {
		if _, err := f.svc.Moderate(f.As(role), a.ID, "restore", ""); code(err) != socialdesk.EFORBIDDEN {
			t.Errorf("%s moderates: got %v", role, err)
		}
	}
	if _, err := f.svc.Moderate(f.As("knowledge_manager"), a.ID, "ignore", ""); code(err) != socialdesk.EINVALID {
		t.Errorf("unknown decision: got %v", err)
	}
	got, err := f.svc.Moderate(f.As("knowledge_manager"), a.ID, "restore", "fine after all")
	if err != nil || got.Status != socialdesk.ContentVisible || got.Flags != 0 {
		t.Fatalf("restore: %+v, %v", got, err)
	}
	if !f.visibleIDs(t, "employee", q.ID)[a.ID] {
		t.Fatal("restored answer hidden from employees")
	}
	if got, err := f.svc.Moderate(f.As("admin"), b.ID, "remove", "unsafe"); err != nil || got.Status != socialdesk.ContentRemoved {
		t.Fatalf("remove: %+v, %v", got, err)
	}
	if f.visibleIDs(t, "contractor", q.ID)[b.ID] {
		t.Fatal("removed answer visible to its author")
	}
	if _, err := f.svc.Moderate(f.As("admin"), b.ID, "restore", ""); code(err) != socialdesk.ECONFLICT {
		t.Errorf("deciding twice: got %v", err)
	}
	log, err := f.App.Desk.AuditLog(f.As("admin"), "community.moderate", 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int64{}
	for _, e := range log {
		seen[e.Action+" "+e.Target] = e.ActorID
	}
	if seen["community.moderate.restore answer:"+itoa(a.ID)] != f.People["knowledge_manager"].ID || seen["community.moderate.remove answer:"+itoa(b.ID)] != f.People["admin"].ID {
		t.Fatalf("audit log: %v", seen)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestCloseAsDuplicate(t *testing.T) {
	f := setup(t)
	orig, _ := f.askAnswer(t, "VPN fails on Android 15")
	dup, err := f.svc.Ask(f.As("employee2"), community.NewQuestion{Title: "Android VPN broken"})
	if err != nil {
		t.Fatal(err)
	}
	third, _ := f.svc.Ask(f.As("contractor"), community.NewQuestion{Title: "Android VPN stops"})
	similar, err := f.svc.SimilarQuestions(f.As("contractor"), "my android vpn", 5)
	if err != nil || len(similar) != 3 {
		t.Fatalf("similar: %d, %v", len(similar), err)
	}
	if _, err := f.svc.SimilarQuestions(f.As("contractor"), "printer toner", 5); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CloseDuplicate(f.As("employee"), dup.ID, orig.ID); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("someone else's question: got %v", err)
	}
	if err := f.svc.CloseDuplicate(f.As("employee2"), dup.ID, dup.ID); code(err) != socialdesk.EINVALID {
		t.Errorf("self duplicate: got %v", err)
	}
	if err := f.svc.CloseDuplicate(f.As("employee2"), dup.ID, 99999); code(err) != socialdesk.EINVALID {
		t.Errorf("missing original: got %v", err)
	}
	if err := f.svc.CloseDuplicate(f.As("employee2"), dup.ID, orig.ID); err != nil {
		t.Fatal(err)
	}
	// Closing onto a duplicate points at the root.
	if err := f.svc.CloseDuplicate(f.As("agent"), third.ID, dup.ID); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Question(f.As("employee"), third.ID)
	if err != nil || page.Original == nil || page.Original.ID != orig.ID {
		t.Fatalf("third's original: %+v, %v", page.Original, err)
	}
	if _, err := f.svc.Answer(f.As("employee"), dup.ID, "late answer"); code(err) != socialdesk.ECONFLICT {
		t.Errorf("answer on a duplicate: got %v", err)
	}
	similar, _ = f.svc.SimilarQuestions(f.As("contractor"), "android vpn", 5)
	if len(similar) != 1 || similar[0].ID != orig.ID {
		t.Fatalf("similar after closing duplicates: %v", similar)
	}
}

func TestEscalationExactlyOnce(t *testing.T) {
	f := setup(t)
	q, err := f.svc.Ask(f.As("employee"), community.NewQuestion{Title: "Who approves new laptops?", Tags: []string{"hardware"}})
	if err != nil {
		t.Fatal(err)
	}
	answered, _ := f.askAnswer(t, "Answered quickly")
	ctx := context.Background()
	f.clock.Add(3*time.Hour + 59*time.Minute)
	if n, err := f.svc.RunEscalation(ctx, f.clock.Now()); err != nil || n != 0 {
		t.Fatalf("escalated early: %d, %v", n, err)
	}
	// 17:00 closes the business day; 4 business hours end at 13:00.
	f.clock.Add(2 * time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.svc.RunEscalation(ctx, f.clock.Now())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 {
		t.Fatalf("escalated %d times, want once", total)
	}
	if n, _ := f.svc.RunEscalation(ctx, f.clock.Now().Add(48*time.Hour)); n != 0 {
		t.Fatalf("escalated again later: %d", n)
	}
	page, _ := f.svc.Question(f.As("employee"), q.ID)
	if page.Question.TicketID == 0 {
		t.Fatal("question not linked to its ticket")
	}
	tk, err := f.App.Desk.Ticket(f.As("agent"), page.Question.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.SourceQuestionID != q.ID || tk.RequesterID != f.People["employee"].ID || tk.State != socialdesk.StateNew {
		t.Fatalf("ticket: source=%d requester=%d state=%s", tk.SourceQuestionID, tk.RequesterID, tk.State)
	}
	if page, _ := f.svc.Question(f.As("employee"), answered.ID); page.Question.TicketID != 0 {
		t.Fatal("answered question escalated")
	}
}

func TestEscalationWaitsForBusinessHours(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)} // Friday 16:00
	e := apptest.New(t, func(cfg *app.Config) { cfg.Now = c.Now })
	svc := e.App.Community
	if _, err := svc.Ask(e.As("employee"), community.NewQuestion{Title: "Weekend question"}); err != nil {
		t.Fatal(err)
	}
	// Saturday noon: 20 wall hours, 1 business hour.
	if n, _ := svc.RunEscalation(context.Background(), c.Now().Add(20*time.Hour)); n != 0 {
		t.Fatal("escalated outside business hours")
	}
	// Monday 12:00 is 4 business hours after Friday 16:00.
	if n, _ := svc.RunEscalation(context.Background(), time.Date(2026, 11, 30, 12, 1, 0, 0, time.UTC)); n != 1 {
		t.Fatal("did not escalate after 4 business hours")
	}
}

func TestSuggestAndDeflect(t *testing.T) {
	f := setup(t)
	q, a := f.askAnswer(t, "VPN disconnects every hour")
	unverified, _ := f.askAnswer(t, "VPN slow at home")
	art, err := f.svc.CreateArticle(f.As("knowledge_manager"), community.ArticleInput{Title: "Fixing VPN disconnects", Body: "Update the client."})
	if err != nil {
		t.Fatal(err)
	}
	draft, _ := f.svc.CreateArticle(f.As("agent"), community.ArticleInput{Title: "VPN draft", Body: "not yet"})
	list, _ := f.svc.Suggest(f.As("employee2"), "vpn disconnects", 5)
	if len(list) != 0 {
		t.Fatalf("suggested unverified or unpublished content: %+v", list)
	}
	if _, err := f.svc.Verify(f.As("agent"), a.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{socialdesk.ArticleInReview, socialdesk.ArticlePublished} {
		if _, err := f.svc.MoveArticle(f.As("knowledge_manager"), art.ID, to); err != nil {
			t.Fatal(err)
		}
	}
	list, err = f.svc.Suggest(f.As("employee2"), "My VPN disconnects", 5)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int64{}
	for _, s := range list {
		kinds[s.Kind] = s.ID
		if s.ID == unverified.ID || (s.Kind == "article" && s.ID == draft.ID) {
			t.Fatalf("unexpected suggestion %+v", s)
		}
	}
	if len(list) != 2 || list[0].Kind != "answer" || kinds["answer"] != a.ID || kinds["article"] != art.ID || !list[0].Verified {
		t.Fatalf("suggestions: %+v", list)
	}
	if !strings.Contains(list[0].URL, "/community/questions/"+itoa(q.ID)) {
		t.Fatalf("answer URL %s", list[0].URL)
	}
	if list[0].Snippet != "Reinstall the profile." {
		t.Errorf("snippet %q, want the answer as plain text", list[0].Snippet)
	}
	if err := f.svc.Deflect(f.As("employee2"), "answer", a.ID, "My VPN disconnects"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deflect(f.As("contractor"), "article", art.ID, "vpn"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deflect(f.As("contractor"), "article", draft.ID, "vpn"); code(err) != socialdesk.ENOTFOUND {
		t.Errorf("deflect on a draft: got %v", err)
	}
	if err := f.svc.Deflect(f.As("contractor"), "ticket", 1, "vpn"); code(err) != socialdesk.EINVALID {
		t.Errorf("deflect on a ticket: got %v", err)
	}
	if _, err := f.svc.Deflections(f.As("employee"), "", 0); code(err) != socialdesk.EFORBIDDEN {
		t.Errorf("employee reads analytics: got %v", err)
	}
	for kind, want := range map[string]int{"": 2, "answer": 1} {
		n, err := f.svc.Deflections(f.As("agent"), kind, a.ID)
		if err != nil || n != want {
			t.Errorf("deflections(%q) = %d, %v; want %d", kind, n, err, want)
		}
	}
	p, err := f.svc.Profile(f.As("employee"), f.People["employee2"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stats.Deflections != 1 || p.Stats.Verified != 1 || p.Reputation != community.PointsVerified+community.PointsDeflection {
		t.Fatalf("profile: %+v reputation %d", p.Stats, p.Reputation)
	}
	names := map[string]bool{}
	for _, b := range p.Badges {
		names[b.Name] = true
	}
	if !names["First answer"] || !names["Verified helper"] || !names["Deflector"] || names["Problem solver"] {
		t.Fatalf("badges: %v", p.Badges)
	}
}

func TestExpertDirectory(t *testing.T) {
	f := setup(t)
	q, a := f.askAnswer(t, "VPN on Android") // tags vpn, android; answered by employee2
	other, err := f.svc.Ask(f.As("employee"), community.NewQuestion{Title: "Printer", Tags: []string{"printing"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answer(f.As("contractor"), other.ID, "Use the queue"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answer(f.As("agent"), q.ID, "Also check the date"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Accept(f.As("employee"), a.ID); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.Experts(f.As("employee"), "vpn android")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Person.ID != f.People["employee2"].ID || list[1].Person.ID != f.People["agent"].ID {
		t.Fatalf("experts: %+v", list)
	}
	if list[0].Person.Email != "" {
		t.Fatal("expert directory leaks email addresses")
	}
	p, _ := f.svc.Profile(f.As("contractor"), f.People["employee2"].ID)
	tags := map[string]bool{}
	for _, e := range p.Expertise {
		tags[e.Tag] = true
	}
	if !tags["vpn"] || !tags["android"] || tags["printing"] {
		t.Fatalf("expertise: %+v", p.Expertise)
	}
}

func TestMarkdownIsSanitised(t *testing.T) {
	f := setup(t)
	out := f.svc.RenderMarkdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n![pic](/kb-media/3)")
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered markdown contains %q: %s", bad, out)
		}
	}
	if !strings.Contains(out, "<strong>bold</strong>") || !strings.Contains(out, `src="/kb-media/3"`) {
		t.Errorf("markdown lost: %s", out)
	}
}

// TestDefaultRedactor checks the built-in fallback on its own, since the
// app uses the privacy package's redactor.
func TestDefaultRedactor(t *testing.T) {
	in := "Mail ana.b@example.com or call +33 6 12 34 56 78 about INC-000042; password: S3cret! works, order 1234 too."
	out, found := community.DefaultRedactor{}.Redact(in)
	want := "Mail [EMAIL] or call [PHONE] about [TICKET_REF]; password: [SECRET] works, order 1234 too."
	if out != want {
		t.Fatalf("got  %q\nwant %q", out, want)
	}
	kinds := map[string]string{}
	for _, f := range found {
		kinds[f.Kind] = f.Text
		if in[f.Start:f.End] != f.Text {
			t.Errorf("offsets of %+v do not match the text", f)
		}
	}
	if kinds["email"] != "ana.b@example.com" || kinds["secret"] != "S3cret!" || kinds["ticket_ref"] != "INC-000042" || len(found) != 4 {
		t.Fatalf("findings: %+v", found)
	}
}

func TestApplicability(t *testing.T) {
	emp := &socialdesk.Person{Role: socialdesk.RoleEmployee, Site: "Lyon", Devices: []string{"iPad"}}
	visitor := &socialdesk.Person{Role: socialdesk.RoleContractor, AccessExpires: time.Now().Add(time.Hour)}
	cases := []struct {
		ap   socialdesk.Applicability
		p    *socialdesk.Person
		want bool
	}{
		{socialdesk.Applicability{}, emp, true},
		{socialdesk.Applicability{Roles: []string{"contractor"}}, emp, false},
		{socialdesk.Applicability{Roles: []string{"visitor"}}, visitor, true},
		{socialdesk.Applicability{Roles: []string{"visitor"}}, &socialdesk.Person{Role: socialdesk.RoleContractor}, false},
		{socialdesk.Applicability{Sites: []string{"lyon"}}, emp, true},
		{socialdesk.Applicability{Sites: []string{"paris"}}, emp, false},
		{socialdesk.Applicability{Sites: []string{"paris"}}, visitor, true},
		{socialdesk.Applicability{Devices: []string{"ipad", "android"}}, emp, true},
		{socialdesk.Applicability{Devices: []string{"android"}}, emp, false},
	}
	for i, c := range cases {
		if got := community.Applies(c.ap, c.p); got != c.want {
			t.Errorf("case %d: Applies(%+v) = %v, want %v", i, c.ap, got, c.want)
		}
	}
}

func TestSuggestRespectsApplicability(t *testing.T) {
	f := setup(t)
	for _, ap := range []socialdesk.Applicability{{Sites: []string{"paris"}}, {Sites: []string{"lyon"}, Roles: []string{"employee"}}} {
		a, err := f.svc.CreateArticle(f.As("knowledge_manager"), community.ArticleInput{Title: "Badge reader at " + ap.Sites[0], Body: "badge reader steps", Applies: ap})
		if err != nil {
			t.Fatal(err)
		}
		f.svc.MoveArticle(f.As("knowledge_manager"), a.ID, socialdesk.ArticleInReview)
		if _, err := f.svc.MoveArticle(f.As("knowledge_manager"), a.ID, socialdesk.ArticlePublished); err != nil {
			t.Fatal(err)
		}
	}
	// apptest people are at Lyon.
	list, err := f.svc.Suggest(f.As("employee"), "badge reader broken", 5)
	if err != nil || len(list) != 1 || !strings.Contains(list[0].Title, "lyon") {
		t.Fatalf("employee at Lyon: %+v, %v", list, err)
	}
	if list, _ := f.svc.Suggest(f.As("contractor"), "badge reader broken", 5); len(list) != 0 {
		t.Fatalf("contractor gets an employees-only article: %+v", list)
	}
}

// TestSimilarUsesSearchEngine checks that the app's search engine finds
// similar questions, typos included, which the keyword fallback cannot.
func TestSimilarUsesSearchEngine(t *testing.T) {
	f := setup(t)
	q, _ := f.askAnswer(t, "VPN disconnects on Android")
	list, err := f.svc.SimilarQuestions(f.As("contractor"), "andriod vpm disconects", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != q.ID {
		t.Fatalf("similar with typos: %+v", list)
	}
}
