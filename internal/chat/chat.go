// Package chat is the live chat: an embeddable widget (GET /chat/widget in
// an iframe, loaded on any page with /chat/embed.js) where a signed-in
// person talks to the desk. Chat messages go through the same ingest
// pipeline as every other channel, with channel "chat": the first message
// opens a ticket, later ones join it. Both sides see new messages live
// through the server-sent events at /events.
package chat

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/web"
)

// Channel is both the channel name and kind of chat messages.
const Channel = "chat"

//go:embed templates/*.html
var templates embed.FS

//go:embed static/widget.js static/embed.js
var static embed.FS

// Options configures the chat.
type Options struct {
	Desk     *desk.Service
	Pipeline *ingest.Pipeline
	Web      *web.Server
	Logger   *slog.Logger
}

// Chat serves the widget and its messages.
type Chat struct {
	desk *desk.Service
	pipe *ingest.Pipeline
	web  *web.Server
	log  *slog.Logger
}

// New parses the widget template into the web server; add Routes to it.
func New(opts Options) (*Chat, error) {
	if err := opts.Web.AddTemplates(templates, "templates/*.html"); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Chat{desk: opts.Desk, pipe: opts.Pipeline, web: opts.Web, log: opts.Logger}, nil
}

// Routes returns the chat's page routes.
func (c *Chat) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/chat/widget", Access: "user", Summary: "Chat widget, for an iframe", Handler: c.widget},
		{Method: "GET", Pattern: "/chat/widget.js", Access: "public", Summary: "Chat widget script", Handler: c.script("static/widget.js")},
		{Method: "GET", Pattern: "/chat/embed.js", Access: "public", Summary: "Script that embeds the chat widget in a page", Handler: c.script("static/embed.js")},
		{Method: "GET", Pattern: "/chat/messages", Access: "user", Summary: "The signed-in person's current chat", Handler: c.messages},
		{Method: "POST", Pattern: "/chat/messages", Access: "user", Summary: "Send a chat message", Handler: c.send},
	}
}

// thread is the chat conversation of a person.
func thread(p *socialdesk.Person) string { return "person-" + strconv.FormatInt(p.ID, 10) }

// Send delivers a chat message from the acting person through the ingest
// pipeline. clientID, chosen by the widget per message, makes a resent
// message idempotent.
func (c *Chat) Send(ctx context.Context, clientID, text string) (connector.Receipt, error) {
	me := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(me, socialdesk.ActTicketCreate); err != nil {
		return connector.Receipt{}, err
	}
	clientID = strings.TrimSpace(clientID)
	if clientID == "" || len(clientID) > 100 {
		return connector.Receipt{}, socialdesk.FieldError("client_id", "Each chat message needs a client_id of 1 to 100 characters.")
	}
	if strings.TrimSpace(text) == "" {
		return connector.Receipt{}, socialdesk.FieldError("text", "Type a message before sending.")
	}
	if len(text) > desk.MaxMessage {
		return connector.Receipt{}, socialdesk.FieldError("text", "The message is longer than %d characters; raise a request in the portal and attach a file instead.", desk.MaxMessage)
	}
	// A signed-in person is their own chat identity.
	if err := c.desk.DB().AddIdentity(ctx, socialdesk.Identity{PersonID: me.ID, Channel: Channel, ExternalID: strconv.FormatInt(me.ID, 10)}); err != nil {
		return connector.Receipt{}, err
	}
	return c.pipe.Deliver(ctx, connector.Inbound{Channel: Channel, ExternalID: thread(me) + ":" + clientID, ThreadID: thread(me),
		Author: connector.Author{ID: strconv.FormatInt(me.ID, 10), Name: me.Name, Email: me.Email}, Text: text,
		SentAt: time.Now().UTC(), Visibility: connector.Direct, Mentioned: true})
}

// Line is one chat message as the widget shows it.
type Line struct {
	ID   int64     `json:"id"`
	Mine bool      `json:"mine"`
	Who  string    `json:"who"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Conversation is the acting person's current chat.
type Conversation struct {
	TicketID int64  `json:"ticket_id,omitempty"`
	Number   string `json:"number,omitempty"`
	State    string `json:"state,omitempty"`
	Lines    []Line `json:"lines"`
}

// Current returns the acting person's current chat conversation, empty
// when they have not chatted yet.
func (c *Chat) Current(ctx context.Context) (Conversation, error) {
	me := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(me, socialdesk.ActTicketView); err != nil {
		return Conversation{}, err
	}
	conv := Conversation{Lines: []Line{}}
	id, err := c.desk.DB().ThreadTicket(ctx, Channel, thread(me))
	if socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND {
		return conv, nil
	} else if err != nil {
		return conv, err
	}
	t, err := c.desk.Ticket(ctx, id)
	if err != nil {
		return conv, err
	}
	msgs, err := c.desk.Thread(ctx, id)
	if err != nil {
		return conv, err
	}
	conv.TicketID, conv.Number, conv.State = t.ID, t.Number(), t.State.Label()
	for _, m := range msgs {
		l := Line{ID: m.ID, Mine: m.AuthorID == me.ID, Text: m.Body, At: m.CreatedAt, Who: "Service desk"}
		if l.Mine {
			l.Who = "You"
		}
		conv.Lines = append(conv.Lines, l)
	}
	return conv, nil
}

func (c *Chat) widget(w http.ResponseWriter, r *http.Request) {
	conv, err := c.Current(r.Context())
	if err != nil {
		c.web.RenderError(w, r, err)
		return
	}
	c.web.Render(w, r, http.StatusOK, "chatwidget", "Chat with the service desk", conv)
}

func (c *Chat) messages(w http.ResponseWriter, r *http.Request) {
	conv, err := c.Current(r.Context())
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, conv)
}

func (c *Chat) send(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID string `json:"client_id"`
		Text     string `json:"text"`
	}
	if err := httpx.DecodeJSON(r, &in, 1<<20); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	rec, err := c.Send(r.Context(), in.ClientID, in.Text)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	status := http.StatusCreated
	if rec.Duplicate {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, map[string]int64{"ticket_id": rec.TicketID, "message_id": rec.MessageID})
}

func (c *Chat) script(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := static.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}
