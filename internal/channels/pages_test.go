package channels_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
)

// browser signs role in and returns GET and form POST helpers that carry
// the session cookie and CSRF token, without following redirects. They
// return the status and the redirect target, or the body when there is
// none.
func browser(t *testing.T, e *apptest.Env, role string) (get func(path string) (int, string), postForm func(path string, v url.Values) (int, string)) {
	s := e.NewSession(t, role)
	result := func(code int, loc, body string) (int, string) {
		if loc != "" {
			return code, loc
		}
		return code, body
	}
	get = func(path string) (int, string) { return result(s.Do("GET", path, nil)) }
	postForm = func(path string, v url.Values) (int, string) { return result(s.Do("POST", path, v)) }
	return get, postForm
}

func TestChannelsAdminPage(t *testing.T) {
	e := apptest.New(t)
	get, post := browser(t, e, "admin")
	if code, body := get("/admin/channels"); code != 200 || !strings.Contains(body, "No channels yet") {
		t.Fatalf("empty page = %d", code)
	}
	bad := url.Values{"name": {"partner"}, "kind": {"webhook"}, "config": {`{"secret":"tiny-but-secret"}`}, "enabled": {"1"}}
	code, body := post("/admin/channels", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "at least 16 characters") || !strings.Contains(body, `value="partner"`) || strings.Contains(body, "tiny-but-secret") {
		t.Fatalf("bad config = %d\n%s", code, body)
	}
	good := url.Values{"name": {"partner"}, "kind": {"webhook"}, "config": {`{"secret":"` + hookSecret + `"}`}, "enabled": {"1"}}
	if code, loc := post("/admin/channels", good); code != http.StatusSeeOther || !strings.Contains(loc, "Added") {
		t.Fatalf("add = %d %s", code, loc)
	}
	code, body = get("/admin/channels")
	if code != 200 || !strings.Contains(body, "partner") || !strings.Contains(body, "********") || strings.Contains(body, hookSecret) || !strings.Contains(body, ">ok<") {
		t.Fatalf("list = %d\n%s", code, body)
	}
	if code, _ := post("/admin/channels/partner/disable", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("disable = %d", code)
	}
	if _, body := get("/admin/channels"); !strings.Contains(body, ">disabled<") || !strings.Contains(body, "Enable</button>") {
		t.Fatalf("not shown disabled")
	}
	if code, _ := post("/admin/channels/partner/remove", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("remove = %d", code)
	}
	if code, _ := post("/admin/channels/partner/remove", url.Values{}); code != http.StatusNotFound {
		t.Fatalf("remove twice = %d", code)
	}
	// The policy form: a bad value keeps the page with the error; a good one
	// is saved and shown.
	pol := url.Values{"on_resolved": {"reopen"}, "on_closed": {"reopen"}, "ack_text": {"Logged as {number}"}, "ack_limit": {"0"}}
	if code, body := post("/admin/channels/policy", pol); code != http.StatusUnprocessableEntity || !strings.Contains(body, "1 to 100 acknowledgements") {
		t.Fatalf("bad policy = %d", code)
	}
	pol.Set("ack_limit", "7")
	if code, _ := post("/admin/channels/policy", pol); code != http.StatusSeeOther {
		t.Fatalf("policy = %d", code)
	}
	if got := e.App.Ingest.Policy(); got.OnClosed != "reopen" || got.AckLimit != 7 || got.AckText != "Logged as {number}" {
		t.Fatalf("policy = %+v", got)
	}
	if _, body := get("/admin/channels"); !strings.Contains(body, `value="7"`) {
		t.Fatal("saved policy not shown")
	}
	agentGet, _ := browser(t, e, "agent")
	if code, _ := agentGet("/admin/channels"); code != http.StatusForbidden {
		t.Fatalf("agent sees the channels page: %d", code)
	}
}

func TestHeldMessagesPage(t *testing.T) {
	e := apptest.New(t)
	if err := e.App.Channels.Add(e.As("admin"), "partner", "webhook", `{"secret":"`+hookSecret+`"}`, true); err != nil {
		t.Fatal(err)
	}
	code, acc := post(t, e.Server.URL, "partner", `{"external_id":"s-1","author":{"id":"stranger","name":"Sam Stranger"},"text":"Can I get guest wifi?"}`, true)
	if code != http.StatusAccepted || acc.TicketID != 0 {
		t.Fatalf("held delivery = %d %+v", code, acc)
	}
	empGet, _ := browser(t, e, "employee")
	if code, _ := empGet("/channels/held"); code != http.StatusForbidden {
		t.Fatalf("employee sees held messages: %d", code)
	}
	get, postForm := browser(t, e, "agent")
	code, body := get("/channels/held")
	if code != 200 || !strings.Contains(body, "Can I get guest wifi?") || !strings.Contains(body, "Sam Stranger") {
		t.Fatalf("held page = %d", code)
	}
	held, _ := e.App.Ingest.Held(e.As("agent"))
	if len(held) != 1 {
		t.Fatalf("held = %d", len(held))
	}
	if code, loc := postForm("/channels/held/"+itoa(held[0].ID)+"/link", url.Values{"person": {"0"}, "name": {"Sam Stranger"}}); code != http.StatusSeeOther || !strings.Contains(loc, "1+message") {
		t.Fatalf("link = %d %s", code, loc)
	}
	m, err := e.App.DB.MessageByExternalID(context.Background(), "partner", "s-1")
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := e.App.DB.Ticket(context.Background(), m.TicketID)
	sam, _ := e.App.DB.Person(context.Background(), tk.RequesterID)
	if sam.Name != "Sam Stranger" || sam.Role != socialdesk.RoleContractor {
		t.Fatalf("requester = %+v", sam)
	}
	if _, body := get("/channels/held"); !strings.Contains(body, "Nothing is held") {
		t.Fatalf("still held after release")
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
