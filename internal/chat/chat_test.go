package chat_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/browsertest"
	"github.com/socialdesk/socialdesk/internal/chat"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// session signs role in and returns a request helper with its cookie and
// CSRF token.
func session(t *testing.T, e *apptest.Env, role string) func(method, path, body string, csrf bool) (int, []byte) {
	t.Helper()
	tok, csrf, err := e.App.Desk.StartSession(context.Background(), e.People[role])
	if err != nil {
		t.Fatal(err)
	}
	return func(method, path, body string, withCSRF bool) (int, []byte) {
		req, _ := http.NewRequest(method, e.Server.URL+path, strings.NewReader(body))
		req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
		req.Header.Set("Content-Type", "application/json")
		if withCSRF {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
}

func TestChatOverHTTP(t *testing.T) {
	e := apptest.New(t)
	emp := session(t, e, "employee")
	if code, _ := emp("POST", "/chat/messages", `{"client_id":"c1","text":"My screen is black"}`, false); code != http.StatusForbidden {
		t.Fatalf("without CSRF = %d", code)
	}
	if code, b := emp("POST", "/chat/messages", `{"client_id":"c1","text":"  "}`, true); code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "Type a message") {
		t.Fatalf("empty = %d %s", code, b)
	}
	code, b := emp("POST", "/chat/messages", `{"client_id":"c1","text":"My screen is black"}`, true)
	var first map[string]int64
	json.Unmarshal(b, &first)
	if code != http.StatusCreated || first["ticket_id"] == 0 {
		t.Fatalf("first = %d %s", code, b)
	}
	code, b = emp("POST", "/chat/messages", `{"client_id":"c1","text":"My screen is black"}`, true)
	var again map[string]int64
	json.Unmarshal(b, &again)
	if code != http.StatusOK || again["message_id"] != first["message_id"] {
		t.Fatalf("resend = %d %s", code, b)
	}
	if code, b := emp("POST", "/chat/messages", `{"client_id":"c2","text":"Still black"}`, true); code != http.StatusCreated || !strings.Contains(string(b), `"ticket_id":`) {
		t.Fatalf("second = %d %s", code, b)
	}
	tk, err := e.App.DB.Ticket(context.Background(), first["ticket_id"])
	if err != nil || tk.Channel != chat.Channel || tk.RequesterID != e.People["employee"].ID || tk.Title != "My screen is black" {
		t.Fatalf("ticket = %+v %v", tk, err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "Is the power light on?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Desk.AddMessage(e.As("agent"), tk.ID, desk.NewMessage{Body: "secret note", Internal: true}); err != nil {
		t.Fatal(err)
	}
	_, b = emp("GET", "/chat/messages", "", false)
	var conv chat.Conversation
	if err := json.Unmarshal(b, &conv); err != nil {
		t.Fatal(err)
	}
	if len(conv.Lines) != 3 || !conv.Lines[0].Mine || conv.Lines[2].Mine || conv.Lines[2].Text != "Is the power light on?" || conv.Number != tk.Number() {
		t.Fatalf("conversation = %+v", conv)
	}
	other := session(t, e, "employee2")
	_, b = other("GET", "/chat/messages", "", false)
	if strings.Contains(string(b), "screen") {
		t.Fatalf("another employee sees the chat: %s", b)
	}
}

func TestChatWidgetInBrowser(t *testing.T) {
	e := apptest.New(t)
	emp := browsertest.New(t)
	browsertest.Login(t, emp, e.Server.URL, "employee@example.com", apptest.Password)
	browsertest.Do(t, emp,
		chromedp.Navigate(e.Server.URL+"/chat/widget"),
		chromedp.WaitVisible(chromedp.ID("chat-text")),
		chromedp.SendKeys(chromedp.ID("chat-text"), "The projector in room 2 shows no signal"),
		chromedp.Click(chromedp.ID("chat-send")),
		chromedp.WaitVisible(chromedp.CSS("#chat-log li.mine")),
	)
	var ticketID int64
	deadline := time.Now().Add(10 * time.Second)
	for ticketID == 0 && time.Now().Before(deadline) {
		e.App.DB.SQL().QueryRow(`SELECT id FROM tickets WHERE channel = 'chat'`).Scan(&ticketID)
		time.Sleep(50 * time.Millisecond)
	}
	if ticketID == 0 {
		t.Fatal("no chat ticket in the queue")
	}
	if got := browsertest.Text(t, emp, "#chat-ticket"); !strings.Contains(got, "INC-") {
		t.Fatalf("widget does not name the ticket: %q", got)
	}
	// The agent sees the ticket page change live when the employee writes.
	agent := browsertest.New(t)
	browsertest.Login(t, agent, e.Server.URL, "agent@example.com", apptest.Password)
	browsertest.Do(t, agent, chromedp.Navigate(e.Server.URL+"/tickets/"+itoa(ticketID)), chromedp.WaitVisible(chromedp.CSS("main")))
	time.Sleep(300 * time.Millisecond) // let the page's event stream connect
	browsertest.Do(t, emp,
		chromedp.SendKeys(chromedp.ID("chat-text"), "It worked yesterday\n"),
		chromedp.WaitVisible(chromedp.CSS("#chat-log li.mine:nth-child(2)")),
	)
	// The new message appears on the agent's page without a reload, after
	// the first one (which is also the ticket's description, shown once).
	browsertest.Do(t, agent, chromedp.WaitVisible(chromedp.CSS(".thread .msg.in:nth-of-type(2)")))
	if body := browsertest.Text(t, agent, ".thread"); !strings.Contains(body, "It worked yesterday") || strings.Count(body, "shows no signal") != 1 {
		t.Fatalf("agent page should show the first chat message once and the new one: %q", body)
	}
	// The agent's reply appears in the widget without a reload.
	if _, err := e.App.Desk.AddMessage(e.As("agent"), ticketID, desk.NewMessage{Body: "Try the HDMI input button"}); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, emp, chromedp.WaitVisible(chromedp.CSS("#chat-log li.desk")))
	if got := browsertest.Text(t, emp, "#chat-log li.desk .text"); got != "Try the HDMI input button" {
		t.Fatalf("widget shows %q", got)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
