package mastodon

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/email/htmltext"
)

// account is the part of a Mastodon Account entity the connector uses.
type account struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
	URI         string `json:"uri"`
	Note        string `json:"note"`
	Bot         bool   `json:"bot"`
}

// mention is a Mastodon Status Mention.
type mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Acct     string `json:"acct"`
	URL      string `json:"url"`
}

// tag is a Mastodon Status Tag.
type tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// status is the part of a Mastodon Status entity the connector uses.
type status struct {
	ID                 string    `json:"id"`
	URI                string    `json:"uri"`
	URL                string    `json:"url"`
	CreatedAt          time.Time `json:"created_at"`
	InReplyToID        string    `json:"in_reply_to_id"`
	InReplyToAccountID string    `json:"in_reply_to_account_id"`
	Sensitive          bool      `json:"sensitive"`
	SpoilerText        string    `json:"spoiler_text"`
	Visibility         string    `json:"visibility"`
	Content            string    `json:"content"`
	Account            account   `json:"account"`
	Mentions           []mention `json:"mentions"`
	Tags               []tag     `json:"tags"`
	Reblog             *status   `json:"reblog"`
}

// notification is a Mastodon Notification entity.
type notification struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Account   account   `json:"account"`
	Status    *status   `json:"status"`
}

// streamMessage is one message on the streaming WebSocket. Payload is a
// JSON document encoded as a string (for update and notification) or a
// bare id (for delete).
type streamMessage struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// streamEvent is a decoded streaming message the connector acts on: a
// status that arrived on a hashtag stream or in a mention notification.
type streamEvent struct {
	// Kind is "update" or "notification".
	Kind string
	// ID orders the event within its stream: the notification id or the
	// status id.
	ID     string
	Status *status
}

// parseStreamMessage decodes one WebSocket text message. It returns ok
// false for events the connector ignores (deletes, edits, filters, other
// notification types, keep-alives).
func parseStreamMessage(data []byte) (ev streamEvent, ok bool, err error) {
	var msg streamMessage
	if err := json.Unmarshal(data, &msg); err != nil {
		return ev, false, fmt.Errorf("mastodon: decode stream message: %w", err)
	}
	switch msg.Event {
	case "update":
		var st status
		if err := json.Unmarshal([]byte(msg.Payload), &st); err != nil {
			return ev, false, fmt.Errorf("mastodon: decode update payload: %w", err)
		}
		if st.ID == "" || st.Reblog != nil {
			return ev, false, nil
		}
		return streamEvent{Kind: "update", ID: st.ID, Status: &st}, true, nil
	case "notification":
		var n notification
		if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
			return ev, false, fmt.Errorf("mastodon: decode notification payload: %w", err)
		}
		if n.Type != "mention" || n.Status == nil || n.Status.ID == "" || n.ID == "" {
			return ev, false, nil
		}
		return streamEvent{Kind: "notification", ID: n.ID, Status: n.Status}, true, nil
	}
	return ev, false, nil
}

// sanitizer is the policy applied to status HTML.
func sanitizer() *bluemonday.Policy { return bluemonday.UGCPolicy() }

// toInbound normalises a status. deskID is the desk's account id, used to
// tell whether the status mentions the desk.
func toInbound(channel, deskID string, st *status) connector.Inbound {
	in := connector.Inbound{
		Channel:    channel,
		ExternalID: st.ID,
		ReplyTo:    st.InReplyToID,
		Author:     authorOf(st.Account),
		Subject:    st.SpoilerText,
		Text:       htmltext.Convert(st.Content),
		HTML:       sanitizer().Sanitize(st.Content),
		SentAt:     st.CreatedAt,
		Visibility: visibilityOf(st.Visibility),
		URL:        st.URL,
	}
	if in.URL == "" {
		in.URL = st.URI
	}
	if st.InReplyToID == "" {
		in.ThreadID = st.ID
	}
	for _, m := range st.Mentions {
		if deskID != "" && m.ID == deskID {
			in.Mentioned = true
		}
	}
	for _, t := range st.Tags {
		if t.Name != "" {
			in.Tags = append(in.Tags, strings.TrimPrefix(t.Name, "#"))
		}
	}
	return in
}

// authorOf maps an account to an Author. ID and Handle use the fully
// qualified acct (user@domain), which is stable and readable; local
// accounts get the domain of their profile URL.
func authorOf(a account) connector.Author {
	acct := fullAcct(a)
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	return connector.Author{ID: acct, Name: name, Handle: "@" + acct}
}

func fullAcct(a account) string {
	acct := a.Acct
	if acct == "" {
		acct = a.Username
	}
	if acct != "" && !strings.Contains(acct, "@") {
		for _, raw := range []string{a.URL, a.URI} {
			if u, err := url.Parse(raw); err == nil && u.Host != "" {
				return strings.ToLower(acct + "@" + u.Host)
			}
		}
	}
	return strings.ToLower(acct)
}

// visibilityOf maps a Mastodon status visibility to the connector's.
func visibilityOf(v string) connector.Visibility {
	switch v {
	case "private":
		return connector.Private
	case "direct":
		return connector.Direct
	default: // public, unlisted, and anything unknown
		return connector.Public
	}
}

// compareIDs orders two status or notification ids. Mastodon ids are
// decimal numbers of varying length, GoToSocial ids fixed-length ULIDs;
// comparing length first and then bytes orders both correctly.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
