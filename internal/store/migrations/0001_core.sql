-- The service desk core: people, groups, identities, credentials, tickets,
-- their threads and history, settings, notifications and the audit log.
-- Times are Unix microseconds (0 = unset); durations are nanoseconds.
-- {{ID}} and {{BLOB}} are replaced per database dialect.

CREATE TABLE people (
    id {{ID}},
    email TEXT UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '',
    devices TEXT NOT NULL DEFAULT '[]',
    preferred_channels TEXT NOT NULL DEFAULT '[]',
    access_expires BIGINT NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE assignment_groups (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    on_call INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES assignment_groups(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, person_id)
);

CREATE TABLE identities (
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX identities_person ON identities(person_id);

CREATE TABLE api_tokens (
    id {{ID}},
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE tickets (
    id {{ID}},
    type TEXT NOT NULL,
    seq BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    impact TEXT NOT NULL,
    urgency TEXT NOT NULL,
    priority INTEGER NOT NULL,
    group_id BIGINT NOT NULL DEFAULT 0,
    assignee_id BIGINT NOT NULL DEFAULT 0,
    requester_id BIGINT NOT NULL DEFAULT 0,
    category TEXT NOT NULL DEFAULT '',
    service TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT 'portal',
    parent_id BIGINT NOT NULL DEFAULT 0,
    major INTEGER NOT NULL DEFAULT 0,
    source_question_id BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    resolved_at BIGINT NOT NULL DEFAULT 0,
    closed_at BIGINT NOT NULL DEFAULT 0,
    response_target BIGINT NOT NULL DEFAULT 0,
    resolution_target BIGINT NOT NULL DEFAULT 0,
    response_due BIGINT NOT NULL DEFAULT 0,
    resolution_due BIGINT NOT NULL DEFAULT 0,
    responded_at BIGINT NOT NULL DEFAULT 0,
    paused BIGINT NOT NULL DEFAULT 0,
    paused_since BIGINT NOT NULL DEFAULT 0,
    sla_warned INTEGER NOT NULL DEFAULT 0,
    sla_breached INTEGER NOT NULL DEFAULT 0,
    -- next_due is the earliest running SLA due time (0 when no clock runs),
    -- kept so "at risk" filters and the escalation scan use one index.
    next_due BIGINT NOT NULL DEFAULT 0,
    UNIQUE (type, seq)
);
CREATE INDEX tickets_queue ON tickets(state, priority, created_at);
CREATE INDEX tickets_assignee ON tickets(assignee_id, state);
CREATE INDEX tickets_group ON tickets(group_id, state);
CREATE INDEX tickets_requester ON tickets(requester_id);
CREATE INDEX tickets_parent ON tickets(parent_id);
CREATE INDEX tickets_next_due ON tickets(next_due);
CREATE INDEX tickets_open_priority ON tickets(priority, created_at) WHERE state NOT IN ('resolved', 'closed');

CREATE TABLE messages (
    id {{ID}},
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL DEFAULT 0,
    internal INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL DEFAULT 'in',
    delivery_state TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, id);
CREATE UNIQUE INDEX messages_external ON messages(channel, external_id) WHERE external_id <> '';

CREATE TABLE attachments (
    id {{ID}},
    message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {{BLOB}} NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE ticket_events (
    id {{ID}},
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL DEFAULT 0,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE notifications (
    id {{ID}},
    person_id BIGINT NOT NULL DEFAULT 0,
    group_id BIGINT NOT NULL DEFAULT 0,
    ticket_id BIGINT NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_group ON notifications(group_id, id);

CREATE TABLE audit_log (
    id {{ID}},
    at BIGINT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
