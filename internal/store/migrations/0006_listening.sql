-- Social listening: watch rules, the posts they matched, classifier model
-- versions, agents' corrections, acknowledgements held for review and
-- status-page updates of major incidents.
CREATE TABLE listening_rules (
    id {{ID}},
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE TABLE listening_posts (
    id {{ID}},
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    rule_ids TEXT NOT NULL DEFAULT '',
    support_score REAL NOT NULL DEFAULT 0,
    support INTEGER NOT NULL DEFAULT 0,
    category TEXT NOT NULL DEFAULT '',
    cluster_id BIGINT NOT NULL DEFAULT 0,
    ticket_id BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX listening_posts_at ON listening_posts(at);
CREATE TABLE listening_models (
    id {{ID}},
    kind TEXT NOT NULL,
    model {{BLOB}} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    examples INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE listening_feedback (
    id {{ID}},
    post_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    text TEXT NOT NULL,
    applied INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE listening_replies (
    id {{ID}},
    post_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    thread TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by BIGINT NOT NULL DEFAULT 0,
    UNIQUE (channel, thread)
);
CREATE TABLE status_updates (
    id {{ID}},
    ticket_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_updates_ticket ON status_updates(ticket_id);
