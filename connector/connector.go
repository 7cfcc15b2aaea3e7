// Package connector defines how socialdesk talks to outside systems: email,
// live chat, Slack, Mastodon, the signed webhook and any future channel.
//
// A connector has a small core interface. What else it can do (take webhook
// calls, poll, hold a stream open, send replies, react, look up a profile) it
// declares by implementing the optional interfaces below; the pipeline finds
// them by type assertion, so a connector implements only what its outside
// system supports.
//
// Connectors never write to the database. They turn what arrives into an
// Inbound message and hand it to a Sink; only when the Sink returns nil has the
// message been stored, and only then may the connector acknowledge it to the
// outside system (mark the email seen, answer the webhook 202, advance the
// stream position).
package connector

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Connector is the core every connector implements.
type Connector interface {
	// Kind names the outside system, such as "email", "slack" or "mastodon".
	Kind() string
	// Name is the instance name chosen by the administrator, unique across
	// connectors. It is the channel part of every idempotency key.
	Name() string
}

// Author is the person who wrote an inbound message, as the outside system
// knows them. ID is stable within the connector (an email address, a Slack
// user id, a Mastodon account URI).
type Author struct {
	ID     string
	Name   string
	Email  string
	Handle string
}

// Attachment is a file that came with a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	// Inline is true for images referenced from the HTML body; ContentID is
	// the cid: they are referenced by.
	Inline    bool
	ContentID string
}

// Visibility says who could see a message on its channel.
type Visibility string

// Visibilities of a message on its channel.
const (
	Public  Visibility = "public"  // anyone on the channel or network
	Private Visibility = "private" // a group or channel with members
	Direct  Visibility = "direct"  // only the desk and the author
)

// Inbound is one message normalised from any channel.
type Inbound struct {
	// Channel is the connector instance name and ExternalID the message's id
	// there; together they are the idempotency key.
	Channel    string
	ExternalID string
	// ReplyTo is the external id of the message this one answers, if any.
	// References lists further ancestors, nearest last (email References).
	ReplyTo    string
	References []string
	// ThreadID groups a conversation where the outside system has one (Slack
	// thread_ts, a chat session id). Empty when unknown.
	ThreadID string

	Author      Author
	Subject     string
	Text        string // plain text, the canonical body
	HTML        string // sanitised HTML when the source had HTML
	Attachments []Attachment
	SentAt      time.Time
	Visibility  Visibility

	// Mentioned is true when the message addressed the desk itself (a
	// mention of its account, a DM, an email to the desk address).
	Mentioned bool
	// Tags holds hashtags or labels the source attached, without '#'.
	Tags []string
	// URL is a link to the message on its channel, when there is one.
	URL string
	// AsTicket asks the pipeline to open a ticket even for a public post
	// that would otherwise only be listened to (for example a Slack reaction
	// with the ticket emoji).
	AsTicket bool
}

// Receipt is what the pipeline tells a connector after storing a message.
type Receipt struct {
	MessageID int64
	TicketID  int64
	// Duplicate is true when the idempotency key had been seen before;
	// nothing new was stored.
	Duplicate bool
}

// Sink stores inbound messages. Deliver returns only after the message is
// durably stored (or found to be a duplicate); a connector acknowledges the
// message to the outside system only after a nil error.
type Sink interface {
	Deliver(ctx context.Context, msg Inbound) (Receipt, error)
}

// SinkFunc adapts a function to the Sink interface.
type SinkFunc func(ctx context.Context, msg Inbound) (Receipt, error)

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, msg Inbound) (Receipt, error) { return f(ctx, msg) }

// Outbound is a reply the desk sends on a channel.
type Outbound struct {
	// ReplyTo is the external id of the message being answered, and
	// ThreadID the conversation, as they came in on the Inbound.
	ReplyTo  string
	ThreadID string
	To       Author
	Subject  string
	Text     string
	// Visibility asks for a public reply or a direct message where the
	// channel distinguishes them.
	Visibility Visibility
}

// WebhookReceiver is implemented by connectors that are called by their
// outside system over HTTP. The server routes POST /hooks/{channel} to it.
type WebhookReceiver interface {
	ServeWebhook(w http.ResponseWriter, r *http.Request, sink Sink)
}

// Poller is implemented by connectors that fetch new messages on a schedule.
// Poll fetches what is new since the last successful poll and delivers it.
type Poller interface {
	Poll(ctx context.Context, sink Sink) error
}

// Streamer is implemented by connectors that hold a live connection open.
// Stream delivers messages until ctx ends or the connection fails; the
// caller restarts it with backoff.
type Streamer interface {
	Stream(ctx context.Context, sink Sink) error
}

// Sender is implemented by connectors that can post a reply. It returns the
// external id the reply got on the channel.
type Sender interface {
	Send(ctx context.Context, msg Outbound) (externalID string, err error)
}

// Reactor is implemented by connectors that can react to a message, for
// example with an emoji to show the desk has seen it.
type Reactor interface {
	React(ctx context.Context, externalID, reaction string) error
}

// ProfileLookup is implemented by connectors that can look up an author's
// profile (display name, email) on their system.
type ProfileLookup interface {
	Profile(ctx context.Context, authorID string) (Author, error)
}

// Cursor is persistent state a connector keeps between runs, such as the
// last seen status id or IMAP UID. The pipeline stores it in the database.
type Cursor interface {
	Load(ctx context.Context, key string) (string, error)
	Save(ctx context.Context, key, value string) error
}

// ErrBadSignature is returned (or reported as 401) when a webhook's
// signature does not verify.
var ErrBadSignature = errors.New("connector: bad signature")

// ErrRejected is matched (with errors.Is) by a Sink error that rejects the
// message for good: it is invalid and retrying it cannot help. A connector
// should then tell its outside system not to retry (a webhook answers 422)
// instead of asking for a redelivery.
var ErrRejected = errors.New("connector: message rejected")
