package listening_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
)

// pastTickets is a small history of tickets for the suggestion models:
// text, service, impact, urgency.
var pastTickets = [][4]string{
	{"vpn keeps dropping when I work from home", "VPN", "medium", "high"},
	{"vpn client will not connect since the update", "VPN", "medium", "high"},
	{"vpn disconnects every few minutes", "VPN", "medium", "high"},
	{"printer on floor 3 is jammed", "Printing", "low", "low"},
	{"cannot print, the printer shows offline", "Printing", "low", "low"},
	{"printer out of toner again", "Printing", "low", "low"},
	{"outlook asks for my password again and again", "Email", "low", "medium"},
	{"outlook does not sync my mail", "Email", "low", "medium"},
	{"mail stuck in the outbox", "Email", "low", "medium"},
}

// supportPosts trains a small support model.
var supportPosts = []classify.Example{{Text: "vpn broken please help", Label: "1"}, {Text: "printer jammed help", Label: "1"}, {Text: "outlook password prompt again", Label: "1"},
	{Text: "lovely lunch today", Label: "0"}, {Text: "great match tonight", Label: "0"}, {Text: "welcome to the team", Label: "0"}}

// TestSuggestedFields trains models that suggest a support request's
// service, impact and urgency, and follows a post from the classifier to
// its ticket: the agent sees the suggestions beside the ticket's fields,
// applies them with one click (recorded in the history, the priority
// recomputed), and the box is gone. Labels that are not levels train
// nothing, and chatter gets no suggestions.
func TestSuggestedFields(t *testing.T) {
	e := apptest.New(t)
	ctx := t.Context()
	sys := desk.SystemContext(ctx)
	admin, agent, employee := e.NewSession(t, "admin"), e.NewSession(t, "agent"), e.NewSession(t, "employee")
	if _, err := e.App.Listening.Train(sys, listening.ModelSupport, supportPosts, "t"); err != nil {
		t.Fatal(err)
	}
	csvOf := func(col int) []byte {
		var b strings.Builder
		b.WriteString("text,label\n")
		for _, r := range pastTickets {
			fmt.Fprintf(&b, "%q,%s\n", r[0], r[col])
		}
		return []byte(b.String())
	}
	// An impact file whose labels are services is refused, and the form
	// keeps the chosen model.
	code, _, body := admin.Upload("/admin/listening/models/train", url.Values{"kind": {listening.ModelImpact}}, "csv", "tickets.csv", csvOf(1))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `impact label &#34;VPN&#34;`) || !strings.Contains(body, `<option value="impact" selected>`) {
		t.Fatalf("impact labels that are not levels: %d\n%s", code, body)
	}
	if ms, _ := e.App.Listening.Models(ctx); len(ms) != 1 {
		t.Fatalf("a refused upload stored a model: %d versions", len(ms))
	}
	for col, kind := range map[int]string{1: listening.ModelService, 2: listening.ModelImpact, 3: listening.ModelUrgency} {
		if code, loc, _ := admin.Upload("/admin/listening/models/train", url.Values{"kind": {kind}}, "csv", kind+".csv", csvOf(col)); code != http.StatusSeeOther || !strings.Contains(loc, "Trained+"+kind) {
			t.Fatalf("train %s: %d %s", kind, code, loc)
		}
	}
	// The API returns the suggestions with the verdict.
	resp := e.Request(t, "agent", "POST", "/api/v1/listening/classify", `{"text":"my vpn keeps disconnecting, please help"}`)
	var got listening.Classification
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || !got.SupportRequest || got.Service != "VPN" || got.Impact != "medium" || got.Urgency != "high" {
		t.Fatalf("classify: %d %+v", resp.StatusCode, got)
	}

	// A support request opens a ticket at the desk's default impact and
	// urgency; its post keeps the suggestions.
	rc, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: "twitter", ExternalID: "s1", Author: connector.Author{ID: "e", Email: "employee@example.com"},
		Text: "vpn broken again, it keeps dropping, help", Visibility: connector.Private})
	if err != nil || rc.TicketID == 0 {
		t.Fatalf("deliver: %+v %v", rc, err)
	}
	before, _ := e.App.DB.Ticket(ctx, rc.TicketID)
	if before.Service != "" || before.Urgency != socialdesk.Medium {
		t.Fatalf("the ticket was changed before an agent chose to: %+v", before)
	}
	if _, _, body := agent.Do("GET", "/listening", nil); !strings.Contains(body, "<td>VPN · impact medium · urgency high</td>") {
		t.Fatalf("the dashboard does not show the post's suggestions:\n%s", body)
	}
	ticketPage := fmt.Sprintf("/tickets/%d", rc.TicketID)
	_, _, body = agent.Do("GET", ticketPage, nil)
	if !strings.Contains(body, "Suggested fields") || !strings.Contains(body, "Service: <strong>VPN</strong>") || !strings.Contains(body, "Urgency: <strong>high</strong> (now medium)") ||
		!strings.Contains(body, "The priority becomes <strong>P2</strong> (now P3)") || strings.Contains(body, "Impact: <strong>") {
		t.Fatalf("the ticket page does not offer the suggestions (or offers an unchanged impact):\n%s", body)
	}
	if _, _, body := employee.Do("GET", ticketPage, nil); strings.Contains(body, "Suggested fields") {
		t.Fatal("the requester sees the classifier's suggestions")
	}
	post, err := e.App.DB.TicketListeningPost(ctx, rc.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	apply := fmt.Sprintf("/listening/posts/%d/apply", post.ID)
	if code, _, _ := employee.Do("POST", apply, url.Values{}); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("an employee applied suggestions: %d", code)
	}
	code, loc, _ := agent.Do("POST", apply, url.Values{})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, ticketPage+"?flash=The+suggested+fields+are+set") {
		t.Fatalf("apply: %d %s", code, loc)
	}
	after, _ := e.App.DB.Ticket(ctx, rc.TicketID)
	if after.Service != "VPN" || after.Urgency != socialdesk.High || after.Impact != socialdesk.Medium || after.Priority != 2 {
		t.Fatalf("after applying: service %q impact %s urgency %s %s", after.Service, after.Impact, after.Urgency, after.Priority)
	}
	history, _ := e.App.Desk.History(e.As("agent"), rc.TicketID)
	changed := map[string]bool{}
	for _, ev := range history {
		if ev.ActorID == e.People["agent"].ID {
			changed[ev.Field] = true
		}
	}
	if !changed["service"] || !changed["urgency"] {
		t.Errorf("the history does not record the agent's change: %+v", history)
	}
	if _, _, body := agent.Do("GET", ticketPage, nil); strings.Contains(body, "Suggested fields") {
		t.Error("the suggestions are still offered once applied")
	}
	if _, loc, _ := agent.Do("POST", apply, url.Values{}); !strings.Contains(loc, "already+has") {
		t.Errorf("applying twice: %s", loc)
	}

	// The agent then finds it was the printer after all, and resolves the
	// ticket: the service left different from the suggestion is one
	// correction waiting, which the next version of the service model
	// learns; the fields that agree teach nothing.
	printing, resolved := "Printing", socialdesk.StateResolved
	if _, err := e.App.Desk.UpdateTicket(e.As("agent"), rc.TicketID, socialdesk.TicketUpdate{Service: &printing, State: &resolved}); err != nil {
		t.Fatal(err)
	}
	if _, _, body := admin.Do("GET", "/admin/listening", nil); !strings.Contains(body, "1 correction from agents waiting") {
		t.Fatalf("the settings page does not count the ticket's correction:\n%s", body)
	}
	code, loc, _ = admin.Do("POST", "/admin/listening/models/update", url.Values{})
	if code != http.StatusSeeOther || !strings.Contains(loc, "New+service+model+version") || strings.Contains(loc, "urgency") {
		t.Fatalf("apply corrections: %d %s", code, loc)
	}
	models, _ := e.App.Listening.Models(ctx)
	if models[0].Kind != listening.ModelService || !models[0].Active || !strings.Contains(models[0].Note, "1 correction") {
		t.Fatalf("newest model = %+v", models[0])
	}
	if _, loc, _ := admin.Do("POST", "/admin/listening/models/update", url.Values{}); !strings.Contains(loc, "No+corrections+waiting") {
		t.Fatalf("the same ticket was taken twice: %s", loc)
	}

	// Chatter is stored for its rule but gets no suggestions, and has no
	// ticket to apply them to.
	if _, err := e.App.Listening.AddRule(sys, listening.Rule{Kind: listening.KindKeyword, Value: "lunch"}); err != nil {
		t.Fatal(err)
	}
	e.App.Listening.Observe(ctx, connector.Inbound{Channel: "slack", ExternalID: "c1", Author: connector.Author{ID: "fan"}, Text: "lovely lunch today", SentAt: e.App.Desk.Now()}, connector.Receipt{})
	posts, _ := e.App.DB.ListeningPosts(ctx, e.App.Desk.Now().AddDate(0, 0, -1), 10)
	var chatter *int64
	for _, p := range posts {
		if p.ExternalID == "c1" {
			if p.Support || p.Service != "" || p.Urgency != "" {
				t.Errorf("chatter got suggestions: %+v", p)
			}
			chatter = &p.ID
		}
	}
	if chatter == nil {
		t.Fatal("the chatter post matching a rule was not stored")
	}
	if _, loc, _ := agent.Do("POST", fmt.Sprintf("/listening/posts/%d/apply", *chatter), url.Values{}); !strings.HasPrefix(loc, "/listening?flash=This+post+did+not+open+a+ticket") {
		t.Errorf("applying the suggestions of a post without a ticket: %s", loc)
	}
}

// TestOutageTakesSuggestedService opens an outage from a burst of VPN
// reports with a service model trained: the major incident carries the
// service that most reports were given, so it is routed and reported under
// it.
func TestOutageTakesSuggestedService(t *testing.T) {
	for _, trained := range []bool{true, false} {
		t.Run(fmt.Sprint("service model ", trained), func(t *testing.T) {
			e := apptest.New(t)
			ctx := t.Context()
			sys := desk.SystemContext(ctx)
			support := []classify.Example{{Text: "vpn broken please help", Label: "1"}, {Text: "printer jammed help", Label: "1"},
				{Text: "lovely lunch today", Label: "0"}, {Text: "great match tonight", Label: "0"}}
			if _, err := e.App.Listening.Train(sys, listening.ModelSupport, support, "t"); err != nil {
				t.Fatal(err)
			}
			if trained {
				var ex []classify.Example
				for _, r := range pastTickets {
					ex = append(ex, classify.Example{Text: r[0], Label: r[1]})
				}
				if _, err := e.App.Listening.Train(sys, listening.ModelService, ex, "t"); err != nil {
					t.Fatal(err)
				}
			}
			now := e.App.Desk.Now()
			for i, text := range []string{"vpn keeps dropping again", "the vpn is down for me", "vpn disconnects all the time, not working",
				"vpn not working since this morning", "my vpn keeps dropping", "vpn down again"} {
				if _, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: []string{"slack", "mastodon"}[i%2], ExternalID: fmt.Sprint("o", i),
					Author: connector.Author{ID: fmt.Sprint("u", i), Email: fmt.Sprintf("u%d@example.com", i)}, Text: text, SentAt: now.Add(time.Duration(i) * 20 * time.Second)}); err != nil {
					t.Fatal(err)
				}
			}
			majors, err := e.App.DB.MajorIncidents(ctx, 10)
			if err != nil || len(majors) != 1 {
				t.Fatalf("major incidents = %d, %v; want 1", len(majors), err)
			}
			want := map[bool]string{true: "VPN", false: ""}[trained]
			if majors[0].Service != want {
				t.Fatalf("the outage's service is %q, want %q", majors[0].Service, want)
			}
		})
	}
}

// TestTrainFromTickets trains suggestion models from the desk's own
// resolved tickets on /admin/listening: the page counts what each model
// would learn from, a model needs two values, and a service added after
// the first training is suggested once the model is trained again.
func TestTrainFromTickets(t *testing.T) {
	e := apptest.New(t)
	ctx := t.Context()
	admin, agent := e.NewSession(t, "admin"), e.NewSession(t, "agent")
	if _, err := e.App.Listening.Train(desk.SystemContext(ctx), listening.ModelSupport, supportPosts, "t"); err != nil {
		t.Fatal(err)
	}
	resolve := func(text, service string) {
		t.Helper()
		tk, err := e.App.Desk.CreateTicket(e.As("agent"), desk.NewTicket{Title: text, Description: "from the portal", Service: service})
		if err != nil {
			t.Fatal(err)
		}
		resolved := socialdesk.StateResolved
		if _, err := e.App.Desk.UpdateTicket(e.As("agent"), tk.ID, socialdesk.TicketUpdate{State: &resolved}); err != nil {
			t.Fatal(err)
		}
	}
	// An open ticket teaches nothing.
	if _, err := e.App.Desk.CreateTicket(e.As("agent"), desk.NewTicket{Title: "still open", Service: "Payroll"}); err != nil {
		t.Fatal(err)
	}
	resolve("vpn keeps dropping", "VPN")
	if code, _, body := admin.Do("POST", "/admin/listening/models/train-tickets", url.Values{"kind": {listening.ModelService}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Only 1 resolved or closed ticket(s) have a service, with 1 different value(s)") {
		t.Fatalf("one service: %d\n%s", code, body)
	}
	if code, _, body := admin.Do("POST", "/admin/listening/models/train-tickets", url.Values{"kind": {listening.ModelSupport}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "support model learns from labelled posts") {
		t.Fatalf("support model from tickets: %d\n%s", code, body)
	}
	if code, _, _ := agent.Do("POST", "/admin/listening/models/train-tickets", url.Values{"kind": {listening.ModelService}}); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("an agent trained a model: %d", code)
	}
	if ms, _ := e.App.Listening.Models(ctx); len(ms) != 1 {
		t.Fatalf("refused trainings stored %d model versions", len(ms)-1)
	}
	for _, r := range pastTickets {
		resolve(r[0], r[1])
	}
	_, _, body := admin.Do("GET", "/admin/listening", nil)
	if !strings.Contains(body, "<td>suggested service</td><td>10</td><td>3</td>") || !strings.Contains(body, `<input type="hidden" name="kind" value="service"><button type="submit">Train the service model from tickets</button>`) ||
		!strings.Contains(body, "<td>suggested category</td><td>0</td><td>0</td>") {
		t.Fatalf("the settings page does not count the resolved tickets:\n%s", body)
	}
	code, loc, _ := admin.Do("POST", "/admin/listening/models/train-tickets", url.Values{"kind": {listening.ModelService}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "Trained+service+model+version") || !strings.Contains(loc, "from+10+resolved+tickets") {
		t.Fatalf("train service from tickets: %d %s", code, loc)
	}
	suggest := func(text string) string {
		t.Helper()
		got, err := e.App.Listening.Classify(text)
		if err != nil {
			t.Fatal(err)
		}
		return got.Service
	}
	phone := "my desk phone has no dial tone"
	if got := suggest("the vpn disconnects all the time"); got != "VPN" {
		t.Fatalf("suggested service %q for a VPN report", got)
	}
	// A telephony service is added: its resolved tickets teach the next
	// training.
	for _, text := range []string{"desk phone has no dial tone", "no dial tone on my phone", "voicemail on the desk phone is broken"} {
		resolve(text, "Telephony")
	}
	if got := suggest(phone); got == "Telephony" {
		t.Fatalf("the model suggested a service it was not trained on")
	}
	if code, loc, _ := admin.Do("POST", "/admin/listening/models/train-tickets", url.Values{"kind": {listening.ModelService}}); code != http.StatusSeeOther || !strings.Contains(loc, "from+13+resolved+tickets") {
		t.Fatalf("train again: %d %s", code, loc)
	}
	if got := suggest(phone); got != "Telephony" {
		t.Fatalf("after training again suggested %q for a telephony report", got)
	}
	models, _ := e.App.Listening.Models(ctx)
	if len(models) != 3 || models[0].Kind != listening.ModelService || !models[0].Active || models[1].Active || models[0].Examples != 13 || !strings.Contains(models[0].Note, "13 newest resolved tickets") {
		t.Fatalf("model versions = %+v", models)
	}
}

// TestTrainNotesHeldOutScore checks that a version trained from enough
// examples notes its score on a held-out tenth, which is high when the
// labels follow the text and low when they are shuffled, and that a small
// training notes none.
func TestTrainNotesHeldOutScore(t *testing.T) {
	e := apptest.New(t)
	ctx := t.Context()
	sys := desk.SystemContext(ctx)
	var ex []classify.Example
	for i := range 12 {
		for _, r := range pastTickets {
			ex = append(ex, classify.Example{Text: fmt.Sprintf("%s (case %d)", r[0], i), Label: r[1]})
		}
	}
	// The same texts, each case with the services moved along by one
	// more: the labels no longer follow the words.
	shuffled := make([]classify.Example, len(ex))
	for i, x := range ex {
		c, r := i/len(pastTickets), i%len(pastTickets)
		shuffled[i] = classify.Example{Text: x.Text, Label: pastTickets[(r+c)%len(pastTickets)][1]}
	}
	heldOut := func(examples []classify.Example) (int, string) {
		t.Helper()
		if _, err := e.App.Listening.Train(sys, listening.ModelService, examples, "t"); err != nil {
			t.Fatal(err)
		}
		models, _ := e.App.Listening.Models(ctx)
		note := models[0].Note
		var pct int
		var f1 float64
		i := strings.Index(note, "; held-out tenth: ")
		if i < 0 {
			return -1, note
		}
		if _, err := fmt.Sscanf(note[i:], "; held-out tenth: %d%% right, macro-F1 %f", &pct, &f1); err != nil || f1 < 0 || f1 > 1 {
			t.Fatalf("note %q: %v", note, err)
		}
		return pct, note
	}
	if pct, note := heldOut(ex); pct < 90 {
		t.Fatalf("labels that follow the text: %d%% right on the held-out tenth (%q)", pct, note)
	}
	if pct, note := heldOut(shuffled); pct < 0 || pct > 70 {
		t.Fatalf("shuffled labels: %d%% right on the held-out tenth (%q)", pct, note)
	}
	if pct, note := heldOut(ex[:len(pastTickets)]); pct != -1 {
		t.Fatalf("a training from %d examples noted a held-out score: %q", len(pastTickets), note)
	}
}
