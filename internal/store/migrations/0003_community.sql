-- Community Q&A, knowledge base articles, deflections and knowledge links.

CREATE TABLE questions (
    id {{ID}},
    author_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    duplicate_of BIGINT NOT NULL DEFAULT 0,
    ticket_id BIGINT NOT NULL DEFAULT 0,
    -- escalation is 1 once a worker has claimed the question for a ticket.
    escalation INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX questions_created ON questions(created_at);

CREATE TABLE question_tags (
    question_id BIGINT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (question_id, tag)
);
CREATE INDEX question_tags_tag ON question_tags(tag);

CREATE TABLE answers (
    id {{ID}},
    question_id BIGINT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0,
    verified_by BIGINT NOT NULL DEFAULT 0,
    verified_at BIGINT NOT NULL DEFAULT 0,
    verify_review_by BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'visible',
    created_at BIGINT NOT NULL
);
CREATE INDEX answers_question ON answers(question_id);
CREATE INDEX answers_author ON answers(author_id);

CREATE TABLE comments (
    id {{ID}},
    target_kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_target ON comments(target_kind, target_id);

CREATE TABLE votes (
    person_id BIGINT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (person_id, target_kind, target_id)
);
CREATE INDEX votes_target ON votes(target_kind, target_id);

CREATE TABLE flags (
    id {{ID}},
    answer_id BIGINT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    reporter_id BIGINT NOT NULL,
    staff INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (answer_id, reporter_id)
);

CREATE TABLE articles (
    id {{ID}},
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    applies TEXT NOT NULL DEFAULT '{}',
    review_by BIGINT NOT NULL DEFAULT 0,
    author_id BIGINT NOT NULL,
    source_kind TEXT NOT NULL DEFAULT '',
    source_id BIGINT NOT NULL DEFAULT 0,
    redactions TEXT NOT NULL DEFAULT '[]',
    redactions_confirmed INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX articles_state ON articles(state);

CREATE TABLE article_versions (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE article_feedback (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL,
    helpful INTEGER NOT NULL,
    PRIMARY KEY (article_id, person_id)
);

CREATE TABLE article_media (
    id {{ID}},
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE deflections (
    id {{ID}},
    person_id BIGINT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX deflections_target ON deflections(target_kind, target_id);

CREATE TABLE knowledge_links (
    id {{ID}},
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX knowledge_links_target ON knowledge_links(target_kind, target_id);
