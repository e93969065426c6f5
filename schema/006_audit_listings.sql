-- 006: the messages a search listed, one row per search (audit/listing_index.h).
-- Prose spec: schema/README.md.
--
-- A search names every message on its page as a target. As audit_event_targets rows, each
-- was an insert at a random place of audit_event_targets_by_leaf (a search shows messages
-- from all over the archive): a page of 50 was 50 random index pages written and synced
-- before the answer. Here a search's listing is one row appended at the end, keyed by its
-- event's seq. The listing is still in the event's payload (the truth) and in this index
-- row, committed with the event; "which searches listed message X" is answered by a
-- derived index in its own file (audit-listings.sqlite), built in the background, plus
-- the rows of this table it has not reached yet.
CREATE TABLE audit_listings (
  event_seq INTEGER PRIMARY KEY,  -- audit_events.seq of the search event
  log       INTEGER NOT NULL,     -- the log of every listed leaf (1 = messages)
  seqs      TEXT NOT NULL         -- the listed leaves' seqs, in the payload's order: "[7,3,12]"
) STRICT;

CREATE TRIGGER audit_listings_append_only_u BEFORE UPDATE ON audit_listings
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_listings_append_only_d BEFORE DELETE ON audit_listings
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
