-- 004: indexes for the message search (GET /api/v1/messages, archive/message_search.h).
-- Prose spec: schema/README.md.
--
-- Every search is ordered by (received_us, seq), newest or oldest first, and pages by that
-- position. The indexes it walks in that order carry both columns, so a page is read in
-- index order and stops after `limit` rows instead of sorting every match.
DROP INDEX messages_by_received;
CREATE INDEX messages_by_received_seq ON messages(received_us, seq);
DROP INDEX messages_by_mail_from;
CREATE INDEX messages_by_mail_from_received ON messages(mail_from, received_us, seq);
-- Date header and size ranges.
CREATE INDEX messages_by_date ON messages(date_us);
CREATE INDEX messages_by_size ON messages(raw_length);
