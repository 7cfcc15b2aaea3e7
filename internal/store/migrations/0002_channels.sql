-- Channels: connector instances, messages held until their author is known,
-- conversation threads, automatic acknowledgements, outbound delivery
-- attempts and connector cursors. Times are Unix microseconds.

CREATE TABLE channels (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    -- config is the connector's JSON configuration, sealed with AES-GCM
    -- by the channels package; the store never sees the plain text.
    config {{BLOB}} NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE held_messages (
    id {{ID}},
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    author_email TEXT NOT NULL DEFAULT '',
    -- payload is the whole inbound message as JSON, replayed on release.
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    released_at BIGINT NOT NULL DEFAULT 0,
    UNIQUE (channel, external_id)
);
CREATE INDEX held_messages_author ON held_messages(kind, author_id, released_at);

CREATE TABLE channel_threads (
    channel TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    PRIMARY KEY (channel, thread_id)
);
CREATE INDEX channel_threads_ticket ON channel_threads(ticket_id);

CREATE TABLE channel_acks (
    channel TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    ticket_id BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (channel, thread_id)
);
CREATE INDEX channel_acks_author ON channel_acks(channel, author_id, sent_at);

CREATE TABLE outbound_attempts (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);

CREATE INDEX messages_delivery ON messages(delivery_state, id) WHERE delivery_state = 'queued';

CREATE TABLE connector_cursors (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (channel, key)
);
