-- A notification may point to a page other than a ticket (a community
-- question or answer); link is that page's path, empty for the rest.
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
