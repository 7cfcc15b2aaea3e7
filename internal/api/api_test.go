package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
)

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, b)
	}
}

func countTickets(t *testing.T, e *apptest.Env) int {
	t.Helper()
	_, total, err := e.App.DB.Tickets(t.Context(), socialdesk.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

func TestPriorityMatrixThroughAPI(t *testing.T) {
	e := apptest.New(t)
	want := map[[2]string]string{
		{"high", "high"}: "P1", {"high", "medium"}: "P2", {"medium", "high"}: "P2",
		{"high", "low"}: "P3", {"medium", "medium"}: "P3", {"low", "high"}: "P3",
		{"medium", "low"}: "P4", {"low", "medium"}: "P4", {"low", "low"}: "P5",
	}
	numbers := map[string]bool{}
	for pair, prio := range want {
		body := fmt.Sprintf(`{"title":"printer %s/%s","description":"d","impact":%q,"urgency":%q}`, pair[0], pair[1], pair[0], pair[1])
		resp := e.Request(t, "employee", "POST", "/api/v1/tickets", body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%v: status %d", pair, resp.StatusCode)
		}
		var got map[string]any
		decode(t, resp, &got)
		if got["priority"] != prio {
			t.Errorf("impact %s urgency %s: priority %v, want %s", pair[0], pair[1], got["priority"], prio)
		}
		num, _ := got["number"].(string)
		if !regexp.MustCompile(`^INC-\d{6}$`).MatchString(num) || got["id"] == nil {
			t.Errorf("bad id/number: %v %v", got["id"], num)
		}
		numbers[num] = true
	}
	if len(numbers) != 9 {
		t.Fatalf("numbers not unique: %v", numbers)
	}
}

func TestChannelNeverChangesPriority(t *testing.T) {
	e := apptest.New(t)
	for _, ch := range []string{"portal", "mastodon", "slack", "phone"} {
		resp := e.Request(t, "employee", "POST", "/api/v1/tickets", `{"title":"x","impact":"low","urgency":"low","channel":"`+ch+`"}`)
		var got map[string]any
		decode(t, resp, &got)
		if got["priority"] != "P5" || got["channel"] != ch {
			t.Fatalf("channel %s gave %v", ch, got)
		}
	}
}

func TestAPIErrorsStoreNothing(t *testing.T) {
	e := apptest.New(t)
	cases := []struct {
		name, role, method, path, body string
		status                         int
		code                           string
	}{
		{"no token", "", "POST", "/api/v1/tickets", `{"title":"a"}`, 401, "unauthorized"},
		{"bad token", "bogus", "POST", "/api/v1/tickets", `{"title":"a"}`, 401, "unauthorized"},
		{"malformed JSON", "employee", "POST", "/api/v1/tickets", `{"title":`, 400, "bad_request"},
		{"not an object", "employee", "POST", "/api/v1/tickets", `[1,2]`, 422, "invalid"},
		{"trailing data", "employee", "POST", "/api/v1/tickets", `{"title":"a"} {"title":"b"}`, 400, "bad_request"},
		{"unknown field", "employee", "POST", "/api/v1/tickets", `{"title":"a","prio":"P1"}`, 400, "bad_request"},
		{"unknown impact", "employee", "POST", "/api/v1/tickets", `{"title":"a","impact":"huge","urgency":"low"}`, 422, "invalid"},
		{"unknown urgency", "employee", "POST", "/api/v1/tickets", `{"title":"a","impact":"low","urgency":"now"}`, 422, "invalid"},
		{"wrong type", "employee", "POST", "/api/v1/tickets", `{"title":5}`, 422, "invalid"},
		{"empty title", "employee", "POST", "/api/v1/tickets", `{"title":"   "}`, 422, "invalid"},
		{"long title", "employee", "POST", "/api/v1/tickets", `{"title":"` + strings.Repeat("x", 201) + `"}`, 422, "invalid"},
		{"bad ticket type", "employee", "POST", "/api/v1/tickets", `{"title":"a","type":"wish"}`, 422, "invalid"},
		{"on behalf as employee", "employee", "POST", "/api/v1/tickets", `{"title":"a","requester_id":2}`, 403, "forbidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := countTickets(t, e)
			req, _ := http.NewRequest(c.method, e.Server.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			switch c.role {
			case "":
			case "bogus":
				req.Header.Set("Authorization", "Bearer sd_not_a_real_token")
			default:
				req.Header.Set("Authorization", "Bearer "+e.Tokens[c.role])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			decode(t, resp, &body)
			if body.Error.Code != c.code || body.Error.Message == "" {
				t.Errorf("error body = %+v, want code %s with a message", body, c.code)
			}
			if after := countTickets(t, e); after != before {
				t.Errorf("an error stored %d ticket(s)", after-before)
			}
		})
	}
}

func TestTicketLifecycleAndFilters(t *testing.T) {
	e := apptest.New(t)
	create := func(role, title, impact, urgency string) map[string]any {
		resp := e.Request(t, role, "POST", "/api/v1/tickets", fmt.Sprintf(`{"title":%q,"impact":%q,"urgency":%q}`, title, impact, urgency))
		var got map[string]any
		decode(t, resp, &got)
		return got
	}
	a := create("employee", "VPN down", "high", "high")
	b := create("employee2", "Mouse broken", "low", "low")
	id := fmt.Sprint(a["id"])
	agentID := e.People["agent"].ID

	// An employee sees only their own tickets, and not others' by id.
	var list struct {
		Tickets []map[string]any
		Total   int
	}
	decode(t, e.Request(t, "employee", "GET", "/api/v1/tickets", ""), &list)
	if list.Total != 1 || list.Tickets[0]["title"] != "VPN down" {
		t.Fatalf("employee list = %+v", list)
	}
	if resp := e.Request(t, "employee", "GET", fmt.Sprint("/api/v1/tickets/", b["id"]), ""); resp.StatusCode != 404 {
		t.Fatalf("employee reading another's ticket: %d, want 404", resp.StatusCode)
	}
	// Employees may not change fields.
	if resp := e.Request(t, "employee", "PATCH", "/api/v1/tickets/"+id, `{"state":"resolved"}`); resp.StatusCode != 403 {
		t.Fatalf("employee PATCH: %d, want 403", resp.StatusCode)
	}
	// The agent assigns, which moves the ticket to assigned.
	resp := e.Request(t, "agent", "PATCH", "/api/v1/tickets/"+id, fmt.Sprintf(`{"assignee_id":%d}`, agentID))
	var got map[string]any
	decode(t, resp, &got)
	if resp.StatusCode != 200 || got["state"] != "assigned" {
		t.Fatalf("assign: %d %v", resp.StatusCode, got)
	}
	// Bad values are rejected and change nothing.
	if resp := e.Request(t, "agent", "PATCH", "/api/v1/tickets/"+id, `{"impact":"huge","title":"changed"}`); resp.StatusCode != 422 {
		t.Fatalf("bad impact: %d", resp.StatusCode)
	}
	decode(t, e.Request(t, "agent", "GET", "/api/v1/tickets/"+id, ""), &got)
	if got["title"] != "VPN down" {
		t.Fatalf("a rejected PATCH changed the title to %v", got["title"])
	}
	// Lowering urgency recomputes the priority.
	decode(t, e.Request(t, "agent", "PATCH", "/api/v1/tickets/"+id, `{"urgency":"low"}`), &got)
	if got["priority"] != "P3" {
		t.Fatalf("priority after urgency low = %v", got["priority"])
	}
	// Reply and internal note; the employee does not see the note.
	if r := e.Request(t, "agent", "POST", "/api/v1/tickets/"+id+"/messages", `{"body":"On it"}`); r.StatusCode != 201 {
		t.Fatalf("reply: %d", r.StatusCode)
	}
	if r := e.Request(t, "agent", "POST", "/api/v1/tickets/"+id+"/messages", `{"body":"check concentrator","internal":true}`); r.StatusCode != 201 {
		t.Fatalf("note: %d", r.StatusCode)
	}
	if r := e.Request(t, "employee", "POST", "/api/v1/tickets/"+id+"/messages", `{"body":"sneaky","internal":true}`); r.StatusCode != 403 {
		t.Fatalf("employee note: %d, want 403", r.StatusCode)
	}
	var msgs struct{ Messages []map[string]any }
	decode(t, e.Request(t, "employee", "GET", "/api/v1/tickets/"+id+"/messages", ""), &msgs)
	if len(msgs.Messages) != 1 || msgs.Messages[0]["body"] != "On it" {
		t.Fatalf("employee thread = %+v", msgs.Messages)
	}
	decode(t, e.Request(t, "agent", "GET", "/api/v1/tickets/"+id+"/messages", ""), &msgs)
	if len(msgs.Messages) != 2 {
		t.Fatalf("agent thread has %d messages", len(msgs.Messages))
	}
	decode(t, e.Request(t, "agent", "GET", "/api/v1/tickets/"+id, ""), &got)
	if got["state"] != "in_progress" {
		t.Fatalf("first reply should move to in progress, got %v", got["state"])
	}
	// Filters.
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"?state=in_progress", []string{"VPN down"}},
		{"?state=new", []string{"Mouse broken"}},
		{"?priority=P5", []string{"Mouse broken"}},
		{"?priority=P3,P5", []string{"Mouse broken", "VPN down"}},
		{fmt.Sprintf("?assignee=%d", agentID), []string{"VPN down"}},
		{"?assignee=none", []string{"Mouse broken"}},
	} {
		decode(t, e.Request(t, "agent", "GET", "/api/v1/tickets"+c.q, ""), &list)
		var titles []string
		for _, tk := range list.Tickets {
			titles = append(titles, tk["title"].(string))
		}
		sort.Strings(titles)
		if fmt.Sprint(titles) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.q, titles, c.want)
		}
	}
	if r := e.Request(t, "agent", "GET", "/api/v1/tickets?priority=P9", ""); r.StatusCode != 422 {
		t.Errorf("bad priority filter: %d", r.StatusCode)
	}
	// History records who changed what.
	var hist struct{ History []map[string]any }
	decode(t, e.Request(t, "agent", "GET", "/api/v1/tickets/"+id+"/history", ""), &hist)
	fields := map[string]bool{}
	for _, h := range hist.History {
		fields[h["field"].(string)] = true
	}
	for _, f := range []string{"created", "assignee", "state", "urgency", "priority"} {
		if !fields[f] {
			t.Errorf("history lacks %s: %v", f, hist.History)
		}
	}
	if r := e.Request(t, "employee", "GET", "/api/v1/tickets/"+id+"/history", ""); r.StatusCode != 403 {
		t.Errorf("employee history: %d, want 403", r.StatusCode)
	}
	// A ticket can be fetched by number too.
	decode(t, e.Request(t, "agent", "GET", "/api/v1/tickets/"+a["number"].(string), ""), &got)
	if fmt.Sprint(got["id"]) != id {
		t.Errorf("by number: %v", got)
	}
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document and the route table
// in step: every route is documented and every documented path is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := apptest.New(t)
	resp := e.Request(t, "", "GET", "/api/v1/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]any
	}
	decode(t, resp, &doc)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range e.App.API.Routes() {
		served[r.Method+" "+r.Pattern] = true
		if !documented[r.Method+" "+r.Pattern] {
			t.Errorf("route %s %s is not in openapi.json", r.Method, r.Pattern)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("openapi.json documents %s, which is not served", op)
		}
	}
}
