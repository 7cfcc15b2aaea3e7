-- Acknowledgements of the social-media and self-help usage guideline. The
-- guideline itself is a setting; each publication has a new version number.
CREATE TABLE policy_acks (
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    acked_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, version)
);
