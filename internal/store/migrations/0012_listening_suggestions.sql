-- Besides a category, the listening classifier suggests a service, an
-- impact and an urgency for a support request (each empty when no model of
-- that kind is active). An agent applies them on the ticket with one click.
ALTER TABLE listening_posts ADD COLUMN service TEXT NOT NULL DEFAULT '';
ALTER TABLE listening_posts ADD COLUMN impact TEXT NOT NULL DEFAULT '';
ALTER TABLE listening_posts ADD COLUMN urgency TEXT NOT NULL DEFAULT '';
-- The ticket page looks up the post that opened a ticket.
CREATE INDEX listening_posts_ticket ON listening_posts(ticket_id);
