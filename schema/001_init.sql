-- 001: the message log, its content, and the metadata index.
-- Prose spec of every table: schema/README.md. Append-only is enforced by triggers.

-- Deployment identity (INTEGRITY.md "Identity"): written once at first start.
CREATE TABLE deployment (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- The logs: 1 = messages, 2 = audit. origin = "<base origin>/<name>", log_id = SHA-256(origin).
CREATE TABLE logs (
  id     INTEGER PRIMARY KEY,
  name   TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL,
  log_id BLOB NOT NULL CHECK (length(log_id) = 32)
) STRICT;

-- Leaf v1 of every record (archive/format/leaf.h). leaf_hash = SHA-256(0x00 || leaf).
CREATE TABLE leaves (
  log       INTEGER NOT NULL REFERENCES logs(id),
  seq       INTEGER NOT NULL,
  leaf      BLOB NOT NULL CHECK (length(leaf) = 132),
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  record_id BLOB NOT NULL CHECK (length(record_id) = 16),
  PRIMARY KEY (log, seq)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX leaves_by_record ON leaves(record_id);

-- What each leaf commits to: salt and payload exactly as hashed.
CREATE TABLE payloads (
  record_id BLOB NOT NULL UNIQUE CHECK (length(record_id) = 16),
  salt      BLOB NOT NULL CHECK (length(salt) = 32),
  payload   BLOB NOT NULL
) STRICT;

-- Content-addressed message bodies: SHA-256 of the raw bytes; zstd stream in chunks.
CREATE TABLE blobs (
  sha256        BLOB PRIMARY KEY CHECK (length(sha256) = 32),
  raw_length    INTEGER NOT NULL,
  codec         INTEGER NOT NULL,
  stored_length INTEGER NOT NULL,
  chunk_count   INTEGER NOT NULL,
  refcount      INTEGER NOT NULL CHECK (refcount >= 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE blob_chunks (
  sha256 BLOB NOT NULL REFERENCES blobs(sha256),
  idx    INTEGER NOT NULL,
  data   BLOB NOT NULL,
  UNIQUE (sha256, idx)
) STRICT;

-- The metadata index: a search index derived from payload and raw bytes, checked by verify.
CREATE TABLE messages (
  record_id      BLOB PRIMARY KEY CHECK (length(record_id) = 16),
  seq            INTEGER NOT NULL UNIQUE,
  received_us    INTEGER NOT NULL,
  source         INTEGER NOT NULL,
  mail_from      TEXT NOT NULL COLLATE NOCASE,
  client_address TEXT NOT NULL,
  tls_protocol   TEXT NOT NULL,
  raw_sha256     BLOB NOT NULL REFERENCES blobs(sha256),
  raw_length     INTEGER NOT NULL,
  flags          INTEGER NOT NULL,
  message_id     TEXT NOT NULL,
  date_header    TEXT NOT NULL,
  date_us        INTEGER,
  from_header    TEXT NOT NULL,
  sender_header  TEXT NOT NULL,
  to_header      TEXT NOT NULL,
  cc_header      TEXT NOT NULL,
  subject        TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX messages_by_received ON messages(received_us);
CREATE INDEX messages_by_message_id ON messages(message_id);
CREATE INDEX messages_by_mail_from ON messages(mail_from, received_us);

-- Envelope recipients (kind 0) and header addresses (1 From, 2 Sender, 3 To, 4 Cc).
CREATE TABLE message_addresses (
  record_id BLOB NOT NULL REFERENCES messages(record_id),
  kind      INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  address   TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (record_id, kind, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_addresses_by_address ON message_addresses(address, kind);

-- Append-only. Content (payloads, blob_chunks, and what is derived from it) will be
-- deleted only by the purge path, which a later migration adds with its audit event.
CREATE TRIGGER deployment_append_only_u BEFORE UPDATE ON deployment
  BEGIN SELECT RAISE(ABORT, 'deployment is write-once'); END;
CREATE TRIGGER deployment_append_only_d BEFORE DELETE ON deployment
  BEGIN SELECT RAISE(ABORT, 'deployment is write-once'); END;
CREATE TRIGGER logs_append_only_u BEFORE UPDATE ON logs
  BEGIN SELECT RAISE(ABORT, 'logs are write-once'); END;
CREATE TRIGGER logs_append_only_d BEFORE DELETE ON logs
  BEGIN SELECT RAISE(ABORT, 'logs are write-once'); END;
CREATE TRIGGER leaves_append_only_u BEFORE UPDATE ON leaves
  BEGIN SELECT RAISE(ABORT, 'leaves are append-only'); END;
CREATE TRIGGER leaves_append_only_d BEFORE DELETE ON leaves
  BEGIN SELECT RAISE(ABORT, 'leaves are append-only'); END;
CREATE TRIGGER payloads_append_only_u BEFORE UPDATE ON payloads
  BEGIN SELECT RAISE(ABORT, 'payloads are append-only'); END;
CREATE TRIGGER payloads_append_only_d BEFORE DELETE ON payloads
  BEGIN SELECT RAISE(ABORT, 'payloads are deleted only by a purge'); END;
CREATE TRIGGER blobs_identity_fixed BEFORE UPDATE OF sha256, raw_length, codec, stored_length, chunk_count ON blobs
  BEGIN SELECT RAISE(ABORT, 'blob identity is immutable'); END;
CREATE TRIGGER blobs_append_only_d BEFORE DELETE ON blobs
  BEGIN SELECT RAISE(ABORT, 'blobs are deleted only by a purge'); END;
CREATE TRIGGER blob_chunks_append_only_u BEFORE UPDATE ON blob_chunks
  BEGIN SELECT RAISE(ABORT, 'blob chunks are append-only'); END;
CREATE TRIGGER blob_chunks_append_only_d BEFORE DELETE ON blob_chunks
  BEGIN SELECT RAISE(ABORT, 'blob chunks are deleted only by a purge'); END;
CREATE TRIGGER messages_append_only_u BEFORE UPDATE ON messages
  BEGIN SELECT RAISE(ABORT, 'message metadata is append-only'); END;
CREATE TRIGGER messages_append_only_d BEFORE DELETE ON messages
  BEGIN SELECT RAISE(ABORT, 'message metadata is deleted only by a purge'); END;
CREATE TRIGGER message_addresses_append_only_u BEFORE UPDATE ON message_addresses
  BEGIN SELECT RAISE(ABORT, 'message addresses are append-only'); END;
CREATE TRIGGER message_addresses_append_only_d BEFORE DELETE ON message_addresses
  BEGIN SELECT RAISE(ABORT, 'message addresses are deleted only by a purge'); END;
