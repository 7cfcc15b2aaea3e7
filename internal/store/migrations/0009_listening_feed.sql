-- With several nodes on one database, outage detection runs on the node
-- holding the "listening-detector" lease. Every node appends each new
-- post it observes to listening_feed (once per channel + external id);
-- the lease holder reads it by id, and a new holder rebuilds its window
-- from the recent rows. incident_id records the major incident a report
-- was linked to, so a rebuilt window continues that incident instead of
-- opening a second one.
CREATE TABLE listening_feed (
    id {{ID}},
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    ticket_id BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL,
    incident_id BIGINT NOT NULL DEFAULT 0,
    UNIQUE (channel, external_id)
);
CREATE INDEX listening_feed_at ON listening_feed(at);
