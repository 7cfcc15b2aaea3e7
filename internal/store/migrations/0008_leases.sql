-- Leases let one node of several run a scheduled job (SLA escalation,
-- digests) at a time; a lease expires if its holder dies.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
