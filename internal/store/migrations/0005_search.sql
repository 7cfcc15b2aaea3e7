-- Every search is logged so analytics can report searches that found
-- nothing, searches with no click, and problems solved without a ticket.
CREATE TABLE search_log (
    id {{ID}},
    at BIGINT NOT NULL,
    person_id BIGINT NOT NULL DEFAULT 0,
    query TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    results INTEGER NOT NULL,
    clicked TEXT NOT NULL DEFAULT '',
    solved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX search_log_at ON search_log(at);
