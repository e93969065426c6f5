-- 002: Merkle tree nodes for both logs, signed checkpoints, and the audit log's index.
-- Prose spec: schema/README.md.

-- Every complete subtree of each log's RFC 6962 tree: level 0 are leaf hashes, level L
-- index i covers leaves [i*2^L, (i+1)*2^L). Proofs and roots of any past size cost
-- O(log n) reads. Existing leaves are backfilled by the archive at start.
CREATE TABLE tree_nodes (
  log   INTEGER NOT NULL REFERENCES logs(id),
  level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (log, level, idx)
) STRICT, WITHOUT ROWID;

-- C2SP tlog-checkpoint signed notes, signed after group commits (at most about once a
-- second per log). Kept for evidence.checkpoint_keep_days, then one per hour.
CREATE TABLE checkpoints (
  log       INTEGER NOT NULL REFERENCES logs(id),
  size      INTEGER NOT NULL CHECK (size > 0),
  root      BLOB NOT NULL CHECK (length(root) = 32),
  note      TEXT NOT NULL,
  signed_us INTEGER NOT NULL,
  PRIMARY KEY (log, size)
) STRICT, WITHOUT ROWID;

-- The audit log's index, derived from audit payloads (verify checks it).
CREATE TABLE audit_events (
  record_id BLOB PRIMARY KEY CHECK (length(record_id) = 16),
  seq       INTEGER NOT NULL UNIQUE,
  type      INTEGER NOT NULL,
  event_us  INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  outcome   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_events_by_type ON audit_events(type, event_us);
CREATE INDEX audit_events_by_actor ON audit_events(actor, event_us);
CREATE INDEX audit_events_by_time ON audit_events(event_us);

CREATE TABLE audit_event_targets (
  record_id BLOB NOT NULL REFERENCES audit_events(record_id),
  position  INTEGER NOT NULL,
  log       INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  PRIMARY KEY (record_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_event_targets_by_leaf ON audit_event_targets(log, seq);

CREATE TRIGGER tree_nodes_append_only_u BEFORE UPDATE ON tree_nodes
  BEGIN SELECT RAISE(ABORT, 'tree nodes are append-only'); END;
CREATE TRIGGER tree_nodes_append_only_d BEFORE DELETE ON tree_nodes
  BEGIN SELECT RAISE(ABORT, 'tree nodes are append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'checkpoints are never changed (old ones may be thinned)'); END;
CREATE TRIGGER audit_events_append_only_u BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_append_only_d BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_event_targets_append_only_u BEFORE UPDATE ON audit_event_targets
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_event_targets_append_only_d BEFORE DELETE ON audit_event_targets
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
