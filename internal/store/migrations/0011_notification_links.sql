-- A notification may point to a page other than a ticket (a community
-- question or answer); link is that page's path, empty for the rest.
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
-- Every page counts the person's unread notifications.
CREATE INDEX notifications_unread ON notifications(person_id, read_at);
