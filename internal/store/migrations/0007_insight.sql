-- Weekly digests: one row per recipient and ISO week, claimed before the
-- digest is sent, so each recipient gets each week's digest exactly once
-- even when several workers run.
CREATE TABLE sent_digests (
    recipient TEXT NOT NULL,
    week TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (recipient, week)
);
