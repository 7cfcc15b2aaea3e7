package listening_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/webhook"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/finder"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/listening"
	"github.com/socialdesk/socialdesk/internal/search"
)

// TestBurstOpensMajorIncident drives a burst of outage reports through a
// signed webhook and the ingest pipeline (the path every connector uses) and checks that one
// major incident opens with the report tickets as children, the on-call
// group is notified, the status page and search show it, acknowledgements
// follow the channel policies, and resolving it tells every reporter.
func TestBurstOpensMajorIncident(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	l := e.App.Listening
	oncall := &socialdesk.Group{Name: "Duty", OnCall: true}
	if err := e.App.Desk.CreateGroup(sys, oncall); err != nil {
		t.Fatal(err)
	}
	var ex []classify.Example
	for _, s := range []string{"my vpn is not working", "email will not sync on my phone", "cannot log in to the portal", "laptop screen broken help", "printer is down again", "wifi keeps dropping"} {
		ex = append(ex, classify.Example{Text: s, Label: "1"})
	}
	for _, s := range []string{"great match last night", "happy birthday to my colleague", "lunch was lovely today", "new blog post about our culture", "see you at the party", "sunny weekend ahead"} {
		ex = append(ex, classify.Example{Text: s, Label: "0"})
	}
	if _, err := l.Train(sys, listening.ModelSupport, ex, "test"); err != nil {
		t.Fatal(err)
	}
	// Listening decides acknowledgements: the pipeline's own are off.
	if err := e.App.Ingest.SetPolicy(sys, ingest.Policy{OnResolved: ingest.Reopen, OnClosed: ingest.FollowUp, AckText: "-", AckLimit: 3}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetConfig(sys, listening.Config{Threshold: 0.5, Policies: map[string]string{"partner": listening.ReplyPublic}, DefaultPolicy: listening.ReplyReview}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddRule(e.As("admin"), listening.Rule{Kind: listening.KindKeyword, Value: "vpn"}); err != nil {
		t.Fatal(err)
	}
	// Some ordinary chatter first.
	// "partner" is a signed webhook channel reached over HTTP; "twitter"
	// messages are handed to the pipeline directly, as a polling
	// connector does.
	const secret = "a-webhook-secret-long-enough"
	if err := e.App.Channels.Add(e.As("admin"), "partner", "webhook", `{"secret":"`+secret+`"}`, true); err != nil {
		t.Fatal(err)
	}
	deliver := func(i int, channel, text string) connector.Receipt {
		email := fmt.Sprintf("reporter%d@example.com", i)
		p, err := e.App.DB.PersonByEmail(ctx, email)
		if err != nil {
			p = &socialdesk.Person{Email: email, Name: fmt.Sprint("Reporter ", i), Role: socialdesk.RoleEmployee}
			if err := e.App.Desk.CreatePerson(sys, p, ""); err != nil {
				t.Fatal(err)
			}
			if err := e.App.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "webhook", ExternalID: fmt.Sprint("u", i)}); err != nil {
				t.Fatal(err)
			}
		}
		id := fmt.Sprintf("%s-%d-%d", channel, i, len(text))
		if channel == "partner" {
			body, _ := json.Marshal(map[string]any{"external_id": id, "author": map[string]string{"id": fmt.Sprint("u", i)}, "text": text, "visibility": "public"})
			req, _ := http.NewRequest("POST", e.Server.URL+"/hooks/partner", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(secret), body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var rc struct {
				MessageID int64 `json:"message_id"`
				TicketID  int64 `json:"ticket_id"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&rc); err != nil || resp.StatusCode/100 != 2 {
				t.Fatalf("webhook: %d %v", resp.StatusCode, err)
			}
			return connector.Receipt{MessageID: rc.MessageID, TicketID: rc.TicketID}
		}
		rc, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: channel, ExternalID: id,
			Author: connector.Author{ID: fmt.Sprint("u", i), Email: email}, Text: text, Visibility: connector.Public, SentAt: e.App.Desk.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	deliver(100, "twitter", "lovely lunch in the canteen today")
	deliver(101, "partner", "who is coming to the party on friday")
	reports := []string{
		"VPN keeps dropping every few minutes",
		"my vpn disconnected again, is it down?",
		"the VPN drops out constantly, can't reach the file shares",
		"vpn client keeps disconnecting",
		"GlobalProtect vpn won't stay connected",
		"company VPN dropped me three times already",
		"vpn disconected again, working from home today",
	}
	var tickets []int64
	for i, text := range reports {
		channel := []string{"twitter", "partner"}[i%2]
		rc := deliver(i, channel, text)
		if rc.TicketID == 0 {
			t.Fatalf("report %d did not become a ticket: %+v", i, rc)
		}
		tickets = append(tickets, rc.TicketID)
	}
	majors, err := e.App.DB.MajorIncidents(ctx, 10)
	if err != nil || len(majors) != 1 {
		t.Fatalf("major incidents = %d, %v; want exactly 1", len(majors), err)
	}
	inc := majors[0]
	if inc.Impact != socialdesk.High || !strings.Contains(strings.ToLower(inc.Title), "vpn") {
		t.Errorf("incident = %q impact %v; want a VPN title and high impact", inc.Title, inc.Impact)
	}
	children, n, err := e.App.DB.Tickets(ctx, socialdesk.TicketFilter{ParentID: inc.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	linked := map[int64]bool{}
	for _, c := range children {
		linked[c.ID] = true
	}
	for i, id := range tickets {
		if !linked[id] {
			t.Errorf("report %d (ticket %d) is not linked to the incident", i, id)
		}
	}
	if n != len(reports) {
		t.Errorf("children = %d, want %d (chatter must not be linked)", n, len(reports))
	}
	// The dashboard's outage cluster links to the incident, and says
	// where its reports went instead of counting them in the window.
	if _, _, body := e.NewSession(t, "agent").Do("GET", "/listening", nil); !strings.Contains(body, fmt.Sprintf(`<a href="/tickets/%d">%s</a>`, inc.ID, inc.Number())) ||
		!strings.Contains(body, "linked to the outage") {
		t.Errorf("the listening dashboard does not link the outage to %s:\n%s", inc.Number(), body)
	}
	var notes int
	e.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM notifications WHERE group_id = ? AND ticket_id = ?`, oncall.ID, inc.ID).Scan(&notes)
	if notes != 1 {
		t.Errorf("on-call notifications = %d, want 1", notes)
	}
	// Acknowledgements: public on slack (queued once per thread), held for
	// review elsewhere.
	replies, _ := e.App.DB.ListeningReplies(ctx, time.Time{})
	states := map[string]int{}
	for _, r := range replies {
		states[r.Channel+"/"+r.State]++
	}
	if states["partner/sent"] == 0 || states["twitter/held"] == 0 || states["twitter/sent"] != 0 {
		t.Errorf("reply states = %v; want partner sent and twitter held", states)
	}
	// A settings change restarts the detector; the same outage reported
	// again continues the open incident instead of opening a second one.
	if err := l.SetConfig(sys, listening.Config{Threshold: 0.5, MinReports: 5, MinAuthors: 3, Policies: map[string]string{"partner": listening.ReplyPublic}, DefaultPolicy: listening.ReplyReview}); err != nil {
		t.Fatal(err)
	}
	for i, text := range reports {
		rc := deliver(200+i, "twitter", text+" still")
		tickets = append(tickets, rc.TicketID)
	}
	if majors, _ := e.App.DB.MajorIncidents(ctx, 10); len(majors) != 1 {
		t.Fatalf("after a detector restart: %d major incidents, want 1", len(majors))
	}
	if _, n, _ := e.App.DB.Tickets(ctx, socialdesk.TicketFilter{ParentID: inc.ID, Limit: 1}); n < len(reports)+5 {
		t.Errorf("after a detector restart the incident has %d children, want at least %d", n, len(reports)+5)
	}
	// The status page shows the incident to any signed-in person; only
	// staff get a link to the incident's ticket, which others may not open.
	anchor, link := fmt.Sprintf(`id="incident-%d"`, inc.ID), fmt.Sprintf(`href="/tickets/%d"`, inc.ID)
	code, _, page := e.NewSession(t, "employee").Do("GET", "/status", nil)
	if code != http.StatusOK || !strings.Contains(page, anchor) || !strings.Contains(page, inc.Number()) || strings.Contains(page, link) {
		t.Errorf("employee's status page (%d) should show %s without a link to its ticket:\n%s", code, inc.Number(), page)
	}
	if _, _, page := e.NewSession(t, "agent").Do("GET", "/status", nil); !strings.Contains(page, link) {
		t.Errorf("agent's status page does not link %s:\n%s", inc.Number(), page)
	}
	// A reporter's own ticket points to the outage on the status page.
	reporter, err := e.App.DB.PersonByEmail(ctx, "reporter0@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Desk.AckUsagePolicy(socialdesk.NewContextWithUser(ctx, reporter), 1); err != nil {
		t.Fatal(err)
	}
	e.People["reporter0"] = reporter
	if _, _, page := e.NewSession(t, "reporter0").Do("GET", fmt.Sprintf("/tickets/%d", tickets[0]), nil); !strings.Contains(page, "part of a known outage, "+inc.Number()) ||
		!strings.Contains(page, fmt.Sprintf(`href="/status#incident-%d"`, inc.ID)) {
		t.Errorf("the reporter's ticket does not point to the outage on the status page:\n%s", page)
	} else if !strings.Contains(page, "Update on "+inc.Number()) || strings.Contains(page, " via twitter</span>") {
		t.Errorf("the reporter's ticket should show the outage update without its delivery state, which is for staff:\n%s", page)
	}
	if _, _, page := e.NewSession(t, "agent").Do("GET", fmt.Sprintf("/tickets/%d", tickets[0]), nil); !strings.Contains(page, " via twitter</span>") {
		t.Errorf("the agent's view of the ticket lacks the update's delivery state:\n%s", page)
	}
	current, _, err := l.Incidents(e.As("employee"), 10)
	if err != nil || len(current) != 1 || len(current[0].Updates) != 1 || current[0].Reports < len(reports)+5 {
		t.Fatalf("status entries = %+v, %v", current, err)
	}
	// Resolving tells every reporter on their own ticket and channel.
	if _, err := l.PostStatus(e.As("agent"), inc.ID, "The VPN concentrator was restarted; connections are stable.", true); err != nil {
		t.Fatal(err)
	}
	for _, id := range tickets {
		msgs, err := e.App.DB.Messages(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range msgs {
			found = found || m.Direction == "out" && strings.Contains(m.Body, "Resolved") && strings.Contains(m.Body, "concentrator")
		}
		if !found {
			t.Errorf("ticket %d got no resolution message", id)
		}
	}
	if _, err := l.PostStatus(e.As("agent"), inc.ID, "again", false); socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		t.Errorf("update after resolution: %v, want ECONFLICT", err)
	}
	if _, err := l.PostStatus(e.As("employee"), inc.ID, "hi", false); socialdesk.ErrorCode(err) != socialdesk.EFORBIDDEN {
		t.Errorf("employee posting status: %v, want EFORBIDDEN", err)
	}
	res, err := e.App.Finder.Search(e.As("employee"), finder.Request{Text: "vpn concentrator restarted", Types: []string{search.TypeStatus}, NoLog: true})
	if err != nil || len(res.Items) == 0 || res.Items[0].ID != fmt.Sprint(inc.ID) {
		t.Errorf("status search = %+v, %v", res.Items, err)
	}
	// A restarted node indexes the same status post from the store.
	docs, err := l.StatusDocs(t.Context())
	if err != nil || len(docs) != 1 || docs[0].ID != fmt.Sprint(inc.ID) || !strings.Contains(docs[0].Body, "concentrator") {
		t.Errorf("status documents at start-up = %+v, %v; want the incident with its updates", docs, err)
	}
	// Opening that result leads to the incident on the status page.
	if _, loc, _ := e.NewSession(t, "employee").Do("GET", fmt.Sprintf("/search/open?type=status&id=%d", inc.ID), nil); loc != fmt.Sprintf("/status#incident-%d", inc.ID) {
		t.Errorf("a status search result opens %q, want the incident on the status page", loc)
	}
	// Classify API.
	resp := e.Request(t, "agent", "POST", "/api/v1/listening/classify", `{"text":"my vpn is not working"}`)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var cl listening.Classification
	if err := json.Unmarshal(body, &cl); resp.StatusCode != 200 || err != nil || !cl.SupportRequest || cl.Score <= 0.5 || cl.Score > 1 {
		t.Errorf("classify: %d %s", resp.StatusCode, body)
	}
	resp = e.Request(t, "agent", "POST", "/api/v1/listening/classify", `{"text":""}`)
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Errorf("classify empty text: %d, want 422", resp.StatusCode)
	}
}
