-- 005: each message's policy decision in one step, for search and read
-- (archive/message_details.h). Prose spec: schema/README.md.
--
-- A message's decision is the first policy.decision audit event (type 1) that names it
-- (log 1 = messages). Found through audit_event_targets_by_leaf, that lookup walks every
-- event that ever named the message, and every search names each message it shows: the
-- walk grew with every search that showed the message, without bound. This index holds
-- the one row that matters. It is derived from audit_events and audit_event_targets (the
-- payloads are the truth), written by the trigger below in the transaction that writes
-- the event's targets, and backfilled here from what is already archived.
CREATE TABLE message_decisions (
  message_seq     INTEGER PRIMARY KEY,  -- seq of the message in log 1
  event_seq       INTEGER NOT NULL,     -- the decision event's audit_events.seq
  event_record_id BLOB NOT NULL CHECK (length(event_record_id) = 16)  -- and record_id
) STRICT;

INSERT OR IGNORE INTO message_decisions(message_seq, event_seq, event_record_id)
  SELECT t.seq, e.seq, t.record_id FROM audit_event_targets t JOIN audit_events e ON e.record_id = t.record_id
  WHERE t.log = 1 AND e.type = 1 ORDER BY e.seq;

-- The writer inserts an event's audit_events row before its targets, so the type is there.
-- A policy decision names exactly one record, its message (audit_checker.cpp): position 0.
-- So the type is looked up once per event, not once per target (a search names up to 500).
CREATE TRIGGER message_decisions_from_targets AFTER INSERT ON audit_event_targets
  WHEN NEW.position = 0 AND NEW.log = 1 AND (SELECT type FROM audit_events WHERE record_id = NEW.record_id) = 1
  BEGIN
    INSERT OR IGNORE INTO message_decisions(message_seq, event_seq, event_record_id)
      SELECT NEW.seq, seq, NEW.record_id FROM audit_events WHERE record_id = NEW.record_id;
  END;

CREATE TRIGGER message_decisions_append_only_u BEFORE UPDATE ON message_decisions
  BEGIN SELECT RAISE(ABORT, 'message decisions are append-only'); END;
CREATE TRIGGER message_decisions_append_only_d BEFORE DELETE ON message_decisions
  BEGIN SELECT RAISE(ABORT, 'message decisions are deleted only by a purge'); END;
