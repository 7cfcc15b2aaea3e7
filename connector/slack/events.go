package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// envelope is the outer JSON of every Events API request.
type envelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// event is the inner event of an event_callback. Only the fields the
// connector uses are decoded.
type event struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
	User        string `json:"user"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts"`
	Reaction    string `json:"reaction"`
	Item        struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
}

// ServeWebhook implements connector.WebhookReceiver for Slack's Events API
// and slash commands. See the package documentation.
func (c *Connector) ServeWebhook(w http.ResponseWriter, r *http.Request, sink connector.Sink) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "only POST is accepted", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read body", http.StatusBadRequest)
		return
	}
	if err := c.verify(r.Header, body); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		c.serveCommand(ctx, w, body, sink)
		return
	}
	c.serveEvent(ctx, w, body, sink)
}

// serveEvent handles an Events API request.
func (c *Connector) serveEvent(ctx context.Context, w http.ResponseWriter, body []byte, sink connector.Sink) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "body is not a JSON event", http.StatusBadRequest)
		return
	}
	switch env.Type {
	case "url_verification":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
		return
	case "event_callback":
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	if c.seen.has(env.EventID) {
		// A retry (X-Slack-Retry-Num) of an event already delivered.
		w.WriteHeader(http.StatusOK)
		return
	}
	var ev event
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		http.Error(w, "event is not a JSON object", http.StatusBadRequest)
		return
	}
	msg, ok, err := c.inbound(ctx, ev)
	if err != nil {
		http.Error(w, "could not read the message from Slack", http.StatusInternalServerError)
		return
	}
	if ok {
		if _, err := sink.Deliver(ctx, msg); err != nil {
			http.Error(w, "message could not be stored", http.StatusInternalServerError)
			return
		}
	}
	c.seen.add(env.EventID)
	w.WriteHeader(http.StatusOK)
}

// inbound maps an event to the message to deliver. ok is false for events
// the connector ignores; err is set only when Slack must retry.
func (c *Connector) inbound(ctx context.Context, ev event) (msg connector.Inbound, ok bool, err error) {
	switch ev.Type {
	case "message":
		if !c.wantMessage(ev) {
			return connector.Inbound{}, false, nil
		}
		if ev.ChannelType != "im" && !c.watched[ev.Channel] {
			return connector.Inbound{}, false, nil
		}
		return c.fromMessage(ev.Channel, ev.ChannelType, apiMessage{
			User: ev.User, Text: ev.Text, TS: ev.TS, ThreadTS: ev.ThreadTS,
		}), true, nil
	case "app_mention":
		if !c.wantMessage(ev) {
			return connector.Inbound{}, false, nil
		}
		msg := c.fromMessage(ev.Channel, ev.ChannelType, apiMessage{
			User: ev.User, Text: ev.Text, TS: ev.TS, ThreadTS: ev.ThreadTS,
		})
		msg.Mentioned = true
		return msg, true, nil
	case "reaction_added":
		return c.fromReaction(ctx, ev)
	}
	return connector.Inbound{}, false, nil
}

// wantMessage reports whether a message or app_mention event is a person's
// new message rather than a bot post, an edit, a deletion or a channel
// notice.
func (c *Connector) wantMessage(ev event) bool {
	switch ev.Subtype {
	case "", "file_share", "thread_broadcast", "me_message":
	default:
		return false
	}
	if ev.BotID != "" || ev.User == "" || !isChannelID(ev.Channel) || !isTS(ev.TS) {
		return false
	}
	return c.botUserID == "" || ev.User != c.botUserID
}

// fromReaction turns a ticket-emoji reaction into the reacted-to message.
func (c *Connector) fromReaction(ctx context.Context, ev event) (connector.Inbound, bool, error) {
	if strings.Trim(ev.Reaction, ":") != c.ticketEmoji || ev.Item.Type != "message" ||
		!isChannelID(ev.Item.Channel) || !isTS(ev.Item.TS) {
		return connector.Inbound{}, false, nil
	}
	if c.botUserID != "" && ev.User == c.botUserID {
		return connector.Inbound{}, false, nil
	}
	m, err := c.fetchMessage(ctx, ev.Item.Channel, ev.Item.TS)
	if errors.Is(err, errNoMessage) {
		return connector.Inbound{}, false, nil
	}
	if err != nil {
		return connector.Inbound{}, false, err
	}
	if c.botUserID != "" && m.User == c.botUserID {
		return connector.Inbound{}, false, nil
	}
	if m.User == "" {
		// A post by another bot, such as a monitoring alert, can still be
		// made a ticket; it is attributed to the bot.
		m.User = m.BotID
	}
	msg := c.fromMessage(ev.Item.Channel, "", m)
	msg.AsTicket = true
	return msg, true, nil
}

// fromMessage builds an Inbound from a message in channel. channelType is
// the event's channel_type when known.
func (c *Connector) fromMessage(channel, channelType string, m apiMessage) connector.Inbound {
	thread := m.ThreadTS
	if thread == "" {
		thread = m.TS
	}
	msg := connector.Inbound{
		Channel:    c.name,
		ExternalID: messageID(channel, m.TS),
		ThreadID:   messageID(channel, thread),
		Author:     connector.Author{ID: m.User},
		Text:       unescape(m.Text),
		SentAt:     parseTS(m.TS),
		Visibility: connector.Private,
	}
	if thread != m.TS {
		msg.ReplyTo = messageID(channel, thread)
	}
	if channelType == "im" || (channelType == "" && strings.HasPrefix(channel, "D")) {
		msg.Visibility = connector.Direct
		msg.Mentioned = true
	}
	if c.botUserID != "" && (strings.Contains(m.Text, "<@"+c.botUserID+">") ||
		strings.Contains(m.Text, "<@"+c.botUserID+"|")) {
		msg.Mentioned = true
	}
	return msg
}

// parseTS turns a Slack ts ("1700000000.000100") into a time; a malformed
// ts gives the zero time.
func parseTS(ts string) time.Time {
	secs, frac, _ := strings.Cut(ts, ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}
	}
	var usec int64
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		frac += strings.Repeat("0", 6-len(frac))
		if usec, err = strconv.ParseInt(frac, 10, 64); err != nil || usec < 0 {
			usec = 0
		}
	}
	return time.Unix(sec, usec*1000).UTC()
}

// unescape undoes the three HTML entities Slack escapes in message text.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// escape applies Slack's text escaping to text the desk posts.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
