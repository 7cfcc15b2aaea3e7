package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/socialdesk/socialdesk/connector"
)

// maxSearchHits is how many /search hits are shown.
const maxSearchHits = 5

// commandReply is the JSON answer to a slash command.
type commandReply struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// serveCommand handles a form-encoded slash command. It always answers 200
// with an ephemeral message, because Slack shows any other status to the
// user as a bare failure.
func (c *Connector) serveCommand(ctx context.Context, w http.ResponseWriter, body []byte, sink connector.Sink) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "body is not form-encoded", http.StatusBadRequest)
		return
	}
	if form.Get("command") == "" {
		// Interactive payloads and other form posts are not handled.
		w.WriteHeader(http.StatusOK)
		return
	}
	var text string
	switch strings.TrimPrefix(form.Get("command"), "/") {
	case "ask":
		text = c.ask(ctx, form, sink)
	case "search":
		text = c.searchCommand(ctx, form)
	default:
		text = "Sorry, I don't know the command " + escape(form.Get("command")) + "."
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(commandReply{ResponseType: "ephemeral", Text: text})
}

// ask delivers the /ask question as a ticket request and returns the
// ephemeral answer.
func (c *Connector) ask(ctx context.Context, form url.Values, sink connector.Sink) string {
	question := strings.TrimSpace(form.Get("text"))
	if question == "" {
		return "Please add your question, for example `/ask my laptop will not start`."
	}
	user, channel, trigger := form.Get("user_id"), form.Get("channel_id"), form.Get("trigger_id")
	if user == "" || trigger == "" {
		return "Sorry, Slack sent an incomplete command. Please try again."
	}
	msg := connector.Inbound{
		Channel: c.name,
		// trigger_id is unique per command invocation, and Slack does not
		// retry slash commands, so this id is stable.
		ExternalID: "ask:" + trigger,
		Author:     connector.Author{ID: user, Handle: form.Get("user_name")},
		Text:       question,
		SentAt:     c.now().UTC(),
		Visibility: connector.Direct,
		Mentioned:  true,
		AsTicket:   true,
	}
	if channel != "" {
		msg.ExternalID = channel + ":ask:" + trigger
	}
	rec, err := sink.Deliver(ctx, msg)
	if err != nil {
		return "Sorry, your question could not be logged right now. Please try again in a minute."
	}
	return fmt.Sprintf("Logged as ticket %d, we'll follow up in a direct message.", rec.TicketID)
}

// searchCommand runs /search and formats up to five hits.
func (c *Connector) searchCommand(ctx context.Context, form url.Values) string {
	if c.search == nil {
		return "Search is not available on this desk."
	}
	query := strings.TrimSpace(form.Get("text"))
	if query == "" {
		return "Please add what to search for, for example `/search vpn`."
	}
	hits, err := c.search(ctx, form.Get("user_id"), query)
	if err != nil {
		return "Sorry, search failed. Please try again in a minute."
	}
	if len(hits) == 0 {
		return "Nothing found for \"" + escape(query) + "\"."
	}
	if len(hits) > maxSearchHits {
		hits = hits[:maxSearchHits]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Results for \"%s\":", escape(query))
	for _, h := range hits {
		title := strings.NewReplacer("|", "-", "\n", " ").Replace(escape(h.Title))
		if u, err := url.Parse(h.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			fmt.Fprintf(&b, "\n• <%s|%s>", strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C").Replace(h.URL), title)
		} else {
			fmt.Fprintf(&b, "\n• %s", title)
		}
	}
	return b.String()
}
