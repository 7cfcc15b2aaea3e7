-- Posts observed by social listening, per channel and hour, summed over
-- every node: each node adds its counts every few seconds, so the
-- dashboard shows the whole cluster's traffic and keeps it across
-- restarts. Hours are Unix hours (seconds / 3600).
CREATE TABLE listening_volume (
    channel TEXT NOT NULL,
    hour BIGINT NOT NULL,
    total BIGINT NOT NULL DEFAULT 0,
    support BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, hour)
);
